namespace SalesSync.Core.Marketo;

/// <summary>
/// Counts this process's Marketo calls per Marketo day (which ends at midnight US Central) and stops
/// at the configured budget, or when the server has said 607, until the day turns. The instance's own
/// use today (every integration's calls, from stats/usage.json) is kept beside it, never in it: the
/// budget caps SalesSync, while the instance's quota is Marketo's to enforce (607).
/// </summary>
internal sealed class DailyCallBudget(int limit, TimeProvider time)
{
    private volatile int _limit = limit;

    private static readonly TimeZoneInfo Central = FindCentral();
    private readonly object _gate = new();
    private DateOnly _day;
    private int _used;
    private bool _serverSaysExhausted;
    private int? _instanceUsedAtSeed;
    private int _ownUsedAtSeed;

    /// <summary>Calls allowed per Marketo day; 0 = no client-side budget. Changing it keeps the day's count.</summary>
    public int Limit
    {
        get => _limit;
        set => _limit = value;
    }

    public int Used
    {
        get { lock (_gate) { Roll(); return _used; } }
    }

    /// <summary>The current Marketo day (US Central date).</summary>
    public DateOnly Day
    {
        get { lock (_gate) { Roll(); return _day; } }
    }

    /// <summary>
    /// Continues a count kept in the database by an earlier process (or another database of the instance): the day's
    /// count never goes down, so a watch restarted by a scheduler does not start the day from 0. Another day's count is ignored.
    /// </summary>
    public void Continue(DateOnly day, int used)
    {
        lock (_gate)
        {
            Roll();
            if (day == _day && used > _used) _used = used;
        }
    }

    /// <summary>Takes one call from the budget; false when it is spent.</summary>
    public bool TryConsume()
    {
        lock (_gate)
        {
            Roll();
            var max = _limit;
            if (_serverSaysExhausted || (max > 0 && _used >= max)) return false;
            _used++;
            return true;
        }
    }

    /// <summary>
    /// Records what Marketo says the whole instance has used today (stats/usage.json). It does not spend this
    /// process's budget: other integrations' calls are theirs (review M1).
    /// </summary>
    public void Seed(int instanceUsedToday)
    {
        lock (_gate)
        {
            Roll();
            _instanceUsedAtSeed = instanceUsedToday;
            _ownUsedAtSeed = _used;
        }
    }

    /// <summary>
    /// The instance's calls today as last read from Marketo plus this process's calls since; null when not read
    /// today. Marketo's own figure lags (its statistics are not live), so this is an estimate.
    /// </summary>
    public int? InstanceUsedToday
    {
        get
        {
            lock (_gate)
            {
                Roll();
                return _instanceUsedAtSeed is { } seen ? seen + Math.Max(0, _used - _ownUsedAtSeed) : null;
            }
        }
    }

    /// <summary>Marks the day as spent after a 607 from the server.</summary>
    public void MarkExhausted()
    {
        lock (_gate)
        {
            Roll();
            _serverSaysExhausted = true;
        }
    }

    /// <summary>When the next Marketo day starts (midnight US Central), in UTC.</summary>
    public DateTimeOffset NextReset => StartOf(DayOf(time.GetUtcNow()).AddDays(1));

    /// <summary>The Marketo day (US Central date) an instant falls on: the one day boundary every daily count uses.</summary>
    internal static DateOnly DayOf(DateTimeOffset at) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, Central).DateTime);

    /// <summary>When a Marketo day starts (midnight US Central), in UTC.</summary>
    internal static DateTimeOffset StartOf(DateOnly day)
    {
        var midnight = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(midnight, Central.GetUtcOffset(midnight)).ToUniversalTime();
    }

    private void Roll()
    {
        var today = DayOf(time.GetUtcNow());
        if (today == _day) return;
        _day = today;
        _used = 0;
        _serverSaysExhausted = false;
        _instanceUsedAtSeed = null;
        _ownUsedAtSeed = 0;
    }

    private static TimeZoneInfo FindCentral()
    {
        foreach (var id in new[] { "America/Chicago", "Central Standard Time" })
        {
            try { return TimeZoneInfo.FindSystemTimeZoneById(id); }
            catch (TimeZoneNotFoundException) { }
            catch (InvalidTimeZoneException) { }
        }
        return TimeZoneInfo.CreateCustomTimeZone("CST", TimeSpan.FromHours(-6), "CST", "CST");
    }
}
