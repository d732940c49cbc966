using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>Which people one export job selects: exactly one filter, as the API requires.</summary>
internal abstract record ExportFilter
{
    public abstract JsonObject ToJson();

    /// <summary>People created in [start, end): windows of at most 31 days.</summary>
    public sealed record CreatedAt(DateTimeOffset Start, DateTimeOffset End) : ExportFilter
    {
        public override JsonObject ToJson() => new() { ["createdAt"] = new JsonObject { ["startAt"] = Iso(Start), ["endAt"] = Iso(End) } };
        public override string ToString() => $"createdAt {Iso(Start)} to {Iso(End)}";
    }

    public sealed record StaticList(long Id) : ExportFilter
    {
        public override JsonObject ToJson() => new() { ["staticListId"] = Id };
        public override string ToString() => $"static list {Id}";
    }

    public sealed record SmartList(long Id) : ExportFilter
    {
        public override JsonObject ToJson() => new() { ["smartListId"] = Id };
        public override string ToString() => $"smart list {Id}";
    }

    /// <summary>ISO-8601 without milliseconds, as the export filters require.</summary>
    internal static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>One export job as status.json describes it.</summary>
internal sealed record ExportJob(string ExportId, string Status, long? NumberOfRecords, long? FileSize, string? FileChecksum, string? ErrorMessage)
{
    public bool IsCompleted => Status.Equals("Completed", StringComparison.OrdinalIgnoreCase);
    public bool IsFailed => Status.Equals("Failed", StringComparison.OrdinalIgnoreCase);

    /// <summary>The docs spell it both ways ("Canceled" in the status list, "Cancelled" in the example).</summary>
    public bool IsCancelled => Status.Equals("Cancelled", StringComparison.OrdinalIgnoreCase) || Status.Equals("Canceled", StringComparison.OrdinalIgnoreCase);

    public bool IsWaiting => Status.Equals("Queued", StringComparison.OrdinalIgnoreCase) || Status.Equals("Processing", StringComparison.OrdinalIgnoreCase);

    public static ExportJob From(JsonElement e) => new(
        ValidId(MarketoResponse.String(e, "exportId")),
        MarketoResponse.String(e, "status") ?? "",
        Long(e, "numberOfRecords"),
        Long(e, "fileSize"),
        MarketoResponse.String(e, "fileChecksum"),
        MarketoResponse.String(e, "errorMsg"));

    /// <summary>The id becomes part of a file name, so anything but the documented GUID is a malformed answer.</summary>
    private static string ValidId(string? exportId) =>
        exportId is null ? throw new JsonException("An export job without exportId.")
        : BulkExportIds.IsValid(exportId) ? exportId
        : throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE", $"Marketo answered with export id '{BulkExportIds.Shorten(exportId)}', which is not a GUID.", ApiFailureKind.Transient);

    private static long? Long(JsonElement e, string name) =>
        long.TryParse(MarketoResponse.String(e, name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
}

/// <summary>Why an enqueue was refused with 1029 (the three documented messages).</summary>
internal enum EnqueueRefusal
{
    None,
    QueueFull,
    DailyQuotaExceeded,
    AlreadyQueued,
}

/// <summary>
/// Marketo's Bulk Lead Extract over the shared client (same gate, token, budget and retries):
/// create, enqueue, status, cancel and the file download with byte-range resume.
/// </summary>
internal sealed class BulkLeadExport(MarketoClient client)
{
    private const string Root = "bulk/v1/leads/export";

    public async Task<ExportJob> CreateAsync(IEnumerable<string> fields, ExportFilter filter, CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["fields"] = new JsonArray(fields.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray()),
            ["format"] = "CSV",
            ["filter"] = filter.ToJson(),
        };
        var response = await client.PostAsync($"{Root}/create.json", body.ToJsonString(), ct).ConfigureAwait(false);
        return Single(response, "create");
    }

    /// <summary>Queues a created job; a 1029 comes back as the refusal it names (the caller waits, stops or carries on).</summary>
    public async Task<EnqueueRefusal> EnqueueAsync(string exportId, CancellationToken ct)
    {
        try
        {
            await client.PostAsync($"{Root}/{Uri.EscapeDataString(exportId)}/enqueue.json", null, ct).ConfigureAwait(false);
            return EnqueueRefusal.None;
        }
        catch (SalesSyncApiException e) when (e.Code == "1029")
        {
            return ClassifyRefusal(e.ApiMessage);
        }
    }

    internal static EnqueueRefusal ClassifyRefusal(string message) =>
        message.Contains("quota", StringComparison.OrdinalIgnoreCase) ? EnqueueRefusal.DailyQuotaExceeded
        : message.Contains("already", StringComparison.OrdinalIgnoreCase) ? EnqueueRefusal.AlreadyQueued
        : EnqueueRefusal.QueueFull;

    public async Task<ExportJob> StatusAsync(string exportId, CancellationToken ct)
    {
        var response = await client.GetAsync($"{Root}/{Uri.EscapeDataString(exportId)}/status.json", null, ct).ConfigureAwait(false);
        var job = Single(response, "status");
        // The report's bulk megabytes: the file's size, as Marketo's daily limit counts it (the ledger counts a job once).
        if (job.IsCompleted && job.FileSize is { } size) client.UsageRecorder?.BulkJobCompleted(job.ExportId, size);
        return job;
    }

    public Task CancelAsync(string exportId, CancellationToken ct) =>
        client.PostAsync($"{Root}/{Uri.EscapeDataString(exportId)}/cancel.json", null, ct);

    public Task<FileDownloadResult> DownloadAsync(string exportId, FileStream file, CancellationToken ct) =>
        client.DownloadAsync($"{Root}/{Uri.EscapeDataString(exportId)}/file.json", file, ct);

    private static ExportJob Single(MarketoResponse response, string what)
    {
        if (response.Result.FirstOrDefault() is { ValueKind: JsonValueKind.Object } job)
            return ExportJob.From(job);
        throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE", $"The export {what} answer carried no job (requestId {response.RequestId}).", ApiFailureKind.Transient);
    }
}

/// <summary>Marketo's bulk export ids: GUIDs in the "D" form ("ce45a7a1-f19d-4ce2-882c-a3c795a7ea4d").</summary>
internal static class BulkExportIds
{
    public static bool IsValid(string? exportId) => exportId is { Length: 36 } && Guid.TryParseExact(exportId, "D", out _);

    /// <summary>An id for a message: a bad one may be anything, so it is cut short.</summary>
    public static string Shorten(string? exportId) => exportId is null ? "(none)" : exportId.Length <= 40 ? exportId : exportId[..40] + "…";
}
