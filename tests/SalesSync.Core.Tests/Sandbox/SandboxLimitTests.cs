using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>A client that ignores the limits gets 606, 615 and 607 from the sandbox, counted per instance across tokens.</summary>
public class SandboxLimitTests
{
    [Fact]
    public async Task MoreThanTheWindowAllowsIs606()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--marketo-rate-limit", "20", "--marketo-rate-window", "600");
        var token = await sb.MarketoTokenAsync();
        var codes = new List<string?>();
        for (var i = 0; i < 25; i++)
        {
            var (_, body, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
            codes.Add(body!["success"]!.GetValue<bool>() ? "ok" : body["errors"]![0]!["code"]!.GetValue<string>());
        }
        Assert.Equal(20, codes.Count(c => c == "ok"));
        Assert.Equal(5, codes.Count(c => c == "606"));
        Assert.Equal(5, (await sb.StatsAsync())["marketo"]!["errors"]!["606"]!.GetValue<int>());
    }

    [Fact]
    public async Task TheWindowSlidesWithTheClock()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--marketo-rate-limit", "3", "--marketo-rate-window", "20");
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 3; i++) await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
        var (_, refused, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
        Assert.Equal("606", refused!["errors"]![0]!["code"]!.GetValue<string>());
        await sb.AdvanceClockAsync(21);
        var (_, accepted, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
        Assert.True(accepted!["success"]!.GetValue<bool>());
    }

    [Fact]
    public async Task MoreThanTenInFlightIs615()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100");
        var token = await sb.MarketoTokenAsync();
        // Every call is held until the faults are cleared, so ten stay in flight however slow the machine is.
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "delay", delayMs = 120_000, probability = 1.0 });
        const string Lead = "rest/v1/leads.json?filterType=id&filterValues=1";
        var held = Enumerable.Range(0, 10).Select(_ => sb.GetAsync(sb.Marketo, Lead, token)).ToList();
        await sb.WaitForStatsAsync(s => s["marketo"]!["inFlight"]!.GetValue<int>() == 10, TimeSpan.FromSeconds(60), "ten calls in flight");

        var refused = new List<string?>();
        for (var i = 0; i < 4; i++) refused.Add(SandboxTestHelpers.ErrorCode((await sb.GetAsync(sb.Marketo, Lead, token)).Body));
        Assert.All(refused, code => Assert.Equal("615", code));

        await sb.ClearFaultsAsync(); // releases the ten
        var results = await Task.WhenAll(held);
        Assert.All(results, r => Assert.True(r.Body!["success"]!.GetValue<bool>()));
        var stats = (await sb.StatsAsync())["marketo"]!;
        Assert.Equal(4, stats["errors"]!["615"]!.GetValue<int>());
        Assert.Equal(0, stats["inFlight"]!.GetValue<int>());
    }

    [Fact]
    public async Task TheDailyQuotaIs607AcrossTokens()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--marketo-daily-quota", "5");
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 5; i++)
        {
            var (_, ok, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
            Assert.True(ok!["success"]!.GetValue<bool>());
        }
        (await sb.Http.PostAsync(new Uri(sb.Control, "tokens/expire"), null)).EnsureSuccessStatusCode();
        var fresh = await sb.MarketoTokenAsync();
        Assert.NotEqual(token, fresh);
        var (_, body, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", fresh);
        Assert.Equal("607", body!["errors"]![0]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task LimitsOffLetsEverythingThrough()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--limits", "off", "--marketo-rate-limit", "2");
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 10; i++)
        {
            var (_, body, _) = await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
            Assert.True(body!["success"]!.GetValue<bool>());
        }
    }
}
