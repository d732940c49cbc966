using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>A SOQL error with the REST errorCode Salesforce would send (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE).</summary>
public sealed class SoqlException(string errorCode, string message) : Exception(message)
{
    public string ErrorCode { get; } = errorCode;
}

/// <summary>A field as written in the query: "Email" or "Owner.Email".</summary>
public sealed record SoqlField(IReadOnlyList<string> Path)
{
    public override string ToString() => string.Join('.', Path);
}

public abstract record SoqlCondition;
public sealed record SoqlAnd(SoqlCondition Left, SoqlCondition Right) : SoqlCondition;
public sealed record SoqlOr(SoqlCondition Left, SoqlCondition Right) : SoqlCondition;
public sealed record SoqlNot(SoqlCondition Inner) : SoqlCondition;
public sealed record SoqlCompare(SoqlField Field, string Operator, object? Value) : SoqlCondition;
public sealed record SoqlIn(SoqlField Field, IReadOnlyList<object?> Values, bool Negated) : SoqlCondition;
public sealed record SoqlLike(SoqlField Field, Regex Pattern) : SoqlCondition;

public sealed record SoqlOrder(SoqlField Field, bool Descending, bool NullsLast);

/// <summary>The parsed subset: SELECT fields | COUNT() FROM object [WHERE] [ORDER BY] [LIMIT] [OFFSET].</summary>
public sealed record SoqlQuery(
    IReadOnlyList<SoqlField> Fields, bool IsCount, string From, SoqlCondition? Where,
    IReadOnlyList<SoqlOrder> OrderBy, int? Limit, int? Offset);

/// <summary>Tokenizer and recursive-descent parser for the SOQL subset the sandbox serves.</summary>
public sealed class SoqlParser
{
    private enum Kind { Word, String, Number, Symbol, End }

    private sealed record Token(Kind Kind, string Text, int Position, object? Value = null, Regex? Like = null, bool HasLikeEscape = false);

    private readonly List<Token> _tokens;
    private int _index;

    private SoqlParser(string soql) => _tokens = Tokenize(soql);

    public static SoqlQuery Parse(string soql)
    {
        if (string.IsNullOrWhiteSpace(soql)) throw Malformed("The query is empty.");
        return new SoqlParser(soql).ParseQuery();
    }

    private Token Peek => _tokens[_index];
    private Token Take() => _tokens[_index++];

    private bool IsWord(string word) => Peek.Kind == Kind.Word && Peek.Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    private bool AcceptWord(string word)
    {
        if (!IsWord(word)) return false;
        _index++;
        return true;
    }

    private void ExpectWord(string word)
    {
        if (!AcceptWord(word)) throw Malformed($"unexpected token: '{Describe(Peek)}', expecting '{word}'");
    }

    private bool AcceptSymbol(string symbol)
    {
        if (Peek.Kind != Kind.Symbol || Peek.Text != symbol) return false;
        _index++;
        return true;
    }

    private void ExpectSymbol(string symbol)
    {
        if (!AcceptSymbol(symbol)) throw Malformed($"unexpected token: '{Describe(Peek)}', expecting '{symbol}'");
    }

    private SoqlQuery ParseQuery()
    {
        ExpectWord("SELECT");
        var fields = new List<SoqlField>();
        var isCount = false;
        if (IsWord("COUNT") && _tokens[_index + 1].Text == "(")
        {
            _index++;
            ExpectSymbol("(");
            ExpectSymbol(")");
            isCount = true;
        }
        else
        {
            do fields.Add(ParseField()); while (AcceptSymbol(","));
        }
        ExpectWord("FROM");
        if (Peek.Kind != Kind.Word) throw Malformed($"unexpected token: '{Describe(Peek)}'");
        var from = Take().Text;

        SoqlCondition? where = null;
        if (AcceptWord("WHERE")) where = ParseOr();

        var order = new List<SoqlOrder>();
        if (AcceptWord("ORDER"))
        {
            ExpectWord("BY");
            do
            {
                var field = ParseField();
                var desc = AcceptWord("DESC");
                if (!desc) AcceptWord("ASC");
                var nullsLast = desc;
                if (AcceptWord("NULLS"))
                {
                    if (AcceptWord("LAST")) nullsLast = true;
                    else { ExpectWord("FIRST"); nullsLast = false; }
                }
                order.Add(new SoqlOrder(field, desc, nullsLast));
            } while (AcceptSymbol(","));
        }

        int? limit = null, offset = null;
        if (AcceptWord("LIMIT")) limit = ParseCount("LIMIT");
        if (AcceptWord("OFFSET")) offset = ParseCount("OFFSET");
        if (Peek.Kind != Kind.End) throw Malformed($"unexpected token: '{Describe(Peek)}'");
        return new SoqlQuery(fields, isCount, from, where, order, limit, offset);
    }

