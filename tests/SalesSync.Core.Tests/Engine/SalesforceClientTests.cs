using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Engine;

public class SalesforceClientTests
{
    [Fact]
    public async Task QueryStreamsEveryPage()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "9000", "--seed", "2");
        using var client = sb.NewSalesforceClient();
        int expected;
        lock (sb.Host.State.World.Sync) expected = sb.Host.State.World.Salesforce.Count("Lead");
        Assert.True(expected > 2000);
        var ids = new HashSet<string>();
        await foreach (var r in client.QueryAsync("SELECT Id, Owner.Email FROM Lead")) ids.Add(r.GetProperty("Id").GetString()!);
        Assert.Equal(expected, ids.Count);
        Assert.Equal((int)Math.Ceiling(expected / 2000.0), (await sb.StatsAsync())["salesforce"]!["apiUsage"]!.GetValue<int>());
        Assert.NotNull(client.Usage);
    }

    [Fact]
    public async Task InvalidSessionMidPagingIsRenewedOnce()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "9000", "--seed", "2");
        using var client = sb.NewSalesforceClient();
        var observer = new RecordingObserver();
        var count = 0;
        using (EngineObserver.Use(observer))
        {
            await foreach (var _ in client.QueryAsync("SELECT Id FROM Lead"))
            {
                if (++count == 1) (await sb.Http.PostAsync(new Uri(sb.Control, "tokens/expire"), null)).EnsureSuccessStatusCode();
            }
        }
        Assert.True(count > 2000);
        Assert.Contains(observer.Messages, m => m.Contains("INVALID_SESSION_ID") && m.Contains("new access token"));
    }

    [Theory]
    [InlineData("SERVER_UNAVAILABLE", 503)]
    [InlineData("UNKNOWN_EXCEPTION", 500)]
    [InlineData("UNABLE_TO_LOCK_ROW", 400)]
    public async Task TransientErrorsAreRetried(string code, int status)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100");
        using var client = sb.NewSalesforceClient();
        await sb.FaultAsync(new { service = "salesforce", path = QueryPath(client), kind = "error", code, status, count = 2 });
        var rows = 0;
        await foreach (var _ in client.QueryAsync("SELECT Id FROM User")) rows++;
        Assert.Equal(UserCount(sb), rows);
        var stats = (await sb.StatsAsync())["salesforce"]!;
        Assert.Equal(2, stats["errors"]![code]!.GetValue<int>()); // both faults fired, and were retried
    }

    /// <summary>The query path of the client's own API version, so a version bump cannot make a fault miss.</summary>
    private static string QueryPath(SalesforceClient client) => $"/services/data/{client.ApiVersion}/query";

    private static int UserCount(RunningSandbox sb)
    {
        lock (sb.Host.State.World.Sync) return sb.Host.State.World.Salesforce.Count("User");
    }

    [Fact]
    public async Task HtmlEdgeErrorsAreRetried()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100");
        using var client = sb.NewSalesforceClient();
        await sb.FaultAsync(new { service = "salesforce", path = QueryPath(client), kind = "http", status = 503, count = 1 });
        var rows = 0;
        await foreach (var _ in client.QueryAsync("SELECT Id FROM User")) rows++;
        Assert.Equal(UserCount(sb), rows);
        Assert.Equal(1, (await sb.StatsAsync())["salesforce"]!["errors"]!["503"]!.GetValue<int>());
    }

    [Fact]
    public async Task TotalRequestsLimitStopsWithoutRetry()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--salesforce-daily-limit", "1000");
        using var client = sb.NewSalesforceClient();
        await sb.FaultAsync(new { service = "salesforce", path = QueryPath(client), kind = "error", code = "REQUEST_LIMIT_EXCEEDED", status = 403, message = "TotalRequests Limit exceeded.", count = 5 });
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(async () => { await foreach (var _ in client.QueryAsync("SELECT Id FROM User")) { } });
        Assert.Equal(ApiFailureKind.QuotaExhausted, e.Kind);
        Assert.Equal(1, (await sb.StatsAsync())["salesforce"]!["errors"]!["REQUEST_LIMIT_EXCEEDED"]!.GetValue<int>());
    }

    [Fact]
    public async Task ClientStopsBeforeTheOrgAllocationRunsOut()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--salesforce-daily-limit", "10");
        using var client = sb.NewSalesforceClient();
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(async () =>
        {
            for (var i = 0; i < 20; i++) await foreach (var _ in client.QueryAsync("SELECT Id FROM User LIMIT 1")) { }
        });
        Assert.Equal(ApiFailureKind.QuotaExhausted, e.Kind);
        Assert.Equal(9, (await sb.StatsAsync())["salesforce"]!["apiUsage"]!.GetValue<int>()); // stops at 90%
    }

    [Fact]
    public async Task InListsChunkedByEncodedLengthStayUnderTheUriLimit()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "4");
        using var client = sb.NewSalesforceClient(RunningSandbox.FastRetry with { MaxRetries = 0 });
        List<string> emails;
        lock (sb.Host.State.World.Sync) emails = sb.Host.State.World.Salesforce.All("Lead").Select(l => l["Email"] as string).OfType<string>().Take(50).ToList();
        // 200 values, as the count cap allows, but long and full of characters that grow when URL-encoded.
        var values = emails.Concat(Enumerable.Range(0, 150).Select(i => $"o'brien+{i}.\u00e9t\u00e9.\u5c71\u7530@a-rather-long-subdomain-{i}.example.com")).Cast<object?>().ToList();
        var whole = await Assert.ThrowsAsync<SalesSyncApiException>(async () =>
        {
            await foreach (var _ in client.QueryAsync($"SELECT Id FROM Lead WHERE Email IN {Soql.InList(values)}")) { }
        });
        Assert.Contains("414", whole.Code + whole.Message);

        var found = 0;
        var chunks = Soql.InListChunks(values).ToList();
        Assert.True(chunks.Count > 1);
        foreach (var chunk in chunks)
            await foreach (var _ in client.QueryAsync($"SELECT Id FROM Lead WHERE Email IN {chunk}")) found++;
        Assert.True(found >= emails.Distinct(StringComparer.OrdinalIgnoreCase).Count(), $"found {found}");
    }

    [Fact]
    public async Task MalformedQueriesAreInvalidRequests()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100");
        using var client = sb.NewSalesforceClient();
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(async () => { await foreach (var _ in client.QueryAsync("SELECT FROM")) { } });
        Assert.Equal("MALFORMED_QUERY", e.Code);
        Assert.Equal(ApiFailureKind.InvalidRequest, e.Kind);
    }

    [Fact]
    public async Task BadCredentialsAreUnauthorized()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100");
        using var client = sb.NewSalesforceClient(secret: "nope");
        var e = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.AuthenticateAsync(CancellationToken.None));
        Assert.Equal(ApiFailureKind.Unauthorized, e.Kind);
        Assert.DoesNotContain("nope", e.Message);
    }
}
