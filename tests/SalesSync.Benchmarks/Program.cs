using System.Globalization;
using SalesSync.Benchmarks;
using SalesSync.Core.Marketo;

// SalesSync benchmarks: figures to quote, not pass/fail.
// Usage: [--seconds N] [--reps N] [--million] [--memory-kinds store,rest,bulk] [--only-calls] [--only-people] [--only-store] [--only-memory] [--only-lookup] [--only-incremental] [--only-sources] [--only-first-sync] [--only-activities] [--only-activity-cmdlet] [--only-unsubscribes] [--only-reminders] [--only-feed] [--only-watch] [--only-report]
//   --seconds N    per sustained-rate run (default 65)
//   --reps N       runs per store variant, the least CPU is kept (default 1; the machine is shared, so 3 steadies the ratio)
//   --million      add the 1,000,000-person figures (peak memory at 1M and its ratio to 100k, lookups on a 1M database)
//   --memory-kinds the memory group's kinds of client work (default all): store writes, the REST sync, the one-list bulk pass
//   --only-X       run only the named groups (several may be given); without any, every group runs
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// A knob to compare budgets (the child processes of the memory group inherit it): SALESSYNC_BENCH_PAGE_BUDGET=N,
// the pages a store transaction may hold before it commits.
if (int.TryParse(Environment.GetEnvironmentVariable("SALESSYNC_BENCH_PAGE_BUDGET"), out var pageBudget) && pageBudget > 0)
    SalesSync.Core.Store.PeopleStore.PageBudgetForNewStores = pageBudget;
if (args.Length > 0 && args[0] == MemoryBenchmarks.WorkerFlag) return await MemoryBenchmarks.WorkerAsync(args[1..]);
if (args.Length > 0 && args[0] == ReportBenchmarks.WorkerFlag) return ReportBenchmarks.Worker(args[1..]);

var seconds = IntOption("--seconds", 65);
var repetitions = IntOption("--reps", 1);
var million = args.Contains("--million");
var memoryKinds = StringListOption("--memory-kinds");
if (memoryKinds.Except(MemoryBenchmarks.Kinds).ToList() is { Count: > 0 } unknownKinds)
{
    Console.Error.WriteLine($"Unknown --memory-kinds {string.Join(", ", unknownKinds)}; the kinds are {string.Join(", ", MemoryBenchmarks.Kinds)}.");
    return 2;
}
string[] groups = ["calls", "people", "sources", "first-sync", "activities", "activity-cmdlet", "unsubscribes", "reminders", "feed", "watch", "store", "memory", "lookup", "incremental", "report"];
var only = groups.Where(g => args.Contains("--only-" + g)).ToHashSet();
var unknown = args.Where(a => a.StartsWith("--", StringComparison.Ordinal) && !groups.Any(g => a == "--only-" + g) && a is not ("--seconds" or "--reps" or "--million" or "--memory-kinds")).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown option {string.Join(", ", unknown)}. Options: --seconds N, --reps N, --million, --memory-kinds K[,K], {string.Join(", ", groups.Select(g => "--only-" + g))}.");
    return 2;
}
bool Runs(string group) => only.Count == 0 || only.Contains(group);

Console.WriteLine($"SalesSync benchmarks ({Environment.ProcessorCount} cores, {DateTime.UtcNow:u}){(million ? ", with the 1,000,000-person figures" : "")}");
Console.WriteLine("Other builds may share this machine: wall times are noisy; CPU seconds, call counts and ratios are the steadier figures.");

if (Runs("store")) StoreBenchmarks.Run(100_000, repetitions);
if (Runs("memory")) await MemoryBenchmarks.RunAsync(million, memoryKinds);
if (Runs("lookup")) LookupBenchmarks.Run(million ? 1_000_000 : 100_000);
if (Runs("incremental")) await IncrementalBenchmarks.RunAsync(people: 30_000, changed: 1_000);
if (Runs("calls"))
{
    MarketoCallBenchmarks.WorldGeneration();
    // Sustained Marketo call rate against --limits real, at the documented maxima and at the default share.
    await MarketoCallBenchmarks.SustainedRate(new MarketoLimitSettings { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 }, "maximum (100/20 s, 10 in flight)", seconds);
    await MarketoCallBenchmarks.SustainedRate(new MarketoLimitSettings { DailyCallBudget = 0 }, "default (50/20 s, 5 in flight)", seconds);
    await MarketoCallBenchmarks.Overhead();
}
if (Runs("people"))
{
    await RestSyncBenchmarks.PeopleSyncRest(100_000, "real", "--limits real, client limiter 100 calls/20 s", salesforce: true);
    await RestSyncBenchmarks.PeopleSyncRest(100_000, "off", "--limits off, with Salesforce opportunities", salesforce: true);
    await RestSyncBenchmarks.PeopleSyncRest(100_000, "off", "--limits off, Marketo only (client CPU and store cost)", salesforce: false);
}
// The full-pass sources at --limits real: REST list and id scan at realistic response times, bulk export (createdAt windows, smart list).
if (Runs("sources")) await PeopleSourceBenchmarks.RunAsync();
// The first sync as a user starts it: the planner's candidates, the chosen source run, measured beside the estimate.
if (Runs("first-sync")) await FirstSyncBenchmarks.RunAsync();
if (Runs("activities")) await ActivityBenchmarks.RunAsync(10_000);
// The cmdlet path (child pwsh, needs ./build.ps1 build): 10,000 rows piped into Send-SalesActivity.
if (Runs("activity-cmdlet")) await CmdletActivityBenchmarks.RunAsync(10_000);
if (Runs("unsubscribes")) await UnsubscribeBenchmarks.RunAsync(10_000);
// Reminder sync with Salesforce Tasks: pushed and pulled per second, calls per 1,000 changes, an idle pass (fast and realistic timings).
if (Runs("reminders")) await ReminderBenchmarks.RunAsync();
// Get-PersonActivity's engine for 1,000 people (people/s, activities.json calls, the cached repeat) and a watch's idle polls.
if (Runs("feed")) await FeedWatchBenchmarks.FeedAsync(1_000);
if (Runs("watch")) await FeedWatchBenchmarks.WatchAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(3));
// Export-SalesSyncReport's data: the reader on 1,000,000 people and 1,000,000 activities (the database is built once and cached).
if (Runs("report")) await ReportBenchmarks.RunAsync();
if (!million && (Runs("memory") || Runs("lookup")))
    Console.WriteLine("\nThe 1,000,000-person figures (peak memory at 1M and its ratio to 100k; lookups on a 1M database) need --million:\n" +
                      "  dotnet pwsh ./build.ps1 bench --only-memory --only-lookup --million");
return 0;

IReadOnlyCollection<string> StringListOption(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
}

int IntOption(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
