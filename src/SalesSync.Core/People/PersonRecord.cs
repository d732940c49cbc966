namespace SalesSync.Core.People;

/// <summary>
/// A synced Marketo person as the engine keeps it: the fixed field set, values exactly as Marketo holds
/// them (no trimming, no case changes). Keyed on the Marketo id, so two records with one email stay two.
/// </summary>
public sealed record PersonRecord
{
    public required long MarketoId { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Company { get; init; }
    public string? Title { get; init; }
    public string? Phone { get; init; }
    public string? LinkedInUrl { get; init; }
    public string? Source { get; init; }

    /// <summary>Lead or Contact.</summary>
    public string? SalesforceType { get; init; }
    public string? SalesforceLeadId { get; init; }
    public string? SalesforceContactId { get; init; }
    public string? SalesforceAccountId { get; init; }

    /// <summary>For contacts: the opportunity of their primary role, else of the most recently modified one.</summary>
    public string? SalesforceOpportunityId { get; init; }

    /// <summary>
    /// A contact synced while Salesforce was not connected and whose opportunity is therefore not known (not
    /// "none"): the next run with Salesforce reads it. Never set for leads.
    /// </summary>
    public bool OpportunityUnread { get; init; }

    /// <summary>The Salesforce owner of the lead or contact (sfdcLeadOwnerId).</summary>
    public string? SalesOwnerId { get; init; }
    public bool Unsubscribed { get; init; }
    public DateTimeOffset? MarketoUpdatedAt { get; init; }
    public DateTimeOffset SyncedAt { get; init; }

    /// <summary>Same synced values (SyncedAt aside)?</summary>
    public bool SameValuesAs(PersonRecord other) => this with { SyncedAt = default } == other with { SyncedAt = default };
}
