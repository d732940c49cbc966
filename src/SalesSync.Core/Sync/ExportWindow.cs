using SalesSync.Core.Marketo;

namespace SalesSync.Core.Sync;

internal enum ExportWindowKind
{
    CreatedAt,
    StaticList,
    SmartList,
}

/// <summary>Where one window stands; each step is saved before the next begins.</summary>
internal enum ExportWindowState
{
    /// <summary>No live job: create and enqueue one.</summary>
    Pending,

    /// <summary>Queued or processing in Marketo under <see cref="ExportWindow.ExportId"/>.</summary>
    Enqueued,

    /// <summary>The job finished; its file is being downloaded (the bytes on disk are the offset).</summary>
    Completed,

    /// <summary>The whole file is on disk and its checksum matched; rows are being applied.</summary>
    Downloaded,

    /// <summary>Every row is applied and the file is gone.</summary>
    Applied,
}

/// <summary>One export job's worth of a bulk pass: a createdAt window, or the whole of a list.</summary>
internal sealed record ExportWindow
{
    public required int RunId { get; init; }
    public required int Index { get; init; }
    public required ExportWindowKind Kind { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public DateTimeOffset? EndAt { get; init; }
    public long? ListId { get; init; }
    public ExportWindowState State { get; init; }
    public string? ExportId { get; init; }
    public long? FileSize { get; init; }
    public string? Checksum { get; init; }
    public long? Records { get; init; }
    public long RowsApplied { get; init; }

    /// <summary>Jobs that failed or vanished for this window so far (bounded, then the run fails).</summary>
    public int Attempts { get; init; }

    public ExportFilter Filter => Kind switch
    {
        ExportWindowKind.CreatedAt => new ExportFilter.CreatedAt(StartAt!.Value, EndAt!.Value),
        ExportWindowKind.StaticList => new ExportFilter.StaticList(ListId!.Value),
        _ => new ExportFilter.SmartList(ListId!.Value),
    };

    public override string ToString() => Filter.ToString()!;
}
