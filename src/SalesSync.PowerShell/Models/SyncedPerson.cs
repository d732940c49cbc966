using SalesSync.Core.People;

namespace SalesSync;

/// <summary>
/// A synced Marketo person, as Get-SyncedPerson writes it. The names are fixed so scripts and later
/// cmdlets can bind to them (MarketoId and Email by property name).
/// </summary>
public sealed class SyncedPerson
{
    public long MarketoId { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Company { get; init; }
    public string? Title { get; init; }
    public string? Phone { get; init; }
    public string? LinkedInUrl { get; init; }
    public string? Source { get; init; }
    public string? SalesforceType { get; init; }
    public string? SalesforceLeadId { get; init; }
    public string? SalesforceContactId { get; init; }
    public string? SalesforceAccountId { get; init; }
    public string? SalesforceOpportunityId { get; init; }
    public string? SalesOwnerId { get; init; }
    public bool Unsubscribed { get; init; }
    public DateTimeOffset? MarketoUpdatedAt { get; init; }
    public DateTimeOffset SyncedAt { get; init; }

    internal static SyncedPerson From(PersonRecord p) => new()
    {
        MarketoId = p.MarketoId,
        FirstName = p.FirstName,
        LastName = p.LastName,
        Email = p.Email,
        Company = p.Company,
        Title = p.Title,
        Phone = p.Phone,
        LinkedInUrl = p.LinkedInUrl,
        Source = p.Source,
        SalesforceType = p.SalesforceType,
        SalesforceLeadId = p.SalesforceLeadId,
        SalesforceContactId = p.SalesforceContactId,
        SalesforceAccountId = p.SalesforceAccountId,
        SalesforceOpportunityId = p.SalesforceOpportunityId,
        SalesOwnerId = p.SalesOwnerId,
        Unsubscribed = p.Unsubscribed,
        MarketoUpdatedAt = p.MarketoUpdatedAt,
        SyncedAt = p.SyncedAt,
    };
}

/// <summary>A person a sync added, updated or removed (Start-SalesSync -PassThru).</summary>
public sealed class SyncedPersonChange
{
    public string Change { get; init; } = "";
    public long MarketoId => Person.MarketoId;
    public string? Email => Person.Email;
    public SyncedPerson Person { get; init; } = null!;
}
