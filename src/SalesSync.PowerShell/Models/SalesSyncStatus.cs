using SalesSync.Core.Status;

namespace SalesSync;

/// <summary>
/// Get-SalesSyncStatus: the verdict, its reasons, one summary line per area (the default view), then the numbers behind
/// each line (the -Detailed view), in that order. Flat: strings, numbers and times only, so Export-Csv and ConvertTo-Json
/// keep everything; several reasons are one string with one reason per line.
/// </summary>
public sealed class SalesSyncStatus
{
    /// <summary>Healthy, NeedsAttention or Failing: the worst state any rule found.</summary>
    public string Health { get; init; } = "";

    /// <summary>Why, one line per finding, worst first; empty when healthy.</summary>
    public string Reasons { get; init; } = "";

    /// <summary>The names of the rules that found something (comma-separated), for scripts: -match 'GuardOff'.</summary>
    public string Rules { get; init; } = "";

    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>Whether Marketo and Salesforce were asked (-Online), not only the database and the connection's counters.</summary>
    public bool Online { get; init; }

    public string LastRun { get; init; } = "";
    public int? LastCompletedRunId { get; init; }
    public string? LastCompletedMode { get; init; }
    public DateTimeOffset? LastCompletedAt { get; init; }
    public long? LastCompletedAdded { get; init; }
    public long? LastCompletedUpdated { get; init; }
    public long? LastCompletedRemoved { get; init; }
    public long? LastCompletedMarketoCalls { get; init; }
    public long? LastCompletedSalesforceCalls { get; init; }
    public int? LatestRunId { get; init; }
    public string? LatestRunStatus { get; init; }
    public DateTimeOffset? LatestRunEndedAt { get; init; }
    public int PeopleStored { get; init; }

    public string Watermark { get; init; } = "";
    public DateTimeOffset? WatermarkAt { get; init; }
    public double? WatermarkAgeDays { get; init; }
    public int DeleteRetentionDays { get; init; }

    public string NextSync { get; init; } = "";

    /// <summary>ResumeIncremental, Incremental, ResumeFull or NewFull: the decision Start-SalesSync makes.</summary>
    public string NextSyncAction { get; init; } = "";

    /// <summary>-Online: Start-SalesSync -WhatIf's text (a new full pass's planner table included).</summary>
    public string? NextSyncPlan { get; init; }

    public string Deliveries { get; init; } = "";
    public int ActivitiesPending { get; init; }
    public int ActivitiesHeld { get; init; }
    public int ActivitiesFailed { get; init; }
    public int ActivitiesRefused { get; init; }
    public DateTimeOffset? OldestPendingAt { get; init; }

    /// <summary>Failed activities by reason code, commonest first: "INACTIVE_OWNER_OR_USER=169; 1003=5".</summary>
    public string FailedByReason { get; init; } = "";
    public string RefusedByReason { get; init; } = "";
    public int MarketoPending { get; init; }
    public int MarketoHeld { get; init; }
    public int MarketoSending { get; init; }
    public int MarketoDelivered { get; init; }
    public int MarketoFailed { get; init; }
    public int MarketoRefused { get; init; }
    public int SalesforcePending { get; init; }
    public int SalesforceHeld { get; init; }
    public int SalesforceSending { get; init; }
    public int SalesforceDelivered { get; init; }
    public int SalesforceFailed { get; init; }
    public int SalesforceRefused { get; init; }

    public string Guard { get; init; } = "";
    public bool GuardOn { get; init; }
    public DateTimeOffset? GuardChangedAt { get; init; }
    public string? GuardChangedBy { get; init; }

    public string Marketo { get; init; } = "";
    public int MarketoCallsToday { get; init; }
    public int MarketoDailyCallBudget { get; init; }
    public int? MarketoInstanceCallsToday { get; init; }
    public int MarketoInstanceDailyQuota { get; init; }

    public string Salesforce { get; init; } = "";
    public int? SalesforceCallsToday { get; init; }
    public int? SalesforceDailyLimit { get; init; }

    /// <summary>Off or TwoWay (Set-SalesActivitySetting -ReminderSync); the reminder lines and numbers are read only while it is on.</summary>
    public string ReminderSync { get; init; } = "";
    public DateTimeOffset? ReminderSyncEnabledAt { get; init; }

    /// <summary>Reminders open, overdue, pending (a change still to reach Salesforce), failed (refused by Salesforce), conflicts in the last 7 days.</summary>
    public string Reminders { get; init; } = "";

    /// <summary>The last reminder pass's age and its SystemModstamp watermark's age.</summary>
    public string ReminderPass { get; init; } = "";
    public int RemindersOpen { get; init; }
    public int RemindersOverdue { get; init; }
    public int RemindersPending { get; init; }
    public int RemindersFailed { get; init; }

    /// <summary>Refused reminders by Salesforce's error code, commonest first: "UNABLE_TO_LOCK_ROW=2".</summary>
    public string ReminderFailedByReason { get; init; } = "";
    public int ReminderConflictsLast7Days { get; init; }
    public DateTimeOffset? ReminderLastPassAt { get; init; }
    public double? ReminderLastPassAgeHours { get; init; }

