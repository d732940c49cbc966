namespace SalesSync;

/// <summary>How Start-SalesSync reads people (a cmdlet-side enum: parameter types stay out of the engine's load context).</summary>
public enum SyncMethod
{
    /// <summary>Marketo's Bulk Lead Extract: one export job for a list, else createdAt windows.</summary>
    Bulk,

    /// <summary>REST paging of a static list, 300 people per call.</summary>
    Rest,

    /// <summary>The planner picks the fastest source that fits the run's Marketo call budget (the default).</summary>
    Auto,
}
