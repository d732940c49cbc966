using System.Globalization;

namespace SalesSync.Core.Http;

/// <summary>
/// Reads an HTTP <c>Retry-After</c> header (RFC 9110 §10.2.3) in either form: delta-seconds ("120") or an HTTP-date
/// ("Wed, 21 Oct 2015 07:28:00 GMT"). It only reads the header: capping the wait is the retry policy's job
/// (<see cref="RetryPipelineFactory"/> caps <see cref="SalesSyncApiException.RetryAfter"/> at
/// <see cref="RetrySettings.MaxDelay"/>), so large values come back as they are.
/// </summary>
internal static class RetryAfterHeader
{
    /// <summary>The header's name; header names compare case-insensitively.</summary>
    public const string Name = "Retry-After";

    // RFC 9110 §5.6.7: IMF-fixdate (what "r" produces), then the obsolete RFC 850 and asctime forms a recipient must
    // still accept, then tolerant variants seen in the wild (one-digit day, UTC instead of GMT, numeric offset,
    // four-digit year in the RFC 850 form).
    private static readonly string[] s_dateFormats =
    [
        "r",
        "ddd, d MMM yyyy H:m:s 'GMT'",
        "ddd, d MMM yyyy H:m:s 'UTC'",
        "ddd, d MMM yyyy H:m:s zzz",
        "ddd, d MMM yyyy H:m:s",
        "dddd, d'-'MMM'-'yy H:m:s 'GMT'",
        "dddd, d'-'MMM'-'yyyy H:m:s 'GMT'",
        "ddd MMM d H:m:s yyyy",
    ];

    // The same without the day name, for a day name that is missing or does not match the date.
    private static readonly string[] s_dateFormatsWithoutDay =
    [
        "d MMM yyyy H:m:s 'GMT'",
        "d MMM yyyy H:m:s 'UTC'",
        "d MMM yyyy H:m:s zzz",
        "d MMM yyyy H:m:s",
        "d'-'MMM'-'yy H:m:s 'GMT'",
        "d'-'MMM'-'yyyy H:m:s 'GMT'",
        "MMM d H:m:s yyyy",
    ];

    private const DateTimeStyles DateStyles =
        DateTimeStyles.AllowWhiteSpaces | DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;

    private static readonly long s_maxSeconds = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond;

    /// <summary>
    /// The wait a <c>Retry-After</c> value asks for, measured from <paramref name="now"/>.
    /// </summary>
    /// <param name="value">The header value; surrounding whitespace is ignored.</param>
    /// <param name="now">The current time, used for the HTTP-date form.</param>
    /// <returns>
    /// The delay; <see cref="TimeSpan.Zero"/> for a date that is not in the future; <see cref="TimeSpan.MaxValue"/>
    /// for a delta-seconds too large to represent; null when the value is missing, empty, negative, fractional or not
    /// a recognisable date.
    /// </returns>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        var text = value.AsSpan().Trim();
        if (text.IsEmpty) return null;

        if (IsAsciiDigits(text))
        {
            // delta-seconds = 1*DIGIT; RFC 9110 says to treat an unrepresentable value as the largest one we have.
            return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= s_maxSeconds
                ? TimeSpan.FromTicks(seconds * TimeSpan.TicksPerSecond)
                : TimeSpan.MaxValue;
        }

        if (!TryParseHttpDate(text, out var date)) return null;
        var delay = date - now;
        return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
    }

    /// <summary>
    /// Finds <c>Retry-After</c> among <paramref name="headers"/> (name compared case-insensitively) and parses it
    /// with <see cref="Parse"/>; with several, the first one that parses wins.
    /// </summary>
    /// <returns>The delay, or null when there is no usable header.</returns>
    public static TimeSpan? From(IEnumerable<KeyValuePair<string, string?>>? headers, DateTimeOffset now)
    {
        if (headers is null) return null;
        foreach (var (name, value) in headers)
        {
            if (!string.Equals(name?.Trim(), Name, StringComparison.OrdinalIgnoreCase)) continue;
            if (Parse(value, now) is { } delay) return delay;
        }
        return null;
    }

    private static bool IsAsciiDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }

    private static bool TryParseHttpDate(ReadOnlySpan<char> value, out DateTimeOffset date)
    {
        // The longest form, RFC 850's "Wednesday, 21-Oct-2015 07:28:00 GMT", is 36 characters.
        date = default;
        if (value.Length > 64) return false;

        // Upper-cased so that a lower-case "gmt" matches too (day and month names already match in any case).
        Span<char> text = stackalloc char[value.Length];
        value.ToUpperInvariant(text);
        if (DateTimeOffset.TryParseExact(text, s_dateFormats, CultureInfo.InvariantCulture, DateStyles, out date)) return true;

        // .NET rejects a day name that does not match the date; the date itself is what matters, so try without it
        // ("Wed, …" and asctime's "Wed Oct 21 …"), and without one at all ("21 Oct 2015 07:28:00 GMT").
        var comma = text.IndexOf(',');
        if (comma >= 0) return TryParseWithoutDay(text[(comma + 1)..], out date);
        var space = text.IndexOf(' ');
        return (space > 0 && TryParseWithoutDay(text[(space + 1)..], out date)) || TryParseWithoutDay(text, out date);
    }

    private static bool TryParseWithoutDay(ReadOnlySpan<char> text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text, s_dateFormatsWithoutDay, CultureInfo.InvariantCulture, DateStyles, out date);
}
