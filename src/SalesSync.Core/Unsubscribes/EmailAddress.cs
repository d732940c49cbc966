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
        if (address.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is ',' or ';' or '<' or '>' or '"' or '(' or ')' or '[' or ']' or '\\'))
            return $"'{address}' is not a plain email address (it holds a space, a separator or a quote).";
        var local = address[..at];
        var domain = address[(at + 1)..];
        if (local.Length > 64) return $"'{Shorten(address)}' has a local part of {local.Length} characters; at most 64 are allowed.";
        if (local.StartsWith('.') || local.EndsWith('.') || local.Contains("..", StringComparison.Ordinal))
            return $"'{address}' is not an email address (a dot at the start or end of the local part, or two dots together).";
        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length == 0 || l.Length > 63 || l.StartsWith('-') || l.EndsWith('-')))
            return $"'{address}' is not an email address (the domain '{domain}' is not a host name such as example.com).";
        return null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
