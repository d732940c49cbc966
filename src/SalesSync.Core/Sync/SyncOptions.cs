namespace SalesSync.Core.Sync;

/// <summary>How people reach the local database.</summary>
public enum SyncMethod
{
    /// <summary>Marketo's Bulk Lead Extract: one export job for a list, else createdAt windows.</summary>
    Bulk,

    /// <summary>REST: static lists of the sales-owned people paged 300 per call (several side by side), else Marketo ids in blocks.</summary>
    Rest,

    /// <summary>The planner picks the fastest source that fits the run's Marketo call budget (bulk or REST): the default.</summary>
    Auto,
}

/// <summary>What Start-SalesSync asked for.</summary>
public sealed record SyncOptions
{
    /// <summary>How a new full pass reads people: Auto (the default) lets the planner pick the fastest source within the budget.</summary>
    public SyncMethod Method { get; init; } = SyncMethod.Auto;

    /// <summary>
    /// The static lists that together hold the sales-owned people (empty: none). The REST method pages them
    /// side by side, each list sequentially; bulk exports one job per list.
    /// </summary>
    public IReadOnlyList<long> StaticListIds { get; init; } = [];

    /// <summary>One static list: the common case, shorthand for <see cref="StaticListIds"/> with one id.</summary>
    public long? StaticListId
    {
        get => StaticListIds.Count == 1 ? StaticListIds[0] : null;
        init => StaticListIds = value is { } id ? [id] : [];
    }

    public bool HasStaticLists => StaticListIds.Count > 0;

    /// <summary>A smart list of the sales-owned people (bulk only): one export job instead of createdAt windows.</summary>
    public long? SmartListId { get; init; }

    /// <summary>Bulk windows start here instead of at the oldest person Marketo holds.</summary>
    public DateTimeOffset? CreatedSince { get; init; }

    /// <summary>
    /// How often export job status is read. Marketo refreshes it at most every 60 seconds, so polling faster
    /// only spends calls; a shorter interval is for a sandbox configured to refresh faster.
    /// </summary>
    public TimeSpan ExportPollInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Start over instead of resuming an unfinished run.</summary>
    public bool Full { get; init; }

    /// <summary>Stop (resumably) once this run has made this many Marketo calls; null = no cap.</summary>
    public long? MaxApiCalls { get; init; }

    /// <summary>
    /// Let a complete full pass remove more than <see cref="PeopleSync.LargeRemovalShare"/> of the stored people (and more
    /// than <see cref="PeopleSync.LargeRemovalFloor"/>); without it such a pass removes nobody and is refused.
    /// </summary>
    public bool AllowLargeRemoval { get; init; }

    /// <summary>Set by the engine when a full pass replaces an incremental run whose watermark Marketo no longer keeps.</summary>
    internal bool ReplacesExpiredRun { get; init; }

    /// <summary>Yield every changed person as the sync applies it.</summary>
    public bool ReportChanges { get; init; }

    /// <summary>A watch poll (<see cref="WatchLoop"/>) that does not read today's usage: the watch reads it only when neither this process nor a watch of this database has read it this Marketo day.</summary>
    internal bool SkipUsageRead { get; init; }

    /// <summary>A watch poll (<see cref="WatchLoop"/>): its new incremental run is marked <see cref="SyncRunResult.Watch"/>.</summary>
    internal bool Watch { get; init; }

    /// <summary>
    /// The watch poll that reads the day's usage (<see cref="WatchLoop"/>): it leaves the deleted-leads stream (its token
    /// stays) to the next poll, so that poll too costs 3 Marketo calls and an idle hour at 60 s stays at 180.
    /// </summary>
    internal bool SkipDeletedLeads { get; init; }

    /// <summary>A watch poll whose Salesforce share goes to another step: the opportunity refresh waits (its watermark stays) for a later poll.</summary>
    internal bool SkipOpportunityRefresh { get; init; }
}
