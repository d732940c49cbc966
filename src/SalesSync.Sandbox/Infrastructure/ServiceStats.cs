using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Per-service counters read by tests and benchmarks through the control API.</summary>
/// <param name="countsWrites">
/// Whether the service also keeps <c>writeCalls</c> / <c>writes</c> (Marketo, where a POST on the wire may be a read
/// sent as <c>_method=GET</c>, so <c>calls</c> alone cannot tell reads from writes).
/// </param>
public sealed class ServiceStats(bool countsWrites = false)
{
    private readonly ConcurrentDictionary<string, long> _calls = new();
    private readonly ConcurrentDictionary<string, long> _writes = new();
    private readonly ConcurrentDictionary<string, long> _errors = new();
    private int _inFlight;
    private int _peakInFlight;
    private int _peakWindowCalls;

    public void Call(string endpoint) => _calls.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

    /// <summary>A call that asks to change something (not a read, and not a POST answered as a GET).</summary>
    public void Write(string endpoint) => _writes.AddOrUpdate(endpoint, 1, (_, n) => n + 1);

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
        _writes.Clear();
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
        var json = new JsonObject
        {
            ["totalCalls"] = _calls.Values.Sum(),
            ["calls"] = calls,
        };
        if (countsWrites)
        {
            var writes = new JsonObject();
            foreach (var (k, v) in _writes.OrderBy(kv => kv.Key, StringComparer.Ordinal)) writes[k] = v;
            json["writeCalls"] = _writes.Values.Sum();
            json["writes"] = writes;
        }
        json["errors"] = errors;
        json["peakInFlight"] = Volatile.Read(ref _peakInFlight);
        json["inFlight"] = Volatile.Read(ref _inFlight);
        json["peakCallsInRateWindow"] = Volatile.Read(ref _peakWindowCalls);
        return json;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
