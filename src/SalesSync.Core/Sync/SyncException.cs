namespace SalesSync.Core.Sync;

public enum SyncFailureReason
{
    /// <summary>The REST method needs the static list of the sales-owned people.</summary>
    StaticListRequired,

    /// <summary>A smart list can only be read by a bulk export.</summary>
    SmartListNeedsBulk,

    /// <summary>Another sync is running on this database in this process.</summary>
    AlreadyRunning,

    /// <summary>A run is unfinished and this invocation asked for another source: resume it (plain Start-SalesSync) or abandon it (-Full).</summary>
    UnfinishedRunDiffers,

    /// <summary>-CreatedSince lies in the future: there is nobody to export.</summary>
    CreatedSinceInFuture,

    /// <summary>-CreatedSince restricts bulk createdAt windows; REST sources cannot honour it.</summary>
    CreatedSinceNeedsBulk,

    /// <summary>A static or smart list id Marketo does not know.</summary>
    ListNotFound,

    /// <summary>A watch (Start-SalesSync -Watch) polls incrementally: it needs a completed full run (or an unfinished incremental one) first.</summary>
    WatchNeedsCompletedRun,

    /// <summary>A watch of this database runs in this process: a second watch, or a plain sync between its polls, would poll beside it.</summary>
    WatchAlreadyRunning,
}

/// <summary>A sync could not start, for a reason the user can act on.</summary>
public sealed class SyncException(SyncFailureReason reason, string message) : Exception(message)
{
    public SyncFailureReason Reason { get; } = reason;
}
