using System.Diagnostics;
using Xunit.Abstractions;
using SalesSync.Core.Reminders;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>Issue 16 acceptance "Calls": what a pass costs in Salesforce calls, and that our own writes do not come back as changes.</summary>
public class ReminderCallTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AThousandChangesTakeFiveCallsAnIdlePassOneAndOurOwnPushDoesNotComeBack()
    {
        await using var w = await ReminderWorld.StartAsync(300, 1601);
        var day = new DateOnly(2027, 3, 1);
        var ids = Enumerable.Range(0, 1000).Select(i => w.NewReminder(w.People[i % w.People.Count], $"Call back #{i}", day.AddDays(i % 40), details: $"note {i}", seller: i).ReminderId).ToList();

        // -WhatIf: reads, counts what would go out, writes nothing anywhere.
        var whatIf = await w.PassAsync(new ReminderSyncOptions { WhatIf = true });
        Assert.Equal((true, 1000, 1), (whatIf.WhatIf, whatIf.CreatedInSalesforce, whatIf.SalesforceCalls));
        Assert.Equal(0, await w.CallsToAsync("POST", "composite/sobjects"));
        Assert.Null(w.Session.Store.Reminders.Cursor.Since);
        Assert.All(w.Records(), r => Assert.Equal(ReminderSyncState.Pending, r.State));

        // Two passes at once on one database: one waits for the other, and nothing is sent twice.
        var before = await w.CallsAsync();
        var clock = Stopwatch.StartNew();
        var both = await Task.WhenAll(w.PassAsync(), w.PassAsync());
        var pushSeconds = clock.Elapsed.TotalSeconds;
        var created = both.Single(p => p.CreatedInSalesforce > 0);
        Assert.Null(created.StoppedBecause);
        Assert.True(created.Failed == 0, string.Join("\n", w.Records().Where(r => r.LastError is not null).Select(r => $"{r.WhoId} {r.OwnerId} {r.LastError}").Distinct().Take(5)));
        Assert.Equal(1000, created.CreatedInSalesforce);
        Assert.Equal(5, await w.CallsToAsync("POST", "composite/sobjects"));
        Assert.Equal(1 + 5, created.SalesforceCalls); // the pull, then 5 collections of 200
        Assert.Equal(before.Marketo, (await w.CallsAsync()).Marketo);

        // The pass after our own push reads our 1,000 creates back: echoes, not changes.
        clock.Restart();
        var echo = await w.PassAsync();
        var pullSeconds = clock.Elapsed.TotalSeconds;
        Assert.Equal((1000, 0, 0, 0, 0), (echo.TasksRead, echo.UpdatedLocally, echo.Conflicts, echo.Imported, echo.CreatedInSalesforce));

        // Idle: exactly one Salesforce call (the pull) and no Marketo call.
        var idleBefore = await w.CallsAsync();
        var idle = await w.PassAsync();
        var idleAfter = await w.CallsAsync();
        Assert.Equal((1, 0), (idleAfter.Salesforce - idleBefore.Salesforce, idleAfter.Marketo - idleBefore.Marketo));
        Assert.Equal(1, idle.SalesforceCalls);

        // 1,000 local updates: 5 PATCH collections; the pass after: no local update, no conflict.
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
            w.Book.Update(id, i % 2 == 0 ? new ReminderEdit { Status = ReminderStatus.Complete } : new ReminderEdit { Priority = ReminderPriority.High, Details = $"changed {i}" }, DateTimeOffset.UtcNow);
        var patchesBefore = await w.CallsToAsync("PATCH", "composite/sobjects");
        var updated = await w.PassAsync();
        Assert.Equal(1000, updated.UpdatedInSalesforce);
        Assert.Equal(5, await w.CallsToAsync("PATCH", "composite/sobjects") - patchesBefore);
        var after = await w.PassAsync();
        Assert.Equal((0, 0), (after.UpdatedLocally, after.Conflicts));
        await w.AssertConvergedAsync();
        output.WriteLine($"pushed 1,000 creates in {pushSeconds:F2} s ({1000 / pushSeconds:F0}/s); pulled 1,000 rows in {pullSeconds:F2} s ({1000 / pullSeconds:F0}/s); 6 calls per 1,000 creates, 6 per 1,000 updates (pull included)");
    }
}
