namespace SalesSync.Core.People;

/// <summary>
/// Which synced people to read. Text filters take wildcards (* and ?) and ignore case; without a
/// wildcard they are exact and use an index. Empty = everyone, by Marketo id.
/// </summary>
public sealed record PersonQuery
{
    public IReadOnlyList<long>? MarketoIds { get; init; }
    public string? Email { get; init; }

    /// <summary>A lead, contact, account, opportunity or owner id, 15 or 18 characters.</summary>
    public string? SalesforceId { get; init; }
    public string? Company { get; init; }
    public string? SalesOwnerId { get; init; }

    /// <summary>Only people who share their email with another synced person.</summary>
    public bool DuplicatesOnly { get; init; }
    public long Skip { get; init; }
    public long? First { get; init; }

    public static PersonQuery All { get; } = new();
}
