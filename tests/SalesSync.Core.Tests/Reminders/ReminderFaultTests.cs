using SalesSync.Core.People;
using SalesSync.Core.Reminders;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>
/// Issue 16 acceptance "Faults": 5xx, INVALID_SESSION_ID, UNABLE_TO_LOCK_ROW per record, commit-then-drop on a create
/// collection, and crashes or Ctrl+C between any two steps of a pass → no change lost, no Task made twice.
/// </summary>
public class ReminderFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Collections = "/services/data/*/composite/sobjects";

    [Fact]
    public async Task OutagesRefusalsAndCrashesLoseNoChangeAndMakeNoDuplicate()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Lap(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {what}");
        await using var w = await ReminderWorld.StartAsync(200, 1606);
        Lap("started");
        var day = new DateOnly(2027, 5, 3);
        var n = 0;
        List<string> Make(int count) => Enumerable.Range(0, count).Select(_ => { n++; return w.NewReminder(w.People[n % w.People.Count], $"Check-in {n}", day.AddDays(n % 30), details: $"about {n}", seller: n).ReminderId; }).ToList();
        async Task<int> PassesUntilSettledAsync(int max = 4)
        {
            for (var i = 1; i <= max; i++)
                if ((await w.PassAsync()) is { StoppedBecause: null, Failed: 0 } r && r.CreatedInSalesforce + r.UpdatedInSalesforce + r.DeletedInSalesforce == 0) return i;
            return max + 1;
        }

        // A 5xx on a create collection: the outcome is unknown, the lookup finds nothing arrived, the next pass sends it.
        Make(200);
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = Collections, method = "POST", kind = "http", status = 503, count = 1 });
        var outage = await w.PassAsync(grace: TimeSpan.FromMinutes(10));
        Assert.NotNull(outage.StoppedBecause);
        // Within the grace period a create not found yet may still land: it stays Sending, not sent again.
        var held = await w.PassAsync(grace: TimeSpan.FromMinutes(10));
        Assert.Equal(0, held.CreatedInSalesforce);
        Assert.Equal(200, w.Records().Count(r => r.State == ReminderSyncState.Sending));
        // Then 5 records of the create collection refused (row locks): created by the pass after.
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = Collections, method = "POST", kind = "recordError", count = 5 });
        var refused = await w.PassAsync();
        Assert.Equal((195, 5), (refused.CreatedInSalesforce, refused.Failed));
        Assert.True(await PassesUntilSettledAsync() <= 2);
        await w.AssertNoDuplicateTasksAsync();
        await w.AssertConvergedAsync();

        Lap("// Commit then drop");
        // Commit then drop: the Tasks were made, the answer lost; the lookup links them rather than making them again.
        var dropped = Make(200);
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = Collections, method = "POST", kind = "commitThenDrop", count = 1 });
        var tasksBefore = (await w.TasksAsync()).Count;
        var drop = await w.PassAsync();
        Assert.NotNull(drop.StoppedBecause);
        Assert.Equal(200, drop.CreatedInSalesforce);
        Assert.All(dropped, id => Assert.NotNull(w.Record(id).SalesforceTaskId));
        Assert.Equal(tasksBefore + 200, (await w.TasksAsync()).Count);

        Lap("// INVALID_SESSION_I");
        // INVALID_SESSION_ID (a revoked or expired token) on an update and on a read: a new token, then on.
        foreach (var id in dropped.Take(100)) w.Book.Update(id, new ReminderEdit { Priority = ReminderPriority.High }, DateTimeOffset.UtcNow);
        await w.ControlAsync(HttpMethod.Post, "tokens/expire");
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = Collections, method = "PATCH", kind = "error", code = "INVALID_SESSION_ID", status = 401, count = 1 });
        var session = await w.PassAsync();
        Assert.Null(session.StoppedBecause);
        Assert.Equal(100, session.UpdatedInSalesforce);

        Lap("// UNABLE_TO_LOCK_RO");
        // UNABLE_TO_LOCK_ROW on 30 records: kept on them (Failed, with Salesforce's code), sent by the next pass.
        foreach (var id in dropped.Skip(100)) w.Book.Update(id, new ReminderEdit { Details = "locked?" }, DateTimeOffset.UtcNow);
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = Collections, method = "PATCH", kind = "recordError", count = 30 });
        var locked = await w.PassAsync();
        Assert.Equal((70, 30), (locked.UpdatedInSalesforce, locked.Failed));
        Assert.Equal(30, w.Records().Count(r => r.LastError?.StartsWith("UNABLE_TO_LOCK_ROW", StringComparison.Ordinal) == true && r.State == ReminderSyncState.Failed));
        Assert.Equal(30, (await w.PassAsync()).UpdatedInSalesforce);
        await w.AssertConvergedAsync();

        Lap("// A reminder on a l");
        // A reminder on a lead converted since the sync: Salesforce refuses it, the pass moves it to the contact.
        var convertedLead = w.Session.GetPeople(PersonQuery.All).FirstOrDefault(p => p.SalesforceContactId is null && p.SalesforceLeadId is { } lead
            && w.Sandbox.Host.State.World.Salesforce.Find(lead)?["IsConverted"] is true);
        Assert.NotNull(convertedLead);
        var onLead = w.Book.Create(new NewReminderRequest { MarketoId = convertedLead.MarketoId, Subject = "After the conversion", DueDate = day, OwnerId = w.Sellers[0] }, DateTimeOffset.UtcNow);
        var moved = await w.PassAsync();
        Assert.Equal((1, 0), (moved.CreatedInSalesforce, moved.Failed));
        Assert.StartsWith("003", w.Record(onLead.ReminderId).WhoId);

        Lap("// Crashes (an");
        // Crashes (an exception between two steps, as a kill -9 would leave it) and Ctrl+C at random points, while both
        // sides keep changing: whatever each pass saved, later passes finish the job.
        var rng = new Random(1606);
        string[] steps = ["in-doubt", "deletes", "pulled", "adopted", "create-marked", "create-answered"];
        var live = () => w.Records().Where(r => !r.Deleted && r.SalesforceTaskId is not null).Select(r => r.Id).OrderBy(_ => rng.Next()).ToList();
        for (var round = 0; round < 8; round++)
        {
            Make(40);
            var targets = live();
            foreach (var id in targets.Take(15)) w.Book.Update(id, new ReminderEdit { Details = $"round {round}" }, DateTimeOffset.UtcNow);
            foreach (var id in targets.Skip(15).Take(3)) w.Book.Remove(id, DateTimeOffset.UtcNow);
            foreach (var id in targets.Skip(18).Take(5)) await w.EditTaskAsync(w.Record(id).SalesforceTaskId!, new { ActivityDate = ReminderMapping.DateOut(day.AddDays(60 + round)) });
            var at = steps[rng.Next(steps.Length)];
            if (round % 3 == 2)
            {
                using var cts = new CancellationTokenSource();
                var stopped = await w.PassAsync(afterStep: s => { if (s == at) { cts.Cancel(); cts.Token.ThrowIfCancellationRequested(); } }, ct: cts.Token);
                Assert.StartsWith("Stopped (Ctrl+C)", stopped.StoppedBecause);
            }
            else
            {
                var crash = await Assert.ThrowsAsync<InvalidOperationException>(() => w.PassAsync(afterStep: s => { if (s == at) throw new InvalidOperationException($"crash at {s}"); }));
                Assert.Equal($"crash at {at}", crash.Message);
            }
        }
        Lap("Assert.True(await Pa");
        // Ctrl+C at a random moment, in the middle of a call as likely as not.
        for (var round = 0; round < 4; round++)
        {
            Make(60);
            foreach (var id in live().Take(20)) w.Book.Update(id, new ReminderEdit { Priority = round % 2 == 0 ? ReminderPriority.High : ReminderPriority.Normal }, DateTimeOffset.UtcNow);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(rng.Next(5, 150)));
            var report = await w.PassAsync(ct: cts.Token);
            Assert.True(report.StoppedBecause is null || cts.IsCancellationRequested, report.StoppedBecause);
        }
        Lap("timed cancels");
        Assert.True(await PassesUntilSettledAsync() <= 3);
        await w.AssertNoDuplicateTasksAsync();
        await w.AssertConvergedAsync();
        var stats = await w.Sandbox.StatsAsync();
        foreach (var code in new[] { "503", "commitThenDrop", "INVALID_SESSION_ID", "UNABLE_TO_LOCK_ROW", "CANNOT_UPDATE_CONVERTED_LEAD" })
            Assert.True(stats["salesforce"]!["errors"]![code]?.GetValue<int>() > 0, $"never met {code}: {stats["salesforce"]!["errors"]!.ToJsonString()}");
    }
}