    private int ParseCount(string clause)
    {
        var t = Take();
        if (t.Kind != Kind.Number || t.Value is not decimal d || d < 0 || d != Math.Floor(d))
            throw Malformed($"{clause} must be a non-negative integer, found '{Describe(t)}'");
        return (int)d;
    }

    private SoqlField ParseField()
    {
        var t = Take();
        if (t.Kind != Kind.Word || IsKeyword(t.Text)) throw Malformed($"unexpected token: '{Describe(t)}'");
        var parts = t.Text.Split('.');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0))
            throw new SoqlException("INVALID_FIELD", $"Didn't understand relationship '{t.Text}' in field path. The sandbox supports one parent level.");
        return new SoqlField(parts);
    }

    private SoqlCondition ParseOr()
    {
        var left = ParseAnd();
        while (AcceptWord("OR")) left = new SoqlOr(left, ParseAnd());
        return left;
    }

    private SoqlCondition ParseAnd()
    {
        var left = ParseUnary();
        while (AcceptWord("AND")) left = new SoqlAnd(left, ParseUnary());
        return left;
    }

    private SoqlCondition ParseUnary()
    {
        if (AcceptWord("NOT")) return new SoqlNot(ParseUnary());
        if (AcceptSymbol("("))
        {
            var inner = ParseOr();
            ExpectSymbol(")");
            return inner;
        }
        var field = ParseField();
        if (AcceptWord("LIKE"))
        {
            var t = Take();
            if (t.Kind != Kind.String) throw Malformed($"LIKE needs a string literal, found '{Describe(t)}'");
            return new SoqlLike(field, t.Like!);
        }
        var negated = false;
        if (AcceptWord("NOT"))
        {
            if (!IsWord("IN")) throw Malformed($"unexpected token: '{Describe(Peek)}', expecting 'IN'");
            negated = true;
        }
        if (AcceptWord("IN"))
        {
            ExpectSymbol("(");
            var values = new List<object?>();
            do values.Add(ParseLiteral()); while (AcceptSymbol(","));
            ExpectSymbol(")");
            return new SoqlIn(field, values, negated);
        }
        var op = Take();
        if (op.Kind != Kind.Symbol || op.Text is not ("=" or "!=" or "<>" or "<" or ">" or "<=" or ">="))
            throw Malformed($"unexpected token: '{Describe(op)}'");
        return new SoqlCompare(field, op.Text == "<>" ? "!=" : op.Text, ParseLiteral());
    }

    private object? ParseLiteral()
    {
        var t = Take();
        switch (t.Kind)
        {
            case Kind.String:
                if (t.HasLikeEscape) throw Malformed(@"Invalid string literal: \_ and \% are allowed only in LIKE patterns.");
                return t.Value;
            case Kind.Number:
                return t.Value;
            case Kind.Word when t.Text.Equals("true", StringComparison.OrdinalIgnoreCase):
                return true;
            case Kind.Word when t.Text.Equals("false", StringComparison.OrdinalIgnoreCase):
                return false;
            case Kind.Word when t.Text.Equals("null", StringComparison.OrdinalIgnoreCase):
                return null;
            case Kind.Word when TryDateLiteral(t.Text, out var date):
                return date;
            default:
                throw Malformed($"unexpected token: '{Describe(t)}'");
        }
    }

    private static bool TryDateLiteral(string text, out object? value)
    {
        value = null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            value = d;
            return true;
        }
        string[] formats = ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", "yyyy-MM-dd'T'HH:mm:sszzz", "yyyy-MM-dd'T'HH:mm:ss.fffzzz"];
        if (DateTimeOffset.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dt))
        {
            value = dt;
            return true;
        }
        return false;
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
        { "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "ASC", "DESC", "NULLS", "LIMIT", "OFFSET" };

    private static bool IsKeyword(string word) => Keywords.Contains(word);

    private static string Describe(Token t) => t.Kind == Kind.End ? "<EOF>" : t.Text;

    private static SoqlException Malformed(string message) => new("MALFORMED_QUERY", message);

    private static List<Token> Tokenize(string s)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            var start = i;
            if (c == '\'')
            {
                tokens.Add(ReadString(s, ref i));
                continue;
            }
            if (c is '(' or ')' or ',')
            {
                tokens.Add(new Token(Kind.Symbol, c.ToString(), start));
                i++;
                continue;
            }
            if (c is '=' or '!' or '<' or '>')
            {
                var two = i + 1 < s.Length ? s.Substring(i, 2) : null;
                if (two is "!=" or "<>" or "<=" or ">=") { tokens.Add(new Token(Kind.Symbol, two, start)); i += 2; continue; }
                if (c == '!') throw Malformed("unexpected token: '!'");
                tokens.Add(new Token(Kind.Symbol, c.ToString(), start));
                i++;
                continue;
            }
            if (char.IsAsciiDigit(c) || (c is '-' or '+' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1])))
            {
                i++;
                while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] is '.' or '-' or ':' or '+')) i++;
                var text = s[start..i];
                if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                    tokens.Add(new Token(Kind.Number, text, start, number));
                else if (TryDateLiteral(text, out _))
                    tokens.Add(new Token(Kind.Word, text, start));
                else
                    throw Malformed($"unexpected token: '{text}'");
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                while (i < s.Length && (char.IsLetterOrDigit(s[i]) || s[i] is '_' or '.')) i++;
                tokens.Add(new Token(Kind.Word, s[start..i], start));
                continue;
            }
            throw Malformed($"unexpected token: '{c}'");
        }
        tokens.Add(new Token(Kind.End, "", s.Length));
        return tokens;
    }

    /// <summary>Reads a quoted literal, applying SOQL's backslash escapes; builds the LIKE regex alongside.</summary>
    private static Token ReadString(string s, ref int i)
    {
        var start = i++;
        var value = new StringBuilder();
        var like = new StringBuilder("^");
        var hasLikeEscape = false;
        while (true)
        {
            if (i >= s.Length) throw Malformed("Unterminated string literal.");
            var c = s[i++];
            if (c == '\'') break;
            if (c != '\\')
            {
                value.Append(c);
                like.Append(c switch { '%' => ".*", '_' => ".", _ => Regex.Escape(c.ToString()) });
                continue;
            }
            if (i >= s.Length) throw Malformed("Unterminated string literal.");
            var e = s[i++];
            char? decoded = e switch
            {
                'n' or 'N' => '\n', 'r' or 'R' => '\r', 't' or 'T' => '\t', 'b' or 'B' => '\b', 'f' or 'F' => '\f',
                '"' => '"', '\'' => '\'', '\\' => '\\', _ => null,
            };
            if (decoded is { } d)
            {
                value.Append(d);
                like.Append(Regex.Escape(d.ToString()));
            }
            else if (e == 'u' || e == 'U')
            {
                if (i + 4 > s.Length || !int.TryParse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    throw Malformed(@"Invalid \u escape sequence.");
                i += 4;
                value.Append((char)code);
                like.Append(Regex.Escape(((char)code).ToString()));
            }
            else if (e is '_' or '%')
            {
                hasLikeEscape = true;
                value.Append('\\').Append(e);
                like.Append(Regex.Escape(e.ToString()));
            }
            else
            {
                throw Malformed($"Invalid string literal '{s[start..Math.Min(s.Length, i + 1)]}'. Illegal character sequence '\\{e}' in string literal.");
            }
        }
        like.Append('$');
        return new Token(Kind.String, s[start..i], start, value.ToString(),
            new Regex(like.ToString(), RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant), hasLikeEscape);
    }
}
