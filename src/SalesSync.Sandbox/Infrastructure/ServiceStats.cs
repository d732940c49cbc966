using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Per-service counters read by tests and benchmarks through the control API.</summary>
public sealed class ServiceStats
{
    private readonly ConcurrentDictionary<string, long> _calls = new();
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private int _inFlight;
    private int _peakInFlight;
    private int _peakWindowCalls;

    public void Call(string endpoint) => _calls.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

    public void Error(string code) => _errors.AddOrUpdate(code, 1, (_, n) => n + 1);

    public int EnterFlight()
    {
        var now = Interlocked.Increment(ref _inFlight);
        InterlockedMax(ref _peakInFlight, now);
        return now;
    }

    public void ExitFlight() => Interlocked.Decrement(ref _inFlight);

    public void ObserveWindow(int callsInWindow) => InterlockedMax(ref _peakWindowCalls, callsInWindow);

    public void Reset()
    {
        _calls.Clear();
        _errors.Clear();
        Volatile.Write(ref _peakInFlight, Volatile.Read(ref _inFlight));
        Volatile.Write(ref _peakWindowCalls, 0);
    }

    public JsonObject ToJson()
    {
        var calls = new JsonObject();
        foreach (var (k, v) in _calls.OrderBy(kv => kv.Key, StringComparer.Ordinal)) calls[k] = v;
        var errors = new JsonObject();
        foreach (var (k, v) in _errors.OrderBy(kv => kv.Key, StringComparer.Ordinal)) errors[k] = v;
        return new JsonObject
        {
            ["totalCalls"] = _calls.Values.Sum(),
            ["calls"] = calls,
            ["errors"] = errors,
            ["peakInFlight"] = Volatile.Read(ref _peakInFlight),
            ["inFlight"] = Volatile.Read(ref _inFlight),
            ["peakCallsInRateWindow"] = Volatile.Read(ref _peakWindowCalls),
        };
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
