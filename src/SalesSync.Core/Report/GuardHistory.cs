using LiteDB;
using SalesSync.Core.Activities;
using SalesSync.Core.Store;

namespace SalesSync.Core.Report;

/// <summary>
/// Every change of the unsubscribe guard (Set-SalesActivitySetting -UnsubscribeGuard), appended by
/// <see cref="SettingsStore.SaveActivities"/> when the setting flips: when, by whom, on or off. The settings document
/// keeps only the latest change (guardChangedAt/By); a database from before this history has that one change, which
/// counts as the first entry (written before the next change is appended, shown by <see cref="Read"/> until then).
/// </summary>
internal static class GuardHistory
{
    internal const string Collection = "guard_changes";

    /// <summary>Records one change; <paramref name="before"/> is the setting it replaces (its last change seeds an empty history).</summary>
    public static void Append(SyncStore store, ActivitySettings before, DateTimeOffset at, string by, bool turnedOn)
    {
        var changes = Changes(store);
        if (changes.Count() == 0 && Seed(before) is { } seed) changes.Insert(ToDocument(seed));
        changes.Insert(ToDocument(new GuardChange(at, by, turnedOn)));
    }

    /// <summary>The guard's changes since <paramref name="since"/>, newest first.</summary>
    public static IReadOnlyList<GuardChange> Read(SyncStore store, DateTimeOffset since)
    {
        if (!store.Database.CollectionExists(Collection) || Changes(store).Count() == 0)
            return Seed(store.Settings.Activities) is { } seed && seed.At >= since ? [seed] : [];
        return Changes(store).Find(LiteDB.Query.GTE("at", since.UtcDateTime))
            .Select(d => new GuardChange(Bson.Utc(d["at"]), Bson.Text(d, "by") ?? "", d["turnedOn"].AsBoolean))
            .OrderByDescending(c => c.At).ToList();
    }

    /// <summary>The one change an older database recorded in its settings, with the guard as it has been since.</summary>
    private static GuardChange? Seed(ActivitySettings settings) =>
        settings.GuardChangedAt is { } at ? new GuardChange(at, settings.GuardChangedBy ?? "", settings.UnsubscribeGuard) : null;

    private static ILiteCollection<BsonDocument> Changes(SyncStore store)
    {
        var changes = store.Database.GetCollection(Collection);
        changes.EnsureIndex("at", "$.at");
        return changes;
    }

    private static BsonDocument ToDocument(GuardChange c) => new() { ["at"] = c.At.UtcDateTime, ["by"] = c.By, ["turnedOn"] = c.TurnedOn };
}
