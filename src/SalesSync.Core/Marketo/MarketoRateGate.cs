using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace SalesSync.Core.Marketo;

/// <summary>
/// Client-side limiter for one Marketo instance: a concurrency limiter and a sliding-window limiter
/// (System.Threading.RateLimiting), queued rather than rejecting, plus the daily call budget. There is
/// exactly one gate per instance for the life of the process, shared by every client, as the
/// instance's limits are. A later connection with other settings re-weights the same gate
/// (<see cref="Apply"/>) instead of replacing it, so two limiters never split one instance's limits
/// and the day's count and a recorded 607 survive.
/// </summary>
internal sealed class MarketoRateGate : IDisposable
{
    private static readonly ConcurrentDictionary<string, MarketoRateGate> Gates = new(StringComparer.OrdinalIgnoreCase);

    // Limiters sized for the instance maxima; each call takes a weight so that exactly the configured
    // number fits. Changing the weight changes the limit live, with calls already admitted still counted.
    // 2520 is divisible by 1..10; 100,000 / c leaves room for exactly c calls for every c in 1..100.
    private const int ConcurrencyUnits = 2520;
    private const int WindowUnits = 100_000;

    private readonly ConcurrencyLimiter _concurrency;
    private readonly SlidingWindowRateLimiter _window;
    private volatile Weights _weights;

    private sealed record Weights(MarketoLimitSettings Settings, int Concurrency, int Window);

    public MarketoRateGate(MarketoLimitSettings settings, TimeProvider? time = null)
    {
        settings.Validate();
        Window = settings.Window;
        _weights = WeightsFor(settings);
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = ConcurrencyUnits,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // The limiter is segmented: a permit taken late in a segment comes back when that segment leaves
        // the window, up to one segment early, and timer jitter can shorten a segment further. Two extra
        // segments make every permit live at least a full window plus one segment of slack, so the
        // server's exact sliding window never sees more than CallsPerWindow. Segments of a fortieth of the
        // window (0.5 s of 20 s) keep that slack to 1 s: the client sustains 100 calls per 21 s (95% of the
        // instance's limit; it was 100 per 22 s with 1 s segments), with half a second against timer and
        // network jitter.
        const int segments = 40;
        var segment = settings.Window / segments;
        _window = new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
        {
            PermitLimit = WindowUnits,
            Window = settings.Window + segment * 2,
            SegmentsPerWindow = segments + 2,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
        Budget = new DailyCallBudget(settings.DailyCallBudget, time ?? TimeProvider.System);
    }

    /// <summary>The settings in force (the latest applied).</summary>
    public MarketoLimitSettings Settings => _weights.Settings;

    /// <summary>The window length, fixed when the gate was made.</summary>
    public TimeSpan Window { get; }

    public DailyCallBudget Budget { get; }

    /// <summary>The instance's gate, made on first use with <paramref name="settings"/>; later calls return the same gate unchanged.</summary>
    public static MarketoRateGate For(Uri instance, MarketoLimitSettings settings) =>
        Gates.GetOrAdd(InstanceKey(instance), static (_, s) => new MarketoRateGate(s), settings);

    /// <summary>The gate of an instance if one exists (for tests and diagnostics).</summary>
    public static MarketoRateGate? Find(Uri instance) => Gates.TryGetValue(InstanceKey(instance), out var gate) ? gate : null;

    /// <summary>Drops an instance's gate so the next connection makes a new one, as a new process would (for tests; dispose its sessions first).</summary>
    internal static void Forget(Uri instance)
    {
        if (Gates.TryRemove(InstanceKey(instance), out var gate)) gate.Dispose();
    }

    /// <summary>
    /// The key of an instance: its host (punycode, lower case, no trailing dot) and non-default port; every
    /// loopback spelling (localhost, 127.0.0.1, [::1]) is one host. Different names that DNS maps to one
    /// address cannot be told apart without a lookup and are different keys.
    /// </summary>
    public static string InstanceKey(Uri instance)
    {
        var host = Http.UriPolicy.IsLoopback(instance) ? "loopback" : instance.IdnHost.TrimEnd('.').ToLowerInvariant();
        return instance.IsDefaultPort ? host : $"{host}:{instance.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// Makes <paramref name="settings"/> the limits of this instance from now on (the window length is
    /// fixed per gate). Calls in flight and calls already in the window keep counting.
    /// </summary>
    public void Apply(MarketoLimitSettings settings)
    {
        settings.Validate();
        _weights = WeightsFor(settings with { Window = Window }); // the window length stays the gate's own
        Budget.Limit = settings.DailyCallBudget;
    }

    private static Weights WeightsFor(MarketoLimitSettings settings) =>
        new(settings, ConcurrencyUnits / settings.ConcurrentCalls, WindowUnits / settings.CallsPerWindow);

    /// <summary>Waits for a concurrency slot and a window permit; dispose the result when the call is answered.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        var weights = _weights;
        var slot = await _concurrency.AcquireAsync(weights.Concurrency, cancellationToken).ConfigureAwait(false);
        try
        {
            // Take the window permit last, just before sending, so the client's clock matches the server's.
            using var permit = await _window.AcquireAsync(weights.Window, cancellationToken).ConfigureAwait(false);
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
