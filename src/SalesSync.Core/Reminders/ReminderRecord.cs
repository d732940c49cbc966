namespace SalesSync.Core.Reminders;

/// <summary>The values a reminder shares with its Task (Subject goes to Salesforce only; the others both ways).</summary>
internal sealed record ReminderValues(string Subject, ReminderStatus Status, ReminderPriority Priority, DateOnly DueDate, string? Details)
{
    /// <summary>The fields whose values differ from <paramref name="other"/>'s.</summary>
    public ReminderFields Diff(ReminderValues other)
    {
        var changed = ReminderFields.None;
        if (!string.Equals(Subject, other.Subject, StringComparison.Ordinal)) changed |= ReminderFields.Subject;
        if (Status != other.Status) changed |= ReminderFields.Status;
        if (Priority != other.Priority) changed |= ReminderFields.Priority;
        if (DueDate != other.DueDate) changed |= ReminderFields.DueDate;
        if (!ReminderMapping.SameDetails(Details, other.Details)) changed |= ReminderFields.Details;
        return changed;
    }

    /// <summary>These values with <paramref name="fields"/> taken from <paramref name="from"/>.</summary>
    public ReminderValues With(ReminderFields fields, ReminderValues from) => new(
        fields.HasFlag(ReminderFields.Subject) ? from.Subject : Subject,
        fields.HasFlag(ReminderFields.Status) ? from.Status : Status,
        fields.HasFlag(ReminderFields.Priority) ? from.Priority : Priority,
        fields.HasFlag(ReminderFields.DueDate) ? from.DueDate : DueDate,
        fields.HasFlag(ReminderFields.Details) ? from.Details : Details);
}

/// <summary>
/// A reminder as stored: its current values, when each field last changed locally, and what the sync needs for a
/// three-way merge: <see cref="Base"/>, the values both sides last agreed on (null until the Task exists). A field
/// whose value differs from Base changed locally; a Task field that differs from Base changed in Salesforce. What a
/// pass must push is therefore derived from the values, never from a flag a crash could lose.
/// </summary>
internal sealed record ReminderRecord
{
    public required string Id { get; init; }
    public required long MarketoId { get; init; }

    /// <summary>The Task's WhoId: the person's contact, else lead (as synced when made; as read from the Task later).</summary>
    public string? WhoId { get; init; }

    /// <summary>The Task's OwnerId: the seller.</summary>
    public string? OwnerId { get; init; }
    public required ReminderValues Values { get; init; }

    /// <summary>When each field last changed locally (New-SalesReminder and Set-SalesReminder; the sync never sets these).</summary>
    public IReadOnlyDictionary<ReminderFields, DateTimeOffset> ChangedAt { get; init; } = new Dictionary<ReminderFields, DateTimeOffset>();
    public ReminderValues? Base { get; init; }
    public required ReminderOrigin Origin { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ModifiedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>
    /// Whether a pass may create its Task: true when made while reminder sync was on (or adopted by a pass with
    /// -IncludeExisting); reminders made while it was off stay local, as Adobe documents for the first enable.
    /// </summary>
    public bool PushEligible { get; init; }

    public string? SalesforceTaskId { get; init; }

    /// <summary>The Task's SystemModstamp and LastModifiedDate at the last read (Salesforce's clock).</summary>
    public DateTimeOffset? SalesforceModstamp { get; init; }
    public DateTimeOffset? SalesforceLastModifiedAt { get; init; }

    /// <summary>When SalesSync last wrote the Task (Salesforce's clock, taken when the answer came): a LastModifiedDate not after it is SalesSync's own write.</summary>
    public DateTimeOffset? SalesforceWrittenAt { get; init; }

    /// <summary>Status, Priority and Subject as last read from the Task (raw: "In Progress", Low, an edited subject).</summary>
    public string? SalesforceStatus { get; init; }
    public string? SalesforcePriority { get; init; }
    public string? SalesforceSubject { get; init; }
    public DateTimeOffset? SyncedAt { get; init; }

    public bool Deleted { get; init; }
    public DateTimeOffset? DeletedAt { get; init; }
    public ReminderOrigin? DeletedIn { get; init; }

    /// <summary>Whether the Task is gone from Salesforce (deleted there, or SalesSync's delete confirmed).</summary>
    public bool SalesforceDeleted { get; init; }

    /// <summary>When a create was sent whose outcome is not known yet: the Task is looked up before anything is sent again.</summary>
    public DateTimeOffset? SendingSince { get; init; }

    /// <summary>Salesforce's refusals of the current change: count, message, and when the next pass may try again.</summary>
    public int Attempts { get; init; }
    public string? LastError { get; init; }
    public DateTimeOffset? RetryAfter { get; init; }

    /// <summary>Why the Task left the sync's scope (its owner became a queue, its WhoId a record of no synced person), else null.</summary>
    public string? OutOfScope { get; init; }

    /// <summary>The fields changed locally since the last agreement (all of them before the Task exists).</summary>
    public ReminderFields LocalChanges => Base is null ? AllFields : Values.Diff(Base);

    public const ReminderFields AllFields = ReminderFields.Subject | ReminderFields.Status | ReminderFields.Priority | ReminderFields.DueDate | ReminderFields.Details;

    public ReminderSyncState State =>
        Deleted ? ReminderSyncState.Deleted
        : OutOfScope is not null ? ReminderSyncState.NotSynced
        : SendingSince is not null ? ReminderSyncState.Sending
        : SalesforceTaskId is null && !PushEligible ? ReminderSyncState.NotSynced
        : LastError is not null ? ReminderSyncState.Failed
        : SalesforceTaskId is null || LocalChanges != ReminderFields.None ? ReminderSyncState.Pending
        : ReminderSyncState.Synced;

    /// <summary>Whether a local delete still has to reach Salesforce.</summary>
    public bool DeletePending => Deleted && DeletedIn == ReminderOrigin.Local && SalesforceTaskId is not null && !SalesforceDeleted;

    /// <summary>A new random id, as activity ids are made (80 bits), with its own prefix.</summary>
    public static string NewId() => "SR-" + Activities.SalesActivity.NewId()[3..];
}

/// <summary>Where a reminder was made, or deleted.</summary>
public enum ReminderOrigin
{
    Local,
    Salesforce,
}
