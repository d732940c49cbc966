using SalesSync.Core.People;
using SalesSync.Core.Report;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>Sales owners checked against Salesforce's User.IsActive: daily or for new owners, 200 ids per query, counted through the ownerId index.</summary>
public sealed class CaptureOwnerTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task OwnersAreCheckedDailyOrWhenNewAndInactiveOnesCountTheirPeople()
    {
        // 2,400 people give 11 generated users, all active: an admin deactivates one (as Salesforce's setup does, not through the API).
        await using var sb = await RunningSandbox.StartAsync("--people", "2400", "--seed", "18");
        var users = sb.Host.State.World.Salesforce.All("User").Where(u => u["Title"] is "Account Executive").ToList();
        var inactive = users[3];
        inactive["IsActive"] = false;
        var active = users.Where(u => u != inactive).Append(sb.Host.State.World.Salesforce.Find(sb.Host.State.World.Salesforce.LeadQueueUserId)!).ToList();
        using var lease = StoreRegistry.Open(_temp.File("owners.db"), SalesSync.Core.Marketo.MarketoRateGate.InstanceKey(sb.Marketo), null);
        var store = lease.Store;
        var id = 0L;
        PersonRecord Person(string? owner) => new() { MarketoId = ++id, Email = $"p{id}@example.com", SalesOwnerId = owner };
        // The inactive user owns three people (one stored under the 15-character id); a queue and a malformed id are no users to ask about.
        var people = new List<PersonRecord> { Person(inactive.Id), Person(inactive.Id), Person(inactive.Id[..15]), Person("00G000000000001AAA"), Person("005' OR Name != '"), Person(null) };
        people.AddRange(active.Take(10).Select(u => Person(u.Id)));
        store.People.Upsert(people, 1);

        using var salesforce = sb.NewSalesforceClient();
        var now = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(1, await OwnerDirectory.RefreshAsync(salesforce, store, now, CancellationToken.None));
        Assert.Equal(1, salesforce.CallsMade);
        var quality = OwnerDirectory.ReadQuality(store);
        Assert.Equal((11L, 1L, now), (quality.Owners, quality.OwnersInactive, quality.CheckedAt));
        Assert.Equal(new InactiveOwner(inactive.Id, (string)inactive["Name"]!, (string)inactive["Email"]!, 3), Assert.Single(quality.InactiveOwners));
        Assert.Equal((string)inactive["Name"]!, OwnerDirectory.NameOf(store, inactive.Id[..15]));
        Assert.Equal((string)inactive["Name"]!, store.People.FindOwner(inactive.Id)?.Name); // people are shown with the name too

        // Later the same day: nothing new costs no call; a new owner is asked about alone.
        Assert.Equal(0, await OwnerDirectory.RefreshAsync(salesforce, store, now.AddHours(2), CancellationToken.None));
        store.People.Upsert([Person(active[10].Id)], 2);
        Assert.Equal(1, await OwnerDirectory.RefreshAsync(salesforce, store, now.AddHours(3), CancellationToken.None));
        Assert.Equal(now, OwnerDirectory.ReadQuality(store).CheckedAt); // not a full check
        Assert.Equal(12, OwnerDirectory.ReadQuality(store).Owners);

        // A day on, every owner again, 200 ids per query: 450 more owners Salesforce does not know make three queries.
        store.People.Upsert(Enumerable.Range(1, 450).Select(i => Person($"005{i:D12}")).ToList(), 3);
        Assert.Equal(3, await OwnerDirectory.RefreshAsync(salesforce, store, now.AddDays(1), CancellationToken.None));
        quality = OwnerDirectory.ReadQuality(store);
        Assert.Equal((12L, 1L, now.AddDays(1)), (quality.Owners, quality.OwnersInactive, quality.CheckedAt)); // not found: neither active nor inactive
        Assert.Equal(462, OwnerDirectory.DistinctOwnerIds(store).Count);
    }
}
