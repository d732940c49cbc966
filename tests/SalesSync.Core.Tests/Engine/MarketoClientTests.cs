using System.Net.Http.Json;
using System.Diagnostics;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Engine;

/// <summary>The engine's Marketo client against the sandbox: limits, retry classes, re-authentication, cancellation, secrets.</summary>
[Collection(TimingCollection.Name)]
public class MarketoClientTests
{
    private static readonly KeyValuePair<string, string>[] OneLead = [new("filterType", "id"), new("filterValues", "1")];

    private static async Task<int> ErrorCount(RunningSandbox sb, string code) =>
        (await sb.StatsAsync())["marketo"]!["errors"]![code]?.GetValue<int>() ?? 0;

    [Fact]
    public async Task LimiterKeepsTheClientUnderTheInstanceLimits()
    {
        // Sandbox clock at 5x: its 20 s window is 4 s of wall time, and the client's window is scaled the same way
        // (0.4 s of slack per window). The test runs alone (Timing collection), so no other work stretches the timers.
        await using var sb = await RunningSandbox.StartAsync("--people", "400", "--limits", "real", "--time-scale", "5");
        var limits = new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, Window = TimeSpan.FromSeconds(4), DailyCallBudget = 0 };
        using var client = sb.NewMarketoClient(limits, RetrySettings.Default with { MaxRetries = 0 });
        // Each answer takes 30 ms, so calls overlap even on a busy machine (the in-flight peak is then measurable).
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new { service = "marketo", path = "/rest/v1/leads.json", kind = "delay", delayMs = 30, count = 1000 })).EnsureSuccessStatusCode();
        var workers = Enumerable.Range(0, 15).Select(async w =>
        {
            for (var i = 0; i < 10; i++)
            {
                var response = await client.GetAsync("rest/v1/leads.json", [new("filterType", "id"), new("filterValues", ((w * 10 + i) % 400 + 1).ToString())], CancellationToken.None);
                Assert.True(response.Success);
            }
        });
        await Task.WhenAll(workers);

        var stats = (await sb.StatsAsync())["marketo"]!;
        Assert.Equal(150, stats["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
        Assert.Null(stats["errors"]!["606"]);
        Assert.Null(stats["errors"]!["615"]);
        Assert.InRange(stats["peakInFlight"]!.GetValue<int>(), 2, 10);
        Assert.InRange(stats["peakCallsInRateWindow"]!.GetValue<int>(), 50, 100);
    }

    [Theory]
    [InlineData("606")]
    [InlineData("615")]
    [InlineData("604")]
    [InlineData("608")]
    [InlineData("611")]
    [InlineData("713")]
    public async Task RetryableCodesAreRetriedAndAnnounced(string code)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code, count = 2 });
        var observer = new RecordingObserver();
        MarketoResponse response;
        using (EngineObserver.Use(observer)) response = await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        Assert.True(response.Success);
        Assert.Equal(2, await ErrorCount(sb, code));
        Assert.Equal(2, observer.Messages.Count(m => m.Contains($"Marketo {code}") && m.Contains("retry")));
    }

    [Theory]
    [InlineData("http", 502)]
    [InlineData("http", 503)]
    [InlineData("reset", 0)]
    [InlineData("commitThenDrop", 0)]
    public async Task TransportFailuresAreRetried(string kind, int status)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind, status, count = 2 });
        var response = await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        Assert.True(response.Success);
        Assert.Equal(3, (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("601")]
    [InlineData("602")]
    public async Task TokenErrorsFetchANewTokenAndRetryOnce(string code)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        await client.AuthenticateAsync(CancellationToken.None);
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code, count = 1 });
        var observer = new RecordingObserver();
        MarketoResponse response;
        using (EngineObserver.Use(observer)) response = await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        Assert.True(response.Success);
        Assert.Contains(observer.Messages, m => m.Contains("fetching a new access token"));
        Assert.Single(observer.Messages, m => m.Contains("requesting an access token")); // exactly one renewal
    }

    [Fact]
    public async Task ExpiredTokenFromTheServerIsRenewedTransparently()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        Assert.True((await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)).Success);
        (await sb.Http.PostAsync(new Uri(sb.Control, "tokens/expire"), null)).EnsureSuccessStatusCode();
        Assert.True((await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None)).Success);
        Assert.Equal(1, await ErrorCount(sb, "602"));
    }

    [Fact]
    public async Task DailyQuotaStopsWithAClearErrorAndNoRetry()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50", "--marketo-daily-quota", "2");
        using var client = sb.NewMarketoClient();
        await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None));
        Assert.Equal(ApiFailureKind.QuotaExhausted, e.Kind);
        Assert.Contains("midnight US Central", e.Message);
        Assert.NotNull(e.ResumesAt);
        Assert.Equal(1, await ErrorCount(sb, "607"));
        // Later calls stop client-side: the server sees no more calls today.
        await Assert.ThrowsAsync<SalesSyncApiException>(() => client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None));
        Assert.Equal(3, (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
    }

    [Fact]
    public async Task ClientSideDailyBudgetStopsBeforeCalling()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient(new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 3 });
        for (var i = 0; i < 3; i++) await client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None));
        Assert.Equal(ApiFailureKind.QuotaExhausted, e.Kind);
        Assert.Equal(3, (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
    }

    [Fact]
    public async Task InvalidRequestsAreNotRetried()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() =>
            client.GetAsync("rest/v1/leads.json", [.. OneLead, new("fields", "bogus")], CancellationToken.None));
        Assert.Equal("1006", e.Code);
        Assert.Equal(ApiFailureKind.InvalidRequest, e.Kind);
        Assert.Equal(1, await ErrorCount(sb, "1006"));
    }

    [Fact]
    public async Task RetriesGiveUpAfterTheBound()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient(retry: RunningSandbox.FastRetry with { MaxRetries = 3 });
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code = "611", probability = 1.0 });
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None));
        Assert.Equal("611", e.Code);
        Assert.Equal(4, await ErrorCount(sb, "611"));
    }

    [Fact]
    public async Task CancellationStopsRetriesPromptly()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        var slow = new RetrySettings { MaxRetries = 10, BaseDelay = TimeSpan.FromSeconds(10), ThrottleDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(30) };
        using var client = sb.NewMarketoClient(retry: slow);
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code = "606", probability = 1.0 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("rest/v1/leads.json", OneLead, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task CancellationStopsAWaitOnASlowServer()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "delay", delayMs = 20_000, count = 1 });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("rest/v1/leads.json", OneLead, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task LongQueriesGoAsPostWithMethodGet()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "400");
        using var client = sb.NewMarketoClient();
        var emails = Enumerable.Range(1, 300).Select(i => $"someone.with.a.rather.long.address.{i}@subdomain.example.com").ToList();
        string realEmail;
        lock (sb.Host.State.World.Sync) realEmail = sb.Host.State.World.FindPerson(7)!.Email!;
        emails[150] = realEmail;
        var leads = new List<System.Text.Json.JsonElement>();
        await foreach (var lead in client.GetLeadsAsync("email", emails, ["id", "email"], CancellationToken.None)) leads.Add(lead);
        Assert.Contains(leads, l => l.GetProperty("id").GetInt64() == 7);
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!;
        Assert.Equal(1, calls["POST /rest/v1/leads.json"]!.GetValue<int>());
        Assert.Null(calls["GET /rest/v1/leads.json"]);
    }

    [Fact]
    public async Task LeadsAndListMembersStreamAcrossPages()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "2000");
        using var client = sb.NewMarketoClient();
        var ids = Enumerable.Range(1, 700).Select(i => i.ToString()).ToList();
        var count = 0;
        await foreach (var _ in client.GetLeadsAsync("id", ids, ["id"], CancellationToken.None)) count++;
        Assert.Equal(700, count);
        int expected;
        lock (sb.Host.State.World.Sync) expected = sb.Host.State.World.Lists[1001].Members.Count;
        var members = 0;
        await foreach (var _ in client.GetStaticListMembersAsync(1001, ["id", "sfdcLeadOwnerId"], CancellationToken.None)) members++;
        Assert.Equal(expected, members);
        Assert.Equal((int)Math.Ceiling(expected / 300.0), (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/lists/{id}/leads.json"]!.GetValue<int>());
    }

    [Fact]
    public async Task ALeadsPageWithoutMoreResultIsNotTheLastPage()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var client = sb.NewMarketoClient();
        // The first page as a server may send it: a token, and no moreResult member.
        var token = SalesSync.Sandbox.Marketo.PagingToken.Encode("leads", 1);
        var first = "{\"requestId\":\"a1#b2\",\"success\":true,\"result\":[{\"id\":1}],\"nextPageToken\":\"" + token + "\"}";
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "http", status = 200, contentType = "application/json", body = first, count = 1 });
        var ids = new List<long>();
        await foreach (var lead in client.GetLeadsAsync("id", ["1", "2", "3"], ["id"], CancellationToken.None)) ids.Add(lead.GetProperty("id").GetInt64());
        Assert.Equal([1L, 2L, 3L], ids);
        Assert.Equal(2, (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
    }

    [Fact]
    public async Task BadCredentialsAreUnauthorizedAndNoMessageHoldsTheSecret()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        const string wrongSecret = "WRONG-SECRET-7f3a9c";
        using var client = sb.NewMarketoClient(secret: wrongSecret);
        var observer = new RecordingObserver();
        SalesSyncApiException e;
        using (EngineObserver.Use(observer)) e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.AuthenticateAsync(CancellationToken.None));
        Assert.Equal(ApiFailureKind.Unauthorized, e.Kind);
        Assert.DoesNotContain(wrongSecret, e.ToString());
        Assert.All(observer.Messages, m => Assert.DoesNotContain(wrongSecret, m));

        using var good = sb.NewMarketoClient();
        using (EngineObserver.Use(observer)) await good.GetAsync("rest/v1/leads.json", OneLead, CancellationToken.None);
        var token = await sb.MarketoTokenAsync();
        Assert.All(observer.Messages, m =>
        {
            Assert.DoesNotContain(sb.Host.State.Marketo.ClientSecret, m);
            Assert.DoesNotContain(token, m);
        });
    }

    [Fact]
    public async Task UnreachableHostFailsFastAsTransient()
    {
        using var client = new MarketoClient(new MarketoClientOptions
        {
            BaseUri = new Uri("http://127.0.0.1:9/"),
            ClientId = "id",
            ClientSecret = new Secret("secret"),
            Retry = RunningSandbox.FastRetry,
        }, new MarketoRateGate(MarketoLimitSettings.Default));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.AuthenticateAsync(CancellationToken.None));
        Assert.Equal(ApiFailureKind.Transient, e.Kind);
        Assert.Equal("NETWORK", e.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void RemoteHttpIsRefused()
    {
        Assert.Throws<ArgumentException>(() => new MarketoClient(new MarketoClientOptions
        {
            BaseUri = new Uri("http://123-abc-456.mktorest.com/"),
            ClientId = "id",
            ClientSecret = new Secret("secret"),
        }, new MarketoRateGate(MarketoLimitSettings.Default)));
    }
}
