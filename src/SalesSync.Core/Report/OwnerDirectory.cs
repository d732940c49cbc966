using LiteDB;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Report;

/// <summary>
/// Synced people's sales owners as last checked in Salesforce: Owners counts the users Salesforce returned (an id it did not
/// return is in neither count); InactiveOwners is the largest first, at most <see cref="DataQualitySection.ListLimit"/>;
/// CheckedAt is the last daily check of every owner (null: never).
/// </summary>
public sealed record OwnerQuality(long Owners, long OwnersInactive, IReadOnlyList<InactiveOwner> InactiveOwners, DateTimeOffset? CheckedAt);

/// <summary>
/// Whether the Salesforce Users that own synced people are still active, for the report's data quality section.
/// The opt-out step (Start-SalesSync after its people step, Sync-SalesOptOut, the watch's opt-out turn; never under
/// -WhatIf) calls <see cref="RefreshAsync"/>: at most once per day it reads every owner
/// (<c>SELECT Id, Name, Email, IsActive FROM User WHERE Id IN (...)</c>, 200 escaped ids per query), in between only
/// owners not checked yet; nothing new costs no call. The distinct owner ids come from the people's ownerId index
/// (one index seek per owner), never from loading people. Kept in <c>owner_directory</c>, one document per owner
/// ({_id: 18-character id, name, email, isActive, found, checkedAt}); an id Salesforce did not return (deleted, or not
/// visible to the integration user) is kept as not found, neither active nor inactive. The answers also refresh the
/// owner names people are shown with (<see cref="PeopleStore.SaveOwners"/>).
/// </summary>
internal static class OwnerDirectory
{
    internal const string Collection = "owner_directory";
    private const string CheckedMarker = "*checked";
    private const string UserPrefix = "005";
    public static readonly TimeSpan CheckEvery = TimeSpan.FromDays(1);

    /// <summary>Reads the owners that are due (all once a day, else only new ones); returns the Salesforce calls made.</summary>
    public static async Task<int> RefreshAsync(SalesforceClient salesforce, SyncStore store, DateTimeOffset now, CancellationToken ct)
    {
        if (!store.Database.CollectionExists("people")) return 0;
        var directory = store.Database.GetCollection(Collection);
        var lastFull = directory.FindById(CheckedMarker) is { } marker ? Bson.UtcOrNull(marker["checkedAt"]) : null;
        var full = lastFull is not { } last || now - last >= CheckEvery;
        var owners = DistinctOwnerIds(store);
        var wanted = full ? owners : owners.Where(id => directory.FindById(id) is null).ToList();
        if (wanted.Count == 0 && !full) return 0;

        var found = new List<SalesOwner>();
        var calls = 0;
        foreach (var chunk in Soql.InListChunks(wanted.Cast<object?>()))
        {
            calls++;
            await foreach (var user in salesforce.QueryAsync($"SELECT Id, Name, Email, IsActive FROM User WHERE Id IN {chunk}", false, ct).ConfigureAwait(false))
                if (Sync.SalesOwnerReader.Read(user, now) is { } owner) found.Add(owner);
        }
        Save(store, directory, wanted, found, full ? owners : null, now);
        EngineObserver.Current.Verbose($"Salesforce: checked {wanted.Count:N0} sales owner(s) ({(full ? "the daily check of all" : "new ones")}): {found.Count(o => !o.IsActive):N0} inactive, {wanted.Count - found.Count:N0} not found.");
        return calls;
    }

    /// <summary>Owners checked, the inactive ones with how many synced people each still owns (counted on the ownerId index).</summary>
    public static OwnerQuality ReadQuality(SyncStore store)
    {
        if (!store.Database.CollectionExists(Collection)) return new OwnerQuality(0, 0, [], null);
        var directory = store.Database.GetCollection(Collection);
        var checkedAt = directory.FindById(CheckedMarker) is { } marker ? Bson.UtcOrNull(marker["checkedAt"]) : null;
        var known = directory.Find(LiteDB.Query.EQ("found", true)).ToList();
        var people = PeopleByOwner(store);
        var inactive = known.Where(d => d["isActive"].IsBoolean && !d["isActive"].AsBoolean)
            .Select(d => new InactiveOwner(d["_id"].AsString, Bson.Text(d, "name"), Bson.Text(d, "email"), PeopleOwnedBy(people, d["_id"].AsString)))
            .ToList();
        var listed = inactive.OrderByDescending(o => o.People).ThenBy(o => o.Name, StringComparer.OrdinalIgnoreCase).Take(DataQualitySection.ListLimit).ToList();
        return new OwnerQuality(known.Count, inactive.Count, listed, checkedAt ?? known.Select(d => (DateTimeOffset?)Bson.Utc(d["checkedAt"])).Max());
    }

