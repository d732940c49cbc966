using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Peak memory of the client while it writes 100,000 and 1,000,000 people. A process's peak working set can
/// only grow, so each size runs in a child process of its own (this binary again, with <see cref="WorkerFlag"/>);
/// for the REST sync and the bulk pass that child starts the sandbox as a further child process, so the sandbox's
/// own memory (the whole generated world, the export file it serves) is not counted. The bulk pass is one
/// list job: a single window that is the whole sales-owned population, so it shows whether a window is held.
/// </summary>
internal static class MemoryBenchmarks
{
    public const string WorkerFlag = "--memory-worker";
    private const string ResultMarker = "MEMORY-RESULT ";
    private static readonly int StoreChunk = int.TryParse(Environment.GetEnvironmentVariable("SALESSYNC_BENCH_STORE_CHUNK"), out var c) ? c : 1000; // one bulk-file chunk: the larger of the sync's two batch sizes

    private sealed record Figures(long People, long PeakWorkingSet, long PeakManagedHeap, long StartWorkingSet, double WallSeconds, double CpuSeconds, string Note);

    /// <summary>The kinds of client work measured, by the name <c>--memory-kinds</c> takes.</summary>
    public static readonly string[] Kinds = ["store", "rest", "bulk"];

    public static async Task RunAsync(bool million, IReadOnlyCollection<string>? kinds = null)
    {
        Console.WriteLine("\n[peak memory of the client process, each size in its own child process; CPU/wall are noisy on a shared machine]");
        long[] sizes = million ? [100_000, 1_000_000] : [100_000];
        foreach (var (kind, label) in new[]
                 {
                     ("store", $"store writes, PeopleStore.Upsert of batches of {StoreChunk:N0} (a transaction commits early at {SalesSync.Core.Store.PeopleStore.PageBudgetForNewStores:N0} pages held)"),
                     ("rest", "full REST sync of list 1001 with Salesforce, sandbox in its own process --limits off"),
                     ("bulk", "full bulk pass of smart list 1001 (one job: the whole sales-owned population in one file) with Salesforce, sandbox in its own process --limits off"),
                 }.Where(k => kinds is null || kinds.Count == 0 || kinds.Contains(k.Item1)))
        {
            Console.WriteLine($"  {label}:");
            var results = new List<Figures>();
            foreach (var size in sizes)
            {
                var figures = await RunWorkerProcessAsync(kind, size);
                if (figures is null) continue;
                results.Add(figures);
                Console.WriteLine($"    {size,9:N0} people: peak working set {Bench.Mib(figures.PeakWorkingSet),9} (at start {Bench.Mib(figures.StartWorkingSet)}), peak managed heap {Bench.Mib(figures.PeakManagedHeap),9}; wall {figures.WallSeconds:0.0} s, CPU {figures.CpuSeconds:0.0} s; {figures.Note}");
            }
            if (results.Count == 2)
                Console.WriteLine($"    1,000,000 / 100,000: peak working set {(double)results[1].PeakWorkingSet / results[0].PeakWorkingSet:0.00}x, peak managed heap {(double)results[1].PeakManagedHeap / results[0].PeakManagedHeap:0.00}x (goal: flat, within 1.30x)");
        }
    }

