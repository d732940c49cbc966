using System.Diagnostics;
using System.Globalization;
using SalesSync.Core;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>The people sync over REST (full pass of the sales-owned list) against an in-process sandbox.</summary>
internal static class RestSyncBenchmarks
{
    public static async Task PeopleSyncRest(int people, string serverLimits, string label, bool salesforce)
    {
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(CultureInfo.InvariantCulture), "--limits", serverLimits);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(new ConnectionSettings
        {
            MarketoUri = host.MarketoUri,
            MarketoClientId = host.State.Marketo.ClientId,
            MarketoClientSecret = new Secret(host.State.Marketo.ClientSecret),
            SalesforceUri = salesforce ? host.SalesforceUri : null,
            SalesforceClientId = salesforce ? host.State.Salesforce.ClientId : null,
            SalesforceClientSecret = salesforce ? new Secret(host.State.Salesforce.ClientSecret) : null,
            DatabasePath = temp.File("bench.db"),
            MarketoLimits = new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
        }, CancellationToken.None);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        SyncRunResult? run = null;
        await foreach (var output in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, CancellationToken.None))
            if (output is SyncFinished f) run = f.Run;
        wall.Stop();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var rate = run!.Added / wall.Elapsed.TotalSeconds;
        Console.WriteLine($"\n[people sync, REST full pass, {people:N0} people, {label}]");
        var ceiling = run.MarketoCalls <= 100
            ? "all calls fit in one 20 s rate window, so this is a burst, not a sustained rate"
            : $"{rate / 1500:P0} of the 1,500/s the rate limit allows at 300 per call, sustained";
        Console.WriteLine($"  {run.Added:N0} eligible people in {wall.Elapsed.TotalSeconds:0.0} s = {rate:N0} persons/s ({ceiling})");
        Console.WriteLine($"  calls: {run.MarketoCalls} Marketo ({run.MarketoCalls * 1000.0 / Math.Max(1, run.Added):0.00} per 1,000 people), {run.SalesforceCalls} Salesforce; process CPU {cpuSeconds:0.0} s (sandbox included) = {cpuSeconds * 100_000 / Math.Max(1, run.Added):0.0} s per 100,000 people; peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:N0} MiB");
    }
}
