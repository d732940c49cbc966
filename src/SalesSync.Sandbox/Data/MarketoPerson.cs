using System.Globalization;

namespace SalesSync.Sandbox.Data;

/// <summary>
/// One Marketo person. Values are kept by REST field name so describe, filters, the control API and
/// the change log all work off the same catalogue.
/// </summary>
public sealed class MarketoPerson
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.OrdinalIgnoreCase);

    public MarketoPerson(long id) => _values["id"] = id;

    public long Id => (long)_values["id"]!;

    public object? this[string field]
    {
        get => _values.GetValueOrDefault(field);
        set
        {
            if (field.Equals("id", StringComparison.OrdinalIgnoreCase)) throw new InvalidOperationException("id is read-only.");
            if (field.Equals("sfdcId", StringComparison.OrdinalIgnoreCase)) return; // a formula that is always null over REST
            _values[field] = value;
        }
    }

    public string? Email => this["email"] as string;

    public bool Unsubscribed => this["unsubscribed"] is true;

    public MarketoPerson Clone()
    {
        var copy = new MarketoPerson(Id);
        foreach (var (k, v) in _values) copy._values[k] = v;
        return copy;
    }

    /// <summary>The value as Marketo's change log writes it: a string, or null.</summary>
    public static string? AsLogString(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        DateTimeOffset d => d.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
