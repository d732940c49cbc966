using System.Diagnostics;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>
/// The sandbox's notion of "now". Runs <see cref="Scale"/> times faster than wall time and can be
/// pushed forward by the control API, so token expiry, rate windows and daily quotas can be
/// exercised without waiting.
/// </summary>
public sealed class SandboxClock
{
    private readonly DateTimeOffset _origin = DateTimeOffset.UtcNow;
    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private long _advancedTicks;

    public SandboxClock(double scale) => Scale = scale > 0 ? scale : 1.0;

    public double Scale { get; }

    public DateTimeOffset UtcNow =>
        _origin + TimeSpan.FromTicks((long)(_elapsed.Elapsed.Ticks * Scale) + Interlocked.Read(ref _advancedTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _advancedTicks, by.Ticks);
}
