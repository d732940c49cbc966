using LiteDB;
using SalesSync.Core.Activities;

namespace SalesSync.Core.Store;

/// <summary>What Get-SalesActivity asks for; every filter optional.</summary>
public sealed record ActivityQuery
{
    public IReadOnlyList<long>? MarketoIds { get; init; }
    public IReadOnlyList<SalesActivityKind>? Kinds { get; init; }
    public DeliveryState? MarketoState { get; init; }
    public DeliveryState? SalesforceState { get; init; }

    /// <summary>In this state at either destination.</summary>
    public DeliveryState? AnyState { get; init; }
    public DateTimeOffset? OccurredAfter { get; init; }
    public DateTimeOffset? OccurredBefore { get; init; }
    public IReadOnlyList<string>? ActivityIds { get; init; }
}

/// <summary>
/// The activity log and outbox: every activity is written here before it is sent, with its state per
/// destination, so a crash, Ctrl+C or an outage loses nothing. Indexes on the states (the outbox reads
/// pending ones), person, kind and time. Reads go page by page with no cursor held.
/// </summary>
internal sealed class ActivityStore
{
    private const int PageSize = 500;
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _activities;

    /// <summary>
    /// Deliveries per kind, destination and state ("EmailSent|Marketo|Pending" → n), kept in the same transaction as
    /// every insert and state change, so counts never load activities: LiteDB counts a nested field's index only by
    /// loading each document (about a second per 100,000), and no index holds kind and state together.
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _tally;
    private const string TallyVersionId = "*version";
    private const int TallyVersion = 1;

    /// <summary>The database's outbox lock (held by the store with the sync's, so both guard the same file).</summary>
    public Activities.OutboxLock Lock { get; }

    public ActivityStore(SyncStore store)
    {
        Lock = store.OutboxLock;
        _database = store.Database;
        _activities = _database.GetCollection("activities");
        _activities.EnsureIndex("marketoState", "$.marketo.state");
        _activities.EnsureIndex("salesforceState", "$.salesforce.state");
        _activities.EnsureIndex("marketoId", "$.marketoId");
        _activities.EnsureIndex("kind", "$.kind");
        _activities.EnsureIndex("occurredAt", "$.occurredAt");
        _tally = _database.GetCollection("activity_tally");
        BackfillTallyOnce();
        Path = store.Path;
        Encrypted = store.Encrypted;
        // To the millisecond: LiteDB keeps no finer time, so the creating process and a later one name it alike.
        JournalIdentity = $"{store.MarketoInstance} {new DateTimeOffset(store.CreatedAt.ToUniversalTime()).ToUnixTimeMilliseconds()}";
    }

    /// <summary>The database file (its accept journals sit beside it).</summary>
    public string Path { get; }

    /// <summary>An encrypted database's rows are never journaled (the journal is plain text).</summary>
    public bool Encrypted { get; }

    /// <summary>What an accept journal's first line names: this database (its Marketo instance and creation time), checked on replay.</summary>
    public string JournalIdentity { get; }

    private readonly object _replayGate = new();
    private bool _replayed;

    /// <summary>
    /// Stores what killed callers accepted but had not committed (their journals), once per open database, before this
    /// process first writes or delivers activities: reads (Get-SalesActivity, status, -WhatIf) never write. The database
    /// lock keeps other processes out, and no caller of this process has a journal yet (its first row waits for this).
    /// A bad journal is a warning, never a failure: it is tried again when the database is next opened.
    /// </summary>
    public void ReplayLeftOverOnce()
    {
        lock (_replayGate)
        {
            if (_replayed) return;
            _replayed = true;
            Activities.AcceptJournal.ReplayLeftOver(Path, JournalIdentity, this);
        }
    }

