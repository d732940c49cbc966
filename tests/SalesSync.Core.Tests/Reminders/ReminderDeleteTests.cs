using SalesSync.Core.Reminders;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>
/// Issue 16 acceptance "Deletes": a Salesforce delete 14 days before the pass (the watermark as old) comes through the
/// delete log; one 16 days before (gone from the Recycle Bin and the log) through reconciliation by id. Both reported.
/// </summary>
public class ReminderDeleteTests
{
    [Fact]
    public async Task OldDeletesComeThroughTheDeleteLogThenReconciliation()
    {
        await using var w = await ReminderWorld.StartAsync(200, 1605);
        var ids = Enumerable.Range(0, 20).Select(i => w.NewReminder(w.People[i], $"Renewal call {i}", new DateOnly(2027, 4, 1).AddDays(i), seller: i).ReminderId).ToList();
        Assert.Equal(20, (await w.PassAsync()).CreatedInSalesforce);
        var store = w.Session.Store.Reminders;

        async Task DeleteInSalesforceDaysAgo(string reminderId, int days)
        {
            var task = w.Record(reminderId).SalesforceTaskId!;
            var now = w.SandboxNow;
            await w.BackdateAsync([task], now.AddDays(-days - 2));
            await w.DeleteTaskAsync(task);
            await w.BackdateAsync([task], now.AddDays(-days), deleted: true);
        }

        // 14 days ago, and no pass since (the watermark 14 days and an hour old): the delete log has it.
        await DeleteInSalesforceDaysAgo(ids[0], 14);
        store.Save([], null, store.Cursor with { Since = w.SandboxNow.AddDays(-14).AddHours(-1) });
        var logged = await w.PassAsync();
        Assert.Null(logged.StoppedBecause);
        Assert.Equal((1, 1, 0), (logged.DeletedLocally, logged.DeletesFromLog, logged.DeletesFromReconciliation));
        Assert.Equal((true, ReminderOrigin.Salesforce), (w.Record(ids[0]).Deleted, w.Record(ids[0]).DeletedIn));

        // 16 days ago, the watermark 17 days old: the log no longer reaches back, every synced Task is checked by id.
        await DeleteInSalesforceDaysAgo(ids[1], 16);
        store.Save([], null, store.Cursor with { Since = w.SandboxNow.AddDays(-17) });
        var reconciled = await w.PassAsync();
        Assert.Null(reconciled.StoppedBecause);
        Assert.Equal((1, 0, 1), (reconciled.DeletedLocally, reconciled.DeletesFromLog, reconciled.DeletesFromReconciliation));
        Assert.True(w.Record(ids[1]).Deleted);
        Assert.NotNull(store.Cursor.LastReconciledAt);
        Assert.Equal(18, w.Records().Count(r => !r.Deleted));

        // Back to a recent watermark: no delete log, no reconciliation, one call.
        var idle = await w.PassAsync();
        Assert.Equal((0, 1), (idle.DeletedLocally, idle.SalesforceCalls));
        await w.AssertConvergedAsync();
    }
}
