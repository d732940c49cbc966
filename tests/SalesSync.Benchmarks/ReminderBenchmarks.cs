using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core;
using SalesSync.Core.Reminders;
using SalesSync.Core.Sync;
using SalesSync.Sandbox;
using SalesSync.Sandbox.Data;

namespace SalesSync.Benchmarks;

/// <summary>
/// Reminder sync with Salesforce Tasks (Sync-SalesReminder's engine): reminders pushed per second (1,000 and 10,000 local
/// creates, then as many local edits), the pass right after our own push (echo suppression: no local update, no
/// conflict), reminders pulled per second (as many Tasks edited in Salesforce as a seller would, through the sandbox's
/// control API), Salesforce calls per 1,000 changes, and an idle pass's calls; at the sandbox's fast timings and at its
/// realistic ones (Salesforce queries ~250 ms, writes ~300 ms).
/// </summary>
internal static class ReminderBenchmarks
{
    private static readonly int[] Counts = [1_000, 10_000];

    /// <summary>A Salesforce id in a reminder's note, so notes that differ only by record group together.</summary>
    private static readonly System.Text.RegularExpressions.Regex SalesforceId = new(@"\b(?=[0-9a-zA-Z]*\d)[0-9a-zA-Z]{15}(?:[0-9a-zA-Z]{3})?\b");

    public static async Task RunAsync()
    {
        await RunAsync(realistic: false);
        await RunAsync(realistic: true);
    }