    /// <summary>
    /// Stores new activities in one transaction (before any of them is sent). An id already stored (a caller's
    /// own id that another runspace or process logged meanwhile) stores none of them: a <see cref="SalesActivityException"/>.
    /// </summary>
    public void Add(IReadOnlyList<SalesActivity> activities)
    {
        try
        {
            InTransaction(() =>
            {
                _activities.InsertBulk(activities.Select(ToDocument));
                var delta = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var a in activities) Tally(delta, a.Kind.ToString(), a.Marketo.State.ToString(), a.Salesforce.State.ToString(), +1);
                ApplyTally(delta);
            });
        }
        catch (LiteException e) when (e.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            var taken = activities.Select(a => a.ActivityId).FirstOrDefault(id => _activities.FindById(id) is not null) ?? "?";
            throw new SalesActivityException(ActivityFailureReason.DuplicateActivityId,
                $"An activity with the id {taken} is already logged (another runspace or process logged it meanwhile); it is not logged again.");
        }
    }

    /// <summary>Saves changed states in one transaction.</summary>
    public void Save(IReadOnlyList<SalesActivity> activities) => InTransaction(() =>
    {
        var delta = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var a in activities)
        {
            // The stored states leave the tally, the new ones join it (an id not stored updates nothing, counts nothing).
            if (_activities.FindById(a.ActivityId) is not { } before) continue;
            Tally(delta, before["kind"].AsString, before["marketo"]["state"].AsString, before["salesforce"]["state"].AsString, -1);
            Tally(delta, a.Kind.ToString(), a.Marketo.State.ToString(), a.Salesforce.State.ToString(), +1);
            _activities.Update(ToDocument(a));
        }
        ApplyTally(delta);
    });

    /// <summary>The oldest activities in a state for a destination, up to <paramref name="limit"/>.</summary>
    public IReadOnlyList<SalesActivity> InState(bool marketo, DeliveryState state, int limit) =>
        _activities.Find(LiteDB.Query.EQ(marketo ? "$.marketo.state" : "$.salesforce.state", state.ToString()), limit: limit).Select(ToActivity).OrderBy(a => a.LoggedAt).ToList();

    /// <summary>Deliveries in a state at one destination (from the tally: no activity is read).</summary>
    public int Count(bool marketo, DeliveryState state) =>
        (int)DeliveryTally().Where(t => t.Marketo == marketo && t.State == state).Sum(t => t.Count);

    /// <summary>Every stored activity's delivery per kind, destination and state with its count (non-zero counts only).</summary>
    public IReadOnlyList<(SalesActivityKind Kind, bool Marketo, DeliveryState State, long Count)> DeliveryTally() =>
        _tally.Find(LiteDB.Query.Not("_id", TallyVersionId)).Select(d => (Key: d["_id"].AsString.Split('|'), Count: d["n"].AsInt64))
            .Where(t => t.Count != 0)
            .Select(t => (Enum.Parse<SalesActivityKind>(t.Key[0]), t.Key[1] == Marketo, Enum.Parse<DeliveryState>(t.Key[2]), t.Count)).ToList();

    /// <summary>
    /// Activities in a state at either destination, each once (Marketo's index first, then Salesforce's), in no
    /// particular order: through the state indexes, so only those activities are read.
    /// </summary>
    public IEnumerable<SalesActivity> InStateAnywhere(DeliveryState state)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in new[] { "$.marketo.state", "$.salesforce.state" })
        {
            // Read whole before any is handed out: no cursor is held while the caller works.
            var found = _activities.Find(LiteDB.Query.EQ(path, state.ToString())).Select(ToActivity).ToList();
            foreach (var a in found)
                if (seen.Add(a.ActivityId)) yield return a;
        }
    }

    /// <summary>Deliveries not settled yet (held for a check, pending, or sent with an unknown outcome): Marketo's, and Salesforce's when asked.</summary>
    public int CountUnsettled(bool salesforceToo) =>
        Count(true, DeliveryState.Pending) + Count(true, DeliveryState.Sending) + Count(true, DeliveryState.Held)
        + (salesforceToo ? Count(false, DeliveryState.Pending) + Count(false, DeliveryState.Sending) + Count(false, DeliveryState.Held) : 0);

    /// <summary>
    /// Puts failed deliveries back to pending (all, or those of these activity ids), attempts reset, so the next
    /// delivery sends them again; returns how many per destination.
    /// </summary>
    public (int Marketo, int Salesforce) RequeueFailed(IReadOnlyList<string>? activityIds)
    {
        var counts = new int[2];
        foreach (var marketo in new[] { true, false })
        {
            while (true)
            {
                // Each round takes failed ones out of the Failed state, so the next round reads new ones.
                var batch = activityIds is { Count: > 0 }
                    ? Query(new ActivityQuery { ActivityIds = activityIds, MarketoState = marketo ? DeliveryState.Failed : null, SalesforceState = marketo ? null : DeliveryState.Failed }).ToList()
                    : InState(marketo, DeliveryState.Failed, PageSize);
                if (batch.Count == 0) break;
                Save(batch.Select(a => marketo ? a with { Marketo = Requeued(a.Marketo) } : a with { Salesforce = Requeued(a.Salesforce) }).ToList());
                counts[marketo ? 0 : 1] += batch.Count;
                if (activityIds is { Count: > 0 }) break;
            }
        }
        return (counts[0], counts[1]);
    }

    /// <summary>
    /// A failed delivery sent again: refused ones as pending; an unconfirmed one (its outcome was never checked) as
    /// sending, so what arrived is looked up before anything is sent.
    /// </summary>
    private static Delivery Requeued(Delivery d) =>
        d.Reason?.StartsWith(Activities.ActivityOutbox.UnconfirmedPrefix, StringComparison.Ordinal) == true
            // At stays the time it was sent: the lookup reads from then, and it may no longer "still land".
            ? d with { State = DeliveryState.Sending, Reason = null, UncheckedSince = null }
            : d with { State = DeliveryState.Pending, Reason = null, Attempts = 0, UncheckedSince = null };

    public SalesActivity? Find(string activityId) => _activities.FindById(activityId) is { } d ? ToActivity(d) : null;

    /// <summary>Activities matching the query, oldest first, page by page.</summary>
    public IEnumerable<SalesActivity> Query(ActivityQuery query)
    {
        var filters = new List<BsonExpression>();
        if (query.MarketoIds is { Count: > 0 } ids) filters.Add(LiteDB.Query.In("$.marketoId", ids.Select(i => new BsonValue(i))));
        if (query.Kinds is { Count: > 0 } kinds) filters.Add(LiteDB.Query.In("$.kind", kinds.Select(k => new BsonValue(k.ToString()))));
        if (query.MarketoState is { } ms) filters.Add(LiteDB.Query.EQ("$.marketo.state", ms.ToString()));
        if (query.SalesforceState is { } ss) filters.Add(LiteDB.Query.EQ("$.salesforce.state", ss.ToString()));
        if (query.AnyState is { } any) filters.Add(LiteDB.Query.Or(LiteDB.Query.EQ("$.marketo.state", any.ToString()), LiteDB.Query.EQ("$.salesforce.state", any.ToString())));
        if (query.OccurredAfter is { } after) filters.Add(LiteDB.Query.GTE("$.occurredAt", after.UtcDateTime));
        if (query.OccurredBefore is { } before) filters.Add(LiteDB.Query.LT("$.occurredAt", before.UtcDateTime));
        if (query.ActivityIds is { Count: > 0 } activityIds) filters.Add(LiteDB.Query.In("_id", activityIds.Select(i => new BsonValue(i))));
        BsonExpression? where = filters.Count switch { 0 => null, 1 => filters[0], _ => LiteDB.Query.And(filters.ToArray()) };
        var skip = 0;
        while (true)
        {
            // One page at a time, the query closed before the page is handed out: the pipeline may write meanwhile.
            var selected = where is null ? _activities.Query() : _activities.Query().Where(where);
            var page = selected.OrderBy("$.occurredAt").Skip(skip).Limit(PageSize).ToList();
            foreach (var doc in page) yield return ToActivity(doc);
            if (page.Count < PageSize) yield break;
            skip += PageSize;
        }
    }

    /// <summary>
    /// The activity logged first among those pending, sending or held at either destination (null: none), through
    /// the state indexes, reading only each one's id and log time.
    /// </summary>
    public (string ActivityId, DateTimeOffset LoggedAt)? OldestUnsettled()
    {
        (string Id, DateTime At)? oldest = null;
        foreach (var path in new[] { "$.marketo.state", "$.salesforce.state" })
            foreach (var state in new[] { DeliveryState.Pending, DeliveryState.Sending, DeliveryState.Held })
                foreach (var d in _activities.Query().Where(LiteDB.Query.EQ(path, state.ToString())).Select("{ _id: $._id, l: $.loggedAt }").ToEnumerable())
                {
                    var at = d["l"].AsDateTime.ToUniversalTime();
                    if (oldest is null || at < oldest.Value.At || (at == oldest.Value.At && string.CompareOrdinal(d["_id"].AsString, oldest.Value.Id) < 0))
                        oldest = (d["_id"].AsString, at);
                }
        return oldest is { } o ? (o.Id, new DateTimeOffset(DateTime.SpecifyKind(o.At, DateTimeKind.Utc))) : null;
    }

    private const string Marketo = "Marketo", Salesforce = "Salesforce";

    private static void Tally(Dictionary<string, long> delta, string kind, string marketoState, string salesforceState, int step)
    {
        foreach (var key in new[] { $"{kind}|{Marketo}|{marketoState}", $"{kind}|{Salesforce}|{salesforceState}" })
            delta[key] = delta.GetValueOrDefault(key) + step;
    }

    /// <summary>Adds the changes to the stored counts (inside the caller's transaction).</summary>
    private void ApplyTally(Dictionary<string, long> delta)
    {
        foreach (var (key, step) in delta)
        {
            if (step == 0) continue;
            var n = _tally.FindById(key) is { } doc ? doc["n"].AsInt64 : 0;
            _tally.Upsert(new BsonDocument { ["_id"] = key, ["n"] = n + step });
        }
    }

    /// <summary>
    /// A database from before the tally counts its activities once (one pass over them, a few seconds per million),
    /// marked by the tally's version. Run while the store is made, before this process writes any activity.
    /// </summary>
    private void BackfillTallyOnce()
    {
        if (_tally.FindById(TallyVersionId) is { } marker && marker["v"].AsInt32 == TallyVersion) return;
        InTransaction(() =>
        {
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var d in _activities.Query().Select("{ k: $.kind, m: $.marketo.state, s: $.salesforce.state }").ToEnumerable())
                Tally(counts, d["k"].AsString, d["m"].AsString, d["s"].AsString, +1);
            _tally.DeleteAll();
            foreach (var (key, n) in counts) _tally.Insert(new BsonDocument { ["_id"] = key, ["n"] = n });
            _tally.Insert(new BsonDocument { ["_id"] = TallyVersionId, ["v"] = TallyVersion });
        });
    }

    private void InTransaction(Action write)
    {
        _database.BeginTrans();
        try
        {
            write();
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
    }

    private static BsonDocument ToDocument(SalesActivity a)
    {
        var attributes = new BsonDocument();
        foreach (var (name, value) in a.Attributes) attributes[name] = value;
        return new BsonDocument
        {
            ["_id"] = a.ActivityId,
            ["kind"] = a.Kind.ToString(),
            ["marketoId"] = a.MarketoId,
            ["email"] = a.Email,
            ["sfLeadId"] = a.SalesforceLeadId,
            ["sfContactId"] = a.SalesforceContactId,
            ["sfAccountId"] = a.SalesforceAccountId,
            ["sfOpportunityId"] = a.SalesforceOpportunityId,
            ["ownerId"] = a.SalesOwnerId,
            ["occurredAt"] = a.OccurredAt.UtcDateTime,
            // The offset it happened at (minutes), so the day it happened on stays the seller's day (the Task date).
            ["occurredOffset"] = (int)a.OccurredAt.Offset.TotalMinutes,
            ["loggedAt"] = a.LoggedAt.UtcDateTime,
            ["attributes"] = attributes,
            ["marketo"] = ToDocument(a.Marketo),
            ["salesforce"] = ToDocument(a.Salesforce),
        };
    }

    private static BsonDocument ToDocument(Delivery d) => new()
    {
        ["state"] = d.State.ToString(),
        ["remoteId"] = d.RemoteId,
        ["reason"] = d.Reason,
        ["attempts"] = d.Attempts,
        ["at"] = d.At is { } at ? new BsonValue(at.UtcDateTime) : BsonValue.Null,
        ["uncheckedSince"] = d.UncheckedSince is { } u ? new BsonValue(u.UtcDateTime) : BsonValue.Null,
    };

    private static SalesActivity ToActivity(BsonDocument d) => new()
    {
        ActivityId = d["_id"].AsString,
        Kind = Enum.Parse<SalesActivityKind>(d["kind"].AsString),
        MarketoId = d["marketoId"].AsInt64,
        Email = Bson.Text(d, "email"),
        SalesforceLeadId = Bson.Text(d, "sfLeadId"),
        SalesforceContactId = Bson.Text(d, "sfContactId"),
        SalesforceAccountId = Bson.Text(d, "sfAccountId"),
        SalesforceOpportunityId = Bson.Text(d, "sfOpportunityId"),
        SalesOwnerId = Bson.Text(d, "ownerId"),
        OccurredAt = d["occurredOffset"].IsInt32 ? Bson.Utc(d["occurredAt"]).ToOffset(TimeSpan.FromMinutes(d["occurredOffset"].AsInt32)) : Bson.Utc(d["occurredAt"]),
        LoggedAt = Bson.Utc(d["loggedAt"]),
        Attributes = d["attributes"].AsDocument.ToDictionary(p => p.Key, p => p.Value.AsString, StringComparer.Ordinal),
        Marketo = ToDelivery(d["marketo"].AsDocument),
        Salesforce = ToDelivery(d["salesforce"].AsDocument),
    };

    private static Delivery ToDelivery(BsonDocument d) => new(
        Enum.Parse<DeliveryState>(d["state"].AsString), Bson.Text(d, "remoteId"), Bson.Text(d, "reason"), d["attempts"].AsInt32, d["at"].IsDateTime ? Bson.Utc(d["at"]) : null)
    {
        UncheckedSince = Bson.UtcOrNull(d["uncheckedSince"]),
    };
}
