using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Unsubscribes;

namespace SalesSync.Core.Feed;

/// <summary>The people a feed request names, from the synced people: by Marketo id, by email, or every contact of an account.</summary>
internal static class FeedPeople
{
    /// <summary>
    /// A Marketo id is read as given (the feed comes from Marketo, so a person need not be synced; a synced one is labelled
    /// with its email). An email gives every synced person with it (Marketo's duplicates of one person). An account gives
    /// every synced contact on it, however many.
    /// </summary>
    public static IReadOnlyList<FeedPerson> Find(PeopleStore people, long? marketoId, string? email, string? accountId)
    {
        if (marketoId is { } id)
        {
            if (id <= 0)
                throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"MarketoId {id} is not a Marketo id: ids are whole numbers from 1 (see Get-SyncedPerson).") { Value = id };
            return [new FeedPerson(id, people.Find(id)?.Email)];
        }
        if (email?.Trim() is { Length: > 0 } given)
        {
            var clean = EmailAddress.Clean(given);
            if (EmailAddress.Problem(clean) is { } problem)
                throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"Email: {problem} Give the email of a synced person, or -MarketoId.") { Value = given };
            var found = people.Query(new PersonQuery { Email = clean }).Select(p => new FeedPerson(p.MarketoId, p.Email)).ToList();
            return found.Count > 0 ? found
                : throw new PersonLookupException(PersonLookupFailure.PersonNotSynced, $"No synced sales person has the email {clean} (run Start-SalesSync, or give -MarketoId).") { Value = given };
        }
        if (accountId?.Trim() is { Length: > 0 } account)
        {
            if (!SalesforceIds.IsId(account))
                throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"AccountId '{account}' is not a Salesforce id (15 or 18 letters and digits, starting 001 for an Account).") { Value = accountId };
            // An 18-character id is found in any case (its suffix says which letters are capitals).
            var id18 = SalesforceIds.Canonical(account)
                ?? throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"AccountId '{account}': its last three characters do not fit its first 15, so it is not a Salesforce id as given (copy it again from Salesforce).") { Value = accountId };
            if (id18.StartsWith("00Q", StringComparison.Ordinal) || id18.StartsWith("003", StringComparison.Ordinal))
                throw new PersonLookupException(PersonLookupFailure.InvalidValue,
                    $"AccountId '{account}' is a Salesforce {(id18.StartsWith("00Q", StringComparison.Ordinal) ? "lead" : "contact")} id, not an account id (those start 001): for that person alone, pipe Get-SyncedPerson -SalesforceId {account} into Get-PersonActivity.") { Value = accountId };
            // Both stored forms (15 and 18 characters) are found from the 15-character one.
            var contacts = people.Query(new PersonQuery { SalesforceId = id18[..15] })
                .Where(p => SalesforceIds.To18(p.SalesforceAccountId) == id18)
                .Select(p => new FeedPerson(p.MarketoId, p.Email)).ToList();
            return contacts.Count > 0 ? contacts
                : throw new PersonLookupException(PersonLookupFailure.PersonNotSynced, $"No synced person belongs to the Salesforce account {account} (check the id, or run Start-SalesSync with Salesforce).") { Value = accountId };
        }
        throw new PersonLookupException(PersonLookupFailure.MissingPerson, "Give the people: -MarketoId, -Email, -AccountId, or pipe in Get-SyncedPerson.");
    }
}
