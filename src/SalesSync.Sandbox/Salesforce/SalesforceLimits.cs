using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>The org's daily API allocation over a rolling 24 hours (403 REQUEST_LIMIT_EXCEEDED when spent).</summary>
public sealed class SalesforceLimits(SandboxOptions options, SandboxClock clock)
{
    private readonly LinkedList<(DateTimeOffset Minute, int Count)> _buckets = new();
    private int _used;

    public int Max => options.SalesforceDailyLimit;

    public int Used
    {
        get { lock (_buckets) { Expire(); return _used; } }
    }

    /// <summary>Counts one request; false when the allocation is spent (and nothing is counted).</summary>
    public bool TryCount()
    {
        lock (_buckets)
        {
            Expire();
            if (options.LimitsReal && _used >= Max) return false;
            var now = clock.UtcNow;
            var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
            if (_buckets.Last is { } last && last.Value.Minute == minute) last.Value = (minute, last.Value.Count + 1);
            else _buckets.AddLast((minute, 1));
            _used++;
            return true;
        }
    }

    private void Expire()
    {
        var cutoff = clock.UtcNow.AddHours(-24);
        while (_buckets.First is { } first && first.Value.Minute <= cutoff)
        {
            _used -= first.Value.Count;
            _buckets.RemoveFirst();
        }
    }
}
