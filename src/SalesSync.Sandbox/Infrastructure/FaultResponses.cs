using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Carries out the transport-level faults (delay, reset, commit-then-drop, bare HTTP status).</summary>
public static class FaultResponses
{
    /// <summary>
    /// Applies a fault that does not depend on the API's error format. Returns true when the request
    /// is finished (the caller must not handle it). The rule's headers go on whatever answer follows.
    /// </summary>
    public static async Task<bool> ApplyTransportFaultAsync(HttpContext ctx, FaultRule fault, ServiceStats stats, Func<Task> handle)
    {
        AddHeaders(ctx, fault);
        switch (fault.Kind)
        {
            case "delay":
                // Held until the delay ends, the client goes away, or the faults are cleared (DELETE faults).
                using (var held = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, fault.Released))
                {
                    try { await Task.Delay(fault.DelayMs ?? 1000, held.Token); }
                    catch (OperationCanceledException) when (!ctx.RequestAborted.IsCancellationRequested) { }
                }
                ctx.RequestAborted.ThrowIfCancellationRequested();
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
                stats.Error(status.ToString(CultureInfo.InvariantCulture));
                ctx.Response.StatusCode = status;
                ctx.Response.ContentType = fault.ContentType ?? "text/html";
                AddHeaders(ctx, fault); // again, so a Content-Type among the headers wins
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(fault.Body ?? $"<html><body><h1>{status} Service Unavailable</h1></body></html>"));
                return true;
            default:
                return false;
        }
    }

    /// <summary>Adds the rule's response headers (no-op once the answer has started).</summary>
    public static void AddHeaders(HttpContext ctx, FaultRule fault)
    {
        if (fault.Headers is null || ctx.Response.HasStarted) return;
        foreach (var (name, value) in fault.Headers) ctx.Response.Headers[name] = value;
    }

    private static void Abort(HttpContext ctx)
    {
        // Abort() resets the connection, as a proxy or a dropped link would.
        ctx.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        ctx.Abort();
    }
}
