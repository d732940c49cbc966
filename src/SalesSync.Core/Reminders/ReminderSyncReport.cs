namespace SalesSync.Core.Reminders;

/// <summary>How one reminder pass runs.</summary>
public sealed record ReminderSyncOptions
{
    /// <summary>Also send reminders made while reminder sync was off (Adobe's first enable sends none of them), after a duplicate check.</summary>
    public bool IncludeExisting { get; init; }

    /// <summary>Read Salesforce and report what would change; write nothing anywhere.</summary>
    public bool WhatIf { get; init; }

    /// <summary>How far back the first pass after turning reminder sync on imports Tasks (Adobe: the last 24 hours).</summary>
    public TimeSpan ImportWindow { get; init; } = TimeSpan.FromHours(24);
}

/// <summary>What one reminder pass did (or, with -WhatIf, would do): flat, for Export-Csv and runbooks.</summary>
public sealed record ReminderSyncReport
{
    public bool WhatIf { get; init; }

    /// <summary>The first pass after reminder sync was turned on (it imports the import window's Tasks and sends no earlier reminder).</summary>
    public bool FirstPass { get; init; }

    /// <summary>Task rows read from Salesforce (changed, deleted, or looked up by id).</summary>
    public int TasksRead { get; init; }
    public int Imported { get; init; }
    public int UpdatedLocally { get; init; }
    public int DeletedLocally { get; init; }
    public int CreatedInSalesforce { get; init; }
    public int UpdatedInSalesforce { get; init; }
    public int DeletedInSalesforce { get; init; }

    /// <summary>Reminders whose change Salesforce refused in this pass (kept on the reminder and tried again later).</summary>
    public int Failed { get; init; }
    public int Conflicts { get; init; }

    /// <summary>Reminders whose Task left the sync's scope in this pass (owner a queue, WhoId no synced person).</summary>
    public int OutOfScope { get; init; }
    /// <summary>Of DeletedLocally: found in Salesforce's delete log (a gap of 1 to 15 days since the last pass).</summary>
    public int DeletesFromLog { get; init; }

    /// <summary>Of DeletedLocally: found missing when every synced Task was checked by id (a gap longer than the delete log keeps).</summary>
    public int DeletesFromReconciliation { get; init; }
    public int SalesforceCalls { get; init; }

    /// <summary>The Salesforce SystemModstamp watermark after the pass (Salesforce's clock).</summary>
    public DateTimeOffset? Watermark { get; init; }
    public double DurationSeconds { get; init; }

    /// <summary>Why the pass ended early (an outage, the org's daily limit, Ctrl+C); null when it completed. What it did is saved; the next pass continues.</summary>
    public string? StoppedBecause { get; init; }
}
