using System.Globalization;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Status;

/// <summary>The thresholds the health rules use (stated in Get-SalesSyncStatus's help; a test holds the help to them).</summary>
public static class HealthThresholds
{
    /// <summary>
    /// Marketo keeps Delete Lead activities 14 days ("Deletions greater than 14 days old may be pruned", Adobe's
    /// OpenAPI spec; the Marketo Nation retention table): a watermark older than that can no longer read every delete.
    /// </summary>
    public static readonly TimeSpan DeleteRetention = TimeSpan.FromDays(14);

    /// <summary>A watermark older than this needs attention: four days before deletes are lost, so a failed schedule is seen in time.</summary>
    public static readonly TimeSpan WatermarkWarnAge = TimeSpan.FromDays(10);

    /// <summary>A delivery waiting longer than this (pending, sending or held) is stuck: deliveries normally end with the command that logged them.</summary>
    public static readonly TimeSpan UnsettledAge = TimeSpan.FromHours(1);

    /// <summary>A daily allowance used beyond this share needs attention.</summary>
    public const double BudgetWarnShare = 0.8;

    /// <summary>
    /// While reminder sync is on, a last pass older than this needs attention: Start-SalesSync runs one each time, so a
    /// day without one means the schedule stopped (and the watermark is then past the point where the pass also reads the delete log).
    /// </summary>
    public static readonly TimeSpan ReminderPassStaleAge = TimeSpan.FromDays(1);

    /// <summary>How far back the status counts reminder conflicts.</summary>
    public static readonly TimeSpan ReminderConflictWindow = TimeSpan.FromDays(7);
}

/// <summary>One rule's verdict: the rule's name, the state it found, and one line saying why (and what to do).</summary>
public sealed record HealthFinding(string Rule, HealthState State, string Message);

/// <summary>A named health rule over <see cref="StatusFacts"/>: null when all is well.</summary>
public sealed record HealthRule(string Name, string Description, Func<StatusFacts, HealthFinding?> Evaluate);

/// <summary>
/// The named rules behind Get-SalesSyncStatus's verdict (and issue 18's report). Each looks at the facts alone, so
/// it is tested on a database prepared in the test; the verdict is the worst state any rule found.
/// </summary>
public static class HealthRules
{
    public const string NeverSynced = nameof(NeverSynced);
    public const string LastRunFailed = nameof(LastRunFailed);
    public const string LastRunUnfinished = nameof(LastRunUnfinished);
    public const string WatermarkNearRetention = nameof(WatermarkNearRetention);
    public const string DeliveriesFailed = nameof(DeliveriesFailed);
    public const string DeliveriesHeldOrPendingOld = nameof(DeliveriesHeldOrPendingOld);
    public const string GuardOff = nameof(GuardOff);
    public const string DailyBudgetNearlySpent = nameof(DailyBudgetNearlySpent);
    public const string OnlineCheckFailed = nameof(OnlineCheckFailed);
    public const string ReminderPushFailed = nameof(ReminderPushFailed);
    public const string ReminderPassStale = nameof(ReminderPassStale);

