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

    /// <summary>
    /// The fields whose values differ from <paramref name="before"/>, by property name, in declaration order: every field
    /// <see cref="SameValuesAs"/> compares (all but SyncedAt), so an update always names at least one (review L3).
    /// MarketoUpdatedAt alone means the person changed in Marketo in a field SalesSync does not keep; OpportunityUnread,
    /// that the contact's opportunity became known (or unknown). Both are stored and shown, so both count as updates.
    /// </summary>
    public IReadOnlyList<string> FieldsChangedFrom(PersonRecord before)
    {
        var changed = new List<string>();
        void Check<T>(string name, T now, T then)
        {
            if (!EqualityComparer<T>.Default.Equals(now, then)) changed.Add(name);
        }
        Check(nameof(FirstName), FirstName, before.FirstName);
        Check(nameof(LastName), LastName, before.LastName);
        Check(nameof(Email), Email, before.Email);
        Check(nameof(Company), Company, before.Company);
        Check(nameof(Title), Title, before.Title);
        Check(nameof(Phone), Phone, before.Phone);
        Check(nameof(LinkedInUrl), LinkedInUrl, before.LinkedInUrl);
        Check(nameof(Source), Source, before.Source);
        Check(nameof(SalesforceType), SalesforceType, before.SalesforceType);
        Check(nameof(SalesforceLeadId), SalesforceLeadId, before.SalesforceLeadId);
        Check(nameof(SalesforceContactId), SalesforceContactId, before.SalesforceContactId);
        Check(nameof(SalesforceAccountId), SalesforceAccountId, before.SalesforceAccountId);
        Check(nameof(SalesforceOpportunityId), SalesforceOpportunityId, before.SalesforceOpportunityId);
        Check(nameof(OpportunityUnread), OpportunityUnread, before.OpportunityUnread);
        Check(nameof(SalesOwnerId), SalesOwnerId, before.SalesOwnerId);
        Check(nameof(Unsubscribed), Unsubscribed, before.Unsubscribed);
        Check(nameof(MarketoUpdatedAt), MarketoUpdatedAt, before.MarketoUpdatedAt);
        return changed;
    }

    /// <summary>Same synced values (SyncedAt aside)? False exactly when <see cref="FieldsChangedFrom"/> names a field (a test holds them together).</summary>
    public bool SameValuesAs(PersonRecord other) => this with { SyncedAt = default } == other with { SyncedAt = default };
}
