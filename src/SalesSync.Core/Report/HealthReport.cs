using SalesSync.Core.Status;

namespace SalesSync.Core.Report;

/// <summary>
/// Everything Export-SalesSyncReport shows, read from the database (and the connection's counters) by the store's own
/// aggregates: the renderer gets these numbers and nothing else, so every table under a chart is the data the chart
/// draws. Lists are bounded (the newest or the largest first) and each carries the total it was cut from.
/// Times are UTC; days are Marketo's days (US Central, when Marketo's daily quota resets) unless said otherwise.
/// </summary>
public sealed record HealthReport
{
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The report covers runs, calls, deliveries and refusals from this instant on (-Since; default 30 days before).</summary>
    public required DateTimeOffset Since { get; init; }
    public required string MarketoInstance { get; init; }
    public bool HasSalesforce { get; init; }

    /// <summary>The headline: the same facts and rules as Get-SalesSyncStatus (local read, no API call).</summary>
    public required StatusFacts Facts { get; init; }
    public required HealthState State { get; init; }
    public required IReadOnlyList<HealthFinding> Findings { get; init; }

    public required RunsSection Runs { get; init; }
    public required ApiBudgetSection Budget { get; init; }
    public required DeliverySection Delivery { get; init; }
    public required ComplianceSection Compliance { get; init; }
    public required DataQualitySection Quality { get; init; }

    /// <summary>Null while reminder sync is Off (the section is left out).</summary>
    public ReminderSection? Reminders { get; init; }
}

/// <summary>Sync runs since <see cref="HealthReport.Since"/>: one row per day (watch polls counted there, not listed) and the latest runs.</summary>
public sealed record RunsSection
{
    public required IReadOnlyList<RunDay> Days { get; init; }

    /// <summary>The newest runs that were not watch polls, newest first (at most <see cref="ListLimit"/>).</summary>
    public required IReadOnlyList<RunRow> Latest { get; init; }
    public int TotalRuns { get; init; }
    public int TotalWatchPolls { get; init; }
    public int TotalFailed { get; init; }
    public const int ListLimit = 50;
}

public sealed record RunDay(
    DateOnly Day, int Runs, int WatchPolls, int Failed, int Stopped,
    long Added, long Updated, long Removed, long MarketoCalls, long SalesforceCalls, long BulkBytes,
    TimeSpan LongestRun);

public sealed record RunRow(
    int RunId, DateTimeOffset StartedAt, TimeSpan? Duration, string Mode, string Strategy, string Status,
    long Added, long Updated, long Removed, long MarketoCalls, long SalesforceCalls, string? Message);

/// <summary>API use per day against the limits, and the busiest 20-second windows (Marketo allows 100 calls per 20 s).</summary>
public sealed record ApiBudgetSection
{
    public required IReadOnlyList<ApiUsageDay> Days { get; init; }
    public int MarketoDailyQuota { get; init; }

    /// <summary>SalesSync's own daily cap on Marketo calls (0: none).</summary>
    public int MarketoDailyCallBudget { get; init; }
    public long BulkDailyBytesLimit { get; init; } = 500L * 1024 * 1024;
    public int? SalesforceDailyLimit { get; init; }

    /// <summary>The busiest 20-second windows of SalesSync's Marketo calls since Since, busiest first (at most 20).</summary>
    public required IReadOnlyList<BusyWindow> BusiestWindows { get; init; }
    public int WindowCallLimit { get; init; } = 100;
}

/// <summary>
/// One Marketo day: SalesSync's calls, every integration's calls when usage was read that day, bulk bytes, Salesforce calls;
/// SalesforceOrgCalls: the org's API requests used (rolling 24 h) at the day's latest Sforce-Limit-Info reading, null when none.
/// MarketoInstanceReadAt: when the instance's usage was read; MarketoCallsAtInstanceRead: SalesSync's own calls that day at
/// that moment (null on days recorded before it was kept).
/// </summary>
public sealed record ApiUsageDay(DateOnly Day, long MarketoCalls, long? MarketoInstanceCalls, long BulkBytes, long SalesforceCalls, long? SalesforceOrgCalls = null,
    DateTimeOffset? MarketoInstanceReadAt = null, long? MarketoCallsAtInstanceRead = null)
{
    /// <summary>
    /// Every integration's calls that day as best known: the reading plus SalesSync's calls made since it (the reading is
    /// taken once, often early in the day); never below SalesSync's own count. Null when usage was not read that day.
    /// </summary>
    public long? MarketoInstanceCallsNow => MarketoInstanceCalls is not { } reading ? null
        : Math.Max(MarketoCalls, reading + Math.Max(0, MarketoCalls - (MarketoCallsAtInstanceRead ?? MarketoCalls)));
}

public sealed record BusyWindow(DateTimeOffset Start, int Calls);

