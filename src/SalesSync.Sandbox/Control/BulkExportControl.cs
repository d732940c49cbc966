using System.Text.Json.Nodes;
using SalesSync.Sandbox.Infrastructure;
using SalesSync.Sandbox.Marketo;

namespace SalesSync.Sandbox.Control;

/// <summary>
/// Control hooks for Marketo's bulk export queue: look at every job, occupy the queue with another
/// integration's jobs, spend the daily file allocation, switch filters off (1035), fail jobs.
/// </summary>
internal static class BulkExportControl
{
    public static void Map(WebApplication app, SandboxState state)
    {
        var bulk = state.BulkExports;
        app.MapGet("/bulk", () => ControlApi.Json(bulk.Snapshot()));
        app.MapPost("/bulk/foreign-jobs", async (HttpContext ctx) =>
        {
            if (await ControlApi.ReadObjectAsync(ctx) is not { } body) return ControlApi.BadRequest("Body must be {\"count\":N[,\"processingSeconds\":S]}.");
            try
            {
                var count = body["count"]?.GetValue<int>() ?? 1;
                var seconds = body["processingSeconds"]?.GetValue<double>();
                if (seconds < 0) return ControlApi.BadRequest("processingSeconds must be 0 or more.");
                var ids = bulk.AddForeignJobs(count, seconds);
                return Results.Json(new { exportIds = ids }, statusCode: 201);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
            {
                return ControlApi.BadRequest(e.Message);
            }
        });
        app.MapDelete("/bulk/foreign-jobs", () => Results.Json(new { removed = bulk.RemoveForeignJobs() }));
        app.MapPost("/bulk/quota-used", async (HttpContext ctx) =>
        {
            var body = await ControlApi.ReadObjectAsync(ctx);
            long? bytes = body?["bytes"]?.GetValue<long>() ?? (body?["megabytes"]?.GetValue<double>() is { } mb ? (long)(mb * 1024 * 1024) : null);
            if (bytes is not >= 0) return ControlApi.BadRequest("Body must be {\"bytes\":N} or {\"megabytes\":N}, 0 or more.");
            bulk.SetBytesUsedToday(bytes.Value);
            return Results.Json(new { bytesUsedToday = bytes, dailyQuotaBytes = bulk.QuotaBytes });
        });
        app.MapPost("/bulk/unsupported-filters", async (HttpContext ctx) =>
        {
            if (await ControlApi.ReadObjectAsync(ctx) is not { } body || body["filters"] is not JsonArray filters)
                return ControlApi.BadRequest($"Body must be {{\"filters\":[…]}} of {string.Join(", ", BulkFilterKinds.Switchable)}.");
            try
            {
                bulk.UnsupportedFilters = BulkFilterKinds.ParseUnsupported(filters.Select(f => f?.GetValue<string>() ?? ""));
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
            {
                return ControlApi.BadRequest(e.Message);
            }
            return Results.Json(new { unsupportedFilters = bulk.UnsupportedFilters.Order() });
        });
        app.MapPost("/bulk/fail-next", async (HttpContext ctx) =>
        {
            var body = await ControlApi.ReadObjectAsync(ctx);
            var count = body?["count"]?.GetValue<int>() ?? 1;
            if (count < 0) return ControlApi.BadRequest("count must be 0 or more.");
            bulk.FailNext(count, body?["message"]?.GetValue<string>() ?? "Export failed: internal error");
            return Results.Json(new { failNext = count });
        });
    }
}
