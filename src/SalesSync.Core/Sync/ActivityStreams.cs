using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// The three activity streams an incremental sync reads from Marketo's log, each with its own paging
/// token: lead changes (New Lead 12, Change Data Value 13 of the synced fields), lead activities (Convert
/// Lead 21, Change Owner 23, Merge Leads 32) and deleted leads (37). A CRM conversion or an owner change
/// may be logged only as 21 or 23, not as 13 on the fields it changed (marketo-api.md §5.5 lists the types;
/// nothing says 13 is logged too), so both are read. The endpoints always return a nextPageToken; the last
/// one is the next watermark.
/// </summary>
internal static class ActivityStreams
{
    public const string LeadChanges = "rest/v1/activities/leadchanges.json";
    public const string Activities = "rest/v1/activities.json";
    public const string DeletedLeads = "rest/v1/activities/deletedleads.json";
    public const int ConvertLead = 21;
    public const int ChangeOwner = 23;
    public const int MergeLeads = 32;

    /// <summary>The types read from activities.json (at most 10 per call).</summary>
    public static IReadOnlyList<int> LeadActivityTypes { get; } = [ConvertLead, ChangeOwner, MergeLeads];

    /// <summary>The lead fields whose changes matter: the synced ones and those that decide eligibility.</summary>
    public static IReadOnlyList<string> WatchedFields { get; } = MarketoPersonFields.RestNames.Where(f => f is not ("id" or "updatedAt")).ToList();

    /// <summary>A paging token for Marketo's log from <paramref name="since"/>, a time on Marketo's clock (see <see cref="MarketoClient.ServerClock"/>).</summary>
    public static async Task<string?> TokenSinceAsync(MarketoClient marketo, DateTimeOffset since, CancellationToken ct)
    {
        var response = await marketo.GetAsync("rest/v1/activities/pagingtoken.json",
            [new("sinceDatetime", since.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
        return response.NextPageToken;
    }

    public static IEnumerable<KeyValuePair<string, string>> Query(string endpoint, string token)
    {
        yield return new("nextPageToken", token);
        yield return new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture));
        if (endpoint == LeadChanges) yield return new("fields", string.Join(',', WatchedFields));
        if (endpoint == Activities) yield return new("activityTypeIds", string.Join(',', LeadActivityTypes.Select(t => t.ToString(CultureInfo.InvariantCulture))));
    }

    /// <summary>Lead ids a page of lead changes touches (12, or 13 on a watched field: the API may send others).</summary>
    public static IEnumerable<long> ChangedLeads(IEnumerable<JsonElement> activities)
    {
        var watched = new HashSet<string>(WatchedFields, StringComparer.OrdinalIgnoreCase);
        foreach (var a in activities)
        {
            if (LeadId(a) is not { } id) continue;
            var type = Int(a, "activityTypeId");
            if (type == 12) yield return id;
            else if (type == 13 && a.TryGetProperty("fields", out var fields) && fields.ValueKind == JsonValueKind.Array
                     && fields.EnumerateArray().Any(f => MarketoResponse.String(f, "name") is { } n && watched.Contains(n)))
                yield return id;
        }
    }

    /// <summary>Leads a Convert Lead (21) or Change Owner (23) row names: fetched again, kept or removed by what they are now.</summary>
    public static IEnumerable<long> ConvertedOrReowned(IEnumerable<JsonElement> activities)
    {
        foreach (var a in activities)
            if (Int(a, "activityTypeId") is ConvertLead or ChangeOwner && LeadId(a) is { } id) yield return id;
    }

    /// <summary>
    /// Marketo unsubscribes in a page of lead changes (13 on <c>unsubscribed</c> to true), each with its
    /// activity date (Marketo's clock): the opt-out step pushes an unsubscribe newer than a Salesforce re-subscribe.
    /// </summary>
    public static IEnumerable<(long LeadId, DateTimeOffset At)> Unsubscribes(IEnumerable<JsonElement> activities)
    {
        foreach (var a in activities)
        {
            if (Int(a, "activityTypeId") != 13 || LeadId(a) is not { } id || !a.TryGetProperty("fields", out var fields) || fields.ValueKind != JsonValueKind.Array) continue;
            if (ActivityDate(a) is not { } at) continue;
            foreach (var f in fields.EnumerateArray())
                if (string.Equals(MarketoResponse.String(f, "name"), "unsubscribed", StringComparison.OrdinalIgnoreCase)
                    && MarketoResponse.String(f, "newValue")?.Trim() is { } value && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1"))
                    yield return (id, at);
        }
    }

    /// <summary>From Merge Leads rows: the winners (to fetch again) and the losers (gone from Marketo).</summary>
    public static (List<long> Winners, List<long> Losers) Merges(IEnumerable<JsonElement> activities)
    {
        var winners = new List<long>();
        var losers = new List<long>();
        foreach (var a in activities)
        {
            if (Int(a, "activityTypeId") != MergeLeads || LeadId(a) is not { } winner) continue;
            winners.Add(winner);
            var merged = MergedIds(a);
            if (merged.Count == 0) merged = ParseIds(MarketoResponse.String(a, "primaryAttributeValue"));
            losers.AddRange(merged.Where(loser => loser != winner));
        }
        return (winners, losers);
    }

    /// <summary>
    /// The "Merge ids" attribute (Marketo's type list spells it "Merge IDs"; names match without regard to case). Its
    /// value is undocumented: text such as "123,456", "123, 456" or "[123,456]", a JSON array, or one number.
    /// </summary>
    private static List<long> MergedIds(JsonElement a)
    {
        if (!a.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array) return [];
        foreach (var attribute in attributes.EnumerateArray())
        {
            if (!string.Equals(MarketoResponse.String(attribute, "name"), "Merge ids", StringComparison.OrdinalIgnoreCase)) continue;
            // Text as it is; a JSON array or number as its JSON text ("[123,456]"), which parses the same way.
            return ParseIds(MarketoResponse.String(attribute, "value"));
        }
        return [];
    }

    /// <summary>Ids in "123,456", "123, 456" or "[123,456]"; parts that are not ids are skipped.</summary>
    internal static List<long> ParseIds(string? text)
    {
        var ids = new List<long>();
        if (string.IsNullOrWhiteSpace(text)) return ids;
        foreach (var part in text.Trim().TrimStart('[').TrimEnd(']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (long.TryParse(part.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var id)) ids.Add(id);
        return ids;
    }

    public static IEnumerable<long> DeletedLeadIds(IEnumerable<JsonElement> activities) =>
        activities.Select(LeadId).OfType<long>();

    /// <summary>An activity's date: "2014-09-17T22:31:49+0000" (offset without a colon, as activities show it) or ISO 8601.</summary>
    internal static DateTimeOffset? ActivityDate(JsonElement a)
    {
        if (MarketoResponse.String(a, "activityDate")?.Trim() is not { Length: > 0 } text) return null;
        if (text.Length > 5 && text[^5] is '+' or '-' && text[^4..].All(char.IsAsciiDigit)) text = text[..^2] + ":" + text[^2..];
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
    }

    private static long? LeadId(JsonElement a) =>
        long.TryParse(MarketoResponse.String(a, "leadId"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static int? Int(JsonElement a, string name) =>
        int.TryParse(MarketoResponse.String(a, name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    internal static string? Attribute(JsonElement a, string name)
    {
        if (!a.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array) return null;
        foreach (var attribute in attributes.EnumerateArray())
            if (string.Equals(MarketoResponse.String(attribute, "name"), name, StringComparison.OrdinalIgnoreCase))
                return MarketoResponse.String(attribute, "value");
        return null;
    }
}
