using System.Diagnostics;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>--response-times realistic: calls take a real instance's time (scaled by --time-scale) and count as in flight meanwhile.</summary>
public class ResponseTimeTests
{
    [Fact]
    public async Task LeadReadsTakeAboutASecondDividedByTheTimeScaleAndStayInFlight()
    {
        // Time scale 2: a 1 s lead read takes 400-600 ms.
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--response-times", "realistic", "--time-scale", "2");
        var token = await sb.MarketoTokenAsync();
        var watch = Stopwatch.StartNew();
        var reads = Enumerable.Range(0, 3).Select(_ => sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token)).ToList();
        await sb.WaitForStatsAsync(s => s["marketo"]!["inFlight"]!.GetValue<int>() == 3, TimeSpan.FromMilliseconds(350), "three reads in flight");
        await Task.WhenAll(reads);
        Assert.True(watch.ElapsedMilliseconds >= 390, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task OffByDefault()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--time-scale", "0.1");
        var token = await sb.MarketoTokenAsync();
        var watch = Stopwatch.StartNew();
        await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token);
        Assert.True(watch.ElapsedMilliseconds < 2000, $"took {watch.ElapsedMilliseconds} ms"); // a realistic 1 s read at scale 0.1 would take 8 s or more
    }
}