/// <summary>Activity deliveries by kind and destination, their reasons, the oldest unsettled one.</summary>
public sealed record DeliverySection
{
    public required IReadOnlyList<DeliveryRow> Rows { get; init; }
    public required IReadOnlyList<ReasonCount> FailedByReason { get; init; }
    public required IReadOnlyList<ReasonCount> RefusedByReason { get; init; }
    public DateTimeOffset? OldestPendingAt { get; init; }
    public string? OldestPendingActivityId { get; init; }
    public long TotalActivities { get; init; }
}

/// <summary>Destination is "Marketo" or "Salesforce"; Kind is the SalesActivityKind's name.</summary>
public sealed record DeliveryRow(string Kind, string Destination, long Pending, long Held, long Sending, long Delivered, long Failed, long Refused);

/// <summary>Sends the guard refused, opt-outs pushed to Salesforce, and who turned the guard off or on.</summary>
public sealed record ComplianceSection
{
    /// <summary>Sent emails refused for an unsubscribed or opted-out person, newest first (at most <see cref="ListLimit"/>).</summary>
    public required IReadOnlyList<RefusedSend> RefusedSends { get; init; }
    public long RefusedSendsTotal { get; init; }
    public required IReadOnlyList<OptOutPush> OptOutsPushed { get; init; }
    public long OptOutsPushedTotal { get; init; }
    public required IReadOnlyList<GuardChange> GuardChanges { get; init; }
    public bool GuardOn { get; init; }
    public const int ListLimit = 100;

    /// <summary>Sent emails accepted while the guard was off, newest first (at most <see cref="ListLimit"/>).</summary>
    public IReadOnlyList<GuardOffSend> SentWhileGuardOff { get; init; } = [];
    public long SentWhileGuardOffTotal { get; init; }

    /// <summary>How many of those went to a person now unsubscribed in Marketo or opted out in Salesforce.</summary>
    public long SentWhileGuardOffToUnsubscribed { get; init; }
}

/// <summary>
/// A sent email accepted while the guard was off; Unsubscribed (Marketo, as last synced) and OptedOut (Salesforce, as last
/// read) are the person's state now, SentBy the activity's Sent By.
/// </summary>
public sealed record GuardOffSend(string ActivityId, long MarketoId, string? Email, string? SentBy, DateTimeOffset LoggedAt, bool Unsubscribed, bool OptedOut);

/// <summary>SalesOwnerId is the Salesforce record's owner; SellerName when SalesSync knows that user; SentBy the activity's Sent By (who sent the email).</summary>
public sealed record RefusedSend(
    string ActivityId, long MarketoId, string? Email, DateTimeOffset OccurredAt, DateTimeOffset LoggedAt,
    string? SalesOwnerId, string? SellerName, string Reason, string? SentBy = null)
{
    /// <summary>The person's company as synced from Marketo (null: unknown, or the person is no longer synced).</summary>
    public string? Company { get; init; }
}

public sealed record OptOutPush(string SalesforceId, string SalesforceType, long? MarketoId, string? Email, DateTimeOffset PushedAt);

public sealed record GuardChange(DateTimeOffset At, string By, bool TurnedOn);

/// <summary>Duplicates by email, people without email, sales owners inactive in Salesforce.</summary>
public sealed record DataQualitySection
{
    public long People { get; init; }

    /// <summary>Emails held by more than one person, and how many people hold them.</summary>
    public long DuplicateEmails { get; init; }
    public long PeopleSharingAnEmail { get; init; }

    /// <summary>The emails shared by the most people, most first (at most <see cref="ListLimit"/>).</summary>
    public required IReadOnlyList<DuplicateEmail> TopDuplicates { get; init; }
    public long WithoutEmail { get; init; }

    public long Owners { get; init; }
    public long OwnersInactive { get; init; }
    public required IReadOnlyList<InactiveOwner> InactiveOwners { get; init; }

    /// <summary>When the owners' IsActive was last read from Salesforce (null: never; then Owners* are unknown).</summary>
    public DateTimeOffset? OwnersCheckedAt { get; init; }
    public const int ListLimit = 50;
}

/// <summary>MarketoIds: the first few ids, comma-separated (flat, so the row exports as it is).</summary>
public sealed record DuplicateEmail(string Email, long People, string MarketoIds);

public sealed record InactiveOwner(string OwnerId, string? Name, string? Email, long People);

/// <summary>Reminder tasks and their conflicts (only while reminder sync is on).</summary>
public sealed record ReminderSection
{
    public long Open { get; init; }
    public long Overdue { get; init; }
    public long Completed { get; init; }
    public long Pending { get; init; }
    public long Failed { get; init; }
    public required IReadOnlyList<ReasonCount> FailedByReason { get; init; }
    public long ConflictsSince { get; init; }

    /// <summary>The newest conflicts since Since, newest first (at most <see cref="ListLimit"/>).</summary>
    public required IReadOnlyList<ReminderConflictRow> Conflicts { get; init; }
    public DateTimeOffset? LastPassAt { get; init; }
    public const int ListLimit = 50;
}

public sealed record ReminderConflictRow(string ReminderId, long MarketoId, string Field, string? LocalValue, string? SalesforceValue, string Kept, DateTimeOffset ResolvedAt);
