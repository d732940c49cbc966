using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using SalesSync.Core;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// What an incremental run costs in Marketo calls: after a full REST pass, some synced people are edited through
/// the sandbox's control API (each edit logs one Change Data Value activity, as Marketo does), then the next run
/// reads the activity log and fetches the touched people by id. Calls are exact counts; wall time is noisy here.
/// </summary>
internal static class IncrementalBenchmarks
{
    private const int PerCall = MarketoClient.MaxBatchSize; // 300 activities per page, 300 ids per leads.json call

    public static async Task RunAsync(int people, int changed)
    {
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(CultureInfo.InvariantCulture), "--limits", "off");
        using var temp = new TempFolder();
        using var http = new HttpClient();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, temp.File("incremental.db")), CancellationToken.None);
        var options = new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId };

        var (full, fullWall) = await SyncAsync(session, options);
        Console.WriteLine($"\n[incremental sync, {changed:N0} changed of {full.Added:N0} synced people ({people:N0} in Marketo), REST over list {WorldGenerator.SalesOwnedListId}, Salesforce connected, --limits off]");
        Console.WriteLine($"  full pass first: {full.Mode} {full.Status}, {full.Added:N0} added in {full.MarketoCalls:N0} Marketo calls, {fullWall:0.0} s");

        // Spread the edits over the whole id range; one field each, so one Change Data Value activity each.
        var synced = session.GetPeople(PersonQuery.All).Select(p => p.MarketoId).ToList();
        var edited = Enumerable.Range(0, changed).Select(i => synced[(int)((long)i * synced.Count / changed)]).ToList();
        int activitiesBefore;
        lock (host.State.World.Sync) activitiesBefore = host.State.World.Activities.Count;
        await Parallel.ForEachAsync(edited, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, ct) =>
            (await http.PatchAsJsonAsync(new Uri(host.ControlUri, $"people/{id}"), new Dictionary<string, object?> { ["title"] = $"Benchmark title {id}" }, ct)).EnsureSuccessStatusCode());
        int logged;
        lock (host.State.World.Sync) logged = host.State.World.Activities.Count - activitiesBefore;

        var callsBefore = CallsByEndpoint(host);
        var (incremental, wall) = await SyncAsync(session, options);
        var calls = CallsByEndpoint(host).Select(kv => (kv.Key, Count: kv.Value - callsBefore.GetValueOrDefault(kv.Key))).Where(c => c.Count > 0).ToList();
        var activityPages = calls.Where(c => c.Key.Contains("/activities/leadchanges", StringComparison.Ordinal)).Sum(c => c.Count);

        // The cost model: one call per page of activities, one per 300 touched people, plus the usage call and one page each of merges and deletes.
        var n = incremental.Updated + incremental.Added + incremental.Removed;
        var k = logged;
        var formula = Ceil(n) + Ceil(k) + 3;
        Console.WriteLine($"  edited {edited.Count:N0} people (title) through the control API: {k:N0} Change Data Value activities logged");
        Console.WriteLine($"  incremental run: {incremental.Mode} {incremental.Status}, {incremental.Updated:N0} updated, {incremental.Added:N0} added, {incremental.Removed:N0} removed, {incremental.Unchanged:N0} unchanged; wall {wall:0.00} s");
        Console.WriteLine($"  Marketo calls: {incremental.MarketoCalls} (formula ceil(n/300) + ceil(k/300) + 3 = ceil({n:N0}/300) + ceil({k:N0}/300) + 3 = {formula}); Salesforce calls: {incremental.SalesforceCalls}");
        Console.WriteLine($"  activities read: {k:N0} in {activityPages} lead-change pages; calls by endpoint: {string.Join(", ", calls.Select(c => $"{c.Key} {c.Count}"))}");

        var (quiet, quietWall) = await SyncAsync(session, options);
        Console.WriteLine($"  the run after, with nothing changed: {quiet.MarketoCalls} Marketo calls (the constant), {quiet.Updated + quiet.Added + quiet.Removed} changes, {quietWall:0.00} s");
    }

    private static int Ceil(long count) => (int)((count + PerCall - 1) / PerCall);

    private static async Task<(SyncRunResult Run, double WallSeconds)> SyncAsync(SalesSyncSession session, SyncOptions options)
    {
        var watch = Stopwatch.StartNew();
        SyncRunResult? last = null;
        await foreach (var output in session.SyncPeopleAsync(options, CancellationToken.None))
            if (output is SyncFinished f) last = f.Run;
        return (last!, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The sandbox's own count of Marketo calls per endpoint (e.g. "GET /rest/v1/activities/leadchanges.json").</summary>
    private static Dictionary<string, long> CallsByEndpoint(SandboxHost host) =>
        host.State.MarketoStats.ToJson()["calls"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<long>());
}
