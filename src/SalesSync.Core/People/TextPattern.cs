using System.Text;
using System.Text.RegularExpressions;

namespace SalesSync.Core.People;

/// <summary>The text is not a valid wildcard pattern (an unclosed or empty [ ]).</summary>
public sealed class TextPatternException(string pattern, string message) : FormatException(message)
{
    public string Pattern { get; } = pattern;
}

/// <summary>
/// A filter value with PowerShell's wildcard rules (as -like and WildcardPattern): * any run, ? one character,
/// [abc] and [a-c] one of a set or range, ` (backtick) takes the next character literally. Ranges and
/// the rest follow WildcardPattern exactly, so a value matches here when it is -like the pattern (a test
/// holds the two together). Without an unescaped wildcard the value is exact and a store index answers it.
/// </summary>
public sealed class TextPattern
{
    private const char Escape = '`';
    private readonly Regex? _regex;
    private readonly StringComparison _comparison;

    private TextPattern(string text, string literal, string prefix, Regex? regex, StringComparison comparison)
    {
        Text = text;
        Literal = literal;
        Prefix = prefix;
        _regex = regex;
        _comparison = comparison;
    }

    /// <summary>The value as given.</summary>
    public string Text { get; }

    /// <summary>Whether it has a wildcard (otherwise <see cref="Literal"/> is the exact value).</summary>
    public bool IsWildcard => _regex is not null;

    /// <summary>The exact value, escapes removed (only meaningful without a wildcard).</summary>
    public string Literal { get; }

    /// <summary>The literal text before the first wildcard: what an index can narrow by.</summary>
    public string Prefix { get; }

    public bool Matches(string? value) =>
        value is not null && (_regex?.IsMatch(value) ?? string.Equals(value, Literal, _comparison));

    /// <summary>Whether the text has an unescaped *, ? or [.</summary>
    public static bool HasWildcard(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == Escape) i++;
            else if (text[i] is '*' or '?' or '[') return true;
        }
        return false;
    }

    /// <summary>The text with every wildcard character escaped, so it matches only itself.</summary>
    public static string EscapeText(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or Escape) sb.Append(Escape);
            sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>Parses a value; throws <see cref="TextPatternException"/> for an unclosed or empty [ ].</summary>
    public static TextPattern Parse(string text, bool ignoreCase)
    {
        var regex = new StringBuilder("^");
        var literal = new StringBuilder();
        string? prefix = null;
        var wild = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == Escape && i + 1 < text.Length)
            {
                c = text[++i];
                literal.Append(c);
                regex.Append(Regex.Escape(c.ToString()));
                continue;
            }
            switch (c)
            {
                case '*':
                    prefix ??= literal.ToString();
                    wild = true;
                    regex.Append(".*");
                    break;
                case '?':
                    prefix ??= literal.ToString();
                    wild = true;
                    regex.Append('.');
                    break;
                case '[':
                    prefix ??= literal.ToString();
                    wild = true;
                    i = AppendSet(text, i, regex);
                    break;
                default:
                    literal.Append(c);
                    regex.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        regex.Append('$');
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (!wild) return new TextPattern(text, literal.ToString(), literal.ToString(), null, comparison);
        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        return new TextPattern(text, literal.ToString(), prefix ?? "", new Regex(regex.ToString(), options), comparison);
    }

    /// <summary>
    /// A [set]: as WildcardPattern reads it, a ] right after the [ is a member, a - between two members is a range,
    /// a backtick takes the next character literally, ! and ^ are plain members (no negation). Returns the index of the ].
    /// </summary>
    private static int AppendSet(string text, int open, StringBuilder regex)
    {
        var members = new List<char>();
        var escaped = new List<bool>();
        var i = open + 1;
        var closed = false;
        for (; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ']' && members.Count > 0) { closed = true; break; }
            if (c == Escape && i + 1 < text.Length) { members.Add(text[++i]); escaped.Add(true); continue; }
            members.Add(c);
            escaped.Add(false);
        }
        if (!closed || members.Count == 0)
            throw new TextPatternException(text, $"'{text}' is not a valid wildcard pattern: a [ has no closing ]. Escape a literal bracket with a backtick (`[), or use [WildcardPattern]::Escape().");
        var set = new StringBuilder("[");
        for (var m = 0; m < members.Count; m++)
        {
            // A - between two members (not escaped, not first or last) makes a range.
            if (m + 2 < members.Count && members[m + 1] == '-' && !escaped[m + 1])
            {
                if (members[m] > members[m + 2])
                    throw new TextPatternException(text, $"'{text}' is not a valid wildcard pattern: the range {members[m]}-{members[m + 2]} runs backwards.");
                set.Append(SetChar(members[m])).Append('-').Append(SetChar(members[m + 2]));
                m += 2;
                continue;
            }
            set.Append(SetChar(members[m]));
        }
        regex.Append(set.Append(']'));
        return i;
    }

    private static string SetChar(char c) => c is '\\' or ']' or '[' or '^' or '-' ? "\\" + c : c.ToString();
}
