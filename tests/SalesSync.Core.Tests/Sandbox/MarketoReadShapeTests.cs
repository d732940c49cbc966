using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// How Marketo's read endpoints take their parameters and shape their leads: `POST …?_method=GET` on
/// every read endpoint (the flag in the URL or in the form body), repeated parameters, and `id` on
/// every lead record whatever `fields` says.
/// </summary>
public class MarketoReadShapeTests : IAsyncLifetime
{
    private RunningSandbox _sb = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "5", "--limits", "off");
        _token = await _sb.MarketoTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    private async Task<JsonNode> Get(string pathAndQuery)
    {
        var (status, body, _) = await _sb.GetAsync(_sb.Marketo, pathAndQuery, _token);
        Assert.Equal(200, status);
        return body!;
    }

    private static (string, string)[] Form(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2))
            .Select(kv => (Uri.UnescapeDataString(kv[0]), Uri.UnescapeDataString(kv.Length > 1 ? kv[1] : ""))).ToArray();

    public static TheoryData<string, string> ReadEndpoints => new()
    {
        { "rest/v1/leads.json", "filterType=id&filterValues=1,2,3&fields=email,firstName" },
        { "rest/v1/lead/5.json", "fields=email,sfdcType" },
        { "rest/v1/leads/describe.json", "" },
        { "rest/v1/leads/describe2.json", "" },
        { "rest/v1/lists.json", "id=1001,1003" },
        { "rest/v1/lists/1002.json", "" },
        { "rest/v1/lists/1001/leads.json", "batchSize=7&fields=email" },
        { "rest/v1/list/1001/leads.json", "batchSize=7&fields=email" },
    };

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task PostWithMethodGetInTheUrlAnswersLikeGet(string path, string query)
    {
        var viaGet = await Get(path + (query.Length > 0 ? "?" + query : ""));
        Assert.True(viaGet["success"]!.GetValue<bool>(), viaGet.ToJsonString());
        var (status, viaPost, _) = await _sb.PostFormAsync(_sb.Marketo, path + "?_method=GET", _token, Form(query));
        Assert.Equal(200, status);
        Assert.True(viaPost!["success"]!.GetValue<bool>(), viaPost.ToJsonString());
        Assert.Equal(viaGet["result"]!.ToJsonString(), viaPost["result"]!.ToJsonString());
        Assert.Equal(viaGet["nextPageToken"]?.ToJsonString(), viaPost["nextPageToken"]?.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task PostWithMethodGetInTheFormBodyAnswersLikeGet(string path, string query)
    {
        var viaGet = await Get(path + (query.Length > 0 ? "?" + query : ""));
        var (status, viaPost, _) = await _sb.PostFormAsync(_sb.Marketo, path, _token, [.. Form(query), ("_method", "get")]);
        Assert.Equal(200, status);
        Assert.True(viaPost!["success"]!.GetValue<bool>(), viaPost.ToJsonString());
        Assert.Equal(viaGet["result"]!.ToJsonString(), viaPost["result"]!.ToJsonString());
    }

    [Fact]
    public async Task UsageAnswersAPostWithMethodGet()
    {
        var (_, body, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/stats/usage.json?_method=GET", _token);
        Assert.True(body!["success"]!.GetValue<bool>());
        Assert.NotNull(body["result"]![0]!["total"]);
    }

    [Theory]
    [InlineData("rest/v1/lists.json")]
    [InlineData("rest/v1/leads.json")]
    [InlineData("rest/v1/lead/5.json")]
    [InlineData("rest/v1/lists/1001/leads.json")]
    [InlineData("rest/v1/list/1001/leads.json")]
    [InlineData("rest/v1/leads/describe.json")]
    public async Task APostWithoutMethodGetIsStill610(string path)
    {
        var (status, body, _) = await _sb.PostFormAsync(_sb.Marketo, path, _token, ("filterType", "id"), ("filterValues", "1"));
        Assert.Equal(200, status);
        Assert.Equal("610", SandboxTestHelpers.ErrorCode(body));
        var (_, other, _) = await _sb.PostFormAsync(_sb.Marketo, path + "?_method=DELETE", _token);
        Assert.Equal("610", SandboxTestHelpers.ErrorCode(other));
    }

    [Fact]
    public async Task APostWithMethodGetStillNeedsAToken()
    {
        var (_, body, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/lists.json?_method=GET", token: null);
        Assert.Equal("601", SandboxTestHelpers.ErrorCode(body));
    }

    [Fact]
    public async Task TheWireMethodIsWhatStatsCount()
    {
        await _sb.Http.PostAsync(new Uri(_sb.Control, "stats/reset"), null);
        await _sb.PostFormAsync(_sb.Marketo, "rest/v1/lists.json?_method=GET", _token);
        var calls = (await _sb.StatsAsync())["marketo"]!["calls"]!;
        Assert.Equal(1, calls["POST /rest/v1/lists.json"]!.GetValue<int>());
        Assert.Null(calls["GET /rest/v1/lists.json"]);
    }

    [Fact]
    public async Task ARepeatedParameterReadsAsTheCommaJoinedList()
    {
        var single = await Get("rest/v1/lead/5.json?fields=email,firstName,sfdcType");
        var repeated = await Get("rest/v1/lead/5.json?fields=email&fields=firstName&fields=sfdcType");
        Assert.Equal(single["result"]!.ToJsonString(), repeated["result"]!.ToJsonString());
        var lists = await Get("rest/v1/lists.json?id=1001&id=1003");
        Assert.Equal(new[] { 1001, 1003 }, lists["result"]!.AsArray().Select(l => l!["id"]!.GetValue<int>()));
        var (_, viaForm, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/leads.json?_method=GET", _token,
            ("filterType", "id"), ("filterValues", "1,2"), ("fields", "email"), ("fields", "firstName"));
        var viaGet = await Get("rest/v1/leads.json?filterType=id&filterValues=1,2&fields=email,firstName");
        Assert.Equal(viaGet["result"]!.ToJsonString(), viaForm!["result"]!.ToJsonString());
    }

    [Theory]
    [InlineData("rest/v1/leads.json?filterType=id&filterValues=1,2,3&fields=email")]
    [InlineData("rest/v1/leads.json?filterType=id&filterValues=1,2,3&fields=sfdcId")] // a field that is always null
    [InlineData("rest/v1/lead/4.json?fields=email")]
    [InlineData("rest/v1/lists/1001/leads.json?fields=sfdcLeadOwnerId&batchSize=20")]
    [InlineData("rest/v1/list/1001/leads.json?fields=email&batchSize=20")]
    public async Task EveryLeadCarriesItsIdEvenWhenFieldsLeavesItOut(string pathAndQuery)
    {
        var body = await Get(pathAndQuery);
        var leads = body["result"]!.AsArray();
        Assert.NotEmpty(leads);
        Assert.All(leads, l => Assert.True(l!["id"]!.GetValue<long>() > 0));
    }

    [Fact]
    public async Task APostedReadCarriesTheIdToo()
    {
        var (_, body, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/leads.json?_method=GET", _token,
            ("filterType", "id"), ("filterValues", "7,8"), ("fields", "email"));
        Assert.Equal(new[] { 7L, 8L }, body!["result"]!.AsArray().Select(l => l!["id"]!.GetValue<long>()));
        var (_, members, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/list/1001/leads.json?_method=GET", _token, ("fields", "email"), ("batchSize", "5"));
        Assert.All(members!["result"]!.AsArray(), l => Assert.NotNull(l!["id"]));
    }

    /// <summary>
    /// The calls of the public Python client (marketorestpython 0.5.25) as it sends them: the token from a
    /// GET with the credentials in the query, then the token in an Authorization header; Get Leads by Filter
    /// Type and Get Leads by List as POST with `_method=GET` and `nextPageToken` in the URL and the rest in the
    /// form body, a list of fields as a repeated key; lists.json as a GET with `id` repeated.
    /// </summary>
    [Fact]
    public async Task ThePythonClientsCallsWork()
    {
        var state = _sb.Host.State.Marketo;
        var tokenBody = JsonNode.Parse(await _sb.Http.GetStringAsync(
            $"{_sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id={Uri.EscapeDataString(state.ClientId)}&client_secret={Uri.EscapeDataString(state.ClientSecret)}"))!;
        var token = tokenBody["access_token"]!.GetValue<string>();
        Assert.Equal("bearer", tokenBody["token_type"]!.GetValue<string>());
        Assert.True(tokenBody["expires_in"]!.GetValue<int>() > 60);
        Assert.NotNull(tokenBody["scope"]);

        // get_multiple_leads_by_filter_type: pages until nextPageToken is missing.
        var ids = new List<long>();
        string? next = null;
        do
        {
            var (_, page, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/leads.json?_method=GET" + (next is null ? "" : "&nextPageToken=" + Uri.EscapeDataString(next)), token,
                ("filterValues", string.Join(',', Enumerable.Range(1, 25))), ("filterType", "id"), ("fields", "email"), ("fields", "lastName"), ("batchSize", "10"));
            Assert.True(page!["success"]!.GetValue<bool>(), page.ToJsonString());
            ids.AddRange(page["result"]!.AsArray().Select(l => l!["id"]!.GetValue<long>()));
            next = page["nextPageToken"]?.GetValue<string>();
        } while (next is not null);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), ids);

        // get_multiple_leads_by_list_id: the /list/ alias, pages until nextPageToken is missing or a page is empty.
        var members = 0;
        next = null;
        while (true)
        {
            var (_, page, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/list/1002/leads.json?_method=GET" + (next is null ? "" : "&nextPageToken=" + Uri.EscapeDataString(next)), token,
                ("fields", "email"), ("fields", "unsubscribed"), ("batchSize", "25"));
            Assert.True(page!["success"]!.GetValue<bool>(), page.ToJsonString());
            var result = page["result"]!.AsArray();
            members += result.Count;
            Assert.All(result, l => Assert.NotNull(l!["id"]));
            if (result.Count == 0 || page["nextPageToken"] is null) break;
            next = page["nextPageToken"]!.GetValue<string>();
        }
        int expected;
        lock (_sb.Host.State.World.Sync) expected = _sb.Host.State.World.Lists[1002].Members.Count;
        Assert.Equal(expected, members);

        // get_multiple_lists(id=[1001, 1002]) and get_lead_by_id(5, fields=['email', 'firstName']).
        var (_, lists, _) = await _sb.GetAsync(_sb.Marketo, "rest/v1/lists.json?id=1001&id=1002", token);
        Assert.Equal(new[] { 1001, 1002 }, lists!["result"]!.AsArray().Select(l => l!["id"]!.GetValue<int>()));
        var (_, lead, _) = await _sb.GetAsync(_sb.Marketo, "rest/v1/lead/5.json?fields=email&fields=firstName", token);
        Assert.Equal(5, lead!["result"]![0]!["id"]!.GetValue<long>());
    }
}
