using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Marketo's per-instance limits, counted across all tokens: calls per sliding window (606),
/// calls in flight (615) and the daily quota that resets at midnight US Central (607).
/// </summary>
public sealed class MarketoLimits(SandboxOptions options, SandboxClock clock, ServiceStats stats)
{
    private readonly Queue<DateTimeOffset> _window = new();
    private int _inFlight;
    private DateOnly _quotaDay;
    private int _usedToday;

    public bool Enforced { get; } = options.LimitsReal;

    public int UsedToday
    {
        get { lock (_window) { RollDay(); return _usedToday; } }
    }

    /// <summary>Takes a concurrency slot; returns false (615) when the instance already has the maximum in flight.</summary>
    public bool TryEnterFlight()
    {
        var now = Interlocked.Increment(ref _inFlight);
        stats.EnterFlight();
        if (!Enforced || now <= options.MarketoConcurrencyLimit) return true;
        ExitFlight();
        return false;
    }

    public void ExitFlight()
    {
        Interlocked.Decrement(ref _inFlight);
        stats.ExitFlight();
    }

    /// <summary>Counts one call against window and quota; returns the error code that refuses it, or null.</summary>
    public string? TryCount()
    {
        lock (_window)
        {
            var now = clock.UtcNow;
            RollDay();
            var windowStart = now - TimeSpan.FromSeconds(options.MarketoRateWindowSeconds);
            while (_window.Count > 0 && _window.Peek() <= windowStart) _window.Dequeue();
            if (Enforced && _window.Count >= options.MarketoRateLimit) return "606";
            if (Enforced && _usedToday >= options.MarketoDailyQuota) return "607";
            _window.Enqueue(now);
            _usedToday++;
            stats.ObserveWindow(_window.Count);
            return null;
        }
    }


    private void RollDay()
    {
        var today = InstanceTimeZone.Day(clock.UtcNow);
        if (today == _quotaDay) return;
        _quotaDay = today;
        _usedToday = 0;
    }
}
