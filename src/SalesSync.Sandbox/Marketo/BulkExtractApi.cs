using System.Text.Json.Nodes;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Marketo's Bulk Lead Extract (/bulk/v1/leads/export…): create, enqueue, status, cancel, file and the job
/// list, over <see cref="BulkExportJobs"/>. The calls pass the same gate as /rest (token, 615, faults,
/// 606, 607; counted in stats and in the daily quota, as bulk calls are in Marketo). See README.md,
/// "Bulk Lead Extract", for each choice where Adobe's docs are silent or disagree.
/// </summary>
public static class BulkExtractApi
{
    private const string Jobs = "/bulk/v1/leads/export";

    public static void Map(WebApplication app, SandboxState state)
    {
        var bulk = state.BulkExports;
        app.MapPost(Jobs + "/create.json", (Delegate)(async (HttpContext ctx) => await Create(ctx, state)));
        app.MapPost(Jobs + "/{exportId}/enqueue.json", (string exportId, HttpContext ctx) =>
            Answer(state, bulk.Enqueue(MarketoApi.ApiUser(ctx), exportId, out var error), error));
        app.MapGet(Jobs + "/{exportId}/status.json", (string exportId, HttpContext ctx) =>
            Answer(state, bulk.Status(MarketoApi.ApiUser(ctx), exportId, out var error), error));
        app.MapPost(Jobs + "/{exportId}/cancel.json", (string exportId, HttpContext ctx) =>
            Answer(state, bulk.Cancel(MarketoApi.ApiUser(ctx), exportId, out var error), error));
        app.MapGet(Jobs + "/{exportId}/file.json", (string exportId, HttpContext ctx) => File(ctx, exportId, state));
        app.MapGet(Jobs + ".json", (HttpContext ctx) => List(ctx, state));
    }

    private static async Task<IResult> Create(HttpContext ctx, SandboxState state)
    {
        var (body, error) = await MarketoJsonBody.ReadAsync(ctx);
        if (error is not null) return Answer(state, null, error);

        BulkExportRequest? request;
        // Read before taking the world lock: the job runner takes its own lock, then the world's.
        var unsupported = state.BulkExports.UnsupportedFilters;
        lock (state.World.Sync) request = BulkExportRequest.Parse(body, state.World, unsupported, out error);
        if (request is null) return Answer(state, null, error);
        return Answer(state, state.BulkExports.Create(MarketoApi.ApiUser(ctx), request, out error), error);
    }

    /// <summary>
    /// The whole file (200) or, with a single <c>Range: bytes=…</c>, that part (206, <c>Content-Range</c>;
    /// 416 when it starts past the end). Not completed, expired, someone else's or unknown: 404 plain text.
    /// </summary>
    private static IResult File(HttpContext ctx, string exportId, SandboxState state)
    {
        if (state.BulkExports.File(MarketoApi.ApiUser(ctx), exportId) is not { } file)
        {
            state.MarketoStats.Error("404");
            return Results.Text("Export file not found: the job is unknown, not completed, or its file has expired.", "text/plain", statusCode: 404);
        }
        // ASP.NET Core's range processing answers Range as RFC 9110 says: Accept-Ranges, 206 with
        // Content-Range and Content-Length, 416 with "bytes */size", a malformed or multi-range header ignored.
        return Results.File(file.File, BulkFileFormat.ContentType(file.Format), enableRangeProcessing: true);
    }

    private static IResult List(HttpContext ctx, SandboxState state)
    {
        var stats = state.MarketoStats;
        var p = MarketoParameters.FromQuery(ctx);
        if (!MarketoApi.TryBatchSize(p, stats, out var batchSize, out var batchError)) return batchError!;
        if (!PagingToken.TryDecode(p.Get("nextPageToken"), "bulkjobs", out var from))
            return MarketoEnvelope.Error(stats, "1001", "Invalid value for nextPageToken");
        HashSet<BulkExportStatus>? statuses = null;
        if (p.Get("status") is { } raw && !string.IsNullOrWhiteSpace(raw))
        {
            statuses = [];
            foreach (var name in raw.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0))
            {
                // "Canceled" is the status list's spelling in Adobe's docs; the job itself says "Cancelled".
                var spelled = name.Equals("Canceled", StringComparison.OrdinalIgnoreCase) ? nameof(BulkExportStatus.Cancelled) : name;
                if (!Enum.TryParse<BulkExportStatus>(spelled, ignoreCase: true, out var status) || int.TryParse(spelled, out _))
                    return MarketoEnvelope.Error(stats, "1003", $"Invalid status '{name}'; use Created, Queued, Processing, Cancelled, Completed or Failed");
                statuses.Add(status);
            }
        }
        var (page, next) = state.BulkExports.List(MarketoApi.ApiUser(ctx), statuses, batchSize, from);
        return MarketoEnvelope.Ok(new JsonArray(page.Select(j => (JsonNode)j).ToArray()),
            next is { } n ? PagingToken.Encode("bulkjobs", n) : null, next is null ? null : true);
    }

    private static IResult Answer(SandboxState state, JsonObject? job, MarketoError? error) =>
        job is not null
            ? MarketoEnvelope.Ok(new JsonArray(job))
            : MarketoEnvelope.Error(state.MarketoStats, error!.Code, error.Message);
}
