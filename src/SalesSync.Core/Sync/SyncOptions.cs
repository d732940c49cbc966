namespace SalesSync.Core.Sync;

/// <summary>How people reach the local database.</summary>
public enum SyncMethod
{
    /// <summary>REST paging of a static list of the sales-owned people, 300 per call.</summary>
    Rest,
}

/// <summary>What Start-SalesSync asked for.</summary>
public sealed record SyncOptions
{
    public SyncMethod Method { get; init; } = SyncMethod.Rest;

    /// <summary>The static list that holds the sales-owned people (required for the REST method).</summary>
    public long? StaticListId { get; init; }

    /// <summary>Start over instead of resuming an unfinished run.</summary>
    public bool Full { get; init; }

    /// <summary>Stop (resumably) once this run has made this many Marketo calls; null = no cap.</summary>
    public long? MaxApiCalls { get; init; }

    /// <summary>Yield every changed person as the sync applies it.</summary>
    public bool ReportChanges { get; init; }
}
