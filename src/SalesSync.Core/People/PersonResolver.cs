using SalesSync.Core.Store;
using SalesSync.Core.Unsubscribes;

namespace SalesSync.Core.People;

/// <summary>Why a person given by Marketo id or email cannot be found among the synced people.</summary>
public enum PersonLookupFailure
{
    InvalidValue,
    PersonNotSynced,
    AmbiguousEmail,
    MissingPerson,
}

public sealed class PersonLookupException(PersonLookupFailure reason, string message) : Exception(message)
{
    public PersonLookupFailure Reason { get; } = reason;

    /// <summary>The id or email as given.</summary>
    public object? Value { get; init; }
}

/// <summary>
/// The synced person a request names, by Marketo id or email (or both, which must agree), as sales activities and
/// reminders take them: an email shared by several synced people (duplicates are kept) must be narrowed by id.
/// </summary>
internal static class PersonResolver
{
    public static PersonRecord Resolve(PeopleStore people, long? marketoId, string? givenEmail)
    {
        var email = givenEmail?.Trim() is { Length: > 0 } given ? EmailAddress.Clean(given) : null;
        if (email is not null && EmailAddress.Problem(email) is { } problem)
            throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"Email: {problem} Give the email of a synced person, or -MarketoId.") { Value = email };
        if (marketoId is { } id)
        {
            if (id <= 0)
                throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"MarketoId {id} is not a Marketo id: ids are whole numbers from 1 (see Get-SyncedPerson).") { Value = id };
            var person = people.Find(id) ?? throw new PersonLookupException(PersonLookupFailure.PersonNotSynced,
                $"Marketo person {id} is not a synced sales person (run Start-SalesSync, or check the id).") { Value = id };
            if (email is not null && !string.Equals(EmailAddress.Key(email), EmailAddress.Key(person.Email ?? ""), StringComparison.Ordinal))
                throw new PersonLookupException(PersonLookupFailure.InvalidValue, $"Marketo person {id} has the email {person.Email}, not {email}: give one of the two, or the matching pair.") { Value = email };
            return person;
        }
        if (email is null)
            throw new PersonLookupException(PersonLookupFailure.MissingPerson, "Give the person: -MarketoId, or -Email of a synced person (a MarketoId, Email, 'Email Address' or EmailAddress column or property).");
        var matches = people.Query(new PersonQuery { Email = email, First = 3 }).ToList();
        return matches.Count switch
        {
            0 => throw new PersonLookupException(PersonLookupFailure.PersonNotSynced, $"No synced sales person has the email {email} (run Start-SalesSync, or check the address).") { Value = email },
            1 => matches[0],
            _ => throw new PersonLookupException(PersonLookupFailure.AmbiguousEmail,
                $"Several synced people have the email {email} (Marketo ids {string.Join(", ", matches.Select(m => m.MarketoId))}); give -MarketoId to choose.") { Value = email },
        };
    }
}
