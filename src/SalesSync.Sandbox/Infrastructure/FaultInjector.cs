using System.Text.Json.Serialization;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>
/// A fault to inject, posted to the control API. It matches requests by service, optional method and
/// path ('*' at the end = prefix), and fires for the next <see cref="Count"/> matches or with a
/// <see cref="Probability"/>.
/// </summary>
public sealed class FaultRule
{
    /// <summary>marketo or salesforce.</summary>
    public string Service { get; set; } = "marketo";
    public string? Path { get; set; }
    public string? Method { get; set; }
    public int? Count { get; set; }
    public double? Probability { get; set; }

    /// <summary>error (API error code), http (bare status), delay, reset (drop before handling), commitThenDrop (handle, then drop).</summary>
    public string Kind { get; set; } = "error";

    /// <summary>For error: the Marketo code ("606") or the Salesforce errorCode ("UNABLE_TO_LOCK_ROW").</summary>
    public string? Code { get; set; }
    public string? Message { get; set; }

    /// <summary>HTTP status for http faults and Salesforce errors.</summary>
    public int? Status { get; set; }
    public string? Body { get; set; }
    public string? ContentType { get; set; }
    public int? DelayMs { get; set; }

    [JsonIgnore] internal int Fired;
}

/// <summary>Holds the active fault rules and decides, per request, which one fires.</summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = [];
    private readonly Random _random;

    public FaultInjector(int seed) => _random = new Random(seed ^ 0x5eed);

    public void Add(FaultRule rule)
    {
        if (rule.Kind is not ("error" or "http" or "delay" or "reset" or "commitThenDrop"))
            throw new ArgumentException($"Unknown fault kind '{rule.Kind}'.");
        if (rule.Count is null && rule.Probability is null) rule.Count = 1;
        lock (_rules) _rules.Add(rule);
    }

    public void Clear()
    {
        lock (_rules) _rules.Clear();
    }

    public int Active
    {
        get { lock (_rules) return _rules.Count; }
    }

    public FaultRule? Match(string service, string method, string path)
    {
        lock (_rules)
        {
            foreach (var rule in _rules)
            {
                if (!rule.Service.Equals(service, StringComparison.OrdinalIgnoreCase)) continue;
                if (rule.Method is not null && !rule.Method.Equals(method, StringComparison.OrdinalIgnoreCase)) continue;
                if (rule.Path is not null && !PathMatches(rule.Path, path)) continue;
                if (rule.Count is { } count)
                {
                    if (rule.Fired >= count) continue;
                    rule.Fired++;
                    if (rule.Fired >= count && rule.Probability is null) _rules.Remove(rule);
                    return rule;
                }
                if (_random.NextDouble() < rule.Probability) return rule;
            }
            return null;
        }
    }

    private static bool PathMatches(string pattern, string path) =>
        pattern.EndsWith('*')
            ? path.StartsWith(pattern[..^1], StringComparison.OrdinalIgnoreCase)
            : path.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}
