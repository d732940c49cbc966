using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Feed;
using SalesSync.Core.Marketo;
using SalesSync.Core.Reminders;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Issue 17's figures. The feed (Get-PersonActivity's engine): 1,000 people at --limits real with the default share and
/// realistic response times, people/s and activities.json and paging-token calls per 1,000 people (1 + ceil(1000/30) x 2 = 69 when
/// every batch fits one page), then the same request within the cache time (goal: 0 calls). The watch (Start-SalesSync -Watch's
/// engine): idle polls at a short interval, Marketo and Salesforce calls per poll and per hour at a 60 s interval
/// (goals: at most 3 and 2 per poll, 180 and 120 per hour).
/// </summary>
internal static class FeedWatchBenchmarks
{
    public static async Task FeedAsync(int count)
    {
        var ct = CancellationToken.None;
        await using var host = await SandboxHost.StartAsync(["--people", "3000", "--limits", "real", "--response-times", "realistic", "--feed-activities"]);
        using var folder = new TempFolder();
        // The default share of Marketo's limits (50 calls/20 s, 5 in flight), as a connection gets it.
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db"), salesforce: false) with
            { MarketoLimits = new MarketoLimitSettings { DailyCallBudget = 0 } }, ct);
        await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, ct)) { }
        var people = session.GetPeople(Core.People.PersonQuery.All).Take(count).Select(p => new FeedPerson(p.MarketoId, p.Email)).ToList();
        var request = new FeedRequest { People = people };

        Console.WriteLine($"\n[person activity feed, {people.Count:N0} synced people, default categories, last 90 days; sandbox --limits real --response-times realistic --feed-activities; client at the default share (50 calls/20 s, 5 in flight)]");
        await MeasureAsync("cold (types read, no cache)");
        await MeasureAsync("the same request within the cache time");

        async Task MeasureAsync(string what)
        {
            var before = MarketoCalls(host);
            var watch = CpuWatch.Start();
            var rows = 0;
            var guids = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var row in session.ActivityFeed.ReadAsync(request, ct))
            {
                rows++;
                guids.Add(row.ActivityId);
            }
            var (cpu, wall) = watch.Stop();
            var calls = Delta(before, MarketoCalls(host));
            var activities = Sum(calls, k => k.EndsWith("/activities.json", StringComparison.Ordinal));
            var tokens = Sum(calls, k => k.Contains("pagingtoken", StringComparison.OrdinalIgnoreCase));
            var types = Sum(calls, k => k.Contains("activities/types", StringComparison.Ordinal));
            Console.WriteLine($"  {what}: {people.Count:N0} people in {wall:0.00} s = {people.Count / wall:N0} people/s; {rows:N0} rows ({guids.Count:N0} distinct marketoGUIDs); " +
                              $"activities.json {activities} + paging token {tokens} = {(activities + tokens) * 1000.0 / people.Count:0.0} calls per 1,000 people (cold: 1 + ceil(1000/30) x 2 = 69; cached: 0), types {types}, " +
                              $"all Marketo {calls.Values.Sum()}; client+sandbox CPU {cpu:0.0} s");
        }
    }

    public static async Task WatchAsync(TimeSpan duration, TimeSpan interval)
    {
        var ct = CancellationToken.None;
        await using var host = await SandboxHost.StartAsync(["--people", "2000", "--limits", "real", "--response-times", "realistic"]);
        using var folder = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db")), ct);
        await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, ct)) { }
        session.SaveActivitySettings(session.ActivitySettings with { ReminderSync = ReminderSyncMode.TwoWay });
        // The first opt-out step and reminder pass read what exists so far (first-run reads), so they run before the watch, as a plain Start-SalesSync would.
        await foreach (var _ in session.SyncOptOutsAsync(whatIf: false, ct)) { }
        await session.SyncRemindersAsync(new ReminderSyncOptions(), ct);

        Console.WriteLine($"\n[watch, idle: {duration.TotalSeconds:0} s at a {interval.TotalSeconds:0} s interval, {session.GetPeople(Core.People.PersonQuery.All).Count():N0} synced people, reminder sync on; sandbox --limits real --response-times realistic]");
        var marketoBefore = host.State.MarketoStats.ToJson()["totalCalls"]!.GetValue<long>();
        var usageBefore = MarketoCalls(host).GetValueOrDefault(Usage);
        var salesforceBefore = SalesforceTotal(host);
        var polls = new List<WatchPoll>();
        var watch = CpuWatch.Start();
        var options = new WatchOptions { Interval = interval, Until = DateTimeOffset.UtcNow + duration, Reminders = true };
        await foreach (var output in session.WatchAsync(options, ct))
            if (output is WatchPolled polled) polls.Add(polled.Poll);
        var (cpu, wall) = watch.Stop();
        var marketo = host.State.MarketoStats.ToJson()["totalCalls"]!.GetValue<long>() - marketoBefore;
        var salesforce = SalesforceTotal(host) - salesforceBefore;
        var usageReads = MarketoCalls(host).GetValueOrDefault(Usage) - usageBefore;
        var steps = polls.GroupBy(p => p.SalesforceStep).Select(g => $"{g.Key} {g.Count()}x {g.Average(p => p.SalesforceCalls):0.#}");
        var durations = polls.Select(p => p.Run?.Duration?.TotalSeconds).OfType<double>().DefaultIfEmpty(0).ToList();
        Console.WriteLine($"  {polls.Count} polls in {wall:0.0} s; sandbox counts: Marketo {marketo} calls = {(double)marketo / polls.Count:0.00} per poll (goal <= 3), " +
                          $"Salesforce {salesforce} calls = {(double)salesforce / polls.Count:0.00} per poll (goal <= 2); client counts per poll: Marketo max {polls.Max(p => p.MarketoCalls)}, " +
                          $"Salesforce max {polls.Max(p => p.SalesforceCalls)} (Salesforce step: calls by step {string.Join(", ", steps)})");
        Console.WriteLine($"  an idle hour at a 60 s interval: Marketo {60.0 * marketo / polls.Count:N0} calls (goal <= 180; usage reads in the watch: {usageReads}, at most 1 a Marketo day and in place of a deleted-leads read), Salesforce {60.0 * salesforce / polls.Count:N0} calls (goal <= 120); " +
                          $"people step {durations.Average():0.00} s mean, {durations.Max():0.00} s max; client+sandbox CPU {cpu:0.0} s");
    }

    private const string Usage = "GET /rest/v1/stats/usage.json";

    private static long SalesforceTotal(SandboxHost host) => host.State.SalesforceStats.ToJson()["totalCalls"]!.GetValue<long>();

    private static Dictionary<string, long> MarketoCalls(SandboxHost host) =>
        host.State.MarketoStats.ToJson()["calls"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<long>(), StringComparer.Ordinal);

    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.ToDictionary(kv => kv.Key, kv => kv.Value - before.GetValueOrDefault(kv.Key), StringComparer.Ordinal);

    private static long Sum(Dictionary<string, long> calls, Func<string, bool> which) => calls.Where(kv => which(kv.Key)).Sum(kv => kv.Value);
}
