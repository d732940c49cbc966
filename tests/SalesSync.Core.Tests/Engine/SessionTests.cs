using System.Net;
using System.Net.Sockets;
using SalesSync.Core.Connection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Engine;

/// <summary>The facade against the sandbox: one gate per instance, a failed connect changes nothing, tokens, credentials, URLs.</summary>
[Collection(TimingCollection.Name)]
public class SessionTests
{
    private static readonly KeyValuePair<string, string>[] OneLead = [new("filterType", "id"), new("filterValues", "1")];

    private static ConnectionSettings Settings(RunningSandbox sb, TempFolder temp, MarketoLimitSettings? limits = null, string? secret = null,
        bool salesforce = false, string database = "sync.db") => new()
    {
        MarketoUri = sb.Marketo,
        MarketoClientId = sb.Host.State.Marketo.ClientId,
        MarketoClientSecret = new Secret(secret ?? sb.Host.State.Marketo.ClientSecret),
        SalesforceUri = salesforce ? sb.Salesforce : null,
        SalesforceClientId = salesforce ? sb.Host.State.Salesforce.ClientId : null,
        SalesforceClientSecret = salesforce ? new Secret(sb.Host.State.Salesforce.ClientSecret) : null,
        DatabasePath = temp.File(database),
        MarketoLimits = limits ?? new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
        Retry = RunningSandbox.FastRetry,
    };

    private static async Task<int> Identity(RunningSandbox sb, string member = "requests") =>
        (await sb.StatsAsync())["marketo"]!["identity"]![member]!.GetValue<int>();

    [Fact]
    public async Task AReconnectWithOtherLimitsKeepsTheInstancesOneGateAndAFailedOneChangesNothing()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        var a = new MarketoLimitSettings { CallsPerWindow = 40, ConcurrentCalls = 4, DailyCallBudget = 1000 };
        var b = new MarketoLimitSettings { CallsPerWindow = 60, ConcurrentCalls = 6, DailyCallBudget = 2000 };
        using var first = await SalesSyncSession.ConnectAsync(Settings(sb, temp, a), CancellationToken.None);
        var gate = first.Marketo.Gate;
        Assert.Equal(a, first.MarketoLimits);

        var observer = new RecordingObserver();
        SalesSyncSession second;
        using (EngineObserver.Use(observer)) second = await SalesSyncSession.ConnectAsync(Settings(sb, temp, b, database: "second.db"), CancellationToken.None);
        using var _ = second;
        Assert.Contains(observer.Messages, m => m.StartsWith("WARNING: Marketo limits for loopback:", StringComparison.Ordinal) && m.Contains("change to 60 calls/20 s"));
        Assert.Same(gate, second.Marketo.Gate);
        Assert.Same(gate, MarketoRateGate.Find(sb.Marketo));
        Assert.Equal(b, first.MarketoLimits); // the instance's limits, for every connection to it
        Assert.Equal(2000, gate.Budget.Limit);

