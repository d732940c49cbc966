using SalesSync.Core.Activities;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Status;

/// <summary>
/// Each health rule of Get-SalesSyncStatus on a database prepared in the test (runs, activities, settings written
/// through the stores) and counters given by the test: no sandbox, no API call.
/// </summary>
public sealed class HealthRuleTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private static readonly CallCounters Quiet = new(0, 10_000, null, true, null, null, 0.9);

    private readonly TempFolder _temp = new();
    private readonly StoreLease _lease;

    public HealthRuleTests() => _lease = StoreRegistry.Open(_temp.File("status.db"), "123-abc-456.mktorest.com", null);

    private SyncStore Store => _lease.Store;

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private SyncStatusReport Report(CallCounters? counters = null) => SyncStatusReport.Of(StatusReader.Read(Store, counters ?? Quiet, Now));

    private static HealthFinding Single(SyncStatusReport report, string rule) => Assert.Single(report.Findings, f => f.Rule == rule);

    /// <summary>A run as a sync records it: started, then saved with its end (and a watermark when it took one).</summary>
    private SyncRunResult Run(string mode, SyncRunStatus status, DateTimeOffset startedAt, DateTimeOffset? watermarkAt = null)
    {
        var run = Store.Runs.Start(mode, mode == "Incremental" ? "Activities" : "Rest", []) with
        {
            Status = status,
            StartedAt = startedAt,
            EndedAt = status == SyncRunStatus.Running ? null : startedAt.AddMinutes(5),
            Added = 10,
            LeadChangesToken = watermarkAt is null ? null : "TOKEN",
            MergesToken = watermarkAt is null ? null : "TOKEN",
            DeletesToken = watermarkAt is null ? null : "TOKEN",
            WatermarkAt = watermarkAt,
        };
        Store.Runs.Save(run);
        return run;
    }

    private SyncRunResult CompletedFullRun(TimeSpan ago) => Run("Full", SyncRunStatus.Completed, Now - ago, Now - ago - TimeSpan.FromMinutes(10));

    private void Activity(Delivery marketo, Delivery salesforce, TimeSpan loggedAgo) => Store.Activities.Add([new SalesActivity
    {
        ActivityId = SalesActivity.NewId(),
        Kind = SalesActivityKind.EmailSent,
        MarketoId = 1,
        OccurredAt = Now - loggedAgo,
        LoggedAt = Now - loggedAgo,
        Marketo = marketo,
        Salesforce = salesforce,
    }]);

    [Fact]
    public void AnEmptyDatabaseIsNeverSyncedAndTheNextRunIsAFirstFullPass()
    {
        var report = Report();
        Assert.Equal(HealthState.NeedsAttention, report.Health);
        Assert.Equal(HealthRules.NeverSynced, Assert.Single(report.Findings).Rule);
        Assert.Equal(NextSyncAction.NewFull, report.Facts.NextSync);
        Assert.Equal("none completed", report.LastRunLine);
        Assert.Null(report.Facts.WatermarkAt);
    }

    [Fact]
    public void ARecentCompletedRunIsHealthyAndTheNextRunIsIncremental()
    {
        var run = CompletedFullRun(TimeSpan.FromHours(3));
        var report = Report();
        Assert.Equal(HealthState.Healthy, report.Health);
        Assert.Empty(report.Findings);
        Assert.Equal(NextSyncAction.Incremental, report.Facts.NextSync);
        Assert.Contains($"run {run.RunId}", report.NextSyncLine);
        Assert.StartsWith($"run {run.RunId}, 2.9 h ago: 10 added", report.LastRunLine);
    }

    [Fact]
    public void AFailedNewestRunIsFailingAndTheNextRunResumesIt()
    {
        CompletedFullRun(TimeSpan.FromDays(1));
        var failed = Run("Full", SyncRunStatus.Failed, Now - TimeSpan.FromHours(2), Now - TimeSpan.FromHours(2));
        var report = Report();
        Assert.Equal(HealthState.Failing, report.Health);
        Assert.Contains($"run {failed.RunId} failed", Single(report, HealthRules.LastRunFailed).Message);
        Assert.Equal(NextSyncAction.ResumeFull, report.Facts.NextSync);
        Assert.Contains($"resume run {failed.RunId}", report.NextSyncLine);
    }

    [Fact]
    public void AStoppedNewestRunNeedsAttention()
    {
        CompletedFullRun(TimeSpan.FromDays(1));
        Run("Incremental", SyncRunStatus.Stopped, Now - TimeSpan.FromHours(1), Now - TimeSpan.FromDays(1));
        var report = Report();
        Assert.Equal(HealthState.NeedsAttention, report.Health);
        Assert.Contains("stopped", Single(report, HealthRules.LastRunUnfinished).Message);
        Assert.Equal(NextSyncAction.ResumeIncremental, report.Facts.NextSync);
    }

    [Fact]
    public void ARunningRunIsInterruptedOnlyWhenNoSyncHoldsTheDatabase()
    {
        CompletedFullRun(TimeSpan.FromDays(1));
        Run("Full", SyncRunStatus.Running, Now - TimeSpan.FromMinutes(30));
        Assert.Contains("interrupted", Single(Report(), HealthRules.LastRunUnfinished).Message);

        Store.PeopleSyncLock.Wait(); // a sync of this process is running
        try
        {
            var report = Report();
            Assert.DoesNotContain(report.Findings, f => f.Rule == HealthRules.LastRunUnfinished);
            Assert.StartsWith("run 2 is running now", report.NextSyncLine);
        }
        finally
        {
            Store.PeopleSyncLock.Release();
        }
    }

    [Theory]
    [InlineData(9, null)]
    [InlineData(11, HealthState.NeedsAttention)]
    [InlineData(15, HealthState.Failing)]
    public void TheWatermarkIsJudgedAgainstMarketosDeleteRetention(int days, HealthState? expected)
    {
        Store.Runs.Save(Run("Full", SyncRunStatus.Completed, Now - TimeSpan.FromDays(days), Now - TimeSpan.FromDays(days)));
        var report = Report();
        var finding = report.Findings.SingleOrDefault(f => f.Rule == HealthRules.WatermarkNearRetention);
        Assert.Equal(expected, finding?.State);
        Assert.Equal(days, report.Facts.WatermarkAge!.Value.TotalDays, 3);
        // The sync's own decision: past its 13-day margin the next run is a full pass, and the status says so.
        Assert.Equal(days > 13 ? NextSyncAction.NewFull : NextSyncAction.Incremental, report.Facts.NextSync);
        if (days > 13) Assert.Contains("past Marketo's delete history", report.NextSyncLine);
    }

    [Fact]
    public void ACompletedIncrementalRunsWatermarkIsWhenItStarted()
    {
        // It read the log to its end after starting: its tokens are as new as its start, not as its stored WatermarkAt.
        Run("Incremental", SyncRunStatus.Completed, Now - TimeSpan.FromDays(2), Now - TimeSpan.FromDays(12));
        var report = Report();
        Assert.Equal(2, report.Facts.WatermarkAge!.Value.TotalDays, 3);
        Assert.DoesNotContain(report.Findings, f => f.Rule == HealthRules.WatermarkNearRetention);
    }

    [Fact]
    public void FailedDeliveriesAreCountedByReasonCode()
    {
        CompletedFullRun(TimeSpan.FromHours(1));
        var inactive = new Delivery(DeliveryState.Failed, null, "INACTIVE_OWNER_OR_USER: owner inactive. Set-SalesActivitySetting ...", 1, Now);
        Activity(Delivery.Pending with { State = DeliveryState.Delivered }, inactive, TimeSpan.FromMinutes(5));
        Activity(Delivery.Pending with { State = DeliveryState.Delivered }, inactive, TimeSpan.FromMinutes(5));
        Activity(new Delivery(DeliveryState.Failed, null, "1003: Invalid value", 1, Now), Delivery.NotRequired, TimeSpan.FromMinutes(5));
        var refused = new Delivery(DeliveryState.Refused, null, "RecipientUnsubscribed: a@example.com is unsubscribed", 0, Now);
        Activity(refused, refused, TimeSpan.FromMinutes(5));

        var report = Report();
        Assert.Equal(HealthState.NeedsAttention, report.Health);
        Assert.Equal("3 activities failed: 2 INACTIVE_OWNER_OR_USER, 1 other", Single(report, HealthRules.DeliveriesFailed).Message);
        Assert.Equal("INACTIVE_OWNER_OR_USER=2; 1003=1", StatusText.AllReasons(report.Facts.FailedByReason));
        // A refusal is the guard at work (its audit trail): counted once per activity, by reason, and not a finding.
        Assert.Equal("RecipientUnsubscribed=1", StatusText.AllReasons(report.Facts.RefusedByReason));
        Assert.Equal(1, report.Facts.ActivitiesRefused);
        Assert.Equal((1, 2, 1, 1), (report.Facts.Marketo.Failed, report.Facts.Salesforce.Failed, report.Facts.Marketo.Refused, report.Facts.Salesforce.Refused));
        Assert.Equal("0 pending, 0 held, 3 failed, 1 refused", report.DeliveriesLine);
    }

    [Fact]
    public void DeliveriesWaitingMoreThanAnHourNeedAttention()
    {
        CompletedFullRun(TimeSpan.FromHours(1));
        Activity(Delivery.Pending, Delivery.NotRequired, TimeSpan.FromMinutes(10));
        Activity(Delivery.Pending with { State = DeliveryState.Held }, Delivery.Pending with { State = DeliveryState.Held }, TimeSpan.FromMinutes(20));
        var fresh = Report();
        Assert.Equal(HealthState.Healthy, fresh.Health);
        Assert.Equal("1 pending, 1 held, 0 failed, 0 refused; oldest 20 min", fresh.DeliveriesLine);

        Activity(Delivery.Pending with { State = DeliveryState.Sending }, Delivery.Pending, TimeSpan.FromHours(3));
        var report = Report();
        Assert.Equal("3 waiting to deliver, oldest 3 h; run Sync-SalesActivity", Single(report, HealthRules.DeliveriesHeldOrPendingOld).Message);
        Assert.Equal(2, report.Facts.ActivitiesPending); // pending and sending are one "pending" to an admin
        Assert.Equal(1, report.Facts.Salesforce.Pending);
    }

    [Fact]
    public void TheGuardOffNeedsAttentionSayingWhenAndByWhom()
    {
        CompletedFullRun(TimeSpan.FromHours(1));
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = false });
        var report = Report();
        var finding = Single(report, HealthRules.GuardOff);
        Assert.Equal(HealthState.NeedsAttention, finding.State);
        Assert.Contains($"by {Environment.UserName}", finding.Message);
        Assert.StartsWith("OFF since ", report.GuardLine);

        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = true });
        Assert.Equal(HealthState.Healthy, Report().Health);
        Assert.StartsWith("on since ", Report().GuardLine);
    }

    [Theory]
    [InlineData(8_000, null, null, null)]
    [InlineData(8_100, null, null, HealthState.NeedsAttention)]
    [InlineData(10_000, null, null, HealthState.Failing)]
    [InlineData(100, 41_000, null, HealthState.NeedsAttention)]
    [InlineData(100, 50_000, null, HealthState.Failing)]
    [InlineData(100, 1_000, 85, HealthState.NeedsAttention)]
    [InlineData(100, 1_000, 90, HealthState.Failing)]
    public void DailyAllowancesNearlySpentNeedAttentionAndSpentOnesFail(int ownCalls, int? instanceCalls, int? salesforceUsed, HealthState? expected)
    {
        CompletedFullRun(TimeSpan.FromHours(1));
        var report = Report(Quiet with { MarketoCallsToday = ownCalls, MarketoInstanceCallsToday = instanceCalls, SalesforceCallsToday = salesforceUsed, SalesforceDailyLimit = salesforceUsed is null ? null : 100 });
        Assert.Equal(expected, report.Findings.SingleOrDefault(f => f.Rule == HealthRules.DailyBudgetNearlySpent)?.State);
        Assert.Equal(expected ?? HealthState.Healthy, report.Health);
    }

    [Fact]
    public void TheVerdictIsTheWorstFindingAndReasonsComeWorstFirst()
    {
        Run("Full", SyncRunStatus.Completed, Now - TimeSpan.FromDays(12), Now - TimeSpan.FromDays(12));
        Run("Incremental", SyncRunStatus.Failed, Now - TimeSpan.FromHours(1), Now - TimeSpan.FromDays(12));
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = false });
        var report = Report();
        Assert.Equal(HealthState.Failing, report.Health);
        Assert.Equal([HealthRules.LastRunFailed, HealthRules.WatermarkNearRetention, HealthRules.GuardOff], report.Findings.Select(f => f.Rule));
    }

    [Fact]
    public void OnlineProblemsFail()
    {
        CompletedFullRun(TimeSpan.FromHours(1));
        var facts = StatusReader.Read(Store, Quiet, Now) with { Online = true, OnlineProblems = ["Salesforce: could not be reached"] };
        var report = SyncStatusReport.Of(facts);
        Assert.Equal(HealthState.Failing, report.Health);
        Assert.Equal("Salesforce: could not be reached", Single(report, HealthRules.OnlineCheckFailed).Message);
    }

    [Fact]
    public void SummaryLinesFitBesideTheirLabelInEightyColumns()
    {
        // The default view's longest labels are "Deliveries" and "Salesforce" (10) and " : ": 67 columns are left for a value.
        Run("Full", SyncRunStatus.Completed, Now - TimeSpan.FromDays(11), Now - TimeSpan.FromDays(11));
        Store.Runs.Save(Store.Runs.Latest! with { Added = 1_234_567, Updated = 1_234_567, Removed = 123_456 });
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = false });
        for (var i = 0; i < 3; i++) Activity(Delivery.Pending, new Delivery(DeliveryState.Failed, null, "INACTIVE_OWNER_OR_USER: inactive", 1, Now), TimeSpan.FromDays(3));
        Activity(new Delivery(DeliveryState.Failed, null, "Marketo refused the request: 1003 Invalid value for an attribute", 1, Now), Delivery.NotRequired, TimeSpan.FromDays(3));
        var report = Report(new CallCounters(9_999, 10_000, 49_999, true, 14_999, 15_000, 0.9));
        var lines = new[] { report.LastRunLine, report.WatermarkLine, report.NextSyncLine, report.DeliveriesLine, report.GuardLine, report.MarketoCallsLine, report.SalesforceCallsLine }
            .Concat(report.Reasons.Where(r => !r.StartsWith("SalesSync's Marketo cap", StringComparison.Ordinal)));
        Assert.All(lines, line => Assert.True(line.Length <= 67, $"{line.Length}: {line}"));
    }
}