    public static IReadOnlyList<HealthRule> All { get; } =
    [
        new(NeverSynced, "No sync run has completed (NeedsAttention).", CheckNeverSynced),
        new(LastRunFailed, "The newest run failed (Failing).", CheckLastRunFailed),
        new(LastRunUnfinished, "The newest run stopped, was refused, or was interrupted and is not running now (NeedsAttention).", CheckLastRunUnfinished),
        new(WatermarkNearRetention, "The activity watermark is older than 10 days (NeedsAttention) or than Marketo's 14-day Delete Lead retention (Failing: deletes in the gap can no longer be read).", CheckWatermark),
        new(DeliveriesFailed, "A delivery to Marketo or Salesforce failed (NeedsAttention).", CheckFailed),
        new(DeliveriesHeldOrPendingOld, "A delivery has been pending, sending or held for more than 1 hour (NeedsAttention).", CheckUnsettled),
        new(GuardOff, "The unsubscribe guard is off (NeedsAttention).", CheckGuard),
        new(DailyBudgetNearlySpent, "More than 80% of a daily allowance is used: SalesSync's own Marketo cap, the instance's stated 50,000, or the Salesforce org's API requests (NeedsAttention); all of it, or Salesforce at the share where SalesSync stops (90%) (Failing).", CheckBudgets),
        new(OnlineCheckFailed, "-Online only: Marketo or Salesforce did not answer (Failing).", CheckOnline),
        new(ReminderPushFailed, "Reminder sync is on and Salesforce refused a reminder's change (NeedsAttention).", CheckReminderFailed),
        new(ReminderPassStale, "Reminder sync is on and no reminder pass has ended for more than 1 day (since the last pass, or since it was turned on) (NeedsAttention).", CheckReminderPass),
    ];

    /// <summary>Every finding of every rule, worst first (rule order within a state).</summary>
    public static IReadOnlyList<HealthFinding> Evaluate(StatusFacts facts) =>
        All.Select(r => r.Evaluate(facts)).OfType<HealthFinding>().OrderByDescending(f => f.State).ToList();

    public static HealthState Verdict(IEnumerable<HealthFinding> findings) =>
        findings.Select(f => f.State).DefaultIfEmpty(HealthState.Healthy).Max();

    private static HealthFinding? CheckNeverSynced(StatusFacts f) => f.LastCompletedRun is not null ? null
        : new(NeverSynced, HealthState.NeedsAttention, f.LatestRun is null
            ? "no sync has run yet: run Start-SalesSync"
            : $"no sync has completed yet (run {f.LatestRun.RunId} is {f.LatestRun.Status})");

    private static HealthFinding? CheckLastRunFailed(StatusFacts f) => f.LatestRun is { Status: SyncRunStatus.Failed } run
        ? new(LastRunFailed, HealthState.Failing, $"run {run.RunId} failed {StatusText.Ago(f.CheckedAt, run.EndedAt ?? run.StartedAt)}; Get-SalesSyncRun -Last 1 says why")
        : null;

    private static HealthFinding? CheckLastRunUnfinished(StatusFacts f) => f.LatestRun switch
    {
        { Status: SyncRunStatus.Stopped } run => new(LastRunUnfinished, HealthState.NeedsAttention,
            $"run {run.RunId} stopped {StatusText.Ago(f.CheckedAt, run.EndedAt ?? run.StartedAt)}; Get-SalesSyncRun -Last 1 says why"),
        { Status: SyncRunStatus.Refused } run => new(LastRunUnfinished, HealthState.NeedsAttention,
            $"run {run.RunId} was refused (it removed nobody); see Get-SalesSyncRun"),
        { Status: SyncRunStatus.Running } run when !f.SyncRunningNow => new(LastRunUnfinished, HealthState.NeedsAttention,
            $"run {run.RunId} was interrupted (its process ended) and is not running"),
        _ => null,
    };

    private static HealthFinding? CheckWatermark(StatusFacts f)
    {
        if (f.WatermarkAge is not { } age) return null;
        if (age > HealthThresholds.DeleteRetention)
            return new(WatermarkNearRetention, HealthState.Failing,
                $"watermark {StatusText.Days(age)} old, past Marketo's {HealthThresholds.DeleteRetention.TotalDays:0}-day delete history");
        if (age > HealthThresholds.WatermarkWarnAge)
            return new(WatermarkNearRetention, HealthState.NeedsAttention,
                $"watermark {StatusText.Days(age)} old; Marketo prunes deletes after {HealthThresholds.DeleteRetention.TotalDays:0} d");
        return null;
    }

    private static HealthFinding? CheckFailed(StatusFacts f) => f.ActivitiesFailed == 0 ? null
        : new(DeliveriesFailed, HealthState.NeedsAttention, $"{Count(f.ActivitiesFailed, "activity", "activities")} failed: {StatusText.TopReasons(f.FailedByReason)}");

