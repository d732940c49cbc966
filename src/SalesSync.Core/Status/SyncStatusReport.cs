using SalesSync.Core.Sync;

namespace SalesSync.Core.Status;

/// <summary>
/// The status at a glance: the facts, what the rules found, the verdict, and one short line per area (each fits an
/// 80-column console beside its label). Shared by Get-SalesSyncStatus and issue 18's report.
/// </summary>
public sealed record SyncStatusReport(StatusFacts Facts, IReadOnlyList<HealthFinding> Findings)
{
    public static SyncStatusReport Of(StatusFacts facts) => new(facts, HealthRules.Evaluate(facts));

    public HealthState Health => HealthRules.Verdict(Findings);

    public string LastRunLine => Facts.LastCompletedRun is { } run
        ? $"run {run.RunId}, {StatusText.Ago(Facts.CheckedAt, run.EndedAt ?? run.StartedAt)}: {StatusText.Compact(run.Added)} added, {StatusText.Compact(run.Updated)} updated, {StatusText.Compact(run.Removed)} removed"
        : "none completed";

    public string WatermarkLine => Facts.WatermarkAge is { } age
        ? $"{StatusText.Age(age)} old; Marketo keeps deletes {HealthThresholds.DeleteRetention.TotalDays:0} d"
        : "none: the next run is a full pass";

    public string NextSyncLine => Facts.NextSyncText;

    public string DeliveriesLine
    {
        get
        {
            var f = Facts;
            var line = $"{StatusText.Number(f.ActivitiesPending)} pending, {StatusText.Number(f.ActivitiesHeld)} held, {StatusText.Number(f.ActivitiesFailed)} failed, {StatusText.Number(f.ActivitiesRefused)} refused";
            return f.OldestUnsettledAt is { } oldest ? $"{line}; oldest {StatusText.Age(f.CheckedAt - oldest)}" : line;
        }
    }

    public string GuardLine => $"{(Facts.GuardOn ? "on" : "OFF")}{StatusText.ChangedBy(Facts.GuardChangedAt, Facts.GuardChangedBy)}";

    public string MarketoCallsLine
    {
        get
        {
            var f = Facts;
            var own = f.MarketoDailyCallBudget > 0
                ? $"SalesSync {StatusText.Number(f.MarketoCallsToday)} of {StatusText.Number(f.MarketoDailyCallBudget)}"
                : $"SalesSync {StatusText.Number(f.MarketoCallsToday)} (no cap)";
            var instance = f.MarketoInstanceCallsToday is { } used
                ? $"instance {StatusText.Number(used)} of {StatusText.Number(f.MarketoInstanceDailyQuota)}"
                : "instance not read yet";
            return $"{own}; {instance} today";
        }
    }

    public string SalesforceCallsLine => Facts switch
    {
        { HasSalesforce: false } => "not connected",
        { SalesforceCallsToday: { } used, SalesforceDailyLimit: { } max } => $"org {StatusText.Number(used)} of {StatusText.Number(max)} API requests today",
        _ => "not read yet (no Salesforce call in this session)",
    };

    /// <summary>Reminders open, overdue, waiting for Salesforce, refused by it, and recent conflicts; "off" while reminder sync is off.</summary>
    public string RemindersLine
    {
        get
        {
            var f = Facts;
            if (!f.ReminderSyncOn) return "off (Set-SalesActivitySetting -ReminderSync TwoWay)";
            var conflicts = f.ReminderConflictsRecent == 1 ? "conflict" : "conflicts";
            return $"{StatusText.Compact(f.RemindersOpen)} open, {StatusText.Compact(f.RemindersOverdue)} overdue; {StatusText.Compact(f.RemindersPending)} pending, " +
                   $"{StatusText.Compact(f.RemindersFailed)} failed; {StatusText.Compact(f.ReminderConflictsRecent)} {conflicts} in {HealthThresholds.ReminderConflictWindow.TotalDays:0} d";
        }
    }

    /// <summary>The last reminder pass's age and its watermark's (the watermark only moves when Tasks change); empty while reminder sync is off.</summary>
    public string ReminderPassLine => Facts switch
    {
        { ReminderSyncOn: false } => "",
        { ReminderLastPassAt: null } f => $"none yet (on{StatusText.ChangedBy(f.ReminderSyncEnabledAt, null)})",
        { ReminderLastPassAt: { } at } f => $"{StatusText.Ago(f.CheckedAt, at)}; " +
            (f.ReminderWatermarkAge is { } age ? $"watermark {StatusText.Age(age)} old" : "no watermark yet"),
    };

    /// <summary>The findings' messages, one line each, worst first.</summary>
    public IEnumerable<string> Reasons => Findings.Select(f => f.Message);
}
