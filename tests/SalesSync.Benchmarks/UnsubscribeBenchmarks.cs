using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Live unsubscribe checks (Test-MarketoUnsubscribe's engine): emails checked per second and Marketo calls per
/// 1,000 emails, for an admin's list (known addresses among prospects Marketo lacks, 10% repeats), with the
/// sandbox's limits off, real, and real with realistic response times; then the opt-out step's Salesforce calls.
/// </summary>
internal static class UnsubscribeBenchmarks
{
    public static async Task RunAsync(int emails)
    {
        await CheckAsync(emails, "off", realistic: false);
        await CheckAsync(emails, "real", realistic: false);
        await CheckAsync(emails, "real", realistic: true);
        await OptOutStepAsync(30_000);
    }

    private static async Task CheckAsync(int count, string limits, bool realistic)
    {
        string[] args = realistic
            ? ["--people", "20000", "--limits", limits, "--response-times", "realistic"]
            : ["--people", "20000", "--limits", limits];
        await using var host = await SandboxHost.StartAsync(args);
        var folder = Path.Combine(Path.GetTempPath(), "salessync-bench-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, Path.Combine(folder, "bench.db"), salesforce: false), CancellationToken.None);
            List<string> known;
            lock (host.State.World.Sync) known = host.State.World.People.Select(p => p.Email).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var random = new Random(11);
            var distinct = (int)(count * 0.9);
            var list = known.Take(distinct / 4).Concat(Enumerable.Range(0, distinct - Math.Min(known.Count, distinct / 4)).Select(i => $"prospect.{i}@unknown.example.net")).ToList();
            list.AddRange(Enumerable.Range(0, count - list.Count).Select(_ => list[random.Next(list.Count)])); // repeats
            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list));

            using var http = new HttpClient();
            async Task<int> CallsAsync() => JsonNode.Parse(await http.GetStringAsync(new Uri(host.ControlUri, "stats")))!["marketo"]!["totalCalls"]!.GetValue<int>();
            var before = await CallsAsync();
            var cpu = CpuWatch.Start();
            var lookup = session.CreateUnsubscribeLookup();
            int unsubscribed = 0, answered = 0;
            var waiting = new Queue<string>();
            foreach (var email in list)
            {
                if (lookup.Request(email) is { } now) { answered++; if (now.Unsubscribed) unsubscribed++; continue; }
                waiting.Enqueue(email);
                if (lookup.PendingCount < Core.Unsubscribes.UnsubscribeLookup.BatchSize) continue;
                await lookup.FlushAsync(false, CancellationToken.None);
                while (waiting.TryPeek(out var head) && lookup.Find(head) is { } verdict) { waiting.Dequeue(); answered++; if (verdict.Unsubscribed) unsubscribed++; }
            }
            await lookup.FlushAsync(true, CancellationToken.None);
            foreach (var email in waiting) { answered++; if (lookup.Find(email)!.Unsubscribed) unsubscribed++; }
            var (cpuSeconds, wallSeconds) = cpu.Stop();
            var calls = await CallsAsync() - before;
            Console.WriteLine($"\n[unsubscribe checks, {count:N0} emails ({distinct:N0} distinct: {Math.Min(known.Count, distinct / 4):N0} in Marketo, the rest unknown prospects), sandbox --limits {limits}{(realistic ? ", --response-times realistic" : "")}, client at 100 calls/20 s]");
            Console.WriteLine($"  {answered:N0} answered ({unsubscribed:N0} unsubscribed) in {wallSeconds:0.0} s = {count / wallSeconds:N0} emails/s; client+sandbox CPU {cpuSeconds:0.0} s");
            Console.WriteLine($"  Marketo: {calls} calls = {calls * 1000.0 / count:0.00} per 1,000 emails (ceil({distinct:N0} distinct / 300) = {(distinct + 299) / 300}; repeats cost none); " +
                              (realistic
                                  ? $"one lookup at a time at ~1 s each caps it near 300 emails/s ({count / wallSeconds / 300:P0} of that; the rate limit would allow 1,500/s sustained)"
                                  : $"{calls} calls fit in one 20 s window, so the rate limit does not bind here (sustained it allows 1,500 emails/s)"));
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
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
