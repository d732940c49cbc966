namespace SalesSync.Core.Sync;

public enum SyncRunStatus
{
    Running,
    Completed,
    Stopped,
    Failed,

    /// <summary>Given up for a new full pass (-Full, or an expired watermark); never resumed.</summary>
    Abandoned,

    /// <summary>
    /// A full pass that read to its end but whose removals were refused (it saw nobody, or would remove too large a share:
    /// a wrong or partial list, say); nothing was removed, and the next run goes on from the last completed run.
    /// </summary>
    Refused,
}

/// <summary>
/// Why a run did not complete, as the engine decided it (not recorded in the database: it is for the invocation that
/// ran it, so the cmdlet never has to infer it from call counters other runspaces share).
/// </summary>
public enum SyncStopReason
{
    /// <summary>This invocation's own -MaxApiCalls was reached: a run in chunks, resumed by the next Start-SalesSync.</summary>
    MaxApiCalls,

    /// <summary>A daily quota is spent: Marketo's, its export quota, or SalesSync's own daily cap.</summary>
    Quota,

    /// <summary>Marketo's bulk export queue stayed full.</summary>
    ExportQueueFull,

    /// <summary>Ctrl+C or a cancelled token.</summary>
    Cancelled,

    /// <summary>An API, local or unexpected failure (the run is Failed).</summary>
    Failure,

    /// <summary>The pass's removals were refused (the run is Refused).</summary>
    Refused,
}

/// <summary>One sync run as recorded in the database: what it did and where a next run starts.</summary>
public sealed record SyncRunResult
{
    public required int RunId { get; init; }
    public required string Mode { get; init; }
    public required string Strategy { get; init; }

    /// <summary>A poll of Start-SalesSync -Watch (one run per poll), so the history can be read without them.</summary>
    public bool Watch { get; init; }
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

    /// <summary>Why this invocation's run did not complete; null when it completed or was read back from the database.</summary>
    public SyncStopReason? StopReason { get; init; }

    /// <summary>The static lists the run reads (empty for createdAt windows, a smart list or an id scan).</summary>
    public IReadOnlyList<long> StaticListIds { get; init; } = [];

    /// <summary>Where an unfinished REST run over static lists resumes: each list's pages done and the token of its next page.</summary>
    public IReadOnlyList<ListCursor> ListCursors { get; init; } = [];

    /// <summary>
    /// The page token of a run recorded before <see cref="ListCursors"/> existed (one list): kept until the resumed run
    /// applies its first page (then the list's cursor holds it), so a resume that stops before that loses nothing.
    /// </summary>
    public string? NextPageToken { get; init; }

    /// <summary>The smart list a bulk run exports (null for createdAt windows or a static list).</summary>
    public long? SmartListId { get; init; }

    /// <summary>
    /// A partial full pass: bulk windows start here. Such a pass never removes anyone (it did not look at older
    /// people), whatever the invocation that resumes it asks: the sweep is decided from this record alone.
    /// </summary>
    public DateTimeOffset? CreatedSince { get; init; }

    /// <summary>When Marketo's activity tokens of this run were taken (a partial pass keeps the last complete run's).</summary>
    public DateTimeOffset? WatermarkAt { get; init; }

    /// <summary>This incremental run read the deleted-leads stream to its end (a watch poll that read the day's usage does not).</summary>
    public bool ReadDeletedLeads { get; init; }

    /// <summary>
    /// Until when deletes are known read: the start of the last incremental run that read the deleted-leads stream to its
    /// end (carried over by runs that did not), else the watermark it started from. The watermark's age counts from the
    /// earlier of this and the run's start, so a poll that skipped deletes never makes the watermark look fresher.
    /// Null on runs recorded before it was kept.
    /// </summary>
    public DateTimeOffset? DeletesReadAt { get; init; }

    /// <summary>
    /// A bulk run recorded by a SalesSync that did not keep <see cref="CreatedSince"/>: whether it was partial is not
    /// known, so it never removes anyone (its windows might start after the oldest person).
    /// </summary>
    public bool ScopeUnknown { get; init; }

    /// <summary>An id scan's end: the newest New Lead's id when the run first read it (a resume scans to it again).</summary>
    public long? ScanEndId { get; init; }

    /// <summary>The run's source was chosen by the planner (-Method Auto), from the lists the invocation named.</summary>
    public bool Planned { get; init; }

    /// <summary>The static lists and smart list the invocation that started the run named (a planned run may read others).</summary>
    public IReadOnlyList<long> AskedStaticListIds { get; init; } = [];
    public long? AskedSmartListId { get; init; }

    /// <summary>Whether a complete pass of this run may remove the people it did not see (not a partial -CreatedSince pass).</summary>
    public bool Sweeps => Mode == "Full" && CreatedSince is null && !ScopeUnknown;

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

/// <summary>Where the paging of one static list stands: pages applied, the token of the next page, and whether the list is done.</summary>
public sealed record ListCursor(long ListId, long PagesDone, string? NextPageToken, bool Done);

/// <summary>What a sync streams: each changed person (when asked), then the run.</summary>
public abstract record SyncOutput;

public sealed record PersonChanged(People.PersonRecord Person, People.PersonChange Change) : SyncOutput
{
    /// <summary>For an update: the synced fields whose values changed (PersonRecord's names), in field order; empty otherwise.</summary>
    public IReadOnlyList<string> ChangedFields { get; init; } = [];

    internal static PersonChanged Of(People.PersonWrite write) => new(write.Person, write.Change)
    {
        ChangedFields = write.Before is { } before ? write.Person.FieldsChangedFrom(before) : [],
    };
}

public sealed record SyncFinished(SyncRunResult Run) : SyncOutput;
