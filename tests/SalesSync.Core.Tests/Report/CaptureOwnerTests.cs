using SalesSync.Core.Diagnostics;
using SalesSync.Core.People;
using SalesSync.Core.Report;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Unsubscribes;
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

    /// <summary>
    /// The owner check is the opt-out step's last, optional part: a User query Salesforce refuses (an integration user
    /// without read access to User) is a warning that owners were not checked, and the step's opt-outs stand, not a step
    /// "stopped ... continues from where this one stopped".
    /// </summary>
    [Fact]
    public async Task ARefusedOwnerQueryWarnsAndLeavesTheOptOutStepComplete()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "18");
        var settings = SyncHarness.Settings(sb, _temp, salesforce: true);
        using var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });
        // The push's last word comes before the owner check: from then on the next query (the User one) is refused.
        var observer = new WarningsAndTrigger("Marketo unsubscribes:", () => sb.Host.State.Faults.Add(new SalesSync.Sandbox.Infrastructure.FaultRule
        {
            Service = "salesforce", Method = "GET", Path = "*/query*", Count = 1, Kind = "error", Status = 400, Code = "INVALID_TYPE",
            Message = "sObject type 'User' is not supported.",
        }));
        var outputs = new List<OptOutOutput>();
        using (EngineObserver.Use(observer))
            await foreach (var o in session.SyncOptOutsAsync(whatIf: false, CancellationToken.None)) outputs.Add(o);
        var report = Assert.Single(outputs.OfType<OptOutReport>());
        Assert.Null(report.StoppedBecause);
        Assert.Contains(observer.Warnings, w => w.Contains("sales owners were not checked", StringComparison.Ordinal) && w.Contains("User", StringComparison.Ordinal));
        Assert.Null(OwnerDirectory.ReadQuality(session.Store).CheckedAt);
    }

    private sealed class WarningsAndTrigger(string text, Action act) : IEngineObserver
    {
        public List<string> Warnings { get; } = [];
        public void Verbose(string message) { if (message.Contains(text, StringComparison.Ordinal)) act(); }
        public void Debug(string message) { }
        public void Warning(string message) { lock (Warnings) Warnings.Add(message); }
        public void Progress(EngineProgress progress) { }
    }
}
