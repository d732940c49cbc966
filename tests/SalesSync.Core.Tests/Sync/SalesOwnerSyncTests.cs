using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// Owner names and emails come from Salesforce Users during the sync (once per run), and a run that did not read
/// Salesforce keeps the ones it had: nothing is changed on evidence that did not look.
/// </summary>
public class SalesOwnerSyncTests
{
    private const long SalesOwnedList = WorldGenerator.SalesOwnedListId;

    private static Dictionary<string, (string? Name, string? Email, bool Active)> Users(RunningSandbox sb)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
            return world.Salesforce.All("User").ToDictionary(u => u.Id, u => ((string?)u["Name"], (string?)u["Email"], u["IsActive"] is true));
    }

    [Fact]
    public async Task OwnersAreReadFromSalesforceUsersAndARunWithoutSalesforceKeepsThem()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "17");
        using var temp = new TempFolder();
        var options = new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, Full = true };
        string renamed;
        using (var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None))
        {
            var (run, _) = await SyncHarness.SyncAsync(session, options);
            Assert.Equal(SyncRunStatus.Completed, run.Status);
            var users = Users(sb);
            var people = session.GetPeopleWithOwners(PersonQuery.All).ToList();
            Assert.NotEmpty(people);
            foreach (var (person, owner) in people)
            {
                var user = users[person.SalesOwnerId!];
                Assert.Equal(user, (owner!.Name, owner.Email, owner.IsActive));
            }
            // One query per run for a few dozen owners: at most 2 Salesforce calls more than the opportunities need.
            Assert.True(run.SalesforceCalls <= 2 + (people.Count(p => p.Person.SalesforceType == "Contact") + 199) / 200 + 2, $"{run.SalesforceCalls} Salesforce calls");
            renamed = people[0].Person.SalesOwnerId!;
        }

        var before = Users(sb)[renamed].Name;
        var world = sb.Host.State.World;
        Assert.NotNull(before);
        lock (world.Sync) world.Salesforce.All("User").Single(u => u.Id == renamed)["Name"] = "Renamed Rep";

        // Without Salesforce nothing is read: the names stay as they were (not erased, not renamed).
        using (var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None))
        {
            Assert.Equal(SyncRunStatus.Completed, (await SyncHarness.SyncAsync(session, options)).Run.Status);
            var people = session.GetPeopleWithOwners(new PersonQuery { SalesOwnerIds = [renamed] }).ToList();
            Assert.NotEmpty(people);
            Assert.All(people, p => Assert.Equal(before, p.Owner!.Name));
            Assert.NotEmpty(session.GetPeople(new PersonQuery { SalesOwners = [before!] }));
        }

        // The next run with Salesforce reads the user again.
        using (var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None))
        {
            Assert.Equal(SyncRunStatus.Completed, (await SyncHarness.SyncAsync(session, options)).Run.Status);
            Assert.All(session.GetPeopleWithOwners(new PersonQuery { SalesOwnerIds = [renamed] }), p => Assert.Equal("Renamed Rep", p.Owner!.Name));
            Assert.NotEmpty(session.GetPeople(new PersonQuery { SalesOwners = ["renamed*"] }));
        }
    }
}
