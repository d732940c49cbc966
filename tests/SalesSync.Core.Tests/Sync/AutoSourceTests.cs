using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// -Method Auto, the default, end to end: a plain first Start-SalesSync runs the planner's fastest source that fits the
/// budget, records the choice, and -WhatIf shows the same table first.
/// </summary>
public class AutoSourceTests
{
    [Fact]
    public async Task APlainFirstRunTakesTheIdScanWhereBulkWindowsWouldTakeHours()
    {
        // The sandbox's default bulk timings (jobs of minutes, status every 60 s) and ten years of history.
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "43");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);

        var preview = await session.DescribeSyncPlanAsync(new SyncOptions(), CancellationToken.None);
        Assert.StartsWith("Would start a full pass scanning Marketo ids by REST", preview);
        Assert.Matches(@"(?m)^  Source\s+Calls\s+MB\s+Minutes\s+Fits\s+Note", preview);
        Assert.Matches(@"(?m)^  Bulk createdAt windows\s+[\d,]+\s+[\d.]+\s+[\d,.]+\s+yes", preview);
        Assert.Contains("Runs: REST id scan. The fastest source that fits", preview);

        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions());
        Assert.Equal(("Full", "Rest", SyncRunStatus.Completed), (run.Mode, run.Strategy, run.Status));
        Assert.StartsWith("Source: REST id scan, chosen by the planner", run.Message);
        SyncHarness.AssertMatchesTruth(sb, session, null);
        var (next, _) = await SyncHarness.SyncAsync(session, new SyncOptions());
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));
    }

    [Fact]
    public async Task ADailyBudgetTooSmallForTheIdScanRunsTheBulkSmartListAndSaysWhy()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "12000", "--seed", "44", "--history-years", "1", "--bulk-processing-seconds", "0.1", "--bulk-status-refresh-seconds", "0.2");
        using var temp = new TempFolder();
        var settings = SyncHarness.Settings(sb, temp, salesforce: true) with { MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 60 } };
        using var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        var options = new SyncOptions { SmartListId = 1001, ExportPollInterval = TimeSpan.FromMilliseconds(200) };

        var preview = await session.DescribeSyncPlanAsync(options, CancellationToken.None);
        Assert.Contains("Runs: Bulk smart list 1001.", preview);
        Assert.Contains("faster but over budget: REST id scan", preview);

        var (run, _) = await SyncHarness.SyncAsync(session, options);
        Assert.Equal(("Bulk", SyncRunStatus.Completed, 1001L), (run.Strategy, run.Status, run.SmartListId));
        Assert.StartsWith("Source: Bulk smart list 1001, chosen by the planner", run.Message);
        Assert.True(session.MarketoCallsToday <= 60, $"{session.MarketoCallsToday} calls against a budget of 60");
        SyncHarness.AssertMatchesTruth(sb, session, null);
    }
}
