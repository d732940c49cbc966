using LiteDB;
using SalesSync.Core.Activities;
using SalesSync.Core.Report;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Store;

/// <summary>
/// The activity tally's recount (databases from before it, or whose tally no longer matches), the unsettled rows,
/// and stopping the report's read.
/// </summary>
public sealed class ActivityTallyTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private StoreLease _lease;

    public ActivityTallyTests() => _lease = Open();

    private StoreLease Open() => StoreRegistry.Open(_temp.File("tally.db"), "123-abc-456.mktorest.com", null);

    private void Reopen()
    {
        _lease.Dispose();
        _lease = Open();
    }

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private ILiteCollection<BsonDocument> Raw(string name) => _lease.Store.Database.GetCollection(name);

    private static SalesActivity Activity(long person, Delivery marketo, int minutesAgo = 0) => new()
    {
        ActivityId = $"act-{person:00000}",
        Kind = SalesActivityKind.EmailSent,
        MarketoId = person,
        Email = $"p{person}@example.com",
        OccurredAt = Now.AddMinutes(-minutesAgo - 1),
        LoggedAt = Now.AddMinutes(-minutesAgo),
        Marketo = marketo,
        Salesforce = Delivery.NotRequired,
    };

    /// <summary>The database as a release before the tally left it: activities only.</summary>
    private void ForgetTally()
    {
        _lease.Store.Database.DropCollection("activity_tally");
        _lease.Store.Database.DropCollection("activity_unsettled");
        Reopen();
    }

    private long Pending() => _lease.Store.Activities.Count(true, DeliveryState.Pending);

    [Fact]
    public void AnOldDatabaseIsCountedInChunksAndItsUnsettledRowsSeededFromTheStateIndexes()
    {
        var n = ActivityStore.RecountChunk + 10;
        _lease.Store.Activities.Add(Enumerable.Range(1, n)
            .Select(i => Activity(i, i <= 3 ? Delivery.Pending : new Delivery(DeliveryState.Failed, null, "1003: Invalid value", 1, Now), minutesAgo: i)).ToList());
        ForgetTally();

        Assert.Equal(3, Pending());
        Assert.Equal(n - 3, _lease.Store.Activities.Count(true, DeliveryState.Failed));
        Assert.Equal("1003", Assert.Single(_lease.Store.Activities.DeliveryTally(), t => t.Marketo == DeliveryState.Failed).MarketoReason);
        // The oldest of the three pending (logged 3 minutes ago), found through the seeded rows.
        Assert.Equal(("act-00003", Now.AddMinutes(-3)), _lease.Store.Activities.OldestUnsettled());
        Assert.Equal(3, Raw("activity_unsettled").Count());
    }

    [Fact]
    public void AStoppedRecountFailsOnlyThatUseAndTheNextUseCounts()
    {
        _lease.Store.Activities.Add([Activity(1, Delivery.Pending), Activity(2, Delivery.Pending)]);
        ForgetTally();
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        Assert.Throws<OperationCanceledException>(() => _lease.Store.ActivitiesFor(stopped.Token));
        Assert.Throws<OperationCanceledException>(() =>
            HealthReportReader.Read(_lease.Store, new CallCounters(0, 10_000, null, false, null, null, 0.9), Now.AddDays(-30), Now, stopped.Token));
        // Nothing is remembered of the failure: the next use (another command) recounts.
        Assert.Equal(2, Pending());
    }

    [Fact]
    public void ARecountGoesOnFromItsCursor()
    {
        _lease.Store.Activities.Add([Activity(1, Delivery.Pending), Activity(2, Delivery.Pending), Activity(3, Delivery.Pending)]);
        ForgetTally();
        // As a killed recount leaves it: the first two counted (here: not, to show they are not read again), the cursor at the second.
        Raw("activity_tally").Insert(new BsonDocument { ["_id"] = "*recount", ["v"] = ActivityStore.TallyVersion, ["cursor"] = "act-00002", ["seeded"] = true });
        Reopen();
        Assert.Equal(1, Pending());
        Assert.Null(Raw("activity_tally").FindById("*recount")); // finished: the next open counts nothing again
    }

    [Fact]
    public void ATallyCountedWithOtherReasonKeysIsCountedAgain()
    {
        _lease.Store.Activities.Add([Activity(1, new Delivery(DeliveryState.Refused, null, "Unsubscribed: the person unsubscribed", 1, Now))]);
        // A tally from a release whose ReasonKey kept the whole text: same total, rows under keys the status no longer makes.
        var tally = Raw("activity_tally");
        var row = tally.FindAll().Single(d => !d["_id"].AsString.StartsWith('*'));
        tally.Delete(row["_id"]);
        row["_id"] = "old"; row["mr"] = "Unsubscribed: the person unsubscribed";
        tally.Insert(row);
        tally.Update(new BsonDocument { ["_id"] = "*version", ["v"] = "2 0000000000000000" });
        Reopen();

        var refused = Assert.Single(_lease.Store.Activities.DeliveryTally());
        Assert.Equal(StatusText.ReasonKey("Unsubscribed: the person unsubscribed"), refused.MarketoReason);
        Assert.Equal(ActivityStore.TallyVersion, Raw("activity_tally").FindById("*version")["v"].AsString);
    }

    [Fact]
    public void SettlingTheOldestUnsettledActivityMovesTheOldestToTheNext()
    {
        var older = Activity(1, Delivery.Pending, minutesAgo: 10);
        _lease.Store.Activities.Add([older, Activity(2, new Delivery(DeliveryState.Held), minutesAgo: 5), Activity(3, new Delivery(DeliveryState.Delivered, "m", null, 1, Now))]);
        Assert.Equal(("act-00001", Now.AddMinutes(-10)), _lease.Store.Activities.OldestUnsettled());

        _lease.Store.Activities.Save([older with { Marketo = new Delivery(DeliveryState.Delivered, "m", null, 1, Now) }]);
        Assert.Equal(("act-00002", Now.AddMinutes(-5)), _lease.Store.Activities.OldestUnsettled());
        Assert.Equal(1, Raw("activity_unsettled").Count());
    }

    [Fact]
    public void AStoppedReportReadStopsInsideTheEmailWalk()
    {
        var people = Enumerable.Range(1, 5000).Select(i => new SalesSync.Core.People.PersonRecord
        {
            MarketoId = i, Email = $"p{i}@example.com", SyncedAt = Now,
        }).ToList();
        _lease.Store.People.Upsert(people, runId: 1);
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();
        Assert.Throws<OperationCanceledException>(() => _lease.Store.People.ReadEmailQuality(10, 5, stopped.Token));
    }
}
