using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Marketo;

/// <summary>Job states of Bulk Lead Extract (the cancel sample and public clients spell it "Cancelled").</summary>
public enum BulkExportStatus { Created, Queued, Processing, Completed, Failed, Cancelled }

/// <summary>
/// One export job. Changed only by <see cref="BulkExportJobs"/> under its lock; a foreign job (another
/// integration's, made by the control API) has no request and writes no file, it only holds a queue slot.
/// </summary>
public sealed class BulkExportJob
{
    public required string ExportId { get; init; }
    /// <summary>The API user (client id) that created it: only that user sees it.</summary>
    public required string Owner { get; init; }
    /// <summary>Creation order, instance-wide (list paging position).</summary>
    public required long Sequence { get; init; }
    public required string Format { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public BulkExportRequest? Request { get; init; }
    /// <summary>How long it processes; null holds the slot until the job is removed (foreign jobs only).</summary>
    public TimeSpan? ProcessingTime { get; set; }

    public BulkExportStatus Status { get; set; }
    public DateTimeOffset? QueuedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public long? NumberOfRecords { get; set; }
    public long? FileSize { get; set; }
    public string? FileChecksum { get; set; }
    public string? ErrorMsg { get; set; }
    /// <summary>The written file, until it expires.</summary>
    public byte[]? File { get; set; }

    public bool IsForeign => Request is null;
    public bool IsActive => Status is BulkExportStatus.Queued or BulkExportStatus.Processing;
    public DateTimeOffset? ProcessingEndsAt => StartedAt + ProcessingTime;

    /// <summary>The status result as Adobe documents it, members without a value left out.</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["exportId"] = ExportId,
            ["format"] = Format,
            ["status"] = Status.ToString(),
            ["createdAt"] = MarketoEnvelope.ToJson(CreatedAt),
        };
        if (QueuedAt is { } queued) o["queuedAt"] = MarketoEnvelope.ToJson(queued);
        if (StartedAt is { } started) o["startedAt"] = MarketoEnvelope.ToJson(started);
        if (FinishedAt is { } finished) o["finishedAt"] = MarketoEnvelope.ToJson(finished);
        if (NumberOfRecords is { } records) o["numberOfRecords"] = records;
        if (FileSize is { } size) o["fileSize"] = size;
        if (FileChecksum is { } checksum) o["fileChecksum"] = checksum;
        if (ErrorMsg is { } message) o["errorMsg"] = message;
        return o;
    }
}
