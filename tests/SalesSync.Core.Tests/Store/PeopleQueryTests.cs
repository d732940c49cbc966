using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Store;

/// <summary>
/// Get-SyncedPerson's query: PowerShell's wildcard rules, filters that combine (AND across filters, OR within one),
/// 15-character owner ids, and owners joined at read time from the owners Salesforce Users gave.
/// </summary>
public class PeopleQueryTests
{
    private const string Instance = "123-abc-456.mktorest.com";
    private static readonly string[] Companies = ["Acme Inc.", "Beta [EU]", "bravo GmbH", "Cyberdyne", "Delta*Star", "acme ltd"];
    // Valid 18-character forms: the suffix encodes the case of the first 15 (S upper: Q; s lower: A).
    private static readonly string[] Owners = ["0055g000000000SAAQ", "0055g000000000sAAA", "0055g0000000001AAA"];

    private static PersonRecord Person(long id) => new()
    {
        MarketoId = id,
        FirstName = "Ana",
        LastName = "Lopez " + id,
        // Every tenth shares the email of the one before it (in another case), so duplicates exist.
        Email = id % 10 == 0 ? $"ANA.{id - 1}@Example.com" : $"ana.{id}@example.com",
        Company = Companies[id % Companies.Length],
        SalesforceType = id % 2 == 0 ? "Contact" : "Lead",
        SalesforceLeadId = $"00Q5g{id:0000000000}AAA",
        SalesOwnerId = Owners[id % Owners.Length],
        SyncedAt = DateTimeOffset.UtcNow,
    };

    private static List<PersonRecord> Everyone => Enumerable.Range(1, 600).Select(i => Person(i)).ToList();

    private static StoreLease Open(TempFolder temp)
    {
        var lease = StoreRegistry.Open(Path.Combine(temp.Path, "people.db"), Instance, null);
        lease.Store.People.Upsert(Everyone, runId: 1);
        return lease;
    }

    // Expected results taken from PowerShell 7's -like (WildcardPattern) for the same text and pattern.
    [Theory]
    [InlineData("[a-c]*", "Acme Inc.", true)]
    [InlineData("[a-c]*", "Cyberdyne", true)]
    [InlineData("[a-c]*", "Delta*Star", false)]
    [InlineData("[!a]", "!", true)]      // no negation in PowerShell: ! is a member
    [InlineData("[!a]", "b", false)]
    [InlineData("[]a]", "]", true)]      // a ] right after [ is a member
    [InlineData("[a-]", "-", true)]
    [InlineData("[-a]", "-", true)]
    [InlineData("[a`]]", "]", true)]
    [InlineData("a`", "a`", true)]       // a trailing backtick is literal
    [InlineData("a]", "a]", true)]       // a ] without [ is literal
    [InlineData("Beta `[EU`]", "beta [eu]", true)]
    [InlineData("Delta`*Star", "Delta*Star", true)]
    [InlineData("Delta`*Star", "DeltaXStar", false)]
    [InlineData("?cme*", "acme ltd", true)]
    [InlineData("a.c", "abc", false)]    // regex characters are literal
    public void PatternsMatchAsPowerShellsLikeDoes(string pattern, string text, bool expected) =>
        Assert.Equal(expected, TextPattern.Parse(pattern, ignoreCase: true).Matches(text));

    [Theory]
    [InlineData("[a-c")]
    [InlineData("a[")]
    [InlineData("[]")]
    [InlineData("[c-a]")]
    public void InvalidPatternsAreRefusedAsPowerShellRefusesThem(string pattern) =>
        Assert.Equal(pattern, Assert.Throws<TextPatternException>(() => TextPattern.Parse(pattern, ignoreCase: true)).Pattern);

