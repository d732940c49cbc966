using Microsoft.Extensions.Primitives;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Request parameters from the query string and, for a form body, the form: Marketo accepts
/// `POST …?_method=GET` with the real parameters form-encoded when a GET URL would grow too long.
/// A parameter given more than once (`fields=a&amp;fields=b`, as Python's requests sends a list) reads
/// as the comma-joined values, as the Java servlet stack behind Marketo binds it.
/// </summary>
public sealed class MarketoParameters
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static MarketoParameters FromQuery(HttpContext ctx)
    {
        var p = new MarketoParameters();
        foreach (var (k, v) in ctx.Request.Query) p.Add(k, v);
        return p;
    }

    /// <summary>Query plus form body (the form is read once; later calls get the cached form).</summary>
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

    /// <summary>The value, or the comma-joined values when the parameter came more than once; null when absent.</summary>
    public string? Get(string name) =>
        _values.TryGetValue(name, out var v) && v.Count > 0 ? (v.Count == 1 ? v[0] : string.Join(',', v)) : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : [];

    private void Add(string key, StringValues values)
    {
        if (!_values.TryGetValue(key, out var list)) _values[key] = list = [];
        foreach (var v in values) if (v is not null) list.Add(v);
    }
}
