using System.Globalization;
using System.Text.RegularExpressions;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Parses <c>sinceDatetime</c> of Get Paging Token: ISO 8601 as Adobe documents it
/// (<c>2016-09-15T15:53:00+05:00</c>, <c>2016-09-15T10:53:00Z</c>) and the shorter forms public clients
/// send and Marketo accepts (<c>2015-10-06</c>, <c>2015-10-06T13:22-0700</c>, fractions of a second,
/// offsets without a colon or minutes). A value without a zone is read in the instance's time zone
/// (America/Chicago, the zone of the daily quota); Adobe only says a zone gives "best results". A space
/// where the '+' of an offset was (a '+' sent without URL encoding) is not accepted.
/// </summary>
public static partial class SinceDatetime
{
    [GeneratedRegex(@"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        var m = Iso8601().Match(text);
        if (!m.Success) return false;
        int Part(int group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        var (year, month, day, hour, minute, second) = (Part(1), Part(2), Part(3), Part(4), Part(5), Part(6));
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month)) return false;
        if (hour > 23 || minute > 59 || second > 59) return false;
        var ticks = 0L;
        if (m.Groups[7].Success) ticks = long.Parse(m.Groups[7].Value.PadRight(7, '0')[..7], CultureInfo.InvariantCulture);
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);

        TimeSpan offset;
        var zone = m.Groups[8].Value;
        if (zone.Length == 0) offset = InstanceTimeZone.Central.GetUtcOffset(local);
        else if (zone == "Z") offset = TimeSpan.Zero;
        else
        {
            var digits = zone[1..].Replace(":", "", StringComparison.Ordinal);
            var hours = int.Parse(digits[..2], CultureInfo.InvariantCulture);
            var minutes = digits.Length > 2 ? int.Parse(digits[2..], CultureInfo.InvariantCulture) : 0;
            if (hours > 14 || minutes > 59) return false;
            offset = new TimeSpan(hours, minutes, 0);
            if (zone[0] == '-') offset = -offset;
            if (offset.Duration() > TimeSpan.FromHours(14)) return false;
        }
        try
        {
            value = new DateTimeOffset(local, offset).ToUniversalTime();
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
