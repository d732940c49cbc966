using System.Diagnostics;
using SalesSync.Core.Reminders;
using SalesSync.Core.Tests.Support;
using Xunit.Abstractions;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>
/// Issue 16 acceptance "Convergence": 1,000 synced reminders, 500 random operations on each side (create, edit, complete,
/// reopen, delete) of which exactly 50 change the same field on both sides and 20 delete what the other side edits →
/// both sides equal after at most two passes (but for the documented one-way cases) and exactly 70 conflicts recorded.
/// </summary>
public class ReminderConvergenceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FiveHundredOperationsOnEachSideConvergeWithSeventyConflictsRecorded()
    {
        await using var w = await ReminderWorld.StartAsync(300, 1603);
        var rng = new Random(16);
        var day = new DateOnly(2027, 2, 1);
        var ids = Enumerable.Range(0, 1000).Select(i =>
            w.NewReminder(w.People[i % w.People.Count], $"R{i}", day.AddDays(i % 60), i % 4 == 0 ? ReminderPriority.High : ReminderPriority.Normal, $"d{i}", seller: i).ReminderId).ToList();
        foreach (var i in Enumerable.Range(0, 1000).Where(i => i % 5 == 0)) w.Book.Update(ids[i], new ReminderEdit { Status = ReminderStatus.Complete }, DateTimeOffset.UtcNow);
        var setup = await w.PassAsync();
        Assert.Equal(1000, setup.CreatedInSalesforce);
        Assert.Equal(0, (await w.PassAsync()).UpdatedLocally);

        // Disjoint targets, so the only conflicts are the 70 made on purpose.
        var open = ids.Where((_, i) => i % 5 != 0).OrderBy(_ => rng.Next()).ToList();
        var done = ids.Where((_, i) => i % 5 == 0).OrderBy(_ => rng.Next()).ToList();
        List<string> Take(List<string> from, int n)
        {
            var taken = from.Take(n).ToList();
            from.RemoveRange(0, n);
            return taken;
        }
        var localCompletes = Take(open, 80);
        var sfCompletes = Take(open, 80);
        var localReopens = Take(done, 40);
        var sfReopens = Take(done, 40);
        var rest = open.Concat(done).OrderBy(_ => rng.Next()).ToList();
        var sameField = Take(rest, 50);
        var localDeleteSfEdit = Take(rest, 10);
        var sfDeleteLocalEdit = Take(rest, 10);
        var localEdits = Take(rest, 200);
        var localDeletes = Take(rest, 50);
        var sfEdits = Take(rest, 160);
        var sfSubjectEdits = Take(rest, 20);
        var sfDeletes = Take(rest, 50);
        var sfOtherStatus = Take(rest, 10);
        var sfLow = Take(rest, 10);
        string Task(string id) => w.Record(id).SalesforceTaskId!;
        var now = DateTimeOffset.UtcNow;
        int localOps = 0, sfOps = 0;

        // Same field, both sides, different values: half the local edits are the later ones.
        foreach (var (id, k) in sameField.Select((id, k) => (id, k)))
        {
            var at = k % 2 == 0 ? now.AddHours(1) : now.AddHours(-1);
            var r = w.Record(id);
            if (k < 25)
            {
                w.Book.Update(id, new ReminderEdit { DueDate = r.Values.DueDate.AddDays(100) }, at);
                await w.EditTaskAsync(Task(id), new { ActivityDate = ReminderMapping.DateOut(r.Values.DueDate.AddDays(200)) });
            }
            else
            {
                w.Book.Update(id, new ReminderEdit { Details = $"local {k}" }, at);
                await w.EditTaskAsync(Task(id), new { Description = $"salesforce {k}" });
            }
            localOps++;
            sfOps++;
        }
        foreach (var id in localDeleteSfEdit)
        {
            w.Book.Remove(id, now);
            await w.EditTaskAsync(Task(id), new { Description = "edited in Salesforce" });
            localOps++;
            sfOps++;
        }
        foreach (var id in sfDeleteLocalEdit)
        {
            w.Book.Update(id, new ReminderEdit { Details = "edited here" }, now);
            await w.DeleteTaskAsync(Task(id));
            localOps++;
            sfOps++;
        }

        // Local: 60 creates, 200 edits, 80 completes, 40 reopens, 50 deletes.
        for (var i = 0; i < 60; i++, localOps++) w.NewReminder(w.People[rng.Next(w.People.Count)], $"New here {i}", day.AddDays(rng.Next(90)), details: $"made here {i}", seller: i);
        foreach (var id in localEdits)
        {
            var r = w.Record(id);
            w.Book.Update(id, (rng.Next(4)) switch
            {
                0 => new ReminderEdit { Subject = r.Values.Subject + " (edited)" },
                1 => new ReminderEdit { Details = r.Values.Details + " more" },
                2 => new ReminderEdit { DueDate = r.Values.DueDate.AddDays(3) },
                _ => new ReminderEdit { Priority = r.Values.Priority == ReminderPriority.High ? ReminderPriority.Normal : ReminderPriority.High },
            }, now);
            localOps++;
        }
        foreach (var id in localCompletes) { w.Book.Update(id, new ReminderEdit { Status = ReminderStatus.Complete }, now); localOps++; }
        foreach (var id in localReopens) { w.Book.Update(id, new ReminderEdit { Status = ReminderStatus.Open }, now); localOps++; }
        foreach (var id in localDeletes) { w.Book.Remove(id, now); localOps++; }

        // Salesforce, as sellers: 60 creates, 160 edits, 20 subject edits (one-way), 80 completes, 40 reopens, 50 deletes,
        // 10 statuses SalesSync does not apply, 10 Low (not applied).
        await w.CreateTasksAsync(Enumerable.Range(0, 60).Select(i => ReminderWorld.Task(ReminderWorld.WhoOf(w.People[rng.Next(w.People.Count)]), w.Sellers[i % w.Sellers.Count],
            $"New in Salesforce {i}", day.AddDays(rng.Next(90)), description: $"made there {i}")).ToList());
        sfOps += 60;
        foreach (var id in sfEdits)
        {
            var r = w.Record(id);
            await w.EditTaskAsync(Task(id), (rng.Next(3)) switch
            {
                0 => (object)new { Description = r.Values.Details + " (Salesforce)" },
                1 => new { ActivityDate = ReminderMapping.DateOut(r.Values.DueDate.AddDays(5)) },
                _ => new { Priority = r.Values.Priority == ReminderPriority.High ? "Normal" : "High" },
            });
            sfOps++;
        }
        foreach (var id in sfSubjectEdits) { await w.EditTaskAsync(Task(id), new { Subject = $"Renamed by the seller ({id})" }); sfOps++; }
        foreach (var id in sfCompletes) { await w.ControlAsync(HttpMethod.Post, $"salesforce/Task/{Task(id)}/complete"); sfOps++; }
        foreach (var id in sfReopens) { await w.EditTaskAsync(Task(id), new { Status = "Not Started" }); sfOps++; }
        foreach (var id in sfDeletes) { await w.DeleteTaskAsync(Task(id)); sfOps++; }
        string[] otherStatuses = ["In Progress", "Deferred", "Waiting on someone else"];
        foreach (var (id, k) in sfOtherStatus.Select((id, k) => (id, k))) { await w.EditTaskAsync(Task(id), new { Status = otherStatuses[k % 3] }); sfOps++; }
        foreach (var id in sfLow) { await w.EditTaskAsync(Task(id), new { Priority = "Low" }); sfOps++; }
        Assert.Equal((500, 500), (localOps, sfOps));

        var clock = Stopwatch.StartNew();
        var observer = new RecordingObserver();
        ReminderSyncReport first;
        using (Diagnostics.EngineObserver.Use(observer)) first = await w.PassAsync();
        var seconds = clock.Elapsed.TotalSeconds;
        // Every conflict is also one engine warning (Write-Warning in the cmdlets), never dropped silently.
        Assert.Equal(70, observer.Messages.Count(m => m.StartsWith("WARNING: Reminder SR-", StringComparison.Ordinal) && m.Contains("Get-SalesReminderConflict", StringComparison.Ordinal)));
        Assert.Null(first.StoppedBecause);
        var second = await w.PassAsync();
        Assert.Null(second.StoppedBecause);
        output.WriteLine($"pass 1: {first}");
        output.WriteLine($"pass 2: {second}");
        output.WriteLine($"pass 1 took {seconds:F2} s for {first.TasksRead} rows read and {first.CreatedInSalesforce + first.UpdatedInSalesforce + first.DeletedInSalesforce} changes sent");
        Assert.Equal(70, first.Conflicts);
        Assert.Equal(0, second.Conflicts);
        var conflicts = w.Book.Conflicts().ToList();
        Assert.Equal(70, conflicts.Count);
        Assert.Equal(50, conflicts.Count(c => c.Kind == "SameField"));
        Assert.Equal(20, conflicts.Count(c => c.Kind == "DeleteVsEdit"));
        Assert.Equal((60, 60, 60), (first.Imported, first.CreatedInSalesforce, first.DeletedLocally));
        // Same-field winners: the later change (local for the even ones, an hour ahead).
        foreach (var (id, k) in sameField.Select((id, k) => (id, k)))
            Assert.Equal(k % 2 == 0 ? "Local" : "Salesforce", conflicts.Single(c => c.ReminderId == id).Winner);
        Assert.All(localDeleteSfEdit.Concat(sfDeleteLocalEdit), id => Assert.True(w.Record(id).Deleted));
        await w.AssertConvergedAsync();
        await w.AssertNoDuplicateTasksAsync();
    }
}
