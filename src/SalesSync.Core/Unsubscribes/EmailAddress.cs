namespace SalesSync.Core.Unsubscribes;

/// <summary>
/// The email checks an unsubscribe lookup needs before it spends a call: a plain address (no display
/// name, no comma, which would split Marketo's filterValues), compared without regard to case as
/// Marketo compares them.
/// </summary>
public static class EmailAddress
{
    /// <summary>
    /// The property names that hold an address on a piped object (a synced person, an Import-Csv row): SalesSync's own,
    /// and the column names of Marketo's list exports. Matched without regard to case; the first that holds a value wins.
    /// </summary>
    public static IReadOnlyList<string> PropertyNames { get; } = ["Email", "EmailAddress", "Email Address"];

    /// <summary>The longest address SMTP carries (Marketo's email field holds 255).</summary>
    public const int MaxLength = 254;

    /// <summary>The address as looked up: surrounding white space removed, nothing else changed.</summary>
    public static string Clean(string email) => email.Trim();

    /// <summary>The key that makes two spellings of one address the same lookup.</summary>
    public static string Key(string email) => Clean(email).ToLowerInvariant();

    /// <summary>Why the text is not an address to look up, or null when it is one.</summary>
    public static string? Problem(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return "The email address is empty.";
        var address = Clean(email);
        if (address.Length > MaxLength) return $"'{Shorten(address)}' is {address.Length} characters; an email address has at most {MaxLength}.";
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1 || address.IndexOf('@') != at)
            return $"'{address}' is not an email address (it needs one @ between a local part and a domain).";
        if (address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || IsInvisible(c) || c is ',' or ';' or '<' or '>' or '"' or '(' or ')' or '[' or ']' or '\\'))
            return $"'{address}' is not a plain email address (it holds a space, an invisible character, a separator or a quote).";
        var local = address[..at];
        var domain = address[(at + 1)..];
        // A prefix copied from a link or an Exchange address list (mailto:, smtp:) is not part of the address: left in,
        // Marketo would find nobody and the address would pass as safe to email.
        if (local.Contains(':', StringComparison.Ordinal))
            return $"'{address}' is not an email address (a colon in the local part: remove a prefix such as 'mailto:' or 'smtp:').";
        if (!local.All(IsLocalPartCharacter))
            return $"'{address}' is not an email address (the local part '{local}' holds a character addresses cannot have).";
        if (local.Length > 64) return $"'{Shorten(address)}' has a local part of {local.Length} characters; at most 64 are allowed.";
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
            return $"'{address}' is not an email address (a dot at the start or end of the local part, or two dots together).";
        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length == 0 || l.Length > 63 || l.StartsWith('-') || l.EndsWith('-') || !l.All(IsDomainCharacter)))
            return $"'{address}' is not an email address (the domain '{domain}' is not a host name such as example.com).";
        return null;
    }

    /// <summary>Format and separator characters (zero-width space, byte-order mark, line separator): invisible when pasted.</summary>
    private static bool IsInvisible(char c) => char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format
        or System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator;

    /// <summary>RFC 5322 atext and dots, and any non-ASCII character (RFC 6531 addresses such as jürgen@例え.jp).</summary>
    private static bool IsLocalPartCharacter(char c) => c > 127 || char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-/=?^_`{|}~.".Contains(c);

    /// <summary>A host name's letters, digits and hyphens, Unicode ones included (internationalized domains).</summary>
    private static bool IsDomainCharacter(char c) => c == '-' || (c > 127 ? char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark or System.Globalization.UnicodeCategory.SpacingCombiningMark : char.IsAsciiLetterOrDigit(c));

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
