using System.Text;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Carries out the transport-level faults (delay, reset, commit-then-drop, bare HTTP status).</summary>
public static class FaultResponses
{
    /// <summary>
    /// Applies a fault that does not depend on the API's error format. Returns true when the request
    /// is finished (the caller must not handle it).
    /// </summary>
    public static async Task<bool> ApplyTransportFaultAsync(HttpContext ctx, FaultRule fault, ServiceStats stats, Func<Task> handle)
    {
        switch (fault.Kind)
        {
            case "delay":
                await Task.Delay(fault.DelayMs ?? 1000, ctx.RequestAborted);
                return false;
            case "reset":
                stats.Error("reset");
                Abort(ctx);
                return true;
            case "commitThenDrop":
                // Run the real handler into a buffer (the write commits), then drop the connection unanswered.
                var original = ctx.Response.Body;
                ctx.Response.Body = new MemoryStream();
                try { await handle(); }
                finally { ctx.Response.Body = original; }
                stats.Error("commitThenDrop");
                Abort(ctx);
                return true;
            case "http":
                var status = fault.Status ?? 502;
                stats.Error(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = fault.ContentType ?? "text/html";
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(fault.Body ?? $"<html><body><h1>{status} Service Unavailable</h1></body></html>"));
                return true;
            default:
                return false;
        }
    }

    private static void Abort(HttpContext ctx)
    {
        // Abort() resets the connection, as a proxy or a dropped link would.
        ctx.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        ctx.Abort();
    }
}
