using LiteDB;
using SalesSync.Core.Activities;

namespace SalesSync.Core.Store;

/// <summary>One sent email accepted while the unsubscribe guard was off (the compliance section's "sent while the guard was off").</summary>
internal sealed record GuardOffSendRow(string ActivityId, long MarketoId, string? Email, string? SentBy, DateTimeOffset LoggedAt);

/// <summary>
/// The side collection <c>guard_off_sends</c>: a row per sent email (the kinds the guard applies to) accepted while an admin
/// had turned the guard off, written in the transaction that inserts the activity. Without it nothing would tell such a
/// send from one the guard allowed, so "did any seller email someone who unsubscribed?" could not be answered.
/// </summary>
internal static class GuardOffSendLog
{
    private const string Collection = "guard_off_sends";

    /// <summary>Records the guarded kinds among <paramref name="activities"/>; call inside the insert's transaction.</summary>
    public static void Record(LiteDatabase database, IEnumerable<SalesActivity> activities)
    {
        var rows = activities.Where(a => Unsubscribes.SendGuard.Applies(a.Kind)).Select(a => new BsonDocument
        {
            ["_id"] = a.ActivityId,
            ["marketoId"] = a.MarketoId,
            ["email"] = a.Email,
            ["sentBy"] = a.Attribute(SalesActivityCatalog.SentBy.ApiName),
            ["loggedAt"] = a.LoggedAt.UtcDateTime,
        }).ToList();
        if (rows.Count == 0) return;
        var sends = database.GetCollection(Collection);
        sends.EnsureIndex("loggedAt", "$.loggedAt");
        sends.Upsert(rows); // a held send released later with the guard off may be recorded again: one row per activity
    }

    /// <summary>The rows logged at or after <paramref name="since"/>, newest first (none when nothing was ever sent with the guard off).</summary>
    public static IReadOnlyList<GuardOffSendRow> Since(LiteDatabase database, DateTimeOffset since) =>
        !database.CollectionExists(Collection) ? [] : database.GetCollection(Collection)
            .Find(Query.GTE("loggedAt", since.UtcDateTime))
            .Select(d => new GuardOffSendRow(d["_id"].AsString, d["marketoId"].AsInt64, Bson.Text(d, "email"), Bson.Text(d, "sentBy"), Bson.Utc(d["loggedAt"])))
            .OrderByDescending(r => r.LoggedAt).ThenBy(r => r.ActivityId, StringComparer.Ordinal)
            .ToList();
}
