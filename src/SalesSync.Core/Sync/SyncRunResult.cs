namespace SalesSync.Core.Sync;

public enum SyncRunStatus
{
    Running,
    Completed,
    Stopped,
    Failed,
}

/// <summary>One sync run as recorded in the database: what it did and where a next run starts.</summary>
public sealed record SyncRunResult
{
    public required int RunId { get; init; }
    public required string Mode { get; init; }
    public required string Strategy { get; init; }
    public SyncRunStatus Status { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public long Added { get; init; }
    public long Updated { get; init; }
    public long Removed { get; init; }
    public long Unchanged { get; init; }
    public long MarketoCalls { get; init; }
    public long SalesforceCalls { get; init; }
    public long PagesDone { get; init; }

    /// <summary>Bytes of bulk export files downloaded by this run (resumed ranges counted once).</summary>
    public long BulkBytes { get; init; }
    public string? Message { get; init; }

    /// <summary>Where an unfinished run resumes: the static list and the page token of its next page.</summary>
    public long? StaticListId { get; init; }
    public string? NextPageToken { get; init; }

    /// <summary>The smart list a bulk run exports (null for createdAt windows or a static list).</summary>
    public long? SmartListId { get; init; }

    /// <summary>
    /// Where the activity log is read from next, per stream (lead changes, merges, deletes): a full run takes
    /// Marketo's paging token for its start, an incremental run moves them forward page by page.
    /// </summary>
    public string? LeadChangesToken { get; init; }
    public string? MergesToken { get; init; }
    public string? DeletesToken { get; init; }

    /// <summary>Salesforce changes (opportunity roles) are read from this time on.</summary>
    public DateTimeOffset? SalesforceSince { get; init; }

    public TimeSpan? Duration => EndedAt - StartedAt;
}

/// <summary>What a sync streams: each changed person (when asked), then the run.</summary>
public abstract record SyncOutput;

public sealed record PersonChanged(People.PersonRecord Person, People.PersonChange Change) : SyncOutput;

public sealed record SyncFinished(SyncRunResult Run) : SyncOutput;
