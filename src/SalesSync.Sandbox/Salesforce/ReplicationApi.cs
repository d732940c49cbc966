using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// The replication resources (REST API 29.0+): <c>GET sobjects/{Type}/deleted/?start=&amp;end=</c> (sObject Get Deleted,
/// the SOAP getDeleted rules) and <c>GET sobjects/{Type}/updated/?start=&amp;end=</c> (sObject Get Updated). Both read the
/// sandbox clock; the seconds of start and end are ignored, as the API ignores them; start must precede end by more than
/// a minute; deleted records are reported for no more than 15 days back (the Recycle Bin), updated ones for 30.
/// </summary>
public static class ReplicationApi
{
    private const int FirstVersion = 29;
    private static readonly TimeSpan UpdatedWindow = TimeSpan.FromDays(30);
    private const int MaxIds = 600_000;

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/services/data/{version}/sobjects/{type}/deleted", (string version, string type, HttpContext ctx) => Deleted(state, version, type, ctx));
        app.MapGet("/services/data/{version}/sobjects/{type}/updated", (string version, string type, HttpContext ctx) => Updated(state, version, type, ctx));
    }

    /// <summary>
    /// <c>{deletedRecords:[{id, deletedDate}], earliestDateAvailable, latestDateCovered}</c>. earliestDateAvailable is the
    /// oldest instant whose deletions are still kept (now − 15 days, to the minute); a start before it is refused with
    /// INVALID_REPLICATION_DATE, as getDeleted refuses a start whose deletions have been purged.
    /// </summary>
    private static IResult Deleted(SandboxState state, string version, string type, HttpContext ctx)
    {
        if (Window(state, version, type, ctx, out var schema, out var start, out var end) is { } refused) return refused;
        var now = state.Clock.UtcNow;
        var earliest = ToMinute(now - SalesforceStore.RecycleBinRetention);
        if (start < earliest)
        {
            return SalesforceApi.Error(state, 400, "INVALID_REPLICATION_DATE",
                $"startDate {Format(start)} is before earliestDateAvailable {Format(earliest)}: deleted records are kept for 15 days; resync by id");
        }
        var covered = Covered(now, end);
        var records = new JsonArray();
        lock (state.World.Sync)
        {
            var deleted = state.World.Salesforce.All(schema.Name)
                .Where(r => r["IsDeleted"] is true && !SalesforceStore.IsPurged(r, now))
                .Select(r => (r.Id, At: (DateTimeOffset)r["SystemModstamp"]!))
                .Where(d => d.At >= start && d.At < covered)
                .OrderBy(d => d.At).ThenBy(d => d.Id, StringComparer.Ordinal)
                .ToList();
            if (deleted.Count > MaxIds) return TooMany(state);
            foreach (var (id, at) in deleted)
                records.Add(new JsonObject { ["id"] = id, ["deletedDate"] = SoqlExecutor.ToJson(at) });
        }
        return SalesforceApi.Json(new JsonObject
        {
            ["deletedRecords"] = records,
            ["earliestDateAvailable"] = SoqlExecutor.ToJson(earliest),
            ["latestDateCovered"] = SoqlExecutor.ToJson(covered),
        });
    }

    /// <summary><c>{ids:[…], latestDateCovered}</c>: live records whose SystemModstamp falls in the window, 30 days back at most.</summary>
    private static IResult Updated(SandboxState state, string version, string type, HttpContext ctx)
    {
        if (Window(state, version, type, ctx, out var schema, out var start, out var end) is { } refused) return refused;
        var now = state.Clock.UtcNow;
        if (start < ToMinute(now - UpdatedWindow))
            return SalesforceApi.Error(state, 400, "INVALID_REPLICATION_DATE", $"startDate {Format(start)} is more than 30 days ago");
        var covered = Covered(now, end);
        var ids = new JsonArray();
        lock (state.World.Sync)
        {
            var updated = state.World.Salesforce.All(schema.Name)
                .Where(r => r["IsDeleted"] is not true && r["SystemModstamp"] is DateTimeOffset at && at >= start && at < covered)
                .Select(r => r.Id).Order(StringComparer.Ordinal).ToList();
            if (updated.Count > MaxIds) return TooMany(state);
            foreach (var id in updated) ids.Add(id);
        }
        return SalesforceApi.Json(new JsonObject { ["ids"] = ids, ["latestDateCovered"] = SoqlExecutor.ToJson(covered) });
    }

    /// <summary>The checks both resources share: version, type, start and end present, parsed and more than a minute apart.</summary>
    private static IResult? Window(SandboxState state, string version, string type, HttpContext ctx,
        out SalesforceObjectType schema, out DateTimeOffset start, out DateTimeOffset end)
    {
        start = end = default;
        if (!SalesforceSchema.Types.TryGetValue(type, out schema!) || !Available(version)) return SalesforceApi.NotFound(state);
        foreach (var name in new[] { "start", "end" })
        {
            var raw = ctx.Request.Query[name].ToString();
            if (raw.Length == 0) return SalesforceApi.Error(state, 400, "MISSING_ARGUMENT", $"{name}: a dateTime parameter is required");
            if (!TryParse(raw, out var at))
                return SalesforceApi.Error(state, 400, "MALFORMED_QUERY", $"{name}: '{raw}' is not a dateTime such as 2026-05-05T00:00:00+00:00");
            if (name == "start") start = ToMinute(at);
            else end = ToMinute(at);
        }
        if (end - start <= TimeSpan.FromMinutes(1))
            return SalesforceApi.Error(state, 400, "INVALID_REPLICATION_DATE", "startDate must chronologically precede endDate by more than one minute");
        return null;
    }

    /// <summary>The end of what the answer covers: the end asked for, or now (to the minute) when the end lies ahead.</summary>
    private static DateTimeOffset Covered(DateTimeOffset now, DateTimeOffset end) => end <= ToMinute(now) ? end : ToMinute(now);

    private static IResult TooMany(SandboxState state) =>
        SalesforceApi.Error(state, 400, "EXCEEDED_ID_LIMIT", "More than 600,000 ids: choose start and end dates that are closer together");

    /// <summary>ISO 8601 with an offset ("Z", "+00:00" or "+0000"); a '+' the query string turned into a space is read back.</summary>
    private static bool TryParse(string raw, out DateTimeOffset at)
    {
        var text = raw.Replace(' ', '+');
        if (text.Length > 5 && text[^5] is '+' or '-' && text[^3] != ':') text = text[..^2] + ":" + text[^2..];
        at = default;
        return text.Contains('T') && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at);
    }

    private static DateTimeOffset ToMinute(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % TimeSpan.TicksPerMinute));
    }

    private static string Format(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static bool Available(string version) => ApiVersion.AtLeast(version, FirstVersion);
}
