namespace SalesSync.Core.Reminders;

/// <summary>A reminder's own status: Open ("Not Started" in Salesforce) or Complete ("Completed").</summary>
public enum ReminderStatus
{
    Open,
    Complete,
}

/// <summary>A reminder's priority: Normal or High (Salesforce's Low is read but never applied).</summary>
public enum ReminderPriority
{
    Normal,
    High,
}

/// <summary>Whether reminders are kept in step with Salesforce Tasks (Off by default, as in Adobe's product).</summary>
public enum ReminderSyncMode
{
    Off,
    TwoWay,
}

/// <summary>Where a reminder stands with Salesforce.</summary>
public enum ReminderSyncState
{
    /// <summary>Kept in SalesSync only: created while reminder sync was off (until -IncludeExisting), or out of the sync's scope (SyncNote says why).</summary>
    NotSynced,

    /// <summary>A local change (or the reminder itself) waits for the next reminder pass.</summary>
    Pending,

    /// <summary>Sent to Salesforce with an unknown outcome: the next pass looks for the Task before sending again.</summary>
    Sending,

    /// <summary>Salesforce has the reminder's values as SalesSync last agreed them.</summary>
    Synced,

    /// <summary>Salesforce refused the last change (SyncNote has its message); retried by later passes.</summary>
    Failed,

    /// <summary>Deleted (a tombstone kept for the record; a local delete reaches Salesforce on the next pass).</summary>
    Deleted,
}

/// <summary>The five fields a reminder shares with its Salesforce Task.</summary>
[Flags]
public enum ReminderFields
{
    None = 0,
    Subject = 1,
    Status = 2,
    Priority = 4,
    DueDate = 8,
    Details = 16,
}

/// <summary>
/// One seller's reminder ("call Ana back on Thursday, high priority") as Get-SalesReminder shows it: flat, every
/// value text, a number or a date, so Export-Csv and ConvertTo-Json keep everything.
/// </summary>
public sealed record SalesReminder
{
    /// <summary>SalesSync's id ("SR-" and 16 base32 characters).</summary>
    public required string ReminderId { get; init; }
    public required long MarketoId { get; init; }

    /// <summary>The person's email and name as synced (read at output time; empty when the person has left the sync).</summary>
    public string? Email { get; init; }
    public string? Name { get; init; }
    public required string Subject { get; init; }

    /// <summary>The day it is due (a date: midnight, no time zone; Salesforce's ActivityDate).</summary>
    public required DateTime DueDate { get; init; }

    /// <summary>Open or Complete.</summary>
    public required string Status { get; init; }

    /// <summary>Normal or High.</summary>
    public required string Priority { get; init; }
    public string? Details { get; init; }

    /// <summary>The seller it is assigned to (Salesforce User id, 18 characters): the Task's OwnerId.</summary>
    public string? OwnerId { get; init; }

    /// <summary>The Salesforce contact (else lead) the Task is about: its WhoId.</summary>
    public string? SalesforceWhoId { get; init; }
    public string? SalesforceTaskId { get; init; }

    /// <summary>NotSynced, Pending, Sending, Synced, Failed or Deleted.</summary>
    public required string SyncState { get; init; }

    /// <summary>Why it is NotSynced or Failed (Salesforce's message), else empty.</summary>
    public string? SyncNote { get; init; }

    /// <summary>Local (made with New-SalesReminder) or Salesforce (imported from a Task).</summary>
    public required string Origin { get; init; }

    /// <summary>The Task's Status, Priority and Subject as last read from Salesforce (values SalesSync does not apply, such as "In Progress" or Low, are kept here).</summary>
    public string? SalesforceStatus { get; init; }
    public string? SalesforcePriority { get; init; }
    public string? SalesforceSubject { get; init; }

    /// <summary>Open and due before today (local date).</summary>
    public bool Overdue { get; init; }

    /// <summary>Salesforce's refusals of the current change so far (0 once it is sent or edited again).</summary>
    public int SyncAttempts { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ModifiedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When a reminder pass last agreed it with Salesforce.</summary>
    public DateTimeOffset? SyncedAt { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }

    /// <summary>Local or Salesforce: where it was deleted.</summary>
    public string? DeletedIn { get; init; }
}

/// <summary>
/// One conflict a reminder pass resolved: both sides changed the same field (the later change won, a tie went to
/// Salesforce) or one side deleted what the other edited (the delete won). Both versions are kept.
/// </summary>
public sealed record ReminderConflict
{
    public required long ConflictId { get; init; }
    public required string ReminderId { get; init; }
    public required long MarketoId { get; init; }
    public string? SalesforceTaskId { get; init; }
    public required DateTimeOffset ResolvedAt { get; init; }

    /// <summary>SameField or DeleteVsEdit.</summary>
    public required string Kind { get; init; }

    /// <summary>The fields both sides changed (comma-separated), or the fields the deleted side's opponent edited.</summary>
    public required string Fields { get; init; }

    /// <summary>Local or Salesforce.</summary>
    public required string Winner { get; init; }
    public string? LocalSubject { get; init; }
    public string? LocalStatus { get; init; }
    public string? LocalPriority { get; init; }
    public DateTime? LocalDueDate { get; init; }
    public string? LocalDetails { get; init; }
    public bool LocalDeleted { get; init; }
    public DateTimeOffset? LocalChangedAt { get; init; }
    public string? SalesforceSubject { get; init; }
    public string? SalesforceStatus { get; init; }
    public string? SalesforcePriority { get; init; }
    public DateTime? SalesforceDueDate { get; init; }
    public string? SalesforceDetails { get; init; }
    public bool SalesforceDeleted { get; init; }
    public DateTimeOffset? SalesforceChangedAt { get; init; }
}
