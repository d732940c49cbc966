namespace SalesSync.Core.Marketo;

/// <summary>
/// The client's own share of a Marketo instance's limits. The instance allows 100 calls per 20 s and
/// 10 in flight, shared with every other integration, so the defaults take half (Adobe's advice).
/// </summary>
public sealed record MarketoLimitSettings
{
    public const int MaxCallsPerWindow = 100;
    public const int MaxConcurrentCalls = 10;

    public int CallsPerWindow { get; init; } = 50;
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(20);
    public int ConcurrentCalls { get; init; } = 5;

    /// <summary>Calls this client may make per Marketo day (midnight US Central); 0 = no client-side budget.</summary>
    public int DailyCallBudget { get; init; } = 10_000;

    public static MarketoLimitSettings Default { get; } = new();

    /// <summary>Rejects settings beyond the documented maxima.</summary>
    public MarketoLimitSettings Validate()
    {
        if (CallsPerWindow is < 1 or > MaxCallsPerWindow)
            throw new ArgumentOutOfRangeException(nameof(CallsPerWindow), CallsPerWindow, $"Must be 1..{MaxCallsPerWindow} (Marketo allows {MaxCallsPerWindow} calls per 20 s per instance).");
        if (ConcurrentCalls is < 1 or > MaxConcurrentCalls)
            throw new ArgumentOutOfRangeException(nameof(ConcurrentCalls), ConcurrentCalls, $"Must be 1..{MaxConcurrentCalls} (Marketo allows {MaxConcurrentCalls} calls in flight per instance).");
        // The limiter replenishes every Window/22; below about 1 ms a timer period rounds to zero and stops.
        if (Window < TimeSpan.FromSeconds(1)) throw new ArgumentOutOfRangeException(nameof(Window), Window, "Must be at least 1 second.");
        if (DailyCallBudget < 0) throw new ArgumentOutOfRangeException(nameof(DailyCallBudget), DailyCallBudget, "Must be 0 or more.");
        return this;
    }
}
