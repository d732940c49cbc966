namespace SalesSync.Core.Marketo;

/// <summary>
/// Counts this process's Marketo calls per Marketo day (which ends at midnight US Central) and stops
/// at the configured budget, or when the server has said 607, until the day turns.
/// </summary>
internal sealed class DailyCallBudget(int limit, TimeProvider time)
{
    private volatile int _limit = limit;

    private static readonly TimeZoneInfo Central = FindCentral();
    private readonly object _gate = new();
    private DateOnly _day;
    private int _used;
    private bool _serverSaysExhausted;

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
    /// Raises today's count to what Marketo says the instance has already used (stats/usage.json), so a
    /// process started after another one does not spend the same budget twice.
    /// </summary>
    public void Seed(int usedToday)
    {
        lock (_gate)
        {
            Roll();
            if (usedToday > _used) _used = usedToday;
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
    public DateTimeOffset NextReset
    {
        get
        {
            var now = TimeZoneInfo.ConvertTime(time.GetUtcNow(), Central);
            var midnight = now.Date.AddDays(1);
            return new DateTimeOffset(midnight, Central.GetUtcOffset(midnight)).ToUniversalTime();
        }
    }

    private void Roll()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Central).DateTime);
        if (today == _day) return;
        _day = today;
        _used = 0;
        _serverSaysExhausted = false;
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
