namespace SalesSync.Core.People;

/// <summary>
/// Which synced people to read: every filter given must hold (AND); a filter with several values holds when any
/// of them does (OR). Text values follow PowerShell's wildcard rules (<see cref="TextPattern"/>: *, ?, [a-c], `
/// escapes) and ignore case; without a wildcard they are exact and use an index. Empty = everyone, by Marketo id.
/// </summary>
public sealed record PersonQuery
{
    public IReadOnlyList<long>? MarketoIds { get; init; }

    /// <summary>Email addresses or patterns.</summary>
    public IReadOnlyList<string>? Emails { get; init; }

    /// <summary>One email address, exact (wildcard characters in it are taken literally), any case.</summary>
    public string? Email { init => Emails = value is null ? null : [TextPattern.EscapeText(value)]; }

    /// <summary>A lead, contact, account, opportunity or owner id, 15 or 18 characters.</summary>
    public string? SalesforceId { get; init; }

    /// <summary>Company names or patterns.</summary>
    public IReadOnlyList<string>? Companies { get; init; }

    /// <summary>One company name or pattern.</summary>
    public string? Company { init => Companies = value is null ? null : [value]; }

    /// <summary>
    /// Salesforce owner ids: an exact 15-character id is read as its 18-character form; a pattern is matched, with
    /// case (15-character ids are case-sensitive), against the stored 18-character id.
    /// </summary>
    public IReadOnlyList<string>? SalesOwnerIds { get; init; }

    /// <summary>One owner id or pattern.</summary>
    public string? SalesOwnerId { init => SalesOwnerIds = value is null ? null : [value]; }

    /// <summary>Owners by name or email (patterns), as last read from Salesforce Users by a sync.</summary>
    public IReadOnlyList<string>? SalesOwners { get; init; }

    /// <summary>Only people who share their email with another synced person.</summary>
    public bool DuplicatesOnly { get; init; }
    public long Skip { get; init; }
    public long? First { get; init; }

    public static PersonQuery All { get; } = new();

    /// <summary>Throws <see cref="TextPatternException"/> for the first value that is not a valid pattern.</summary>
    public void Validate()
    {
        foreach (var text in (Emails ?? []).Concat(Companies ?? []).Concat(SalesOwnerIds ?? []).Concat(SalesOwners ?? []))
            TextPattern.Parse(text, ignoreCase: true);
    }
}
