using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// The three activity streams an incremental sync reads from Marketo's log, each with its own paging
/// token: lead changes (New Lead 12, Change Data Value 13 of the synced fields), Merge Leads (32) and
/// deleted leads (37). The endpoints always return a nextPageToken; the last one is the next watermark.
/// </summary>
internal static class ActivityStreams
{
    public const string LeadChanges = "rest/v1/activities/leadchanges.json";
    public const string Activities = "rest/v1/activities.json";
    public const string DeletedLeads = "rest/v1/activities/deletedleads.json";
    public const int MergeLeads = 32;

    /// <summary>The lead fields whose changes matter: the synced ones and those that decide eligibility.</summary>
    public static IReadOnlyList<string> WatchedFields { get; } = MarketoPersonFields.RestNames.Where(f => f is not ("id" or "updatedAt")).ToList();

    /// <summary>A paging token for "from now on" (one call), read from Marketo so no local clock is trusted.</summary>
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
        if (endpoint == Activities) yield return new("activityTypeIds", MergeLeads.ToString(CultureInfo.InvariantCulture));
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

    /// <summary>From Merge Leads rows: the winners (to fetch again) and the losers (gone from Marketo).</summary>
    public static (List<long> Winners, List<long> Losers) Merges(IEnumerable<JsonElement> activities)
    {
        var winners = new List<long>();
        var losers = new List<long>();
        foreach (var a in activities)
        {
            if (Int(a, "activityTypeId") != MergeLeads || LeadId(a) is not { } winner) continue;
            winners.Add(winner);
            var merged = Attribute(a, "Merge ids") ?? MarketoResponse.String(a, "primaryAttributeValue");
            foreach (var part in (merged ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                if (long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var loser) && loser != winner) losers.Add(loser);
        }
        return (winners, losers);
    }

    public static IEnumerable<long> DeletedLeadIds(IEnumerable<JsonElement> activities) =>
        activities.Select(LeadId).OfType<long>();

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
