using LiteDB;
using SalesSync.Core.Activities;
using SalesSync.Core.Report;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>The unsubscribe guard's change history: every flip recorded, an older database's one recorded change kept as the first.</summary>
public sealed class CaptureGuardTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly StoreLease _lease;

    public CaptureGuardTests() => _lease = StoreRegistry.Open(_temp.File("guard.db"), "123-abc-456.mktorest.com", null);

    private SyncStore Store => _lease.Store;

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void EveryChangeOfTheGuardIsKeptNewestFirstAndOtherSettingsAreNot()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        Assert.Empty(GuardHistory.Read(Store, DateTimeOffset.MinValue));
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = false });
        Store.Settings.SaveActivities(Store.Settings.Activities with { FallbackTaskOwnerId = "005000000000001AAA" }); // not a guard change
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = true });

        var changes = GuardHistory.Read(Store, before);
        Assert.Equal([true, false], changes.Select(c => c.TurnedOn));
        Assert.All(changes, c => Assert.Equal(Environment.UserName, c.By));
        Assert.True(changes[0].At >= changes[1].At && changes[1].At >= before);
        Assert.Empty(GuardHistory.Read(Store, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public void AnOlderDatabasesRecordedChangeIsTheFirstEntry()
    {
        // As a database from before the history holds it: the latest change only, in the settings document.
        var turnedOff = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero);
        Store.Database.GetCollection("settings").Upsert(new BsonDocument
        {
            ["_id"] = "activities",
            ["salesforceKinds"] = new BsonArray(),
            ["unsubscribeGuard"] = false,
            ["changedAt"] = turnedOff.UtcDateTime,
            ["changedBy"] = "alice",
            ["guardChangedAt"] = turnedOff.UtcDateTime,
            ["guardChangedBy"] = "alice",
        });
        Assert.Equal([new GuardChange(turnedOff, "alice", false)], GuardHistory.Read(Store, DateTimeOffset.MinValue));
        Assert.False(Store.Database.CollectionExists(GuardHistory.Collection)); // reading writes nothing

        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = true });
        var changes = GuardHistory.Read(Store, DateTimeOffset.MinValue);
        Assert.Equal(2, changes.Count);
        Assert.Equal((Environment.UserName, true), (changes[0].By, changes[0].TurnedOn));
        Assert.Equal(new GuardChange(turnedOff, "alice", false), changes[1]);
        Assert.Equal([changes[0]], GuardHistory.Read(Store, turnedOff.AddDays(1)));
    }

    /// <summary>The setting and its history entry are written in one transaction: a history write that fails leaves the guard as it was.</summary>
    [Fact]
    public void AGuardChangeWhoseHistoryCannotBeWrittenIsNotSaved()
    {
        Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = false });
        // A unique index on "by" makes this user's second entry fail, as a full disk or a crash would stop it.
        Store.Database.GetCollection(GuardHistory.Collection).EnsureIndex("by", "$.by", unique: true);
        Assert.ThrowsAny<LiteException>(() => Store.Settings.SaveActivities(Store.Settings.Activities with { UnsubscribeGuard = true }));
        Assert.False(Store.Settings.Activities.UnsubscribeGuard);
        Assert.Equal([false], GuardHistory.Read(Store, DateTimeOffset.MinValue).Select(c => c.TurnedOn));
    }
}
