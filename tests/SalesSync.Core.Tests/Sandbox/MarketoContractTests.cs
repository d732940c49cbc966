using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>The sandbox's Marketo answers held to the documented envelope, codes and paging rules.</summary>
public class MarketoContractTests : IAsyncLifetime
{
    private RunningSandbox _sb = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "1500", "--seed", "11", "--limits", "off");
        _token = await _sb.MarketoTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    private Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Get(string pathAndQuery, string? token = "") =>
        _sb.GetAsync(_sb.Marketo, pathAndQuery, token == "" ? _token : token);

    private static void AssertError(JsonNode? body, string code)
    {
        Assert.False(body!["success"]!.GetValue<bool>());
        Assert.Equal(code, body["errors"]![0]!["code"]!.GetValue<string>()); // codes are strings
        Assert.NotNull(body["requestId"]);
        Assert.Null(body["result"]);
    }

    [Fact]
    public async Task TokenIsReusedUntilExpiryAndCountsDown()
    {
        var first = await _sb.Http.GetFromJsonAsync<JsonObject>($"{_sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id={_sb.Host.State.Marketo.ClientId}&client_secret={_sb.Host.State.Marketo.ClientSecret}");
        await _sb.AdvanceClockAsync(100);
        var second = await _sb.Http.GetFromJsonAsync<JsonObject>($"{_sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id={_sb.Host.State.Marketo.ClientId}&client_secret={_sb.Host.State.Marketo.ClientSecret}");
        Assert.Equal(first!["access_token"]!.GetValue<string>(), second!["access_token"]!.GetValue<string>());
        Assert.Equal("bearer", first["token_type"]!.GetValue<string>());
        Assert.True(second["expires_in"]!.GetValue<int>() <= first["expires_in"]!.GetValue<int>() - 99);
    }

    [Fact]
    public async Task BadCredentialsGet401WithOAuthBody()
    {
        var response = await _sb.Http.GetAsync($"{_sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id={_sb.Host.State.Marketo.ClientId}&client_secret=wrong");
        Assert.Equal(401, (int)response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("unauthorized", body!["error"]!.GetValue<string>());
        Assert.NotNull(body["error_description"]);
    }

    [Fact]
    public async Task MissingOrUnknownTokenIs601AndExpiredIs602()
    {
        AssertError((await Get("rest/v1/leads.json?filterType=id&filterValues=1", token: null)).Body, "601");
        AssertError((await Get("rest/v1/leads.json?filterType=id&filterValues=1", token: "nope:sb")).Body, "601");
        await _sb.AdvanceClockAsync(3601);
        var (status, body, _) = await Get("rest/v1/leads.json?filterType=id&filterValues=1");
        Assert.Equal(200, status); // errors ride in the envelope, not the HTTP status
        AssertError(body, "602");
    }

    [Fact]
    public async Task LeadsByFilterHasTheDocumentedEnvelopeAndOmitsNulls()
    {
        var (_, body, _) = await Get("rest/v1/leads.json?filterType=id&filterValues=1,2,3");
        Assert.True(body!["success"]!.GetValue<bool>());
        Assert.Null(body["errors"]);
        var leads = body["result"]!.AsArray();
        Assert.Equal(3, leads.Count);
        foreach (var lead in leads)
        {
            var keys = lead!.AsObject().Select(kv => kv.Key).ToList();
            Assert.All(keys, k => Assert.Contains(k, new[] { "id", "email", "updatedAt", "createdAt", "firstName", "lastName" }));
            Assert.All(lead.AsObject(), kv => Assert.NotNull(kv.Value));
        }
        var (_, sparse, _) = await Get("rest/v1/leads.json?filterType=id&filterValues=1,2,3,4,5,6,7,8,9,10&fields=id,sfdcLeadId,sfdcContactId,sfdcId");
        Assert.Contains(sparse!["result"]!.AsArray(), l => l!["sfdcLeadId"] is null && l["sfdcContactId"] is null);
        Assert.All(sparse["result"]!.AsArray(), l => Assert.Null(l!["sfdcId"]));
    }

    [Fact]
    public async Task NoMatchIsAnEmptyResult()
    {
        var (_, body, _) = await Get("rest/v1/leads.json?filterType=email&filterValues=nobody@nowhere.invalid");
        Assert.True(body!["success"]!.GetValue<bool>());
        Assert.Empty(body["result"]!.AsArray());
    }

    [Fact]
    public async Task FieldAndFilterErrorsUseTheDocumentedCodes()
    {
        AssertError((await Get("rest/v1/leads.json?filterType=id&filterValues=1&fields=id,noSuchField")).Body, "1006");
        AssertError((await Get("rest/v1/leads.json?filterType=noSuchField&filterValues=1")).Body, "1006");
        AssertError((await Get("rest/v1/leads.json?filterType=firstName&filterValues=Ada")).Body, "1011");
        AssertError((await Get("rest/v1/leads.json?filterValues=1")).Body, "701");
        AssertError((await Get("rest/v1/leads.json?filterType=id&filterValues=1&batchSize=301")).Body, "1003");
        var tooMany = string.Join(',', Enumerable.Range(1, 301));
        AssertError((await Get($"rest/v1/leads.json?filterType=id&filterValues={tooMany}")).Body, "1003");
    }

    [Fact]
    public async Task MoreThanAThousandMatchesIs1003()
    {
        var (_, body, _) = await Get("rest/v1/leads.json?filterType=leadPartitionId&filterValues=1");
        AssertError(body, "1003");
        Assert.Contains("Too many results", body!["errors"]![0]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task LeadsPageWithNextPageTokenAndMoreResult()
    {
        var ids = string.Join(',', Enumerable.Range(1, 250));
        var seen = new List<long>();
        string? token = null;
        var pages = 0;
        do
        {
            var (_, body, _) = await Get($"rest/v1/leads.json?filterType=id&filterValues={ids}&batchSize=100&fields=id" + (token is null ? "" : $"&nextPageToken={token}"));
            pages++;
            seen.AddRange(body!["result"]!.AsArray().Select(l => l!["id"]!.GetValue<long>()));
            token = body["moreResult"]?.GetValue<bool>() == true ? body["nextPageToken"]!.GetValue<string>() : null;
        } while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(1, 250).Select(i => (long)i), seen);
    }

    [Fact]
    public async Task PostWithMethodGetInTheFormBodyAnswersLikeGet()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_sb.Marketo, "rest/v1/leads.json?_method=GET"))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["filterType"] = "id", ["filterValues"] = "1,2", ["fields"] = "id,email" }),
        };
        request.Headers.Authorization = new("Bearer", _token);
        var response = await _sb.Http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        var (_, viaGet, _) = await Get("rest/v1/leads.json?filterType=id&filterValues=1,2&fields=id,email");
        Assert.Equal(viaGet!["result"]!.ToJsonString(), body!["result"]!.ToJsonString());
    }

    [Fact]
    public async Task UrisPastEightKilobytesGetHttp414()
    {
        var (status, _, _) = await Get("rest/v1/leads.json?filterType=email&filterValues=" + new string('a', 9000));
        Assert.Equal(414, status);
    }

    [Fact]
    public async Task StaticListsPageWithoutMoreResultAndUnknownListIs1013()
    {
        var (_, lists, _) = await Get("rest/v1/lists.json");
        Assert.Contains(lists!["result"]!.AsArray(), l => l!["id"]!.GetValue<int>() == 1001);
        var (_, page, _) = await Get("rest/v1/lists/1001/leads.json?batchSize=50&fields=id,sfdcLeadOwnerId");
        Assert.Null(page!["moreResult"]);
        Assert.NotNull(page["nextPageToken"]);
        Assert.Equal(50, page["result"]!.AsArray().Count);
        Assert.All(page["result"]!.AsArray(), l => Assert.NotNull(l!["sfdcLeadOwnerId"]));
        var (_, alias, _) = await Get("rest/v1/list/1001/leads.json?batchSize=50&fields=id,sfdcLeadOwnerId");
        Assert.Equal(page["result"]!.ToJsonString(), alias!["result"]!.ToJsonString());
        AssertError((await Get("rest/v1/lists/999999/leads.json")).Body, "1013");
    }

    [Fact]
    public async Task DescribeListsTheSyncFieldsAndUnknownPathsAre610()
    {
        var (_, body, _) = await Get("rest/v1/leads/describe.json");
        var names = body!["result"]!.AsArray().Select(f => f!["rest"]!["name"]!.GetValue<string>()).ToList();
        foreach (var field in new[] { "id", "email", "firstName", "lastName", "company", "title", "phone", "leadSource", "unsubscribed", "sfdcType", "sfdcLeadId", "sfdcContactId", "sfdcAccountId", "sfdcLeadOwnerId", "linkedInProfileURL", "createdAt", "updatedAt" })
            Assert.Contains(field, names);
        AssertError((await Get("rest/v1/nothing-here.json")).Body, "610");
    }

    [Fact]
    public async Task LeadByIdReturnsOneLeadOrAnEmptyResult()
    {
        var (_, body, _) = await Get("rest/v1/lead/5.json?fields=id,email,sfdcType");
        var lead = Assert.Single(body!["result"]!.AsArray());
        Assert.Equal(5, lead!["id"]!.GetValue<long>());
        var (_, missing, _) = await Get("rest/v1/lead/999999.json");
        Assert.True(missing!["success"]!.GetValue<bool>());
        Assert.Empty(missing["result"]!.AsArray());
    }

    [Fact]
    public async Task Describe2NamesTheSearchableFields()
    {
        var (_, body, _) = await Get("rest/v1/leads/describe2.json");
        var searchable = body!["result"]![0]!["searchableFields"]!.AsArray().Select(f => f![0]!.GetValue<string>()).ToList();
        Assert.Contains("email", searchable);
        Assert.Contains("sfdcLeadOwnerId", searchable);
        Assert.DoesNotContain("firstName", searchable);
    }

    [Fact]
    public async Task UsageCountsTodaysCalls()
    {
        await Get("rest/v1/leads.json?filterType=id&filterValues=1");
        var (_, body, _) = await Get("rest/v1/stats/usage.json");
        Assert.True(body!["result"]![0]!["total"]!.GetValue<int>() >= 1);
    }

    [Fact]
    public async Task DurableUnsubscribePropagatesByEmailAndIsLogged()
    {
        var world = _sb.Host.State.World;
        long firstId, secondId;
        lock (world.Sync)
        {
            var pair = world.People.GroupBy(p => p.Email!, StringComparer.OrdinalIgnoreCase).First(g => g.Count() > 1 && !g.First().Unsubscribed).ToList();
            (firstId, secondId) = (pair[0].Id, pair[1].Id);
        }
        var patch = await _sb.Http.PatchAsJsonAsync(new Uri(_sb.Control, $"people/{firstId}"), new { unsubscribed = true });
        patch.EnsureSuccessStatusCode();
        var twin = JsonNode.Parse(await _sb.Http.GetStringAsync(new Uri(_sb.Control, $"people/{secondId}")));
        Assert.True(twin!["unsubscribed"]!.GetValue<bool>());
        lock (world.Sync)
        {
            Assert.Contains(world.Activities, a => a.LeadId == secondId && a.ActivityTypeId == 13 && a.Fields[0].Name == "unsubscribed" && a.Fields[0].NewValue == "true");
        }
    }

    [Fact]
    public async Task ControlApiCreatesMergesAndDeletesWithActivityLog()
    {
        var created = await _sb.Http.PostAsJsonAsync(new Uri(_sb.Control, "people"), new { email = "new.person@example.com", firstName = "New", lastName = "Person" });
        Assert.Equal(201, (int)created.StatusCode);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.GetValue<long>();
        var merged = await _sb.Http.PostAsJsonAsync(new Uri(_sb.Control, "people/merge"), new { winnerId = 1, loserIds = new[] { id } });
        merged.EnsureSuccessStatusCode();
        Assert.Equal(404, (int)(await _sb.Http.GetAsync(new Uri(_sb.Control, $"people/{id}"))).StatusCode);
        Assert.Equal(204, (int)(await _sb.Http.DeleteAsync(new Uri(_sb.Control, "people/2"))).StatusCode);
        var world = _sb.Host.State.World;
        lock (world.Sync)
        {
            Assert.Contains(world.Activities, a => a.LeadId == id && a.ActivityTypeId == 12);
            Assert.Contains(world.Activities, a => a.LeadId == 1 && a.ActivityTypeId == 32);
            Assert.Contains(world.Activities, a => a.LeadId == 2 && a.ActivityTypeId == 37);
        }
        var lines = (await _sb.Http.GetStringAsync(new Uri(_sb.Control, "people"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1499, lines.Length); // 1500 + 1 created - 1 merged away - 1 deleted
        Assert.True(JsonNode.Parse(lines[0])!.AsObject().ContainsKey("sfdcLeadOwnerId")); // ground truth keeps nulls
    }
}
