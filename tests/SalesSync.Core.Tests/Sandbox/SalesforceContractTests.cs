using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>The sandbox's Salesforce answers held to the documented shapes, errors, paging and limits.</summary>
public class SalesforceContractTests : IAsyncLifetime
{
    private RunningSandbox _sb = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "4", "--salesforce-daily-limit", "40");
        _token = await _sb.SalesforceTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    private Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Query(string soql, string version = "v66.0") =>
        _sb.GetAsync(_sb.Salesforce, $"services/data/{version}/query?q={Uri.EscapeDataString(soql)}", _token);

    private static void AssertError(JsonNode? body, string code) =>
        Assert.Equal(code, body!.AsArray()[0]!["errorCode"]!.GetValue<string>());

    [Fact]
    public async Task TokenResponseHasTheClientCredentialsShape()
    {
        var response = await _sb.Http.PostAsync(new Uri(_sb.Salesforce, "services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = _sb.Host.State.Salesforce.ClientId, ["client_secret"] = _sb.Host.State.Salesforce.ClientSecret,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Bearer", body!["token_type"]!.GetValue<string>());
        Assert.Equal(13, body["issued_at"]!.GetValue<string>().Length); // epoch milliseconds, as a string
        Assert.NotNull(body["instance_url"]);
        Assert.Null(body["expires_in"]);
        Assert.Null(body["refresh_token"]);
    }

    [Fact]
    public async Task BadClientCredentialsGet400()
    {
        var response = await _sb.Http.PostAsync(new Uri(_sb.Salesforce, "services/oauth2/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = _sb.Host.State.Salesforce.ClientId, ["client_secret"] = "wrong",
        }));
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("invalid_client", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task VersionsAreListedWithoutAuthAndRetiredOnesAre410()
    {
        var (status, body, _) = await _sb.GetAsync(_sb.Salesforce, "services/data/", null);
        Assert.Equal(200, status);
        Assert.Contains(body!.AsArray(), v => v!["version"]!.GetValue<string>() == "67.0" && v["label"]!.GetValue<string>() == "Summer '26");
        Assert.Equal(410, (await Query("SELECT Id FROM Lead", "v30.0")).Status);
    }

    [Fact]
    public async Task QueryReturnsRecordsWithAttributesAndParentFields()
    {
        var (status, body, response) = await Query("SELECT Id, Email, Owner.Email, Account.Name FROM Contact ORDER BY Email LIMIT 5");
        Assert.Equal(200, status);
        Assert.Equal(5, body!["totalSize"]!.GetValue<int>());
        Assert.True(body["done"]!.GetValue<bool>());
        var record = body["records"]![0]!;
        Assert.Equal("Contact", record["attributes"]!["type"]!.GetValue<string>());
        Assert.StartsWith("/services/data/v66.0/sobjects/Contact/003", record["attributes"]!["url"]!.GetValue<string>());
        Assert.Equal("User", record["Owner"]!["attributes"]!["type"]!.GetValue<string>());
        Assert.Contains("@", record["Owner"]!["Email"]!.GetValue<string>());
        Assert.Matches(@"api-usage=\d+/40", response.Headers.GetValues("Sforce-Limit-Info").Single());
    }

    [Fact]
    public async Task QueryPagesWithNextRecordsUrl()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_sb.Salesforce, "services/data/v66.0/query?q=" + Uri.EscapeDataString("SELECT Id FROM Lead")));
        request.Headers.Authorization = new("Bearer", _token);
        request.Headers.Add("Sforce-Query-Options", "batchSize=200");
        var first = JsonNode.Parse(await (await _sb.Http.SendAsync(request)).Content.ReadAsStringAsync())!;
        var total = first["totalSize"]!.GetValue<int>();
        Assert.True(total > 400);
        Assert.False(first["done"]!.GetValue<bool>());
        Assert.Equal(200, first["records"]!.AsArray().Count);
        var ids = first["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()).ToList();
        var next = first["nextRecordsUrl"]!.GetValue<string>();
        Assert.Matches(@"^/services/data/v66\.0/query/01g\w+-200$", next);
        while (next is not null)
        {
            var (_, page, _) = await _sb.GetAsync(_sb.Salesforce, next.TrimStart('/'), _token);
            ids.AddRange(page!["records"]!.AsArray().Select(r => r!["Id"]!.GetValue<string>()));
            next = page["done"]!.GetValue<bool>() ? null : page["nextRecordsUrl"]!.GetValue<string>();
        }
        Assert.Equal(total, ids.Distinct().Count());
    }

    [Fact]
    public async Task SoqlErrorsAreMalformedInvalidFieldAndInvalidType()
    {
        var (status, body, _) = await Query("SELECT Id FROM Lead WHERE Email = 'unclosed");
        Assert.Equal(400, status);
        AssertError(body, "MALFORMED_QUERY");
        AssertError((await Query(@"SELECT Id FROM Lead WHERE Email = 'a\qb'")).Body, "MALFORMED_QUERY");
        AssertError((await Query("SELECT Id FROM Lead WHERE")).Body, "MALFORMED_QUERY");
        AssertError((await Query("SELECT Bogus FROM Lead")).Body, "INVALID_FIELD");
        AssertError((await Query("SELECT Owner.Bogus FROM Lead")).Body, "INVALID_FIELD");
        AssertError((await Query("SELECT Id FROM Bogus")).Body, "INVALID_TYPE");
    }

    [Fact]
    public async Task WhereSupportsTheOperatorsTheClientUses()
    {
        var world = _sb.Host.State.World;
        string email, ownerId;
        lock (world.Sync)
        {
            var lead = world.Salesforce.All("Lead")[3];
            (email, ownerId) = ((string)lead["Email"]!, (string)lead["OwnerId"]!);
        }
        Assert.Equal(1, (await Query($"SELECT Id FROM Lead WHERE Email = {Soql.Quote(email.ToUpperInvariant())}")).Body!["totalSize"]!.GetValue<int>());
        var byOwner = (await Query($"SELECT Id, OwnerId FROM Lead WHERE OwnerId IN ({Soql.Id(ownerId)}) AND (IsConverted = false OR Email != null)")).Body!;
        Assert.True(byOwner["totalSize"]!.GetValue<int>() >= 1);
        Assert.All(byOwner["records"]!.AsArray(), r => Assert.Equal(ownerId, r!["OwnerId"]!.GetValue<string>()));
        var like = (await Query($"SELECT Email FROM Lead WHERE Email LIKE {Soql.QuoteLike(email[..5], suffix: true)}")).Body!;
        Assert.All(like["records"]!.AsArray(), r => Assert.StartsWith(email[..5], r!["Email"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase));
        Assert.Equal(0, (await Query($"SELECT Id FROM Lead WHERE Email NOT IN ({Soql.Quote(email)}) AND Email = {Soql.Quote(email)}")).Body!["totalSize"]!.GetValue<int>());
        var count = (await Query("SELECT COUNT() FROM Lead")).Body!;
        Assert.Empty(count["records"]!.AsArray());
        Assert.True(count["totalSize"]!.GetValue<int>() > 0);
    }

    [Fact]
    public async Task EscapedLiteralsCannotInjectPredicates()
    {
        var attack = "x' OR Email != null OR Email = 'y";
        var (status, body, _) = await Query($"SELECT Id FROM Lead WHERE Email = {Soql.Quote(attack)}");
        Assert.Equal(200, status);
        Assert.Equal(0, body!["totalSize"]!.GetValue<int>());
        var withQuote = "Bob's \"BBQ\"\\ \n %_";
        Assert.Equal(200, (await Query($"SELECT Id FROM Account WHERE Name = {Soql.Quote(withQuote)}")).Status);
        Assert.Equal(200, (await Query($"SELECT Id FROM Account WHERE Name LIKE {Soql.QuoteLike(withQuote)}")).Status);
    }

    [Fact]
    public async Task ExpiredSessionIs401InvalidSessionId()
    {
        (await _sb.Http.PostAsync(new Uri(_sb.Control, "tokens/expire"), null)).EnsureSuccessStatusCode();
        var (status, body, _) = await Query("SELECT Id FROM Lead LIMIT 1");
        Assert.Equal(401, status);
        AssertError(body, "INVALID_SESSION_ID");
    }

    [Fact]
    public async Task DailyAllocationRunsOutWith403AndLimitsShowIt()
    {
        int status;
        JsonNode? body;
        var calls = 0;
        do
        {
            (status, body, _) = await Query("SELECT Id FROM User LIMIT 1");
            calls++;
        } while (status == 200 && calls < 100);
        Assert.Equal(403, status);
        AssertError(body, "REQUEST_LIMIT_EXCEEDED");
        Assert.Equal(41, calls);
        var stats = await _sb.StatsAsync();
        Assert.Equal(40, stats["salesforce"]!["apiUsage"]!.GetValue<int>());
    }

    [Fact]
    public async Task OversizedUrisAre414AndOversizedHeadersAre431()
    {
        Assert.Equal(414, (await Query("SELECT Id FROM Lead WHERE Email = '" + new string('a', 17_000) + "'")).Status);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_sb.Salesforce, "services/data/v66.0/query?q=" + Uri.EscapeDataString("SELECT Id FROM User LIMIT 1")));
        request.Headers.Authorization = new("Bearer", _token);
        request.Headers.Add("X-Padding", new string('p', 16_500));
        Assert.Equal(431, (int)(await _sb.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task RecordsCanBeRetrievedById()
    {
        string id;
        lock (_sb.Host.State.World.Sync) id = _sb.Host.State.World.Salesforce.All("Contact")[0].Id;
        var (status, body, _) = await _sb.GetAsync(_sb.Salesforce, $"services/data/v66.0/sobjects/Contact/{id[..15]}?fields=Id,Email,AccountId", _token);
        Assert.Equal(200, status);
        Assert.Equal(id, body!["Id"]!.GetValue<string>());
        Assert.NotNull(body["AccountId"]);
        var (missing, error, _) = await _sb.GetAsync(_sb.Salesforce, "services/data/v66.0/sobjects/Contact/0035g000009999zAAA", _token);
        Assert.Equal(404, missing);
        AssertError(error, "NOT_FOUND");
    }

    [Fact]
    public async Task LimitsEndpointReportsDailyApiRequests()
    {
        var (_, body, _) = await _sb.GetAsync(_sb.Salesforce, "services/data/v66.0/limits", _token);
        Assert.Equal(40, body!["DailyApiRequests"]!["Max"]!.GetValue<int>());
        Assert.Equal(39, body["DailyApiRequests"]!["Remaining"]!.GetValue<int>());
    }
}
