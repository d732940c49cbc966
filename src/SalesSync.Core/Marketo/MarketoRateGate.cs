using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace SalesSync.Core.Marketo;

/// <summary>
/// Client-side limiter for one Marketo instance: a concurrency limiter and a sliding-window limiter
/// (System.Threading.RateLimiting), queued rather than rejecting, plus the daily call budget. One gate
/// per instance host is shared by every client in the process, as the instance's limits are.
/// </summary>
public sealed class MarketoRateGate : IDisposable
{
    private static readonly ConcurrentDictionary<string, MarketoRateGate> Gates = new(StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrencyLimiter _concurrency;
    private readonly SlidingWindowRateLimiter _window;

    public MarketoRateGate(MarketoLimitSettings settings, TimeProvider? time = null)
    {
        Settings = settings.Validate();
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = settings.ConcurrentCalls,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // The limiter is segmented: a permit taken late in a segment comes back when that segment leaves
        // the window, up to one segment early, and timer jitter can shorten a segment further. Two extra
        // segments make every permit live at least a full window plus one segment of slack, so the
        // server's exact sliding window never sees more than CallsPerWindow.
        const int segments = 20;
        var segment = settings.Window / segments;
        _window = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = settings.CallsPerWindow,
            Window = settings.Window + segment * 2,
            SegmentsPerWindow = segments + 2,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        Budget = new DailyCallBudget(settings.DailyCallBudget, time ?? TimeProvider.System);
    }

    public MarketoLimitSettings Settings { get; }
    public DailyCallBudget Budget { get; }

    /// <summary>The gate for an instance; a new one replaces it when the settings change.</summary>
    public static MarketoRateGate For(Uri instance, MarketoLimitSettings settings) =>
        Gates.AddOrUpdate(instance.Authority,
            _ => new MarketoRateGate(settings),
            (_, existing) => existing.Settings == settings ? existing : new MarketoRateGate(settings));

    /// <summary>Waits for a concurrency slot and a window permit; dispose the result when the call is answered.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        var slot = await _concurrency.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        try
        {
            // Take the window permit last, just before sending, so the client's clock matches the server's.
            using var permit = await _window.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
            if (!slot.IsAcquired || !permit.IsAcquired) throw new InvalidOperationException("Marketo rate gate refused a permit.");
            return slot;
        }
        catch
        {
            slot.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _concurrency.Dispose();
        _window.Dispose();
    }
}