    [Fact]
    public void FiltersCombineAcrossAndWithinEachFilter()
    {
        using var temp = new TempFolder();
        using var lease = Open(temp);
        var people = lease.Store.People;
        var all = Everyone;

        var byRange = people.Query(new PersonQuery { Companies = ["[a-c]*"] }).Select(p => p.MarketoId).ToList();
        Assert.Equal(all.Where(p => "abcABC".Contains(p.Company![0])).Select(p => p.MarketoId), byRange);

        // AND across filters, OR within one; the 15-character owner id finds its 18-character form.
        var query = new PersonQuery { Companies = ["acme*", "Beta `[EU`]"], SalesOwnerIds = ["0055g000000000S"], DuplicatesOnly = true };
        var expected = all.Where(p => (p.Company!.StartsWith("acme", StringComparison.OrdinalIgnoreCase) || p.Company == "Beta [EU]")
                                      && p.SalesOwnerId == "0055g000000000SAAQ"
                                      && all.Count(o => string.Equals(o.Email, p.Email, StringComparison.OrdinalIgnoreCase)) > 1).Select(p => p.MarketoId).ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, people.Query(query).Select(p => p.MarketoId));

        // Several emails, in any case and with a pattern among them, and Marketo ids together.
        var emails = people.Query(new PersonQuery { Emails = ["ANA.7@EXAMPLE.COM", "ana.1?@example.com"], MarketoIds = [7, 11, 12, 500] }).Select(p => p.MarketoId);
        Assert.Equal([7, 11, 12], emails);
        Assert.Equal([7, 8], people.Query(new PersonQuery { Emails = ["ana.7@example.com", " ANA.8@example.com ".Trim()] }).Select(p => p.MarketoId));

        // Owner id patterns keep case: 0055g000000000s... and ...S... are different users.
        Assert.All(people.Query(new PersonQuery { SalesOwnerIds = ["0055g000000000s*"] }), p => Assert.Equal("0055g000000000sAAA", p.SalesOwnerId));
        Assert.Equal(all.Count(p => p.SalesOwnerId == "0055g000000000sAAA"), people.Query(new PersonQuery { SalesOwnerIds = ["0055g000000000s"] }).Count());

        // An exact email is exact: wildcard characters in it are literal.
        Assert.Empty(people.Query(new PersonQuery { Email = "ana.1*@example.com" }));
        Assert.Equal(2, people.Query(new PersonQuery { Email = "ana.9@example.com" }).Count());
    }

    [Fact]
    public void OwnersAreJoinedAtReadTimeAndOnlyAnAnswerThatLookedRemovesOne()
    {
        using var temp = new TempFolder();
        using var lease = Open(temp);
        var people = lease.Store.People;
        var readAt = DateTimeOffset.UtcNow;
        people.SaveOwners([new SalesOwner(Owners[0], "Ana Garcia", "ana.garcia@sales.example.com", true, readAt), new SalesOwner(Owners[1], "Bo Li", "bo@sales.example.com", false, readAt)],
            [Owners[0], Owners[1]]);

        var joined = people.QueryWithOwners(new PersonQuery { MarketoIds = [3, 4, 5] }).ToDictionary(p => p.Person.MarketoId, p => p.Owner);
        Assert.Equal("Ana Garcia", joined[3]!.Name);   // 3 % 3 == 0
        Assert.Equal("Bo Li", joined[4]!.Name);
        Assert.False(joined[4]!.IsActive);
        Assert.Null(joined[5]);                         // never read

        // By owner name or email, combined with another filter.
        var byName = people.Query(new PersonQuery { SalesOwners = ["*garcia"], Companies = ["Cyberdyne"] }).ToList();
        Assert.NotEmpty(byName);
        Assert.All(byName, p => Assert.Equal((Owners[0], "Cyberdyne"), (p.SalesOwnerId, p.Company)));
        Assert.Equal(people.Query(new PersonQuery { SalesOwnerIds = [Owners[1]] }).Count(), people.Query(new PersonQuery { SalesOwners = ["bo@sales.example.com"] }).Count());
        Assert.Empty(people.Query(new PersonQuery { SalesOwners = ["nobody*"] }));

        // A later read that asked for Owners[1] and did not find it removes its name; Owners[0], not asked, keeps its own.
        people.SaveOwners([], [Owners[1]]);
        Assert.Null(people.FindOwner(Owners[1]));
        Assert.Equal("Ana Garcia", people.FindOwner(Owners[0])!.Name);
    }
}
