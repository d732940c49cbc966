using SalesSync.Core.Reminders;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Status;

/// <summary>The overall verdict: the worst state any health rule found.</summary>
public enum HealthState
{
    Healthy,
    NeedsAttention,
    Failing,
}

/// <summary>What the next plain Start-SalesSync does (the sync's own decision, <c>PeopleSync.Decide</c>).</summary>
public enum NextSyncAction
{
    ResumeIncremental,
    Incremental,
    ResumeFull,
    NewFull,
}

/// <summary>One destination's deliveries by state (an activity has one delivery per destination it goes to).</summary>
public sealed record DeliveryCounts(int Pending, int Held, int Sending, int Delivered, int Failed, int Refused);

/// <summary>How many deliveries share a reason (the code before the reason's first colon: an ErrorId, an API code).</summary>
public sealed record ReasonCount(string Reason, int Count);

/// <summary>
/// Everything the health rules look at, read from the database and the connection's counters (and, when asked,
/// from Marketo and Salesforce): no PowerShell types, so the cmdlet and a report (issue 18) share it.
/// </summary>
public sealed record StatusFacts
{
    public required DateTimeOffset CheckedAt { get; init; }

    /// <summary>Whether Marketo and Salesforce were asked (-Online) rather than only the database and the connection's counters.</summary>
    public bool Online { get; init; }

    /// <summary>The newest run recorded (whatever its status), and whether a sync is running on the database in this process now.</summary>
    public SyncRunResult? LatestRun { get; init; }
    public bool SyncRunningNow { get; init; }
    public SyncRunResult? LastCompletedRun { get; init; }
    public int PeopleStored { get; init; }

    /// <summary>When the activity watermark the next incremental run reads from was taken (null: there is none, the next run is a full pass).</summary>
    public DateTimeOffset? WatermarkAt { get; init; }
    public int? WatermarkRunId { get; init; }

    public NextSyncAction NextSync { get; init; }

    /// <summary>The next plain Start-SalesSync in a line (from the sync's own decision).</summary>
    public string NextSyncText { get; init; } = "";

    /// <summary>-Online: Start-SalesSync -WhatIf's text (a new full pass's planner table included); null when only local facts were read.</summary>
    public string? NextSyncPlan { get; init; }

    public DeliveryCounts Marketo { get; init; } = new(0, 0, 0, 0, 0, 0);
    public DeliveryCounts Salesforce { get; init; } = new(0, 0, 0, 0, 0, 0);

    /// <summary>Activities with a delivery in each state at either destination (an activity counts once per state).</summary>
    public int ActivitiesPending { get; init; }
    public int ActivitiesHeld { get; init; }
    public int ActivitiesFailed { get; init; }
    public int ActivitiesRefused { get; init; }

    /// <summary>When the oldest activity still pending, sending or held was logged.</summary>
    public DateTimeOffset? OldestUnsettledAt { get; init; }
    public IReadOnlyList<ReasonCount> FailedByReason { get; init; } = [];
    public IReadOnlyList<ReasonCount> RefusedByReason { get; init; } = [];

    public bool GuardOn { get; init; } = true;
    public DateTimeOffset? GuardChangedAt { get; init; }
    public string? GuardChangedBy { get; init; }

    /// <summary>SalesSync's own Marketo calls today in this process, and its daily cap (0: none).</summary>
    public int MarketoCallsToday { get; init; }
    public int MarketoDailyCallBudget { get; init; }

    /// <summary>Every integration's Marketo calls today (stats/usage.json at the last read plus ours since); null when not read today in this process.</summary>
    public int? MarketoInstanceCallsToday { get; init; }

    /// <summary>The instance's daily quota as stated (Marketo's default, 50,000: the API does not report it).</summary>
    public int MarketoInstanceDailyQuota { get; init; } = SourceFacts.DefaultInstanceDailyQuota;

    public bool HasSalesforce { get; init; }

    /// <summary>The org's daily API requests used and allowed (Sforce-Limit-Info of the last response, or the limits resource with -Online); null when not read.</summary>
    public int? SalesforceCallsToday { get; init; }
    public int? SalesforceDailyLimit { get; init; }

    /// <summary>The share of the org's allocation at which SalesSync stops calling Salesforce.</summary>
    public double SalesforceStopShare { get; init; } = 0.9;

    /// <summary>-Online: what a live check could not do, one line per service ("Marketo: ..."); empty otherwise.</summary>
    public IReadOnlyList<string> OnlineProblems { get; init; } = [];

    /// <summary>The watermark's age at <see cref="CheckedAt"/>.</summary>
    public TimeSpan? WatermarkAge => CheckedAt - WatermarkAt;

    /// <summary>Reminder sync with Salesforce (Off by default) and when it was last turned on; the reminder facts below are read only while it is on.</summary>
    public ReminderSyncMode ReminderSync { get; init; }
    public DateTimeOffset? ReminderSyncEnabledAt { get; init; }

    /// <summary>Reminders open (not deleted), and those due before today's local date.</summary>
    public int RemindersOpen { get; init; }
    public int RemindersOverdue { get; init; }

    /// <summary>Reminders with a change (a create, an edit, a delete) still to reach Salesforce, and those whose change Salesforce refused.</summary>
    public int RemindersPending { get; init; }
    public int RemindersFailed { get; init; }
    public IReadOnlyList<ReasonCount> ReminderFailedByReason { get; init; } = [];

    /// <summary>Conflicts resolved in the last <see cref="HealthThresholds.ReminderConflictWindow"/>.</summary>
    public int ReminderConflictsRecent { get; init; }

    /// <summary>When the last reminder pass ended (this machine's clock), and its SystemModstamp watermark (Salesforce's clock).</summary>
    public DateTimeOffset? ReminderLastPassAt { get; init; }
    public DateTimeOffset? ReminderWatermarkAt { get; init; }

    public bool ReminderSyncOn => ReminderSync != ReminderSyncMode.Off;
    public TimeSpan? ReminderLastPassAge => CheckedAt - ReminderLastPassAt;
    public TimeSpan? ReminderWatermarkAge => CheckedAt - ReminderWatermarkAt;
}
