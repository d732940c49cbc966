using System.Buffers;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// error (API error code), http (bare status), delay, reset (drop before handling), commitThenDrop (handle,
    /// then drop), dropAfterBytes (answer, but drop the connection after <see cref="Bytes"/> bytes of the body),
    /// corruptByte (answer with the body byte at <see cref="Offset"/> changed), recordError (Salesforce sObject
    /// Collections only: the next <see cref="Count"/> records, or each record with <see cref="Probability"/>, fail
    /// with <see cref="Code"/>, default UNABLE_TO_LOCK_ROW, while the request and its other records go on).
    /// </summary>
    public string Kind { get; set; } = "error";

    /// <summary>For error: the Marketo code ("606") or the Salesforce errorCode; for recordError the record's statusCode.</summary>
    public string? Code { get; set; }
    public string? Message { get; set; }

    /// <summary>HTTP status for http faults and Salesforce errors.</summary>
    public int? Status { get; set; }
    public string? Body { get; set; }
    public string? ContentType { get; set; }

    /// <summary>Response headers to add (e.g. <c>Retry-After</c>), for every kind that answers. Numbers and booleans are taken as their text.</summary>
    [JsonConverter(typeof(HeaderValuesConverter))]
    public Dictionary<string, string>? Headers { get; set; }
    public int? DelayMs { get; set; }

    /// <summary>For dropAfterBytes: body bytes sent before the connection drops (default 0).</summary>
    public long? Bytes { get; set; }

    /// <summary>For corruptByte: the offset in the body of the byte to change (default 0).</summary>
    public long? Offset { get; set; }

    [JsonIgnore] internal int Fired;

    /// <summary>Cancelled when the faults are cleared: requests held by a delay then go on at once.</summary>
    [JsonIgnore] internal CancellationToken Released;
}

/// <summary>Reads header values given as strings, numbers or booleans (<c>"Retry-After": 1</c> is fine).</summary>
internal sealed class HeaderValuesConverter : JsonConverter<Dictionary<string, string>>
{
    public override Dictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("headers must be an object of name: value.");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            headers[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                _ => throw new JsonException($"header '{name}' must be a string or a number."),
            };
        }
        return headers;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (name, text) in value) writer.WriteString(name, text);
        writer.WriteEndObject();
    }
}

/// <summary>Holds the active fault rules and decides, per request, which one fires.</summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = [];
    private readonly Random _random;
    private CancellationTokenSource _release = new();

    public FaultInjector(int seed) => _random = new Random(seed ^ 0x5eed);

    public void Add(FaultRule rule)
    {
        if (rule.Kind is not ("error" or "http" or "delay" or "reset" or "commitThenDrop" or "dropAfterBytes" or "corruptByte" or RecordError))
            throw new ArgumentException($"Unknown fault kind '{rule.Kind}'.");
        if (rule.Kind == RecordError && !rule.Service.Equals("salesforce", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException("recordError faults act on Salesforce sObject Collections records only (service salesforce).");
        if (rule.Bytes is < 0 || rule.Offset is < 0) throw new ArgumentException("bytes and offset must be 0 or more.");
        if (rule.Kind == "delay" && rule.DelayMs is < 0) throw new ArgumentException("delayMs must be 0 or more.");
        if (rule.Count is null && rule.Probability is null) rule.Count = 1;
        lock (_rules)
        {
            rule.Released = _release.Token;
            _rules.Add(rule);
        }
    }

    /// <summary>Removes every rule and releases the requests that a delay rule is holding.</summary>
    public void Clear()
    {
        CancellationTokenSource old;
        lock (_rules)
        {
            _rules.Clear();
            old = _release;
            _release = new CancellationTokenSource();
        }
        old.Cancel();
        old.Dispose();
    }

    /// <summary>The active rules, as posted (for GET faults).</summary>
    public IReadOnlyList<FaultRule> Snapshot()
    {
        lock (_rules) return _rules.ToList();
    }

    public int Active
    {
        get { lock (_rules) return _rules.Count; }
    }

    /// <summary>The kind whose rules fire per record of a collection write instead of per request.</summary>
    public const string RecordError = "recordError";

    /// <summary>The request-level rule that fires for this request, if any (a counted rule is used up).</summary>
    public FaultRule? Match(string service, string method, string path) => Match(service, method, path, perRecord: false);

    /// <summary>The <see cref="RecordError"/> rule that fails this record of a collection write, if any (a count is of records).</summary>
    public FaultRule? MatchRecord(string service, string method, string path) => Match(service, method, path, perRecord: true);

    private FaultRule? Match(string service, string method, string path, bool perRecord)
    {
        lock (_rules)
        {
            foreach (var rule in _rules)
            {
                if ((rule.Kind == RecordError) != perRecord) continue;
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

    /// <summary>Exact, or with '*' standing for any run of characters (a trailing '*' makes a prefix, as before).</summary>
    private static bool PathMatches(string pattern, string path) =>
        pattern.Contains('*')
            ? System.IO.Enumeration.FileSystemName.MatchesSimpleExpression(pattern, path, ignoreCase: true)
            : path.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}