    /// <summary>Tasks modified after this (Salesforce's clock) are not read yet; it moves only when Tasks change.</summary>
    public DateTimeOffset? ReminderWatermarkAt { get; init; }
    public double? ReminderWatermarkAgeHours { get; init; }

    internal static SalesSyncStatus From(SyncStatusReport report)
    {
        var f = report.Facts;
        var done = f.LastCompletedRun;
        return new SalesSyncStatus
        {
            Health = report.Health.ToString(),
            Reasons = string.Join(Environment.NewLine, report.Reasons),
            Rules = string.Join(", ", report.Findings.Select(x => x.Rule)),
            CheckedAt = f.CheckedAt,
            Online = f.Online,
            LastRun = report.LastRunLine,
            LastCompletedRunId = done?.RunId,
            LastCompletedMode = done?.Mode,
            LastCompletedAt = done is null ? null : done.EndedAt ?? done.StartedAt,
            LastCompletedAdded = done?.Added,
            LastCompletedUpdated = done?.Updated,
            LastCompletedRemoved = done?.Removed,
            LastCompletedMarketoCalls = done?.MarketoCalls,
            LastCompletedSalesforceCalls = done?.SalesforceCalls,
            LatestRunId = f.LatestRun?.RunId,
            LatestRunStatus = f.LatestRun?.Status.ToString(),
            LatestRunEndedAt = f.LatestRun?.EndedAt,
            PeopleStored = f.PeopleStored,
            Watermark = report.WatermarkLine,
            WatermarkAt = f.WatermarkAt,
            WatermarkAgeDays = f.WatermarkAge is { } age ? Math.Round(age.TotalDays, 2) : null,
            DeleteRetentionDays = (int)HealthThresholds.DeleteRetention.TotalDays,
            NextSync = report.NextSyncLine,
            NextSyncAction = f.NextSync.ToString(),
            NextSyncPlan = f.NextSyncPlan,
            Deliveries = report.DeliveriesLine,
            ActivitiesPending = f.ActivitiesPending,
            ActivitiesHeld = f.ActivitiesHeld,
            ActivitiesFailed = f.ActivitiesFailed,
            ActivitiesRefused = f.ActivitiesRefused,
            OldestPendingAt = f.OldestUnsettledAt,
            FailedByReason = StatusText.AllReasons(f.FailedByReason),
            RefusedByReason = StatusText.AllReasons(f.RefusedByReason),
            MarketoPending = f.Marketo.Pending,
            MarketoHeld = f.Marketo.Held,
            MarketoSending = f.Marketo.Sending,
            MarketoDelivered = f.Marketo.Delivered,
            MarketoFailed = f.Marketo.Failed,
            MarketoRefused = f.Marketo.Refused,
            SalesforcePending = f.Salesforce.Pending,
            SalesforceHeld = f.Salesforce.Held,
            SalesforceSending = f.Salesforce.Sending,
            SalesforceDelivered = f.Salesforce.Delivered,
            SalesforceFailed = f.Salesforce.Failed,
            SalesforceRefused = f.Salesforce.Refused,
            Guard = report.GuardLine,
            GuardOn = f.GuardOn,
            GuardChangedAt = f.GuardChangedAt,
            GuardChangedBy = f.GuardChangedBy,
            Marketo = report.MarketoCallsLine,
            MarketoCallsToday = f.MarketoCallsToday,
            MarketoDailyCallBudget = f.MarketoDailyCallBudget,
            MarketoInstanceCallsToday = f.MarketoInstanceCallsToday,
            MarketoInstanceDailyQuota = f.MarketoInstanceDailyQuota,
            Salesforce = report.SalesforceCallsLine,
            SalesforceCallsToday = f.SalesforceCallsToday,
            SalesforceDailyLimit = f.SalesforceDailyLimit,
            ReminderSync = f.ReminderSync.ToString(),
            ReminderSyncEnabledAt = f.ReminderSyncEnabledAt,
            Reminders = report.RemindersLine,
            ReminderPass = report.ReminderPassLine,
            RemindersOpen = f.RemindersOpen,
            RemindersOverdue = f.RemindersOverdue,
            RemindersPending = f.RemindersPending,
            RemindersFailed = f.RemindersFailed,
            ReminderFailedByReason = StatusText.AllReasons(f.ReminderFailedByReason),
            ReminderConflictsLast7Days = f.ReminderConflictsRecent,
            ReminderLastPassAt = f.ReminderLastPassAt,
            ReminderLastPassAgeHours = Hours(f.ReminderLastPassAge),
            ReminderWatermarkAt = f.ReminderWatermarkAt,
            ReminderWatermarkAgeHours = Hours(f.ReminderWatermarkAge),
        };
    }

    private static double? Hours(TimeSpan? age) => age is { } a ? Math.Round(a.TotalHours, 2) : null;
}
