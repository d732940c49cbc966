using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Activities;
using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>A custom activity type as Marketo lists it: id, API name, status (draft, approved, approved with draft).</summary>
internal sealed record CustomActivityType(int Id, string ApiName, string Status)
{
    public bool IsApproved => Status.StartsWith("approved", StringComparison.OrdinalIgnoreCase);
    public bool HasDraft => Status.Contains("draft", StringComparison.OrdinalIgnoreCase);
}

/// <summary>One record's outcome of Add Custom Activities: added with Marketo's id, or skipped with a code and message.</summary>
internal sealed record CustomActivityResult(bool Added, string? MarketoGuid, string? Code, string? Message);

/// <summary>
/// Marketo's custom activity endpoints over the shared client: type management (list, describe, create,
/// attributes, approve) and Add Custom Activities (300 per call; a write that is never retried blindly).
/// </summary>
internal sealed class CustomActivityClient(MarketoClient client)
{
    private const string Root = "rest/v1/activities/external";

    /// <summary>Empty pages (moreResult true, no rows) followed in a row before a lookup gives up as unfinished.</summary>
    private const int MaxEmptyPages = 500;

    public async Task<IReadOnlyList<CustomActivityType>> GetTypesAsync(CancellationToken ct)
    {
        var response = await client.GetAsync($"{Root}/types.json", null, ct).ConfigureAwait(false);
        return response.Result.Select(t => new CustomActivityType(
            int.TryParse(MarketoResponse.String(t, "id"), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : 0,
            MarketoResponse.String(t, "apiName") ?? "", MarketoResponse.String(t, "status") ?? "")).ToList();
    }

    /// <summary>The API names of a type's attributes (its draft when there is one, else the live version).</summary>
    public async Task<IReadOnlySet<string>> AttributeNamesAsync(string apiName, bool draft, CancellationToken ct)
    {
        var response = await client.GetAsync($"{Root}/type/{Uri.EscapeDataString(apiName)}/describe.json", draft ? [new("draft", "true")] : null, ct).ConfigureAwait(false);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in response.Result)
            if (type.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Array)
                foreach (var a in attributes.EnumerateArray())
                    if (MarketoResponse.String(a, "apiName") is { } n) names.Add(n);
        return names;
    }

