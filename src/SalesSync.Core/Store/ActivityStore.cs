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
    /// Activities per kind, Marketo state, Salesforce state and, for a failed or refused delivery, its reason's key
    /// (one document per combination with its count), kept in the same transaction as every insert and state change,
    /// so counts never load activities: LiteDB counts a nested field's index only by loading each document (about
    /// 5 s per million), and no index holds kind and both states together. Documents whose id starts with '*' are
    /// bookkeeping (the version marker, a recount's cursor, the write-order row), never counts.
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _tally;

    /// <summary>
    /// The activities not settled yet (pending, sending or held at either destination): id and when logged, indexed on
    /// loggedAt, written in the tally's transactions. A few rows beside the activities, so the oldest one is read
    /// without an index over every activity (which cost 1.5 GB to build at a million).
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _unsettled;

    private const string VersionId = "*version";
    private const string RecountId = "*recount";
    private const string WriteOrderId = "*order";

    /// <summary>
    /// The tally's layout and the reason keys it was counted with: a change to <see cref="Status.StatusText.ReasonKey"/>
    /// changes this, so the next open recounts instead of keeping rows under keys the status no longer makes.
    /// </summary>
    internal static readonly string TallyVersion = "2 " + ReasonKeyFingerprint();

    /// <summary>Activities read per committed step of a recount (memory stays flat; a Ctrl+C loses at most one step).</summary>
    internal const int RecountChunk = 4000;

    private readonly object _tallyGate = new();
    private volatile bool _tallied;

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
        _unsettled = _database.GetCollection("activity_unsettled");
        _unsettled.EnsureIndex("loggedAt", "$.loggedAt");
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

    /// <summary>Held sends released without a check because the guard is off now (replayed or held before it was turned off).</summary>
    public void RecordGuardOffSends(IReadOnlyList<SalesActivity> activities) => GuardOffSendLog.Record(_database, activities);

    /// <summary>
    /// Stores new activities in one transaction (before any of them is sent). An id already stored (a caller's
    /// own id that another runspace or process logged meanwhile) stores none of them: a <see cref="SalesActivityException"/>.
    /// <paramref name="guardOff"/>: accepted while the unsubscribe guard was off; its sent emails are recorded in the same transaction.
    /// </summary>
    public void Add(IReadOnlyList<SalesActivity> activities, bool guardOff = false)
    {
        try
        {
            InTransaction(() =>
            {
                _activities.InsertBulk(activities.Select(ToDocument));
                var delta = new Dictionary<DeliveryTallyRow, long>();
                foreach (var a in activities)
                {
                    Tally(delta, TallyKey(a), +1);
                    if (Unsettled(a)) _unsettled.Insert(UnsettledRow(a.ActivityId, a.LoggedAt.UtcDateTime));
                }
                ApplyTally(delta);
                if (guardOff) GuardOffSendLog.Record(_database, activities);
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
        var delta = new Dictionary<DeliveryTallyRow, long>();
        foreach (var a in activities)
        {
            // The stored states leave the tally, the new ones join it (an id not stored updates nothing, counts nothing).
            if (_activities.FindById(a.ActivityId) is not { } before) continue;
            Tally(delta, TallyKey(ToActivity(before)), -1);
            Tally(delta, TallyKey(a), +1);
            _activities.Update(ToDocument(a));
            if (Unsettled(a)) _unsettled.Upsert(UnsettledRow(a.ActivityId, a.LoggedAt.UtcDateTime));
            else _unsettled.Delete(a.ActivityId);
        }
        ApplyTally(delta);
    });

    /// <summary>The oldest activities in a state for a destination, up to <paramref name="limit"/>.</summary>
    public IReadOnlyList<SalesActivity> InState(bool marketo, DeliveryState state, int limit) =>
        _activities.Find(LiteDB.Query.EQ(marketo ? "$.marketo.state" : "$.salesforce.state", state.ToString()), limit: limit).Select(ToActivity).OrderBy(a => a.LoggedAt).ToList();

    /// <summary>Deliveries in a state at one destination (from the tally: no activity is read).</summary>
    public int Count(bool marketo, DeliveryState state) =>
        (int)DeliveryTally().Where(t => (marketo ? t.Marketo : t.Salesforce) == state).Sum(t => t.Count);

    /// <summary>Every stored activity counted by kind, both states and reasons (non-zero counts only; a few dozen rows).</summary>
    public IReadOnlyList<DeliveryTallyRow> DeliveryTally() =>
        _tally.FindAll().Where(d => !IsBookkeeping(d) && d["n"].AsInt64 != 0).Select(d => new DeliveryTallyRow(
            Enum.Parse<SalesActivityKind>(d["k"].AsString), Enum.Parse<DeliveryState>(d["m"].AsString), Enum.Parse<DeliveryState>(d["s"].AsString),
            Bson.Text(d, "mr"), Bson.Text(d, "sr"), d["n"].AsInt64)).ToList();

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

    /// <summary>The activity logged first among those pending, sending or held at either destination (null: none): the unsettled rows' loggedAt index's first key.</summary>
    public (string ActivityId, DateTimeOffset LoggedAt)? OldestUnsettled() =>
        _unsettled.Query().OrderBy("$.loggedAt").Limit(1).ToList().FirstOrDefault() is { } d
            ? (d["_id"].AsString, Bson.Utc(d["loggedAt"]))
            : null;

    private static BsonDocument UnsettledRow(string activityId, DateTime loggedAtUtc) => new() { ["_id"] = activityId, ["loggedAt"] = loggedAtUtc };

    private static bool IsBookkeeping(BsonDocument d) => d["_id"].AsString.StartsWith('*');

    private static bool Unsettled(DeliveryState state) => state is DeliveryState.Pending or DeliveryState.Sending or DeliveryState.Held;

    private static bool Unsettled(SalesActivity a) => Unsettled(a.Marketo.State) || Unsettled(a.Salesforce.State);

    /// <summary>A failed or refused delivery's reason key (as the status groups reasons); null in any other state.</summary>
    private static string? ReasonOf(Delivery d) => d.State is DeliveryState.Failed or DeliveryState.Refused ? Status.StatusText.ReasonKey(d.Reason) : null;

    private static DeliveryTallyRow TallyKey(SalesActivity a) => new(a.Kind, a.Marketo.State, a.Salesforce.State, ReasonOf(a.Marketo), ReasonOf(a.Salesforce), 0);

    private static void Tally(Dictionary<DeliveryTallyRow, long> delta, DeliveryTallyRow key, int step) => delta[key] = delta.GetValueOrDefault(key) + step;

    /// <summary>Adds the changes to the stored counts (inside the caller's transaction).</summary>
    private void ApplyTally(Dictionary<DeliveryTallyRow, long> delta)
    {
        foreach (var (key, step) in delta)
        {
            if (step == 0) continue;
            // Unit separators: a reason key is free text.
            var id = string.Join('\u001f', key.Kind, key.Marketo, key.Salesforce, key.MarketoReason, key.SalesforceReason);
            var n = _tally.FindById(id) is { } doc ? doc["n"].AsInt64 : 0;
            _tally.Upsert(new BsonDocument
            {
                ["_id"] = id, ["k"] = key.Kind.ToString(), ["m"] = key.Marketo.ToString(), ["s"] = key.Salesforce.ToString(),
                ["mr"] = key.MarketoReason, ["sr"] = key.SalesforceReason, ["n"] = n + step,
            });
        }
    }

    /// <summary>
    /// Makes the tally and the unsettled rows true before this process first uses them: a database from before the
    /// tally, or one whose tally was counted with other reason keys, is recounted. The recount walks the activities
    /// by id a chunk at a time, each chunk's counts committed with the cursor, so memory stays flat, a Ctrl+C
    /// (<paramref name="cancellationToken"/>) or a killed process leaves the cursor for the next open, and nothing is
    /// cached on failure: the next use tries again. Runs before this process writes any activity (every use waits
    /// for it) and no other process can write (the database lock), so the count cannot miss a change.
    /// </summary>
    public void EnsureTallied(CancellationToken cancellationToken)
    {
        if (_tallied) return;
        lock (_tallyGate)
        {
            if (_tallied) return;
            if (!TallyIsCurrent()) Recount(cancellationToken);
            _tallied = true;
        }
    }

    /// <summary>
    /// Counted with this version's keys and no recount left unfinished. Totals are not compared with the rows on every
    /// open (a walk of 1.7-3.8 s per million activities): only a SalesSync without the tally could write rows it does
    /// not count, and the database's schema version (2) makes every such release refuse the file.
    /// </summary>
    private bool TallyIsCurrent() =>
        _tally.FindById(VersionId) is { } marker && marker["v"].IsString && marker["v"].AsString == TallyVersion
        && _tally.FindById(RecountId) is null;

    private void Recount(CancellationToken cancellationToken)
    {
        // A recount left by a release with other reason keys starts over: its chunks were counted under those keys.
        if (_tally.FindById(RecountId) is not { } progress || !progress["v"].IsString || progress["v"].AsString != TallyVersion)
        {
            // Start over: no counts, no unsettled rows, the version marker gone until the recount ends.
            progress = new BsonDocument { ["_id"] = RecountId, ["v"] = TallyVersion, ["cursor"] = BsonValue.MinValue, ["seeded"] = false };
            InTransaction(() =>
            {
                _tally.DeleteAll();
                _unsettled.DeleteAll();
                _tally.Insert(progress);
            });
        }
        if (!progress["seeded"].AsBoolean)
        {
            // Through the state indexes: only unsettled activities are read (upserts, so a repeat after a kill is harmless).
            foreach (var path in new[] { "$.marketo.state", "$.salesforce.state" })
                foreach (var state in new[] { DeliveryState.Pending, DeliveryState.Sending, DeliveryState.Held })
                    foreach (var chunk in _activities.Query().Where(LiteDB.Query.EQ(path, state.ToString())).Select("{ _id: $._id, loggedAt: $.loggedAt }").ToList().Chunk(RecountChunk))
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        InTransaction(() => { foreach (var d in chunk) _unsettled.Upsert(UnsettledRow(d["_id"].AsString, d["loggedAt"].AsDateTime)); });
                    }
            progress["seeded"] = true;
            InTransaction(() => _tally.Update(progress));
        }
        var cursor = progress["cursor"];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Read outside the write transaction (one keeps a copy of every page it reads until it commits).
            var page = _activities.Query().Where(LiteDB.Query.GT("_id", cursor)).OrderBy("_id").Limit(RecountChunk).ToList();
            if (page.Count == 0) break;
            var delta = new Dictionary<DeliveryTallyRow, long>();
            foreach (var d in page) Tally(delta, TallyKey(ToActivity(d)), +1);
            cursor = page[^1]["_id"];
            progress["cursor"] = cursor;
            InTransaction(() =>
            {
                ApplyTally(delta);
                _tally.Update(progress);
            });
        }
        InTransaction(() =>
        {
            _tally.Delete(RecountId);
            _tally.Upsert(new BsonDocument { ["_id"] = VersionId, ["v"] = TallyVersion });
        });
    }

    /// <summary>
    /// What <see cref="Status.StatusText.ReasonKey"/> makes of reasons of every shape the outbox stores (a code and
    /// text, no colon, empty, over 40 characters, padded): part of <see cref="TallyVersion"/>.
    /// </summary>
    private static string ReasonKeyFingerprint()
    {
        string?[] probes =
        [
            null, "", "  ", "Unsubscribed: the person unsubscribed", "OptedOutInSalesforce", "INACTIVE_OWNER_OR_USER: owner inactive",
            "1003: Invalid value", " Padded : text", "a:b:c", new string('x', 60), new string('y', 39) + " z: tail", Activities.ActivityOutbox.UnconfirmedPrefix + " x",
        ];
        var keys = string.Join('\u001f', probes.Select(Status.StatusText.ReasonKey));
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(keys)))[..16];
    }

    /// <summary>
    /// Runs a write in one transaction that first writes the tally, so it holds the tally's collection lock until it
    /// commits: overlapping writes run one after the other and each reads rows and counts as the previous one left
    /// them (a read before the transaction's first write of a collection sees an older snapshot, so two saves of one
    /// activity would both subtract the same old state).
    /// </summary>
    private void InTransaction(Action write)
    {
        _database.BeginTrans();
        try
        {
            _tally.Upsert(new BsonDocument { ["_id"] = WriteOrderId });
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

/// <summary>
/// Activities of one kind in one pair of states (and, for a failed or refused delivery, its reason's key), and how many
/// (<see cref="ActivityStore.DeliveryTally"/>; as a key, Count is 0).
/// </summary>
internal sealed record DeliveryTallyRow(SalesActivityKind Kind, DeliveryState Marketo, DeliveryState Salesforce, string? MarketoReason, string? SalesforceReason, long Count);
