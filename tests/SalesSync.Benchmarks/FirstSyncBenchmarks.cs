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

        var wall = Stopwatch.StartNew();
        var (plan, facts) = await SourcePlanner.PlanAsync(session.Marketo, session.Salesforce, session.Store, options, CancellationToken.None);
        var planned = wall.Elapsed;
        Console.WriteLine($"  survey: {facts.SurveyCalls} Marketo calls in {planned.TotalSeconds:0.0} s (highest id {facts.HighestId?.HighestId:N0}, oldest person {facts.OldestCreatedAt:yyyy-MM-dd}, {facts.InstanceCallsToday:N0} instance calls today)");
        foreach (var line in plan.RenderTable().Split(Environment.NewLine)) Console.WriteLine("  " + line);

        // Until Auto is wired into the engine, the plan's concrete options run (Method Bulk or Rest, lists kept).
        SyncRunResult? run = null;
        await foreach (var output in session.SyncPeopleAsync(plan.ApplyTo(options), CancellationToken.None))
            if (output is SyncFinished f) run = f.Run;
        var total = wall.Elapsed;
        var goal = goalSeconds is { } g ? $"; goal ≤ {g} s: {(total.TotalSeconds <= g ? "met" : "MISSED")}" : "";
        Console.WriteLine($"  ran {plan.Chosen.Name}: {run!.Status}, {run.Added:N0} people, {run.MarketoCalls:N0} Marketo calls (estimate {plan.Chosen.MarketoCalls:N0}) + {facts.SurveyCalls} for the survey, {run.SalesforceCalls:N0} Salesforce");
        Console.WriteLine($"  measured {total.TotalSeconds:0.0} s (survey {planned.TotalSeconds:0.0} s + pass {(total - planned).TotalSeconds:0.0} s), estimated {plan.Chosen.EstimatedMinutes * 60:0} s{goal}");
        if (plan.Chosen.Source is PeopleSource.BulkSmartList or PeopleSource.BulkStaticLists or PeopleSource.BulkCreatedAt)
            Console.WriteLine("  (the estimate is a real instance's mean bulk job, ~1 min queued and ~5 min processing; the sandbox's default job processes 5 s, so it finishes on the second or third 60 s tick)");
    }
}
