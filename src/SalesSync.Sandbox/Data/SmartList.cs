namespace SalesSync.Sandbox.Data;

/// <summary>
/// A smart list: a named rule over people, evaluated when it is used (Marketo re-runs a smart list's
/// filters each time), so changes to people are seen at once. Bulk Lead Extract can filter by one.
/// </summary>
public sealed class SmartList
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required Func<MarketoPerson, bool> Includes { get; init; }
    public string? Description { get; init; }
    public DateTimeOffset CreatedAt { get; init; } = WorldGenerator.ReferenceNow.AddDays(-400);
    public DateTimeOffset UpdatedAt { get; init; } = WorldGenerator.ReferenceNow.AddDays(-30);

    /// <summary>
    /// The sales-owned rule: a person synced to Salesforce as a Lead or Contact that has a sales owner
    /// (the people the sync is about; static list 1001 holds the generator's snapshot of them).
    /// </summary>
    public static SmartList SalesOwned(int id) => new()
    {
        Id = id,
        Name = "Sales-owned people",
        Description = "SFDC Type is Lead or Contact, and Lead Owner is not empty",
        Includes = p => p["sfdcType"] is "Lead" or "Contact" && p["sfdcLeadOwnerId"] is string owner && owner.Length > 0,
    };

    /// <summary>Everyone currently unsubscribed (a second rule, so filters by id and by name can be told apart).</summary>
    public static SmartList Unsubscribed(int id) => new()
    {
        Id = id,
        Name = "Unsubscribed people",
        Includes = p => p.Unsubscribed,
    };
}