        var c = new MarketoLimitSettings { CallsPerWindow = 10, ConcurrentCalls = 1, DailyCallBudget = 5 };
        var failed = await Assert.ThrowsAsync<ConnectFailedException>(() => SalesSyncSession.ConnectAsync(Settings(sb, temp, c, secret: "wrong", database: "third.db"), CancellationToken.None));
        Assert.Equal(ConnectFailureReason.BadCredentials, failed.Reason);
        Assert.Same(gate, MarketoRateGate.Find(sb.Marketo));
        Assert.Equal(b, gate.Settings);
        Assert.False(File.Exists(temp.File("third.db"))); // nor a database made for it
    }

    [Fact]
    public async Task TheDaysCountAndARecorded607SurviveAReconnect()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50", "--marketo-daily-quota", "2");
        using var temp = new TempFolder();
        using var first = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        await first.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        await first.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => first.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None));
        Assert.Equal(ApiFailureKind.QuotaExhausted, e.Kind);

        using var second = await SalesSyncSession.ConnectAsync(Settings(sb, temp, new MarketoLimitSettings { CallsPerWindow = 90, ConcurrentCalls = 9, DailyCallBudget = 0 }, database: "b.db"),
            CancellationToken.None);
        Assert.Equal(first.MarketoCallsToday, second.MarketoCallsToday);
        // The 607 is remembered: the new connection stops client-side, the server sees no further call.
        Assert.Equal(ApiFailureKind.QuotaExhausted, (await Assert.ThrowsAsync<SalesSyncApiException>(() => second.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None))).Kind);
        Assert.Equal(3, (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
    }

    [Fact]
    public async Task ClientsOfOneInstanceShareOneGateAndStayUnderItsLimit()
    {
        // Sandbox clock at 10x: its 20 s window is 2 s of wall time; the server allows 40 per window.
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--limits", "real", "--time-scale", "10", "--marketo-rate-limit", "40");
        var limits = new MarketoLimitSettings { CallsPerWindow = 30, ConcurrentCalls = 10, Window = TimeSpan.FromSeconds(2), DailyCallBudget = 0 };
        MarketoClient NewClient() => sb.NewMarketoClient(limits, RetrySettings.Default with { MaxRetries = 0 }, instanceGate: true);
        using var one = NewClient();
        using var two = NewClient();
        Assert.Same(one.Gate, two.Gate);
        var calls = new[] { one, two }.SelectMany(client => Enumerable.Range(0, 30).Select(i =>
            client.GetAsync("rest/v1/leads.json", [new("filterType", "id"), new("filterValues", (i + 1).ToString())], CancellationToken.None)));
        await Task.WhenAll(calls);
        var stats = (await sb.StatsAsync())["marketo"]!;
        Assert.Null(stats["errors"]!["606"]); // two gates of 30 each would have sent 60 into a window of 40
        Assert.InRange(stats["peakCallsInRateWindow"]!.GetValue<int>(), 1, 40);
    }

    [Fact]
    public async Task NearExpiryTheSameTokenIsUsedToTheEndWithoutAnIdentityStorm()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var client = sb.NewMarketoClient(time: time);
        await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        var before = await Identity(sb);
        var lifetime = client.TokenExpiresAt!.Value - time.GetUtcNow();

        // 30 s before expiry on both clocks: inside the 60 s refresh margin.
        var skip = lifetime - TimeSpan.FromSeconds(30);
        await sb.AdvanceClockAsync(skip.TotalSeconds);
        time.Now += skip;
        for (var i = 0; i < 20; i++) Assert.True((await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)).Success);
        Assert.Equal(before + 1, await Identity(sb)); // one look at Identity, which hands back the same token

        // Past expiry: one new token, then quiet again.
        await sb.AdvanceClockAsync(31);
        time.Now += TimeSpan.FromSeconds(31);
        for (var i = 0; i < 5; i++) Assert.True((await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)).Success);
        Assert.Equal(before + 2, await Identity(sb));
        Assert.True(client.TokenExpiresAt > time.Now + TimeSpan.FromMinutes(30));
    }

    [Fact]
    public async Task ConcurrentCallersShareOneTokenFetch()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        // Slow Identity down so every caller arrives while the first fetch is still out.
        await sb.FaultAsync(new { service = "marketo", path = "/identity/oauth/token", kind = "delay", delayMs = 500, count = 1 });
        using var client = sb.NewMarketoClient();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)));
        Assert.Equal(1, await Identity(sb));
    }

    [Fact]
    public async Task MarketoCredentialsTravelInAPostBodyNeverTheUrl()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        await session.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        Assert.True(await Identity(sb, "post") >= 1);
        Assert.Equal(0, await Identity(sb, "get"));
        Assert.Equal(0, await Identity(sb, "credentialsInQuery"));
    }

    [Fact]
    public async Task TheSessionShowsTheLiveTokenExpiry()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var atConnect = session.MarketoTokenExpiresAt;
        Assert.NotNull(atConnect);
        await Task.Delay(1100); // Identity counts lifetimes in whole seconds
        (await sb.Http.PostAsync(new Uri(sb.Control, "tokens/expire"), null)).EnsureSuccessStatusCode();
        await session.Marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None); // 602, then a new token
        Assert.True(session.MarketoTokenExpiresAt > atConnect);
    }

    [Theory]
    [InlineData("marketo", "/rest/v1/leads.json", 429)]
    [InlineData("marketo", "/rest/v1/leads.json", 503)]
    [InlineData("salesforce", "/services/data/{v}/query", 503)]
    public async Task RetryAfterIsHonoured(string service, string path, int status)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        // Backoff alone would wait about 20 ms here; anything near a second can only come from Retry-After.
        var retry = RunningSandbox.FastRetry with { MaxDelay = TimeSpan.FromSeconds(5) };
        using var marketo = sb.NewMarketoClient(retry: retry);
        using var salesforce = sb.NewSalesforceClient(retry);
        await sb.FaultAsync(new { service, path = path.Replace("{v}", salesforce.ApiVersion), kind = "http", status, headers = new Dictionary<string, string> { ["Retry-After"] = "1" }, count = 1 });
        var observer = new RecordingObserver();
        using (EngineObserver.Use(observer))
        {
            if (service == "marketo") Assert.True((await marketo.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)).Success);
            else await foreach (var _ in salesforce.QueryAsync("SELECT Id FROM User LIMIT 1")) { }
        }
        // FastRetry would wait about 20 ms; the service asked for a second, and that is what the policy waits.
        Assert.Contains(observer.Messages, m => m.Contains("retry 1 of 5 in 1.0 s") && m.Contains("Retry-After"));
        Assert.Equal(1, (await sb.StatsAsync())[service]!["errors"]![status.ToString()]!.GetValue<int>());
    }

    [Fact]
    public async Task ANextRecordsUrlOnAnotherHostIsNeverFollowed()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var elsewhere = new TcpListener(IPAddress.Loopback, 0);
        elsewhere.Start();
        var port = ((IPEndPoint)elsewhere.LocalEndpoint).Port;
        using var client = sb.NewSalesforceClient();
        var page = $$"""{"totalSize":2,"done":false,"nextRecordsUrl":"http://127.0.0.1:{{port}}/services/data/{{client.ApiVersion}}/query/01gD0000002HU6KIAW-2000","records":[{"attributes":{"type":"User"},"Id":"005000000000001AAA"}]}""";
        await sb.FaultAsync(new { service = "salesforce", path = $"/services/data/{client.ApiVersion}/query", kind = "http", status = 200, contentType = "application/json", body = page, count = 1 });
        var rows = 0;
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(async () => { await foreach (var _ in client.QueryAsync("SELECT Id FROM User")) rows++; });
        Assert.Equal("UNTRUSTED_NEXT_URL", e.Code);
        Assert.Equal(ApiFailureKind.InvalidRequest, e.Kind);
        Assert.Equal(1, rows);
        Assert.False(elsewhere.Pending()); // nobody knocked: the token never left the instance
    }

    [Theory]
    [InlineData("text/html", "<html><body>Please sign in to the proxy</body></html>", "BAD_RESPONSE")]
    [InlineData("application/json", """{"access_token":12345,"instance_url":"http://127.0.0.1"}""", "BAD_RESPONSE")]
    [InlineData("application/json", """{"access_token":"00D!AQ","instance_url":42}""", "BAD_RESPONSE")]
    [InlineData("application/json", """["not","an","object"]""", "BAD_RESPONSE")]
    [InlineData("application/json", """{"access_token":"00D!AQ","instance_url":"http://remote.example.com"}""", "INSECURE_INSTANCE")]
    public async Task OddSalesforceTokenAnswersAreClassifiedNotRaw(string contentType, string body, string code)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        await sb.FaultAsync(new { service = "salesforce", path = "/services/oauth2/token", kind = "http", status = 200, contentType, body, count = 10 });
        using var client = sb.NewSalesforceClient();
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.AuthenticateAsync(CancellationToken.None));
        Assert.Equal(code, e.Code);

        using var temp = new TempFolder();
        var failed = await Assert.ThrowsAsync<ConnectFailedException>(() => SalesSyncSession.ConnectAsync(Settings(sb, temp, salesforce: true), CancellationToken.None));
        Assert.Equal("Salesforce", failed.Service);
        Assert.Equal(code == "INSECURE_INSTANCE" ? ConnectFailureReason.BadCredentials : ConnectFailureReason.Unreachable, failed.Reason);
        Assert.DoesNotContain("00D!AQ", failed.ToString());
    }

    [Fact]
    public async Task UserInfoInAUriIsRefusedBeforeAnythingIsSent()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        var settings = Settings(sb, temp) with { MarketoUri = new Uri($"http://admin:hunter2@{sb.Marketo.Authority}/") };
        var e = await Assert.ThrowsAsync<ConnectFailedException>(() => SalesSyncSession.ConnectAsync(settings, CancellationToken.None));
        Assert.Equal(ConnectFailureReason.InvalidUri, e.Reason);
        Assert.DoesNotContain("hunter2", e.ToString());
        Assert.Equal(0, await Identity(sb));
        Assert.NotNull(UriPolicy.Check(new Uri("https://user:pass@123-abc-456.mktorest.com")));
    }

    internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
