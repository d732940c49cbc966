using System.Diagnostics;
using SalesSync.Core;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// The first sync as a user starts it: the sandbox with its default bulk timings (status refreshed on 60 s ticks),
/// --limits real and realistic response times, the client at its default limits (50 calls/20 s, 5 in flight, a daily
/// budget of 10,000). The source planner surveys the instance, prints its candidates, and the chosen source runs to
/// completion; the measured time is printed beside the estimate. Goals: 20,000 people ≤ 90 s, 100,000 ≤ 4 min, and
/// with a daily budget too small for the id scan the planner picks bulk and says so.
/// </summary>
internal static class FirstSyncBenchmarks
{
    public static async Task RunAsync()
    {
        await FirstSyncAsync(20_000, new SyncOptions { Method = SyncMethod.Auto }, MarketoLimitSettings.Default, "default options", goalSeconds: 90);
        await FirstSyncAsync(100_000, new SyncOptions { Method = SyncMethod.Auto }, MarketoLimitSettings.Default, "default options", goalSeconds: 240);
        // 60 calls a day for this client: the survey and a smart-list job fit, the id scan's ~80 calls do not.
        await FirstSyncAsync(20_000, new SyncOptions { Method = SyncMethod.Auto, SmartListId = WorldGenerator.SalesOwnedSmartListId },
            MarketoLimitSettings.Default with { DailyCallBudget = 60 }, "-SmartListId 1001, a client daily budget of 60 calls", goalSeconds: null);
    }

    private static async Task FirstSyncAsync(int people, SyncOptions options, MarketoLimitSettings limits, string label, int? goalSeconds)
    {
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(), "--limits", "real", "--response-times", "realistic");
        using var folder = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db")) with { MarketoLimits = limits }, CancellationToken.None);
        Console.WriteLine($"\n[first sync, {people:N0} people, {label}; sandbox --limits real --response-times realistic, default bulk timings; client {limits.CallsPerWindow} calls/{limits.Window.TotalSeconds:0} s, {limits.ConcurrentCalls} in flight, daily budget {limits.DailyCallBudget:N0}]");

        // The plain first Start-SalesSync: the engine's own planner surveys, chooses and runs; its table comes through -Verbose.
        var table = new CapturedPlan();
        var wall = Stopwatch.StartNew();
        SyncRunResult? run = null;
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(table))
            await foreach (var output in session.SyncPeopleAsync(options, CancellationToken.None))
                if (output is SyncFinished f) run = f.Run;
        var total = wall.Elapsed;
        foreach (var line in (table.Text ?? "(no plan: the source was named)").Split(Environment.NewLine)) Console.WriteLine("  " + line);
        var goal = goalSeconds is { } g ? $"; goal ≤ {g} s: {(total.TotalSeconds <= g ? "met" : "MISSED")}" : "";
        Console.WriteLine($"  ran: {run!.Strategy}, {run.Status}, {run.Added:N0} people, {run.MarketoCalls:N0} Marketo calls (the survey's included), {run.SalesforceCalls:N0} Salesforce; {run.Message}");
        Console.WriteLine($"  measured {total.TotalSeconds:0.0} s for the whole first Start-SalesSync (survey, pass, watermark){goal}");
        if (run.Strategy == "Bulk")
            Console.WriteLine("  (the estimate is a real instance's mean bulk job, ~1 min queued and ~5 min processing; the sandbox's default job processes 5 s, so it finishes on the second or third 60 s tick)");
    }

    /// <summary>The planner's table as the engine reports it (the verbose line that starts "Source planner").</summary>
    private sealed class CapturedPlan : SalesSync.Core.Diagnostics.IEngineObserver
    {
        public string? Text { get; private set; }
        public void Verbose(string message) { if (message.StartsWith("Source planner", StringComparison.Ordinal)) Text = message; }
        public void Debug(string message) { }
        public void Warning(string message) { }
        public void Progress(SalesSync.Core.Diagnostics.EngineProgress progress) { }
    }
}
