using System.Diagnostics;
using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// The full-pass sources side by side at --limits real with the client at the instance maximum (100 calls/20 s):
/// REST list paging (one list, and six lists side by side) and the REST id scan with realistic response times, and the bulk export (createdAt windows
/// and one smart-list job) with Marketo's 60 s status refresh played 60 times faster.
/// </summary>
internal static class PeopleSourceBenchmarks
{
    private static readonly MarketoLimitSettings InstanceMaximum = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 };

    public static async Task RunAsync()
    {
        await RestAsync(30_000, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, "REST, static list pages (sequential)");
        await RestAsync(100_000, new SyncOptions { Method = SyncMethod.Rest }, "REST, id blocks (10 in flight)");
        await RestAsync(100_000, new SyncOptions { Method = SyncMethod.Rest, StaticListIds = WorldGenerator.RegionLists.Select(r => (long)r.Id).ToList() },
            $"REST, {WorldGenerator.RegionLists.Count} static lists side by side (the sales-owned people by owner region)");
        await BulkAsync(100_000, smartList: false);
        await BulkAsync(100_000, smartList: true);
    }

    private static async Task RestAsync(int people, SyncOptions options, string label)
    {
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(), "--limits", "real", "--response-times", "realistic");
        var (run, wall) = await SyncAsync(host, options);
        var persons = run.Added;
        var idsOrRows = !options.HasStaticLists ? host.State.World.People.Max(p => p.Id) : persons;
        Console.WriteLine($"\n[people sync, {label}, {people:N0} people, --limits real, --response-times realistic (~1 s per Marketo page)]");
        Console.WriteLine($"  {persons:N0} sales-owned people in {wall.TotalSeconds:0.0} s = {persons / wall.TotalSeconds:N0} persons/s ({persons / wall.TotalSeconds / 1500:P0} of 1,500/s)"
            + (!options.HasStaticLists ? $"; {idsOrRows / wall.TotalSeconds:N0} ids/s scanned ({idsOrRows / wall.TotalSeconds / 1500:P0} of the 1,500 records/s the rate limit allows)" : ""));
        Console.WriteLine($"  calls: {run.MarketoCalls} Marketo ({run.MarketoCalls * 1000.0 / Math.Max(1, persons):0.00} per 1,000 people), {run.SalesforceCalls} Salesforce");
    }

    private static async Task BulkAsync(int people, bool smartList)
    {
        const double scale = 60;
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(), "--limits", "real", "--time-scale", scale.ToString(),
            "--bulk-records-per-second", "2000", "--response-times", "realistic");
        var options = new SyncOptions { Method = SyncMethod.Bulk, SmartListId = smartList ? 1001 : null, ExportPollInterval = TimeSpan.FromSeconds(60 / scale) };
        var (run, wall) = await SyncAsync(host, options);
        using var http = new HttpClient();
        var stats = JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!["calls"]!.AsObject();
        int Calls(string key) => stats[key]?.GetValue<int>() ?? 0;
        var polls = Calls("GET /bulk/v1/leads/export/{id}/status.json");
        Console.WriteLine($"\n[people sync, bulk export, {(smartList ? "one smart-list job" : "createdAt windows over 10 years of history")}, {people:N0} people, --limits real]");
        Console.WriteLine($"  sandbox at --time-scale {scale} (status refresh 60 s = 1 s here; jobs process 5 s + 2,000 records/s; files at 5 MB/s); client polls every 60 sandbox seconds");
        Console.WriteLine($"  {run.Added:N0} sales-owned people; {Calls("POST /bulk/v1/leads/export/create.json")} jobs, {run.MarketoCalls} Marketo calls ({run.MarketoCalls * 1000.0 / Math.Max(1, run.Added):0.00} per 1,000 people: "
            + $"{polls} status polls, {Calls("GET /bulk/v1/leads/export/{id}/file.json")} downloads), {run.SalesforceCalls} Salesforce; {run.BulkBytes / 1048576.0:0.0} MiB downloaded");
        Console.WriteLine($"  wall time {wall.TotalSeconds:0.0} s here (client work at full speed, Marketo's waits 60 times shorter); on a real instance the status-poll rounds alone ({polls} polls, {(smartList ? 1 : 2)} job(s) at a time) would wait about {polls / (smartList ? 1.0 : 2.0):0} minutes");
    }

    private static async Task<(SyncRunResult Run, TimeSpan Wall)> SyncAsync(SandboxHost host, SyncOptions options)
    {
        var folder = Path.Combine(Path.GetTempPath(), "salessync-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, Path.Combine(folder, "bench.db")), CancellationToken.None);
            var wall = Stopwatch.StartNew();
            SyncRunResult? run = null;
            await foreach (var output in session.SyncPeopleAsync(options, CancellationToken.None))
                if (output is SyncFinished f) run = f.Run;
            return (run!, wall.Elapsed);
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
