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
    /// <summary>
    /// Largest IN list per query. Enough to keep a list of ids under the 16 KB URI limit, but not long strings such as
    /// emails: split those with <see cref="InListChunks"/>, which also bounds the URL-encoded length.
    /// </summary>
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

    /// <summary>Default URL-encoded budget of one IN list built by <see cref="InListChunks"/>, in characters.</summary>
    /// <remarks>
    /// A full list of <see cref="MaxInListSize"/> 18-character ids encodes to 5,403 characters, so id lists still go
    /// out 200 at a time; the remaining ~10 KB of the 16,384-byte URI-plus-headers limit is left for the scheme, host
    /// and path, the rest of the SOQL (select list, other predicates, each space costing "%20") and the request headers
    /// (the bearer token alone is over 100 bytes).
    /// </remarks>
    public const int DefaultMaxInListEncodedLength = 6000;

    /// <summary>
    /// Splits <paramref name="values"/> into IN-list literals "(a,b,c)", each short enough to travel in a GET
    /// query string, streaming the input: values are read only as chunks are requested.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Why: a query runs as <c>GET …/query?q=&lt;SOQL&gt;</c>, so the SOQL is part of the URI, and Salesforce refuses a
    /// URI over 16,384 bytes with 414 URI Too Long, or with 431 when URI and headers together pass that limit (our
    /// sandbox answers 414 past 16 KB). Capping the count at <see cref="MaxInListSize"/> is not enough on its own: each
    /// value is quoted, backslash-escaped and then percent-encoded ("'" becomes "%27", "@" "%40", a CJK character
    /// nine characters, an emoji twelve), so 200 long emails or names can pass 16 KB by themselves.
    /// </para>
    /// <para>
    /// Each chunk holds at most <paramref name="maxValues"/> values, and its length after
    /// <see cref="Uri.EscapeDataString(string)"/> (how it is encoded in the q= parameter), brackets and commas
    /// included, is at most <paramref name="maxEncodedLength"/>. The default,
    /// <see cref="DefaultMaxInListEncodedLength"/> (6,000), leaves about 10 KB under the 16 KB limit for the rest of
    /// the URI, the rest of the query and the headers. Lower it if one query carries two IN lists or a long select list.
    /// </para>
    /// <para>
    /// Every value is rendered by <see cref="Literal"/>, so strings are escaped exactly as everywhere else. Order is
    /// preserved and every value lands in exactly one chunk; an empty input yields no chunk.
    /// </para>
    /// </remarks>
    /// <param name="values">The values; enumerated once, lazily.</param>
    /// <param name="maxEncodedLength">Largest URL-encoded length of one literal, brackets and commas included.</param>
    /// <param name="maxValues">Largest number of values per literal, 1 to <see cref="MaxInListSize"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is null (thrown at the call).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit is out of range (thrown at the call).</exception>
    /// <exception cref="ArgumentException">
    /// During enumeration: a value has no SOQL literal form, or its literal alone does not fit in
    /// <paramref name="maxEncodedLength"/>. The message gives the value's zero-based position, never the value
    /// itself (it may be personal data). Every value before it has already been yielded in a chunk.
    /// </exception>
    public static IEnumerable<string> InListChunks(IEnumerable<object?> values, int maxEncodedLength = DefaultMaxInListEncodedLength, int maxValues = MaxInListSize)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (maxValues < 1 || maxValues > MaxInListSize)
            throw new ArgumentOutOfRangeException(nameof(maxValues), maxValues, $"Between 1 and {MaxInListSize} values per IN list.");
        var frame = EncodedLength("(") + EncodedLength(")");
        if (maxEncodedLength <= frame)
            throw new ArgumentOutOfRangeException(nameof(maxEncodedLength), maxEncodedLength, $"An IN list needs more than {frame} encoded characters.");
        return InListChunksIterator(values, maxEncodedLength, maxValues, frame);
    }

    private static IEnumerable<string> InListChunksIterator(IEnumerable<object?> values, int maxEncodedLength, int maxValues, int frame)
    {
        var separator = EncodedLength(",");
        var chunk = new StringBuilder();
        var count = 0;
        var encoded = frame;
        long position = -1;
        foreach (var value in values)
        {
            position++;
            string literal;
            try { literal = Literal(value); }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"IN-list value at position {position} has no SOQL literal form ({value?.GetType().Name}).", nameof(values), e);
            }

            // Percent-encoding never shortens text, so an over-long literal is refused before it is encoded.
            var size = literal.Length + frame > maxEncodedLength ? int.MaxValue : EncodedLength(literal);
            if (count > 0 && (long)encoded + separator + size > maxEncodedLength)
            {
                yield return chunk.Append(')').ToString();
                chunk.Clear();
                count = 0;
                encoded = frame;
            }
            if (size > maxEncodedLength - frame)
                throw new ArgumentException(
                    $"IN-list value at position {position} is too long to send: its literal alone, quoted and URL-encoded, " +
                    $"exceeds the {maxEncodedLength}-character budget of an IN list (URI length limit).", nameof(values));

            chunk.Append(count == 0 ? '(' : ',').Append(literal);
            encoded += size + (count == 0 ? 0 : separator);
            if (++count == maxValues)
            {
                // Full by count: hand it out now rather than after reading one more value.
                yield return chunk.Append(')').ToString();
                chunk.Clear();
                count = 0;
                encoded = frame;
            }
        }
        if (count > 0) yield return chunk.Append(')').ToString();
    }

    // Literals always begin and end with an ASCII character (quote, digit, letter), so no surrogate pair is ever split
    // between two pieces and the encoded length of a chunk is the sum of the encoded lengths of its pieces.
    private static int EncodedLength(string text) => Uri.EscapeDataString(text).Length;

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
