using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SalesSync.Core.Salesforce;

/// <summary>
/// Builds SOQL literals safely. Every value put into a query goes through here: strings are
/// backslash-escaped per Salesforce's "Quoted String Escape Sequences", ids are validated.
/// </summary>
public static partial class Soql
{
    /// <summary>Largest IN list per query: keeps GET URLs far below the 16 KB limit.</summary>
    public const int MaxInListSize = 200;

    /// <summary>A quoted string literal: 'Bob\'s BBQ'.</summary>
    public static string Quote(string value) => "'" + Escape(value, like: false) + "'";

    /// <summary>A quoted LIKE pattern that matches <paramref name="value"/> literally, with optional wildcards around it.</summary>
    public static string QuoteLike(string value, bool prefix = false, bool suffix = false) =>
        "'" + (prefix ? "%" : "") + Escape(value, like: true) + (suffix ? "%" : "") + "'";

    /// <summary>A literal for any supported value: strings quoted, booleans and null bare, dates ISO.</summary>
    public static string Literal(object? value) => value switch
    {
        null => "null",
        string s => Quote(s),
        bool b => b ? "true" : "false",
        DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        int or long or decimal or double => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        _ => throw new ArgumentException($"No SOQL literal form for {value.GetType().Name}.", nameof(value)),
    };

    /// <summary>"(a,b,c)" for an IN clause; at most <see cref="MaxInListSize"/> values.</summary>
    public static string InList(IEnumerable<object?> values)
    {
        var list = values.ToList();
        if (list.Count == 0) throw new ArgumentException("An IN list needs at least one value.", nameof(values));
        if (list.Count > MaxInListSize) throw new ArgumentException($"At most {MaxInListSize} values per IN list; chunk the input.", nameof(values));
        return "(" + string.Join(",", list.Select(Literal)) + ")";
    }

    /// <summary>An id literal, after checking it really is a 15- or 18-character Salesforce id.</summary>
    public static string Id(string id) =>
        IsId(id) ? "'" + id + "'" : throw new ArgumentException($"'{id}' is not a Salesforce id.", nameof(id));

    public static bool IsId(string? id) => id is not null && IdPattern().IsMatch(id);

    private static string Escape(string value, bool like)
    {
        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\'': sb.Append(@"\'"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                case '%' when like: sb.Append(@"\%"); break;
                case '_' when like: sb.Append(@"\_"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex("^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$")]
    private static partial Regex IdPattern();
}