    public async Task CreateTypeAsync(ActivityTypeDefinition type, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["apiName"] = type.ApiName,
            ["name"] = type.Name,
            ["triggerName"] = type.TriggerName,
            ["filterName"] = type.FilterName,
            ["description"] = type.Description,
            ["primaryAttribute"] = new JsonObject { ["apiName"] = type.Primary.ApiName, ["name"] = type.Primary.DisplayName, ["description"] = type.Primary.DisplayName },
        };
        await client.PostAsync($"{Root}/type.json", body.ToJsonString(), ct).ConfigureAwait(false);
    }

    public async Task CreateAttributesAsync(string apiName, IEnumerable<ActivityAttribute> attributes, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["attributes"] = new JsonArray(attributes.Select(a => (JsonNode)new JsonObject
            {
                ["apiName"] = a.ApiName,
                ["name"] = a.DisplayName,
                ["dataType"] = a.DataType,
                ["description"] = a.DisplayName,
            }).ToArray()),
        };
        await client.PostAsync($"{Root}/type/{Uri.EscapeDataString(apiName)}/attributes/create.json", body.ToJsonString(), ct).ConfigureAwait(false);
    }

    public Task ApproveAsync(string apiName, CancellationToken ct) =>
        client.PostAsync($"{Root}/type/{Uri.EscapeDataString(apiName)}/approve.json", null, ct);

    /// <summary>
    /// Adds up to 300 activities in one call; the results come back in input order. Only refusals Marketo
    /// made before processing are retried: any other failure may have landed, and is the caller's to resolve.
    /// </summary>
    public async Task<IReadOnlyList<CustomActivityResult>> AddAsync(IReadOnlyList<JsonObject> records, CancellationToken ct)
    {
        var body = new JsonObject { ["input"] = new JsonArray(records.Select(r => (JsonNode)r.DeepClone()).ToArray()) };
        var response = await client.PostWriteAsync("rest/v1/activities/external.json", body.ToJsonString(), ct).ConfigureAwait(false);
        if (response.Result.Count != records.Count)
            throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE",
                $"Add Custom Activities answered {response.Result.Count} results for {records.Count} records (requestId {response.RequestId})", ApiFailureKind.Transient);
        return response.Result.Select(r =>
        {
            var status = MarketoResponse.String(r, "status");
            if (string.Equals(status, "added", StringComparison.OrdinalIgnoreCase))
                return new CustomActivityResult(true, MarketoResponse.String(r, "marketoGUID") ?? MarketoResponse.String(r, "id"), null, null);
            // The docs show "errors"; some responses say "reasons": read either.
            var problem = First(r, "errors") ?? First(r, "reasons");
            return new CustomActivityResult(false, null, problem is { } p ? MarketoResponse.String(p, "code") : status, problem is { } q ? MarketoResponse.String(q, "message") : null);
        }).ToList();
    }

    private static JsonElement? First(JsonElement o, string name) =>
        o.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0 ? a[0] : null;

    /// <summary>An activity looked for after an unknown outcome: its person, SalesSync's id, and when Marketo's log could first hold it.</summary>
    public readonly record struct Sought(long LeadId, string ActivityId, DateTimeOffset Since);

    /// <summary>Calls a lookup may still make (shared by the walks of one delivery).</summary>
    public sealed class CallBudget(int calls)
    {
        public int Left { get; private set; } = calls;
        public int Limit { get; } = calls;

        public void Spend()
        {
            if (Left <= 0)
                throw new SalesSyncApiException(MarketoClient.ServiceName, "INCOMPLETE_LOOKUP",
                    $"looking up activities with an unknown outcome took more than the {Limit} Marketo calls a delivery may spend on it", ApiFailureKind.Transient);
            Left--;
        }
    }

    /// <summary>
    /// Which of the sought SalesSync activity ids Marketo holds (id → Marketo's id): the activity log of the given
    /// types is walked for ≤ 30 people per walk (as the API allows), from the earliest time any of them could be
    /// filed under, and a walk ends as soon as every activity it looks for is found. Every call is paid from
    /// <paramref name="budget"/>.
    /// </summary>
    /// <remarks>Throws when a walk cannot be finished (the budget is spent, or too many empty pages in a row): an incomplete answer must not pass for "not there".</remarks>
    public async Task<IReadOnlyDictionary<string, string>> FindLoggedAsync(IReadOnlyCollection<int> typeIds, IReadOnlyList<Sought> sought, CallBudget budget, CancellationToken ct)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        // People whose activities are recent walk together, so a backfill months old does not lengthen their walk.
        var byPerson = sought.GroupBy(s => s.LeadId).Select(g => (LeadId: g.Key, Since: g.Min(s => s.Since), Ids: g.Select(s => s.ActivityId).ToList()))
            .OrderBy(p => p.Since).ToList();
        foreach (var chunk in byPerson.Chunk(30))
        {
            var missing = chunk.SelectMany(p => p.Ids).ToHashSet(StringComparer.Ordinal);
            budget.Spend();
            var start = await client.GetAsync("rest/v1/activities/pagingtoken.json",
                [new("sinceDatetime", chunk.Min(p => p.Since).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
            var token = start.NextPageToken;
            for (var empty = 0; token is not null && missing.Count > 0;)
            {
                if (empty >= MaxEmptyPages)
                    throw new SalesSyncApiException(MarketoClient.ServiceName, "INCOMPLETE_LOOKUP",
                        $"Marketo's activity log gave {MaxEmptyPages} empty pages in a row while looking for activities with an unknown outcome", ApiFailureKind.Transient);
                budget.Spend();
                var page = await client.GetAsync("rest/v1/activities.json",
                [
                    new("nextPageToken", token),
                    new("activityTypeIds", string.Join(',', typeIds)),
                    new("leadIds", string.Join(',', chunk.Select(p => p.LeadId))),
                    new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
                ], ct).ConfigureAwait(false);
                foreach (var activity in page.Result)
                    if ((Attribute(activity, SalesActivityCatalog.ActivityIdAttribute) ?? Attribute(activity, SalesActivityCatalog.ActivityId.DisplayName)) is { } id)
                    {
                        found[id] = MarketoResponse.String(activity, "marketoGUID") ?? MarketoResponse.String(activity, "id") ?? "";
                        missing.Remove(id);
                    }
                empty = page.Result.Count == 0 ? empty + 1 : 0;
                token = page.MoreResult == true ? page.NextPageToken : null;
            }
        }
        return found;
    }

    /// <summary>An activity's attribute value by name (any case), as activities.json gives them.</summary>
    private static string? Attribute(JsonElement activity, string name)
    {
        if (!activity.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Array) return null;
        foreach (var attribute in attributes.EnumerateArray())
            if (string.Equals(MarketoResponse.String(attribute, "name"), name, StringComparison.OrdinalIgnoreCase))
                return MarketoResponse.String(attribute, "value");
        return null;
    }
}
