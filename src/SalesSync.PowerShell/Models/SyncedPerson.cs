using SalesSync.Core.People;

namespace SalesSync;

/// <summary>
/// A synced Marketo person, as Get-SyncedPerson writes it. The names are fixed so scripts and later
/// cmdlets can bind to them (MarketoId and Email by property name). Flat, every value a string, number,
/// boolean or date, so Export-Csv and ConvertTo-Json keep it all; every column of the default view is one of these.
/// </summary>
public class SyncedPerson
{
    public long MarketoId { get; init; }

    /// <summary>First and last name together (the table's Name column).</summary>
    public string? Name { get; init; }
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

    /// <summary>The owner's User.Name, as the last sync with Salesforce read it (empty when never read, or a queue).</summary>
    public string? SalesOwnerName { get; init; }

    /// <summary>The owner's User.Email, as the last sync with Salesforce read it.</summary>
    public string? SalesOwnerEmail { get; init; }

    /// <summary>Whether the owner's user was active when last read (empty when never read).</summary>
    public bool? SalesOwnerIsActive { get; init; }
    public bool Unsubscribed { get; init; }
    public DateTimeOffset? MarketoUpdatedAt { get; init; }
    public DateTimeOffset SyncedAt { get; init; }

    internal static SyncedPerson From(PersonRecord p, SalesOwner? owner = null) => From<SyncedPerson>(p, owner);

    /// <summary>The person's properties on a <typeparamref name="T"/> (a <see cref="SyncedPersonChange"/> carries them beside its Change).</summary>
    internal static T From<T>(PersonRecord p, SalesOwner? owner = null) where T : SyncedPerson, new() => new()
    {
        MarketoId = p.MarketoId,
        Name = string.Join(' ', new[] { p.FirstName, p.LastName }.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!.Trim())) is { Length: > 0 } name ? name : null,
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
        SalesOwnerName = owner?.Name,
        SalesOwnerEmail = owner?.Email,
        SalesOwnerIsActive = owner?.IsActive,
        Unsubscribed = p.Unsubscribed,
        MarketoUpdatedAt = p.MarketoUpdatedAt,
        SyncedAt = p.SyncedAt,
    };
}

/// <summary>
/// A person a sync added, updated or removed (Start-SalesSync -PassThru): Change beside the person's own properties,
/// flat (walk P3: a nested Person was written by Export-Csv as "SalesSync.SyncedPerson").
/// </summary>
public sealed class SyncedPersonChange : SyncedPerson
{
    public string Change { get; private set; } = "";

    /// <summary>For an update, the fields whose values changed, separated by ";" (Title;Phone); empty otherwise.</summary>
    public string ChangedFields { get; private set; } = "";

    /// <summary>With the owner's name, email and state as Get-SyncedPerson shows them (the sync reads owners before it writes people).</summary>
    internal static SyncedPersonChange From(Core.Sync.PersonChanged changed, SalesOwner? owner)
    {
        var person = From<SyncedPersonChange>(changed.Person, owner);
        person.Change = changed.Change.ToString();
        person.ChangedFields = string.Join(';', changed.ChangedFields);
        return person;
    }
}
