namespace SalesSync;

// Cmdlet-side copies of the engine's reminder enums (read by name): a parameter's value type is laid out when PowerShell
// loads the cmdlet type, before the module's hook can route SalesSync.Core to its own load context.

/// <summary>A reminder's status: Open ("Not Started" in Salesforce) or Complete ("Completed").</summary>
public enum SalesReminderStatus
{
    Open,
    Complete,
}

/// <summary>A reminder's priority: Normal or High (Salesforce's Low is never applied).</summary>
public enum SalesReminderPriority
{
    Normal,
    High,
}

/// <summary>Where a reminder stands with Salesforce (see Get-Help Get-SalesReminder).</summary>
public enum SalesReminderSyncState
{
    NotSynced,
    Pending,
    Sending,
    Synced,
    Failed,
    Deleted,
}

/// <summary>Off (the default) or TwoWay: whether reminders are kept in step with Salesforce Tasks.</summary>
public enum SalesReminderSyncMode
{
    Off,
    TwoWay,
}
