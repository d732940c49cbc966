using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Connections.Features;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Carries out the transport-level faults (delay, reset, commit-then-drop, bare HTTP status, cut or corrupted body).</summary>
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
            case "dropAfterBytes" or "corruptByte":
                // The real answer, through a stream that cuts or damages it; restored afterwards.
                var body = ctx.Response.Body;
                var faulty = fault.Kind == "dropAfterBytes"
                    ? new FaultyResponseStream(body, fault.Bytes ?? 0, null, () => DrainThenAbort(ctx))
                    : new FaultyResponseStream(body, null, fault.Offset ?? 0, () => DrainThenAbort(ctx));
                ctx.Response.Body = faulty;
                try
                {
                    await handle();
                    if (!ctx.RequestAborted.IsCancellationRequested) await ctx.Response.BodyWriter.FlushAsync(ctx.RequestAborted);
                }
                catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
                finally { ctx.Response.Body = body; }
                if (faulty.Fired) stats.Error(fault.Kind);
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

    private static readonly TimeSpan DrainTime = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Drops the connection once the bytes already written have left: an abort resets the socket and takes
    /// whatever Kestrel has not sent yet with it, so it waits a moment (loopback sends in far less).
    /// </summary>
    private static async Task DrainThenAbort(HttpContext ctx)
    {
        await Task.Delay(DrainTime);
        Abort(ctx);
    }

    private static void Abort(HttpContext ctx)
    {
        // Abort() resets the connection, as a proxy or a dropped link would.
        ctx.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        ctx.Abort();
    }
}
