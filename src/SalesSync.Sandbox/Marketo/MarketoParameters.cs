using Microsoft.Extensions.Primitives;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Request parameters from the query string and, for POST, a form body: Marketo accepts
/// `_method=GET` with the real parameters form-encoded when a GET URL would grow too long.
/// </summary>
public sealed class MarketoParameters
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public string Method { get; private init; } = "GET";

    public static MarketoParameters FromQuery(HttpContext ctx)
    {
        var p = new MarketoParameters { Method = ctx.Request.Method };
        foreach (var (k, v) in ctx.Request.Query) p.Add(k, v);
        return p;
    }

    public static async Task<MarketoParameters> ReadAsync(HttpContext ctx)
    {
        var p = FromQuery(ctx);
        if (ctx.Request.HasFormContentType)
        {
            var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
            foreach (var (k, v) in form) p.Add(k, v);
        }
        return p;
    }

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : [];

    private void Add(string key, StringValues values)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        foreach (var v in values) if (v is not null) list.Add(v);
    }
}