    private static async Task RunAsync(bool realistic)
    {
        var ct = CancellationToken.None;
        string[] args = realistic ? ["--people", "3000", "--limits", "real", "--response-times", "realistic"] : ["--people", "3000", "--limits", "real"];
        await using var host = await SandboxHost.StartAsync(args);
        using var folder = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Bench.Settings(host, folder.File("bench.db")), ct);
        await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId }, ct)) { }
        var (people, onConvertedLeads) = PeopleWithActiveOwners(host, session);
        session.SaveActivitySettings(session.ActivitySettings with { ReminderSync = ReminderSyncMode.TwoWay });
        using var http = new HttpClient { BaseAddress = host.ControlUri };
        var passes = new Passes(session, http);
        await passes.RunAsync(); // the first pass after turning it on: nothing to import yet, it sets the watermark

        Console.WriteLine($"\n[reminder sync, {people.Count:N0} synced people with an active owner ({onConvertedLeads} synced with a lead converted since), sandbox --limits real{(realistic ? ", --response-times realistic" : "")}]");
        var book = session.Reminders;
        var due = DateOnly.FromDateTime(DateTime.Today);
        foreach (var count in Counts)
        {
            var local = CpuWatch.Start();
            var ids = new List<string>(count);
            for (var i = 0; i < count; i++)
                ids.Add(book.Create(new NewReminderRequest { MarketoId = people[i % people.Count], Subject = $"Call back about the offer {i}", DueDate = due.AddDays(1 + i % 60) }, DateTimeOffset.UtcNow).ReminderId);
            var (_, createSeconds) = local.Stop();
            var pushed = await passes.RunAsync();
            passes.Print($"{count:N0} local creates ({count / createSeconds:N0}/s to store), pushed", ids, pushed, r => r.CreatedInSalesforce);
            var echo = await passes.RunAsync();
            Console.WriteLine($"    the pass after our own push: {echo.Report.SalesforceCalls} Salesforce calls, {echo.Report.UpdatedLocally} local updates, {echo.Report.Conflicts} conflicts (goal: 0 and 0)");

            local = CpuWatch.Start();
            foreach (var id in ids) book.Update(id, new ReminderEdit { Priority = ReminderPriority.High }, DateTimeOffset.UtcNow);
            var (_, updateSeconds) = local.Stop();
            passes.Print($"{count:N0} local edits ({count / updateSeconds:N0}/s to store), pushed", ids, await passes.RunAsync(), r => r.UpdatedInSalesforce);
            await passes.RunAsync(); // reads back our own edits, so the next figure is the pull alone

            var tasks = ids.Select(id => book.Find(id)?.SalesforceTaskId).OfType<string>().ToList();
            var seller = CpuWatch.Start();
            await Parallel.ForEachAsync(tasks, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (task, token) =>
                (await http.PatchAsJsonAsync($"salesforce/Task/{task}", new { Description = "Spoke to the assistant; try again next week." }, token)).EnsureSuccessStatusCode());
            var (_, sellerSeconds) = seller.Stop();
            passes.Print($"{tasks.Count:N0} Tasks edited in Salesforce ({tasks.Count / sellerSeconds:N0}/s through the control API), pulled", ids, await passes.RunAsync(), r => r.UpdatedLocally, pull: true);
        }

        // Between two scheduled passes nothing changed for an hour: the stamps say so, the watermark overlap holds no row.
        var all = session.Reminders.Query(new ReminderQuery()).Select(r => r.SalesforceTaskId).OfType<string>().ToList();
        (await http.PostAsJsonAsync("salesforce/Task/backdate", new { ids = all, secondsAgo = 3600 })).EnsureSuccessStatusCode();
        var idle = await passes.RunAsync();
        Console.WriteLine($"  an idle pass ({all.Count:N0} reminders, no Task changed for an hour): {idle.SalesforceCalls} Salesforce calls, {idle.MarketoCalls} Marketo calls, " +
                          $"{idle.Report.TasksRead} Tasks read, {idle.Seconds * 1000:N0} ms (goal: 1 call, 0 Marketo calls)");
    }

    /// <summary>
    /// Marketo ids of synced people whose owner is an active User with a contact or lead (Salesforce refuses a Task owned
    /// by an inactive one), and how many of them are synced with a lead converted since (their Tasks cost a refusal first).
    /// </summary>
    private static (List<long> People, int OnConvertedLeads) PeopleWithActiveOwners(SandboxHost host, SalesSyncSession session)
    {
        var people = session.GetPeople(Core.People.PersonQuery.All).Where(p => p.SalesOwnerId is not null && (p.SalesforceContactId ?? p.SalesforceLeadId) is not null).ToList();
        lock (host.State.World.Sync)
        {
            var sf = host.State.World.Salesforce;
            var chosen = people.Where(p => sf.Find(p.SalesOwnerId) is { } user && user.GetValueOrDefault("IsActive") is true).ToList();
            var converted = chosen.Count(p => p.SalesforceContactId is null && sf.Find(p.SalesforceLeadId) is { } lead && lead.GetValueOrDefault("IsConverted") is true);
            return (chosen.Select(p => p.MarketoId).ToList(), converted);
        }
    }

    /// <summary>A pass's figures: the sandbox's counts (Salesforce's by endpoint, largest first), time, CPU.</summary>
    private sealed record Pass(ReminderSyncReport Report, int SalesforceCalls, string SalesforceByEndpoint, int MarketoCalls, double Seconds, double CpuSeconds);

    /// <summary>Runs passes as Sync-SalesReminder does, each measured by the sandbox's own call counters.</summary>
    private sealed class Passes(SalesSyncSession session, HttpClient http)
    {
        public async Task<Pass> RunAsync()
        {
            var (marketo, salesforce) = await CallsAsync();
            var watch = CpuWatch.Start();
            var report = await session.SyncRemindersAsync(new ReminderSyncOptions(), CancellationToken.None);
            var (cpu, wall) = watch.Stop();
            var (marketoAfter, salesforceAfter) = await CallsAsync();
            if (report.StoppedBecause is { } why) Console.WriteLine($"    (the pass stopped: {why})");
            var byEndpoint = salesforceAfter.Select(kv => (kv.Key, Calls: kv.Value - salesforce.GetValueOrDefault(kv.Key))).Where(e => e.Calls > 0)
                .OrderByDescending(e => e.Calls).Select(e => $"{e.Key.Replace("/services/data/vXX.X/", "", StringComparison.Ordinal)} {e.Calls}");
            return new Pass(report, salesforceAfter.Values.Sum() - salesforce.Values.Sum(), string.Join(", ", byEndpoint), marketoAfter - marketo, wall, cpu);
        }

        /// <summary>One line of figures; when fewer than all changes were done, the reminders' sync states (and notes) say why.</summary>
        public void Print(string what, IReadOnlyCollection<string> ids, Pass pass, Func<ReminderSyncReport, int> done, bool pull = false)
        {
            var changes = ids.Count;
            var floor = pull ? $"ceil({changes:N0}/2,000) = {(changes + 1999) / 2000} query pages" : $"ceil({changes:N0}/200) = {(changes + 199) / 200} writes";
            Console.WriteLine(
                $"  {what} in {pass.Seconds:0.00} s = {done(pass.Report) / pass.Seconds:N0} reminders/s ({done(pass.Report):N0} done, {pass.Report.Failed} failed, {pass.Report.Conflicts} conflicts); " +
                $"Salesforce: {pass.SalesforceCalls} calls = {pass.SalesforceCalls * 1000.0 / changes:0.0} per 1,000 changes ({floor}; {pass.SalesforceByEndpoint}); " +
                $"Marketo: {pass.MarketoCalls} calls; client+sandbox CPU {pass.CpuSeconds:0.0} s");
            if (done(pass.Report) >= changes) return;
            var states = session.Reminders.Query(new ReminderQuery { ReminderIds = ids, IncludeDeleted = true })
                .GroupBy(r => r.SyncNote is { } note ? $"{r.SyncState} ({SalesforceId.Replace(note, "<id>")})" : r.SyncState)
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
            Console.WriteLine($"    the {changes:N0} reminders now: {string.Join(", ", states)}");
        }

        private async Task<(int Marketo, Dictionary<string, int> Salesforce)> CallsAsync()
        {
            var stats = JsonNode.Parse(await http.GetStringAsync("stats"))!;
            var salesforce = stats["salesforce"]!["calls"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>(), StringComparer.Ordinal);
            return (stats["marketo"]!["totalCalls"]!.GetValue<int>(), salesforce);
        }
    }
}