    private static HealthFinding? CheckUnsettled(StatusFacts f) =>
        f.OldestUnsettledAt is { } oldest && f.CheckedAt - oldest > HealthThresholds.UnsettledAge
            ? new(DeliveriesHeldOrPendingOld, HealthState.NeedsAttention,
                $"{StatusText.Number(f.ActivitiesPending + f.ActivitiesHeld)} waiting to deliver, oldest {StatusText.Age(f.CheckedAt - oldest)}; run Sync-SalesActivity")
            : null;

    private static HealthFinding? CheckGuard(StatusFacts f) => f.GuardOn ? null
        : new(GuardOff, HealthState.NeedsAttention, $"the unsubscribe guard is off{StatusText.ChangedBy(f.GuardChangedAt, f.GuardChangedBy)}");

    private static HealthFinding? CheckBudgets(StatusFacts f)
    {
        var findings = new List<(HealthState State, string Text)>();
        void Share(int? used, int limit, double failAt, string what)
        {
            if (used is not { } u || limit <= 0) return;
            var share = (double)u / limit;
            if (share >= failAt) findings.Add((HealthState.Failing, $"{what}: {StatusText.Percent(share)} of {limit.ToString("N0", CultureInfo.InvariantCulture)} used today"));
            else if (share > HealthThresholds.BudgetWarnShare) findings.Add((HealthState.NeedsAttention, $"{what}: {StatusText.Percent(share)} of {limit.ToString("N0", CultureInfo.InvariantCulture)} used today"));
        }
        Share(f.MarketoCallsToday, f.MarketoDailyCallBudget, 1, "SalesSync's Marketo cap");
        Share(f.MarketoInstanceCallsToday, f.MarketoInstanceDailyQuota, 1, "Marketo instance quota");
        Share(f.SalesforceCallsToday, f.SalesforceDailyLimit ?? 0, f.SalesforceStopShare, "Salesforce org's API requests");
        if (findings.Count == 0) return null;
        return new(DailyBudgetNearlySpent, findings.Max(x => x.State), string.Join("; ", findings.Select(x => x.Text)));
    }

    private static HealthFinding? CheckOnline(StatusFacts f) => f.OnlineProblems.Count == 0 ? null
        : new(OnlineCheckFailed, HealthState.Failing, string.Join("; ", f.OnlineProblems));

    private static HealthFinding? CheckReminderFailed(StatusFacts f) => !f.ReminderSyncOn || f.RemindersFailed == 0 ? null
        : new(ReminderPushFailed, HealthState.NeedsAttention,
            $"{Count(f.RemindersFailed, "reminder", "reminders")} refused by Salesforce: {StatusText.TopReasons(f.ReminderFailedByReason)}");

    private static HealthFinding? CheckReminderPass(StatusFacts f)
    {
        if (!f.ReminderSyncOn) return null;
        // Counted from the later of the last pass and the last enable, so a fresh (re-)enable is not stale.
        var passed = f.ReminderLastPassAt is { } last && (f.ReminderSyncEnabledAt is not { } on || last >= on);
        var since = passed ? f.ReminderLastPassAt : f.ReminderSyncEnabledAt;
        if (since is not { } at || f.CheckedAt - at <= HealthThresholds.ReminderPassStaleAge) return null;
        return new(ReminderPassStale, HealthState.NeedsAttention, !passed
            ? $"no reminder pass since reminder sync was turned on {StatusText.Ago(f.CheckedAt, at)}; run Sync-SalesReminder"
            : $"last reminder pass {StatusText.Ago(f.CheckedAt, at)}; run Sync-SalesReminder or Start-SalesSync");
    }

    private static string Count(int n, string one, string many) => $"{n.ToString("N0", CultureInfo.InvariantCulture)} {(n == 1 ? one : many)}";
}
