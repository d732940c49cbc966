using SalesSync.Core.Sync;

namespace SalesSync;

/// <summary>One sync run: what it did, what it cost, how it ended (Start-SalesSync, Get-SalesSyncRun).</summary>
public sealed class SyncRun
{
    public int RunId { get; init; }
    public string Mode { get; init; } = "";
    public string Strategy { get; init; } = "";
    /// <summary>True for a poll of Start-SalesSync -Watch (one run per poll); Get-SalesSyncRun -ExcludeWatch leaves them out.</summary>
    public bool Watch { get; init; }
    public string Status { get; init; } = "";

    /// <summary>An incremental run: whether it read Marketo's deleted-leads stream to its end (a watch poll that read the day's usage instead does not); null for full passes.</summary>
    public bool? ReadDeletedLeads { get; init; }
    public long Added { get; init; }
    public long Updated { get; init; }
    public long Removed { get; init; }
    public long Unchanged { get; init; }
    public long MarketoCalls { get; init; }
    public long SalesforceCalls { get; init; }
    public long PagesDone { get; init; }
    public long BulkBytes { get; init; }
    /// <summary>The static list(s) the run read; null for createdAt windows, a smart list or an id scan.</summary>
    public long[]? StaticListId { get; init; }
    /// <summary>The same list ids as one comma-separated string ("1011,1012"), so Export-Csv keeps them.</summary>
    public string? StaticLists => StaticListId is null ? null : string.Join(",", StaticListId);
    public long? SmartListId { get; init; }

    /// <summary>A partial pass (-CreatedSince): people created from then on were exported, and nobody was removed.</summary>
    public DateTimeOffset? CreatedSince { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>
    /// How long the run took, to the second, as text ("00:01:23"; "1.02:03:04" past a day): a TimeSpan would be nested
    /// by ConvertTo-Json (walk P3). DurationSeconds is the same as a number, for sorting and sums.
    /// </summary>
    public string? Duration => _duration is { } d ? TimeSpan.FromSeconds(Math.Round(d.TotalSeconds)).ToString("c", System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Duration in seconds, to a tenth (a plain number for CSV, JSON and the views).</summary>
    public double? DurationSeconds => _duration is { } d ? Math.Round(d.TotalSeconds, 1) : null;

    private TimeSpan? _duration;
    public string? Message { get; init; }

    /// <summary>Why the run this invocation ran did not complete (MaxApiCalls, Quota, ExportQueueFull, Cancelled, Failure, Refused); empty otherwise and for runs read back later.</summary>
    public string? StopReason { get; init; }

    internal static SyncRun From(SyncRunResult r) => new()
    {
        RunId = r.RunId,
        Mode = r.Mode,
        Strategy = r.Strategy,
        Watch = r.Watch,
        Status = r.Status.ToString(),
        ReadDeletedLeads = r.Mode == "Incremental" ? r.ReadDeletedLeads : null,
        Added = r.Added,
        Updated = r.Updated,
        Removed = r.Removed,
        Unchanged = r.Unchanged,
        MarketoCalls = r.MarketoCalls,
        SalesforceCalls = r.SalesforceCalls,
        PagesDone = r.PagesDone,
        BulkBytes = r.BulkBytes,
        StaticListId = r.StaticListIds.Count > 0 ? r.StaticListIds.ToArray() : null,
        SmartListId = r.SmartListId,
        CreatedSince = r.CreatedSince,
        StartedAt = r.StartedAt,
        EndedAt = r.EndedAt,
        _duration = r.Duration,
        Message = r.Message,
        StopReason = r.StopReason?.ToString(),
    };
}
