using System.Globalization;
using RestSharp;

namespace SalesSync.Core.Http;

/// <summary>
/// A service's own clock, as its responses' HTTP <c>Date</c> headers tell it. Watermarks compared with the
/// service's timestamps (Marketo's <c>sinceDatetime</c>, Salesforce's <c>SystemModstamp</c>) are taken on
/// this clock, so a local clock that runs fast or slow loses no changes.
/// </summary>
public sealed class ServerClock
{
    private readonly object _sync = new();
    private TimeSpan? _offset;

    /// <summary>Server time minus local time at the latest response with a Date header (null before any).</summary>
    public TimeSpan? Offset
    {
        get { lock (_sync) return _offset; }
    }

    /// <summary>Takes the Date header of a response received at <paramref name="localNow"/>, if it has one.</summary>
    public void Observe(RestResponse response, DateTimeOffset localNow)
    {
        if (RestTransport.ServerDate(response) is { } serverNow) Observe(serverNow, localNow);
    }

    public void Observe(DateTimeOffset serverNow, DateTimeOffset localNow)
    {
        lock (_sync) _offset = serverNow - localNow;
    }

    /// <summary>
    /// A local instant on the server's clock, or null while no response carried a Date. The header has whole
    /// seconds and is stamped before the answer travels, so this is early by up to a second or so: callers keep a margin.
    /// </summary>
    public DateTimeOffset? ToServerTime(DateTimeOffset local) => Offset is { } offset ? local + offset : null;

    /// <summary>Parses an HTTP date (RFC 1123); null when absent or malformed.</summary>
    internal static DateTimeOffset? Parse(string? value) =>
        value is not null && DateTimeOffset.TryParseExact(value.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at)
            ? at : null;
}
