namespace SalesSync.Core.Activities;

/// <summary>The admin's choices for sales activities, kept in the database so every runbook and shell shares them.</summary>
public sealed record ActivitySettings
{
    /// <summary>The kinds logged to Salesforce as completed Tasks (the rest go to Marketo only).</summary>
    public IReadOnlyList<SalesActivityKind> SalesforceKinds { get; init; } = SalesActivityCatalog.DefaultSalesforceKinds;

    /// <summary>
    /// The send guard (on unless an admin turned it off): a sent sales email is logged only for a person
    /// Marketo confirms is not unsubscribed and Salesforce has not opted out.
    /// </summary>
    public bool UnsubscribeGuard { get; init; } = true;

    /// <summary>When and by whom the guard was last turned on or off (kept apart, so another setting's change never hides it).</summary>
    public DateTimeOffset? GuardChangedAt { get; init; }
    public string? GuardChangedBy { get; init; }

    /// <summary>
    /// The active Salesforce user (18-character id) that owns the Tasks of people whose sales owner is inactive
    /// (Salesforce refuses a Task owned by an inactive user); null: such Tasks fail, saying how to set one.
    /// </summary>
    public string? FallbackTaskOwnerId { get; init; }

    /// <summary>Whether reminders are kept in step with Salesforce Tasks (Off by default, as in Adobe's product).</summary>
    public Reminders.ReminderSyncMode ReminderSync { get; init; } = Reminders.ReminderSyncMode.Off;

    /// <summary>When reminder sync was last turned on (the first pass after it imports Tasks changed in the 24 hours before), and by whom.</summary>
    public DateTimeOffset? ReminderSyncEnabledAt { get; init; }
    public string? ReminderSyncChangedBy { get; init; }

    /// <summary>When the settings were last changed (null: never, the defaults apply).</summary>
    public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>Who last changed them (the operating-system user), so turning the guard off is on record.</summary>
    public string? ChangedBy { get; init; }
}