    /// <summary>
    /// People owned by an 18-character id, stored in either form (Marketo may hold the 15-character one). The database
    /// compares text without regard to case: 18-character ids are safe (their last three characters encode the case),
    /// but a 15-character id's index count would include another owner whose id differs only in case, so those people
    /// are read and their ids compared exactly.
    /// </summary>
    private static long PeopleOwnedBy(ILiteCollection<BsonDocument> people, string id18)
    {
        var id15 = id18[..15];
        var short15 = people.Count(LiteDB.Query.EQ("ownerId", id15)) == 0 ? 0 : ExactOwnerIds(people, id15).Count(id => id == id15);
        return people.Count(LiteDB.Query.EQ("ownerId", id18)) + short15;
    }

    /// <summary>Every person's ownerId equal to <paramref name="id"/> without regard to case, exactly as stored (one per person).</summary>
    private static IEnumerable<string> ExactOwnerIds(ILiteCollection<BsonDocument> people, string id) =>
        people.Query().Where(LiteDB.Query.EQ("ownerId", id)).Select("$.ownerId").ToEnumerable()
            .Select(d => d["ownerId"]).Where(v => v.IsString).Select(v => v.AsString);

    /// <summary>The owner's name as Salesforce last gave it (this directory, else the sync's owner names); null when unknown.</summary>
    public static string? NameOf(SyncStore store, string ownerId)
    {
        if (!SalesforceIds.IsId(ownerId) || SalesforceIds.To18(ownerId) is not { } id) return null;
        if (store.Database.CollectionExists(Collection) && store.Database.GetCollection(Collection).FindById(id) is { } doc && Bson.Text(doc, "name") is { } name)
            return name;
        return store.Database.CollectionExists("people_owners") ? store.People.FindOwner(id)?.Name : null;
    }

    /// <summary>
    /// The distinct user ids (005...) owning synced people, in their 18-character form: one range seek on the ownerId
    /// index per owner, from just past the last id found (ids are letters and digits, so id + "!" sorts after the id and
    /// before any longer id it begins), loading one person per owner. A greater-than filter would scan the index from its
    /// start each time; this way a million people with sixty owners cost sixty seeks (about 0.1 ms each). The index
    /// compares without regard to case, so one seek finds one group of ids equal but for case: an 18-character id is
    /// alone in its group (its suffix encodes the case), but 15-character ids that differ only in case (two Salesforce
    /// users) share one, so a 15-character group's people are read and their ids taken exactly (Marketo usually holds
    /// 18-character ids, and then nothing more is read).
    /// </summary>
    internal static List<string> DistinctOwnerIds(SyncStore store)
    {
        var people = PeopleByOwner(store);
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        var after = UserPrefix;
        while (people.Find(LiteDB.Query.Between("ownerId", after + "!", "006"), 0, 1).FirstOrDefault() is { } row
               && row["ownerId"].IsString && row["ownerId"].AsString != after)
        {
            after = row["ownerId"].AsString;
            foreach (var exact in after.Length == 15 ? ExactOwnerIds(people, after).Distinct(StringComparer.Ordinal) : [after])
                if (SalesforceIds.IsId(exact) && SalesforceIds.To18(exact) is { } id) ids.Add(id);
        }
        return ids.ToList();
    }

    /// <summary>The people collection with its ownerId index (the one <see cref="PeopleStore"/> keeps; ensured here too, as this reads only through it).</summary>
    private static ILiteCollection<BsonDocument> PeopleByOwner(SyncStore store)
    {
        var people = store.Database.GetCollection("people");
        people.EnsureIndex("ownerId", "$.ownerId");
        return people;
    }

    private static void Save(SyncStore store, ILiteCollection<BsonDocument> directory, IReadOnlyList<string> asked, IReadOnlyList<SalesOwner> found,
        IReadOnlyList<string>? allOwners, DateTimeOffset now)
    {
        var database = store.Database;
        var byId = found.ToDictionary(o => o.Id, StringComparer.Ordinal);
        database.BeginTrans();
        try
        {
            directory.EnsureIndex("found", "$.found");
            foreach (var id in asked)
            {
                var owner = byId.GetValueOrDefault(id);
                directory.Upsert(new BsonDocument
                {
                    ["_id"] = id,
                    ["name"] = owner?.Name,
                    ["email"] = owner?.Email,
                    ["isActive"] = owner is null ? BsonValue.Null : owner.IsActive,
                    ["found"] = owner is not null,
                    ["checkedAt"] = now.UtcDateTime,
                });
            }
            if (allOwners is not null)
            {
                // The daily check also forgets owners who no longer own anyone synced.
                var current = allOwners.ToHashSet(StringComparer.Ordinal);
                foreach (var gone in directory.FindAll().Select(d => d["_id"].AsString).Where(id => id != CheckedMarker && !current.Contains(id)).ToList())
                    directory.Delete(gone);
                directory.Upsert(new BsonDocument { ["_id"] = CheckedMarker, ["checkedAt"] = now.UtcDateTime });
            }
            database.Commit();
        }
        catch
        {
            database.Rollback();
            throw;
        }
        store.People.SaveOwners(found, asked);
    }
}
