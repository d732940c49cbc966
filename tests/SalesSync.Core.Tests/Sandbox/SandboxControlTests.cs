using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>The control API's observability and fault hooks that engine tests build on.</summary>
public class SandboxControlTests
{
    private static string MarketoTokenUrl(RunningSandbox sb) =>
        $"{sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id={Uri.EscapeDataString(sb.Host.State.Marketo.ClientId)}&client_secret={Uri.EscapeDataString(sb.Host.State.Marketo.ClientSecret)}";

    private static FormUrlEncodedContent MarketoCredentials(RunningSandbox sb) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = sb.Host.State.Marketo.ClientId,
        ["client_secret"] = sb.Host.State.Marketo.ClientSecret,
    });

    private static FormUrlEncodedContent SalesforceCredentials(RunningSandbox sb) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = sb.Host.State.Salesforce.ClientId,
        ["client_secret"] = sb.Host.State.Salesforce.ClientSecret,
    });

    private static async Task<JsonNode> Identity(RunningSandbox sb) => (await sb.StatsAsync())["marketo"]!["identity"]!;

    private static void AssertCounts(JsonNode identity, int requests, int get, int post, int credentialsInQuery)
    {
        Assert.Equal(requests, identity["requests"]!.GetValue<int>());
        Assert.Equal(get, identity["get"]!.GetValue<int>());
        Assert.Equal(post, identity["post"]!.GetValue<int>());
        Assert.Equal(credentialsInQuery, identity["credentialsInQuery"]!.GetValue<int>());
    }

    [Fact]
    public async Task IdentityRequestsAreCountedByMethodAndWhereTheSecretTravelled()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        AssertCounts(await Identity(sb), 0, 0, 0, 0);

        (await sb.Http.GetAsync(MarketoTokenUrl(sb))).EnsureSuccessStatusCode(); // the documented form: all in the query
        AssertCounts(await Identity(sb), 1, 1, 0, 1);
        (await sb.Http.PostAsync($"{sb.Marketo}identity/oauth/token", MarketoCredentials(sb))).EnsureSuccessStatusCode();
        AssertCounts(await Identity(sb), 2, 1, 1, 1);
        (await sb.Http.PostAsync(MarketoTokenUrl(sb), null)).EnsureSuccessStatusCode();
        AssertCounts(await Identity(sb), 3, 1, 2, 2);
        // Refused and faulted requests count too: they reached Identity.
        Assert.Equal(401, (int)(await sb.Http.GetAsync($"{sb.Marketo}identity/oauth/token?grant_type=client_credentials&client_id=nobody")).StatusCode);
        await sb.FaultAsync(new { service = "marketo", path = "/identity/oauth/token", kind = "http", status = 503, count = 1 });
        Assert.Equal(503, (int)(await sb.Http.PostAsync($"{sb.Marketo}identity/oauth/token", MarketoCredentials(sb))).StatusCode);
        AssertCounts(await Identity(sb), 5, 2, 3, 2);

        // The other members are unchanged, and identity calls are not REST calls.
        var marketo = (await sb.StatsAsync())["marketo"]!;
        foreach (var member in new[] { "totalCalls", "calls", "errors", "peakInFlight", "peakCallsInRateWindow", "dailyUsed", "dailyQuota", "limitsEnforced" })
            Assert.NotNull(marketo[member]);
        Assert.Equal(0, marketo["totalCalls"]!.GetValue<int>());
        Assert.Equal(0, marketo["dailyUsed"]!.GetValue<int>());

        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        AssertCounts(await Identity(sb), 0, 0, 0, 0);
    }

    [Fact]
    public async Task SalesforceTokenRequestsAreCountedToo()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        await sb.SalesforceTokenAsync();
        var oauth = (await sb.StatsAsync())["salesforce"]!["oauth"]!;
        Assert.Equal(1, oauth["requests"]!.GetValue<int>());
        Assert.Equal(1, oauth["post"]!.GetValue<int>());
        Assert.Equal(0, oauth["credentialsInQuery"]!.GetValue<int>());
        Assert.NotNull((await sb.StatsAsync())["salesforce"]!["apiUsage"]);
    }

    [Theory]
    [InlineData("marketo", "/rest/v1/leads.json", 429)]
    [InlineData("marketo", "/rest/v1/leads.json", 503)]
    [InlineData("salesforce", "/services/data/v60.0/query", 503)]
    public async Task HttpFaultsCarryTheirHeaders(string service, string path, int status)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        await sb.FaultAsync(new { service, path, kind = "http", status, headers = new Dictionary<string, string> { ["Retry-After"] = "1", ["X-Sandbox-Fault"] = "yes" }, count = 1 });
        var (uri, query, token) = service == "marketo"
            ? (sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", await sb.MarketoTokenAsync())
            : (sb.Salesforce, "services/data/v60.0/query?q=" + Uri.EscapeDataString("SELECT Id FROM User"), await sb.SalesforceTokenAsync());
        var (got, _, response) = await sb.GetAsync(uri, query, token);
        Assert.Equal(status, got);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter!.Delta);
        Assert.Equal("yes", response.Headers.GetValues("X-Sandbox-Fault").Single());
        Assert.Equal(1, (await sb.StatsAsync())[service]!["errors"]![status.ToString()]!.GetValue<int>());
        var (again, _, second) = await sb.GetAsync(uri, query, token); // used up
        Assert.Equal(200, again);
        Assert.False(second.Headers.Contains("X-Sandbox-Fault"));
    }

    [Fact]
    public async Task ErrorAndDelayFaultsCarryHeadersAndAFaultMayPlayTheSalesforceAllocation()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var token = await sb.SalesforceTokenAsync();
        const string Query = "services/data/v60.0/query?q=SELECT+Id+FROM+User";
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/v60.0/query", kind = "error", code = "SERVER_UNAVAILABLE", headers = new Dictionary<string, string> { ["Retry-After"] = "2" }, count = 1 });
        var (status, body, response) = await sb.GetAsync(sb.Salesforce, Query, token);
        Assert.Equal(503, status);
        Assert.Equal("SERVER_UNAVAILABLE", body![0]!["errorCode"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);

        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/v60.0/query", kind = "delay", delayMs = 1, headers = new Dictionary<string, string> { ["Sforce-Limit-Info"] = "api-usage=99990/100000" }, count = 1 });
        var (ok, _, limited) = await sb.GetAsync(sb.Salesforce, Query, token);
        Assert.Equal(200, ok);
        Assert.Equal("api-usage=99990/100000", limited.Headers.GetValues("Sforce-Limit-Info").Single());
        var (_, _, normal) = await sb.GetAsync(sb.Salesforce, Query, token);
        Assert.StartsWith("api-usage=", normal.Headers.GetValues("Sforce-Limit-Info").Single());
        Assert.NotEqual("api-usage=99990/100000", normal.Headers.GetValues("Sforce-Limit-Info").Single());
    }

    public static TheoryData<string, string> OddTokenBodies => new()
    {
        { "text/html", "<html><body>Please sign in to the proxy</body></html>" },
        { "application/json", """{"access_token":12345,"token_type":"bearer","expires_in":3599}""" },
        { "application/json", """{"access_token":"00D!AQ","instance_url":"http://remote.example.com"}""" },
    };

    [Theory]
    [MemberData(nameof(OddTokenBodies))]
    public async Task BothTokenEndpointsServeAFaults200BodyAsIs(string contentType, string body)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        await sb.FaultAsync(new[]
        {
            new { service = "marketo", path = "/identity/oauth/token", kind = "http", status = 200, contentType, body, count = 1 },
            new { service = "salesforce", path = "/services/oauth2/token", kind = "http", status = 200, contentType, body, count = 1 },
        });
        var marketo = await sb.Http.GetAsync(MarketoTokenUrl(sb));
        var salesforce = await sb.Http.PostAsync(new Uri(sb.Salesforce, "services/oauth2/token"), SalesforceCredentials(sb));
        foreach (var response in new[] { marketo, salesforce })
        {
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
        }
        // Used up: the next token requests get real tokens.
        Assert.EndsWith(":sb", await sb.MarketoTokenAsync());
        Assert.StartsWith("00D", await sb.SalesforceTokenAsync());
    }

    [Fact]
    public async Task ErrorFaultsOnTokenEndpointsAnswerInTheOAuthShape()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        await sb.FaultAsync(new object[]
        {
            new { service = "marketo", path = "/identity/oauth/token", kind = "error", count = 1 },
            new { service = "salesforce", path = "/services/oauth2/token", kind = "error", code = "invalid_grant", message = "authentication failure", count = 1 },
        });
        var marketo = await sb.Http.GetAsync(MarketoTokenUrl(sb));
        Assert.Equal(401, (int)marketo.StatusCode);
        var mBody = JsonNode.Parse(await marketo.Content.ReadAsStringAsync())!;
        Assert.Equal("unauthorized", mBody["error"]!.GetValue<string>());
        Assert.NotNull(mBody["error_description"]);
        var salesforce = await sb.Http.PostAsync(new Uri(sb.Salesforce, "services/oauth2/token"), SalesforceCredentials(sb));
        Assert.Equal(400, (int)salesforce.StatusCode);
        var sBody = JsonNode.Parse(await salesforce.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_grant", sBody["error"]!.GetValue<string>());
        Assert.Equal("authentication failure", sBody["error_description"]!.GetValue<string>());
    }

    [Fact]
    public async Task ASalesforceQueryPageFromAFaultMayPointAnywhere()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var token = await sb.SalesforceTokenAsync();
        var page = """{"totalSize":2,"done":false,"nextRecordsUrl":"http://127.0.0.1:9/services/data/v60.0/query/01gD0000002HU6KIAW-2000","records":[{"attributes":{"type":"User"},"Id":"005000000000001AAA"}]}""";
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/v60.0/query", kind = "http", status = 200, contentType = "application/json", body = page, count = 1 });
        var (status, body, response) = await sb.GetAsync(sb.Salesforce, "services/data/v60.0/query?q=SELECT+Id+FROM+User", token);
        Assert.Equal(200, status);
        Assert.Equal("http://127.0.0.1:9/services/data/v60.0/query/01gD0000002HU6KIAW-2000", body!["nextRecordsUrl"]!.GetValue<string>());
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("DELETE", "faults")]
    [InlineData("POST", "faults/reset")]
    public async Task ClearingFaultsRemovesThemAllAndReleasesHeldRequests(string method, string path)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var token = await sb.MarketoTokenAsync();
        await sb.FaultAsync(new object[]
        {
            new { service = "marketo", path = "/rest/v1/lists.json", kind = "delay", delayMs = 120_000, probability = 1.0 },
            new { service = "salesforce", path = "/services/data/*", kind = "http", status = 500, count = 3, headers = new Dictionary<string, string> { ["Retry-After"] = "5" } },
        });
        var faults = await sb.FaultsAsync();
        Assert.Equal(2, faults["active"]!.GetValue<int>());
        Assert.Equal("5", faults["rules"]![1]!["headers"]!["Retry-After"]!.GetValue<string>());

        var held = sb.GetAsync(sb.Marketo, "rest/v1/lists.json", token);
        await sb.WaitForStatsAsync(s => s["marketo"]!["inFlight"]!.GetValue<int>() == 1, TimeSpan.FromSeconds(60), "the held call");
        Assert.False(held.IsCompleted);

        (await sb.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(sb.Control, path)))).EnsureSuccessStatusCode();
        var (status, body, _) = await held.WaitAsync(TimeSpan.FromSeconds(60)); // far less than the 120 s delay
        Assert.Equal(200, status);
        Assert.True(body!["success"]!.GetValue<bool>());
        Assert.Equal(0, (await sb.FaultsAsync())["active"]!.GetValue<int>());
        var (sfStatus, _, _) = await sb.GetAsync(sb.Salesforce, "services/data/v60.0/limits", await sb.SalesforceTokenAsync());
        Assert.Equal(200, sfStatus);
    }

    [Fact]
    public async Task ABadFaultIsA400()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        Assert.Equal(400, (int)(await sb.PostFaultRawAsync(new { service = "marketo", kind = "explode" })).StatusCode);
        Assert.Equal(400, (int)(await sb.PostFaultRawAsync(new { service = "marketo", kind = "http", headers = new[] { "Retry-After" } })).StatusCode);
        var nothing = await sb.Http.PostAsync(new Uri(sb.Control, "faults"), new StringContent("null", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)nothing.StatusCode);
        var garbage = await sb.Http.PostAsync(new Uri(sb.Control, "faults"), new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(400, (int)garbage.StatusCode);
        Assert.Equal(0, (await sb.FaultsAsync())["active"]!.GetValue<int>());
    }

    [Fact]
    public async Task AHeaderValueMayBeANumber()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var posted = await sb.Http.PostAsync(new Uri(sb.Control, "faults"), new StringContent(
            """{"service":"marketo","path":"/rest/v1/leads.json","kind":"http","status":429,"headers":{"Retry-After":3},"count":1}""",
            System.Text.Encoding.UTF8, "application/json"));
        posted.EnsureSuccessStatusCode();
        var (status, _, response) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", await sb.MarketoTokenAsync());
        Assert.Equal(429, status);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
    }
}