    /// <summary>Runs one size in a child process and reads back its figures (null, with the reason printed, if it failed).</summary>
    private static async Task<Figures?> RunWorkerProcessAsync(string kind, long people)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Assembly.GetEntryAssembly()!.Location, WorkerFlag, kind, people.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        Figures? figures = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
            if (line.StartsWith(ResultMarker, StringComparison.Ordinal)) figures = JsonSerializer.Deserialize<Figures>(line[ResultMarker.Length..]);
        await process.WaitForExitAsync();
        if (figures is null || process.ExitCode != 0)
            Console.WriteLine($"    {people:N0} people: FAILED (exit code {process.ExitCode}): {(await stderr).Trim()}");
        return figures;
    }

    /// <summary>The child's side: does the work, then prints its figures as one JSON line.</summary>
    public static async Task<int> WorkerAsync(string[] args)
    {
        var kind = args[0];
        var people = long.Parse(args[1], CultureInfo.InvariantCulture);
        var startWorkingSet = Environment.WorkingSet;
        using var sampler = new HeapSampler();
        var watch = CpuWatch.Start();
        var note = kind switch
        {
            "store" => WriteThroughStore((int)people),
            "rest" => await SyncAgainstSandboxProcessAsync((int)people, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, []),
            // Jobs finish at once (Marketo's minutes of processing and 60 s status refresh are waiting, not client memory).
            "bulk" => await SyncAgainstSandboxProcessAsync((int)people, new SyncOptions { Method = SyncMethod.Bulk, SmartListId = WorldGenerator.SalesOwnedSmartListId, ExportPollInterval = TimeSpan.FromMilliseconds(200) },
                ["--bulk-processing-seconds", "0.1", "--bulk-status-refresh-seconds", "0.2", "--bulk-daily-quota-mb", "100000"]),
            _ => throw new ArgumentException($"Unknown memory worker kind '{kind}'."),
        };
        var (cpu, wall) = watch.Stop();
        var figures = new Figures(people, Process.GetCurrentProcess().PeakWorkingSet64, sampler.Stop(), startWorkingSet, wall, cpu, note);
        Console.WriteLine(ResultMarker + JsonSerializer.Serialize(figures));
        return 0;
    }

    private static string WriteThroughStore(int people)
    {
        using var temp = new TempFolder();
        var path = temp.File("memory.db");
        using (var lease = Bench.OpenStore(path))
        {
            var store = lease.Store.People;
            foreach (var chunk in SyntheticPeople.Chunks(people, StoreChunk, DateTimeOffset.UtcNow)) store.Upsert(chunk, runId: 1);
        }
        return $"database file {Bench.Mib(new FileInfo(path).Length)}";
    }

    /// <summary>A full sync against the built sandbox started as a child process (its memory is its own).</summary>
    private static async Task<string> SyncAgainstSandboxProcessAsync(int people, SyncOptions options, string[] sandboxArgs)
    {
        var sandboxDll = Path.Combine(Bench.RepoRoot(), "src", "SalesSync.Sandbox", "bin", "Release", "net10.0", "SalesSync.Sandbox.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, // with --exit-on-stdin-close: a crashed benchmark leaves no sandbox behind
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { sandboxDll, "--people", people.ToString(CultureInfo.InvariantCulture), "--limits", "off", "--exit-on-stdin-close" }.Concat(sandboxArgs)) psi.ArgumentList.Add(arg);
        using var sandbox = Process.Start(psi)!;
        try
        {
            var stderr = sandbox.StandardError.ReadToEndAsync();
            var ready = await sandbox.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3))
                        ?? throw new InvalidOperationException("The sandbox exited without its ready line: " + await stderr);
            var info = JsonNode.Parse(ready)!;
            using var temp = new TempFolder();
            using var session = await SalesSyncSession.ConnectAsync(new ConnectionSettings
            {
                MarketoUri = new Uri(info["marketo"]!["uri"]!.GetValue<string>()),
                MarketoClientId = info["marketo"]!["clientId"]!.GetValue<string>(),
                MarketoClientSecret = new Secret(info["marketo"]!["clientSecret"]!.GetValue<string>()),
                SalesforceUri = new Uri(info["salesforce"]!["uri"]!.GetValue<string>()),
                SalesforceClientId = info["salesforce"]!["clientId"]!.GetValue<string>(),
                SalesforceClientSecret = new Secret(info["salesforce"]!["clientSecret"]!.GetValue<string>()),
                DatabasePath = temp.File("memory.db"),
                MarketoLimits = new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
            }, CancellationToken.None);
            SyncRunResult? run = null;
            await foreach (var output in session.SyncPeopleAsync(options, CancellationToken.None))
                if (output is SyncFinished f) run = f.Run;
            return $"{run!.Status}, {run.Added:N0} eligible people synced in {run.MarketoCalls:N0} Marketo and {run.SalesforceCalls:N0} Salesforce calls"
                   + (run.BulkBytes > 0 ? $", {Bench.Mib(run.BulkBytes)} of export file" : "");
        }
        finally
        {
            sandbox.StandardInput.Close();
            if (!sandbox.WaitForExit(15_000)) sandbox.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Samples the managed heap every 20 ms on its own thread (there is no "peak heap" counter to read afterwards).</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private long _peak;

        public HeapSampler()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    _peak = Math.Max(_peak, GC.GetTotalMemory(forceFullCollection: false));
                    Thread.Sleep(20);
                }
            }) { IsBackground = true, Name = "heap sampler" };
            _thread.Start();
        }

        public long Stop()
        {
            _stop = true;
            _thread.Join();
            return Math.Max(_peak, GC.GetTotalMemory(forceFullCollection: false));
        }

        public void Dispose() => Stop();
    }
}
