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

    /// <summary>
    /// The SalesSync activity ids Marketo holds for these leads (≤ 30 per call, as the API allows) among
    /// activities of the given types since a time: how the outbox learns what arrived after an unknown outcome.
    /// </summary>
    /// <remarks>Throws when a scan cannot be finished (too many empty pages in a row): an incomplete answer must not pass for "not there".</remarks>
    public async Task<IReadOnlyDictionary<string, string>> FindLoggedAsync(IReadOnlyCollection<int> typeIds, IReadOnlyCollection<long> leadIds, DateTimeOffset since, CancellationToken ct)
    {
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var start = await client.GetAsync("rest/v1/activities/pagingtoken.json",
            [new("sinceDatetime", since.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
        foreach (var chunk in leadIds.Distinct().Chunk(30))
        {
            var token = start.NextPageToken;
            for (var empty = 0; token is not null;)
            {
                if (empty >= MaxEmptyPages)
                    throw new SalesSyncApiException(MarketoClient.ServiceName, "INCOMPLETE_LOOKUP",
                        $"Marketo's activity log gave {MaxEmptyPages} empty pages in a row while looking for activities with an unknown outcome", ApiFailureKind.Transient);
                var page = await client.GetAsync("rest/v1/activities.json",
                [
                    new("nextPageToken", token),
                    new("activityTypeIds", string.Join(',', typeIds)),
                    new("leadIds", string.Join(',', chunk)),
                    new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
                ], ct).ConfigureAwait(false);
                foreach (var activity in page.Result)
                    if ((Sync.ActivityStreams.Attribute(activity, SalesActivityCatalog.ActivityIdAttribute)
                         ?? Sync.ActivityStreams.Attribute(activity, SalesActivityCatalog.ActivityId.DisplayName)) is { } id)
                        found[id] = MarketoResponse.String(activity, "marketoGUID") ?? MarketoResponse.String(activity, "id") ?? "";
                empty = page.Result.Count == 0 ? empty + 1 : 0;
                token = page.MoreResult == true ? page.NextPageToken : null;
            }
        }
        return found;
    }
}
