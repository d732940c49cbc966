using LiteDB;
using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Store;

/// <summary>
/// PeopleStore commits a batch in parts once its transaction holds the page budget, so memory stays flat as the
/// database grows; the batch's outcome is the same as one transaction's, and a batch applied again is not counted twice.
/// </summary>
public class PeopleStoreTransactionTests
{
    private const string Instance = "123-abc-456.mktorest.com";

    private static PersonRecord Person(long id, string title = "Engineer") => new()
    {
        MarketoId = id,
        FirstName = "Ana",
        LastName = "Lopez " + id,
        Email = $"ana.{id}@example.com",
        Company = $"Company {id % 97}",
        Title = title,
        SalesforceType = "Lead",
        SalesforceLeadId = $"00Q5g{id:0000000000}AAA",
        SalesOwnerId = $"0055g{id % 7:0000000000}AAA",
        SyncedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public void ABatchLargerThanTheBudgetIsCommittedInPartsWithTheSameOutcome()
    {
        using var temp = new TempFolder();
        using var lease = StoreRegistry.Open(Path.Combine(temp.Path, "people.db"), Instance, null);
        var people = lease.Store.People;
        people.TransactionPageBudget = 30; // a few dozen people per transaction
        var commits = 0;
        people.Committed += () => commits++;

        var first = people.Upsert(Enumerable.Range(1, 2_000).Select(i => Person(i)).ToList(), runId: 1);
        Assert.Equal(2_000, first.Count);
        Assert.All(first, c => Assert.Equal(PersonChange.Added, c.Change));
        Assert.True(commits > 5, $"{commits} commits"); // committed in parts, not once
        Assert.Equal(2_000, people.Count);

        // Run 2: half changed, half not; then the same batch again (a restart re-applies it): nothing counted twice.
        var batch = Enumerable.Range(1, 2_000).Select(i => Person(i, i % 2 == 0 ? "CTO" : "Engineer")).ToList();
        var second = people.Upsert(batch, runId: 2);
        Assert.Equal(1_000, second.Count(c => c.Change == PersonChange.Updated));
        Assert.Equal(1_000, second.Count(c => c.Change == PersonChange.Unchanged));
        Assert.Empty(people.Upsert(batch, runId: 2));
        Assert.Equal("CTO", people.Find(2)!.Title);
        Assert.Empty(people.RemoveNotSeenIn(2));
        // No write transaction left open (the query that reads $transactions is a read transaction of its own).
        Assert.DoesNotContain(lease.Store.Database.GetCollection("$transactions").FindAll(), t => t["mode"].AsString == "Write");
    }
}
