using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Live unsubscribe checks (Test-MarketoUnsubscribe's engine, driven as the cmdlet drives it): emails checked per second
/// and Marketo calls per 1,000 emails for an admin's list (known addresses among prospects Marketo lacks, 10% repeats),
/// with the sandbox's limits off, real, and real with realistic response times (30,000 emails, at the instance maximum and
/// at the default share); the calls against the floor ceil(records / 300) for 10,000 Marketo emails with duplicate
/// records, with an empty local database and after a people sync; then the opt-out step's Salesforce calls.
/// </summary>
internal static class UnsubscribeBenchmarks
{
    private static readonly MarketoLimitSettings Maximum = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 };
    private static readonly MarketoLimitSettings DefaultShare = new() { DailyCallBudget = 0 };

    public static async Task RunAsync(int emails)
    {
        await CheckAsync(emails, "off", realistic: false, Maximum, "100/20 s, 10 in flight");
        await CheckAsync(emails, "real", realistic: false, Maximum, "100/20 s, 10 in flight");
        await CheckAsync(30_000, "real", realistic: true, Maximum, "100/20 s, 10 in flight");
        await CheckAsync(30_000, "real", realistic: true, DefaultShare, "the default share, 50/20 s, 5 in flight");
        await CallsAgainstFloorAsync(emails);
        await OptOutStepAsync(30_000);
    }

    private static async Task CheckAsync(int count, string limits, bool realistic, MarketoLimitSettings client, string share)
    {
        string[] args = realistic
            ? ["--people", "20000", "--limits", limits, "--response-times", "realistic"]
            : ["--people", "20000", "--limits", limits];
        await using var host = await SandboxHost.StartAsync(args);
        using var folder = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db"), salesforce: false) with { MarketoLimits = client }, CancellationToken.None);
        List<string> known;
        lock (host.State.World.Sync) known = host.State.World.People.Select(p => p.Email).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var random = new Random(11);
        var distinct = (int)(count * 0.9);
        var inMarketo = Math.Min(known.Count, distinct / 4);
        var list = known.Take(inMarketo).Concat(Enumerable.Range(0, distinct - inMarketo).Select(i => $"prospect.{i}@unknown.example.net")).ToList();
        list.AddRange(Enumerable.Range(0, count - list.Count).Select(_ => list[random.Next(list.Count)])); // repeats
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));

        var before = await MarketoCallsAsync(host);
        var cpu = CpuWatch.Start();
        var (answered, unsubscribed) = await CheckAllAsync(session.CreateUnsubscribeLookup(), list);
        var (cpuSeconds, wallSeconds) = cpu.Stop();
        var calls = await MarketoCallsAsync(host) - before;
        Console.WriteLine($"\n[unsubscribe checks, {count:N0} emails ({distinct:N0} distinct: {inMarketo:N0} in Marketo, the rest unknown prospects), sandbox --limits {limits}{(realistic ? ", --response-times realistic" : "")}, client at {share}]");
        Console.WriteLine($"  {answered:N0} answered in input order ({unsubscribed:N0} unsubscribed) in {wallSeconds:0.0} s = {count / wallSeconds:N0} emails/s; client+sandbox CPU {cpuSeconds:0.0} s");
        Console.WriteLine($"  Marketo: {calls} calls = {calls * 1000.0 / count:0.00} per 1,000 emails (ceil({distinct:N0} distinct / 300) = {(distinct + 299) / 300}; repeats cost none)" +
                          (realistic ? $"; {client.ConcurrentCalls} lookups in flight at ~1.2 s each allow about {client.ConcurrentCalls * 300 / 1.2:N0} emails/s, {client.CallsPerWindow} calls per 20 s about {client.CallsPerWindow * 300 / 21.0:N0}/s sustained" : ""));
    }

    /// <summary>
    /// 10,000 emails of Marketo people (some with several records): the calls made against the floor ceil(records / 300),
    /// and what 300-email lookups that each page once cost. First with an empty local database (the last lookups alone size
    /// the next), then after a people sync (the synced duplicates size them too).
    /// </summary>
    private static async Task CallsAgainstFloorAsync(int count)
    {
        await using var host = await SandboxHost.StartAsync("--people", "20000", "--limits", "off");
        List<string> emails;
        Dictionary<string, int> records;
        lock (host.State.World.Sync)
        {
            records = host.State.World.People.Where(p => p.Email is not null).GroupBy(p => p.Email!.ToLowerInvariant()).ToDictionary(g => g.Key, g => g.Count());
            emails = host.State.World.People.Select(p => p.Email).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        }
        new Random(13).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(emails));
        emails = emails.Take(count).ToList();
        var matching = emails.Sum(e => records[e.ToLowerInvariant()]);
        var floor = (matching + 299) / 300;
        var fixedBatches = emails.Chunk(300).Sum(b => (b.Sum(e => records[e.ToLowerInvariant()]) + 299) / 300);
        Console.WriteLine($"\n[unsubscribe calls against the floor, {emails.Count:N0} Marketo emails matching {matching:N0} records ({emails.Count(e => records[e.ToLowerInvariant()] > 1):N0} with duplicates), sandbox --limits off]");
        Console.WriteLine($"  floor ceil({matching:N0} / 300) = {floor}; 300-email lookups would cost {fixedBatches} (each paging once when its records pass 300)");
        using var folder = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db"), salesforce: false), CancellationToken.None);
        foreach (var synced in new[] { false, true })
        {
            if (synced)
                await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest }, CancellationToken.None)) { }
            var before = await MarketoCallsAsync(host);
            await CheckAllAsync(session.CreateUnsubscribeLookup(), emails);
            var calls = await MarketoCallsAsync(host) - before;
            Console.WriteLine($"  {(synced ? $"after a people sync ({session.Store.People.Count:N0} synced)" : "empty local database")}: {calls} calls = floor + {calls - floor} (goal: at most floor + 2)");
        }
    }

    /// <summary>Checks every email as Test-MarketoUnsubscribe does: lookups several at a time when enough are queued, answers in input order.</summary>
    private static async Task<(int Answered, int Unsubscribed)> CheckAllAsync(Core.Unsubscribes.UnsubscribeLookup lookup, IEnumerable<string> emails)
    {
        var flushAt = 2 * lookup.SideBySide * Core.Unsubscribes.UnsubscribeLookup.BatchSize;
        int unsubscribed = 0, answered = 0;
        var waiting = new Queue<string>();
        void Answer(Core.Unsubscribes.UnsubscribeVerdict verdict) { answered++; if (verdict.Unsubscribed) unsubscribed++; }
        foreach (var email in emails)
        {
            if (waiting.Count == 0 && lookup.Request(email) is { } now) { Answer(now); continue; }
            if (waiting.Count > 0) lookup.Request(email);
            waiting.Enqueue(email);
            if (lookup.PendingCount < flushAt) continue;
            await lookup.FlushAsync(false, CancellationToken.None);
            while (waiting.TryPeek(out var head) && lookup.Find(head) is { } verdict) { waiting.Dequeue(); Answer(verdict); }
        }
        await lookup.FlushAsync(true, CancellationToken.None);
        foreach (var email in waiting) Answer(lookup.Find(email)!);
        return (answered, unsubscribed);
    }

    private static async Task<int> MarketoCallsAsync(SandboxHost host)
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!["totalCalls"]!.GetValue<int>();
    }

    private static async Task OptOutStepAsync(int people)
    {
        await using var host = await SandboxHost.StartAsync("--people", people.ToString(), "--limits", "real");
        var folder = Path.Combine(Path.GetTempPath(), "salessync-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, Path.Combine(folder, "bench.db")), CancellationToken.None);
            await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, CancellationToken.None)) { }
            Console.WriteLine($"\n[opt-out step after a people sync of {people:N0} people, sandbox --limits real]");
            foreach (var label in new[] { "first run", "second run (incremental, nothing changed)" })
            {
                var cpu = CpuWatch.Start();
                Core.Unsubscribes.OptOutReport? report = null;
                await foreach (var output in session.SyncOptOutsAsync(false, CancellationToken.None))
                    if (output is Core.Unsubscribes.OptOutReport r) report = r;
                var (_, wallSeconds) = cpu.Stop();
                Console.WriteLine($"  {label}: {report!.SalesforceRecordsRead:N0} Salesforce records read, {report.MarkedLocally:N0} opt-outs of synced people recorded, {report.SetInSalesforce:N0} Email Opt Out set, {report.Failed} failed; " +
                                  $"{report.SalesforceCalls} Salesforce calls (ceil(set/200) = {(report.SetInSalesforce + 199) / 200} writes), 0 Marketo calls; {wallSeconds:0.0} s");
            }
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
