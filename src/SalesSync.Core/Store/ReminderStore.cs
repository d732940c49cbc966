using LiteDB;
using SalesSync.Core.Reminders;

namespace SalesSync.Core.Store;

/// <summary>Where the reminder sync stands with Salesforce: the SystemModstamp watermark (Salesforce's clock) and when each kind of read last ran.</summary>
internal sealed record ReminderSyncCursor
{
    /// <summary>Tasks modified after this have not been read yet (null: no pass has read Salesforce since reminder sync was turned on).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>The enable this cursor belongs to (a later enable's first pass imports again).</summary>
    public DateTimeOffset? EnabledAt { get; init; }
    public DateTimeOffset? LastPassAt { get; init; }

    /// <summary>When every mapped Task was last checked by id (the fallback for deletes older than the delete log keeps).</summary>
    public DateTimeOffset? LastReconciledAt { get; init; }
}

/// <summary>
/// Reminders (one document each, with the merge base and the Task's last-read values), the conflicts reminder passes
/// resolved (kept for ever: the record of which side won), and the sync cursor. Every write of a pass goes through
/// <see cref="Save"/>: records, conflicts and the cursor in one transaction, so a crash leaves either all or none.
/// </summary>
internal sealed class ReminderStore
{
    private const string CursorId = "salesforce";
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _reminders;
    private readonly ILiteCollection<BsonDocument> _conflicts;
    private readonly ILiteCollection<BsonDocument> _state;
    private bool _indexed;

    public ReminderStore(SyncStore store)
    {
        _database = store.Database;
        _reminders = _database.GetCollection("reminders");
        _conflicts = _database.GetCollection("reminder_conflicts", BsonAutoId.Int64);
        _state = _database.GetCollection("reminder_state");
    }

    /// <summary>
    /// One writer at a time for reminders in this process: a cmdlet's edit and a pass's merge of the same reminder are
    /// read-modify-write, so each holds this around its read and its write (never around a call to Salesforce).
    /// </summary>
    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    /// <summary>One reminder pass at a time per database in this process (held for the whole pass, HTTP calls included).</summary>
    public SemaphoreSlim PassLock { get; } = new(1, 1);

    public ReminderSyncCursor Cursor => _state.FindById(CursorId) is { } d
        ? new ReminderSyncCursor
        {
            Since = Bson.UtcOrNull(d["since"]),
            EnabledAt = Bson.UtcOrNull(d["enabledAt"]),
            LastPassAt = Bson.UtcOrNull(d["lastPassAt"]),
            LastReconciledAt = Bson.UtcOrNull(d["lastReconciledAt"]),
        }
        : new ReminderSyncCursor();

    public int Count => _database.CollectionExists("reminders") ? _reminders.Count() : 0;

    public ReminderRecord? Find(string id) => _reminders.FindById(id) is { } d ? ToRecord(d) : null;

    public ReminderRecord? FindByTask(string taskId) => _reminders.FindOne(LiteDB.Query.EQ("sfTaskId", taskId)) is { } d ? ToRecord(d) : null;

    /// <summary>The reminders mapped to these Task ids, by Task id.</summary>
    public Dictionary<string, ReminderRecord> FindByTasks(IReadOnlyCollection<string> taskIds) =>
        taskIds.Count == 0 ? new(StringComparer.Ordinal)
            : _reminders.Find(LiteDB.Query.In("sfTaskId", taskIds.Distinct(StringComparer.Ordinal).Select(t => new BsonValue(t)).ToArray()))
                .Select(ToRecord).ToDictionary(r => r.SalesforceTaskId!, StringComparer.Ordinal);

    /// <summary>Every reminder, oldest first (reminders are a seller's worklist: thousands, not millions).</summary>
    public IEnumerable<ReminderRecord> All() => _reminders.Find(LiteDB.Query.All("createdAt")).Select(ToRecord);

    public IEnumerable<ReminderRecord> ForPeople(IReadOnlyCollection<long> marketoIds) =>
        _reminders.Find(LiteDB.Query.In("marketoId", marketoIds.Select(m => new BsonValue(m)).ToArray())).Select(ToRecord);

    /// <summary>The reminders a pass may have to write to Salesforce (a change, a create, a delete, a create in doubt), through an index.</summary>
    public IReadOnlyList<ReminderRecord> WithWork() => _reminders.Find(LiteDB.Query.EQ("work", true)).Select(ToRecord).ToList();

    /// <summary>Every (reminder, Task id) still mapped to a live Task: what reconciliation checks by id.</summary>
    public IReadOnlyList<(string ReminderId, string TaskId)> LiveTaskIds() =>
        _reminders.Find(LiteDB.Query.EQ("liveTask", true)).Select(d => (d["_id"].AsString, d["sfTaskId"].AsString)).ToList();

    public IEnumerable<ReminderConflict> Conflicts(DateTimeOffset? since = null, string? reminderId = null)
    {
        if (!_database.CollectionExists("reminder_conflicts")) yield break;
        var found = since is { } s ? _conflicts.Find(LiteDB.Query.GTE("resolvedAt", s.UtcDateTime)) : _conflicts.Find(LiteDB.Query.All());
        foreach (var d in found)
        {
            var c = ToConflict(d);
            if (reminderId is null || string.Equals(c.ReminderId, reminderId, StringComparison.OrdinalIgnoreCase)) yield return c;
        }
    }

    public int ConflictCount => _database.CollectionExists("reminder_conflicts") ? _conflicts.Count() : 0;

    /// <summary>Saves reminders, conflicts (their ids assigned here) and, when given, the cursor, in one transaction.</summary>
    public IReadOnlyList<ReminderConflict> Save(IReadOnlyCollection<ReminderRecord> records, IReadOnlyCollection<ReminderConflict>? conflicts = null, ReminderSyncCursor? cursor = null)
    {
        // Indexed on the first write, so reads (a -WhatIf pass) never create the collection.
        if (!_indexed)
        {
            _reminders.EnsureIndex("marketoId", "$.marketoId");
            _reminders.EnsureIndex("sfTaskId", "$.sfTaskId");
            _reminders.EnsureIndex("work", "$.work");
            _reminders.EnsureIndex("liveTask", "$.liveTask");
            _reminders.EnsureIndex("createdAt", "$.createdAt");
            _conflicts.EnsureIndex("resolvedAt", "$.resolvedAt");
            _indexed = true;
        }
        var saved = new List<ReminderConflict>();
        _database.BeginTrans();
        try
        {
            foreach (var r in records) _reminders.Upsert(ToDocument(r));
            foreach (var c in conflicts ?? [])
            {
                var doc = ToDocument(c);
                var id = _conflicts.Insert(doc);
                saved.Add(c with { ConflictId = id.AsInt64 });
            }
            if (cursor is not null)
            {
                _state.Upsert(new BsonDocument
                {
                    ["_id"] = CursorId,
                    ["since"] = Date(cursor.Since),
                    ["enabledAt"] = Date(cursor.EnabledAt),
                    ["lastPassAt"] = Date(cursor.LastPassAt),
                    ["lastReconciledAt"] = Date(cursor.LastReconciledAt),
                });
            }
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
        return saved;
    }

    public void Save(ReminderRecord record) => Save([record]);

    private static BsonValue Date(DateTimeOffset? at) => at is { } a ? new BsonValue(a.UtcDateTime) : BsonValue.Null;

    private static BsonValue Day(DateOnly? day) => day is { } d ? new BsonValue(d.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : BsonValue.Null;

    private static DateOnly ParseDay(BsonValue v) => DateOnly.ParseExact(v.AsString, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    private static BsonDocument Values(ReminderValues v) => new()
    {
        ["subject"] = v.Subject,
        ["status"] = v.Status.ToString(),
        ["priority"] = v.Priority.ToString(),
        ["dueDate"] = Day(v.DueDate),
        ["details"] = v.Details,
    };

    private static ReminderValues Values(BsonDocument d) => new(
        d["subject"].AsString, Enum.Parse<ReminderStatus>(d["status"].AsString), Enum.Parse<ReminderPriority>(d["priority"].AsString),
        ParseDay(d["dueDate"]), Bson.Text(d, "details"));

    private static BsonDocument ToDocument(ReminderRecord r)
    {
        var changedAt = new BsonDocument();
        foreach (var (field, at) in r.ChangedAt) changedAt[field.ToString()] = at.UtcDateTime;
        return new BsonDocument
        {
            ["_id"] = r.Id,
            ["marketoId"] = r.MarketoId,
            ["whoId"] = r.WhoId,
            ["ownerId"] = r.OwnerId,
            ["values"] = Values(r.Values),
            ["changedAt"] = changedAt,
            ["base"] = r.Base is { } b ? Values(b) : BsonValue.Null,
            ["origin"] = r.Origin.ToString(),
            ["createdAt"] = r.CreatedAt.UtcDateTime,
            ["modifiedAt"] = r.ModifiedAt.UtcDateTime,
            ["completedAt"] = Date(r.CompletedAt),
            ["pushEligible"] = r.PushEligible,
            ["sfTaskId"] = r.SalesforceTaskId,
            ["sfModstamp"] = Date(r.SalesforceModstamp),
            ["sfLastModifiedAt"] = Date(r.SalesforceLastModifiedAt),
            ["sfWrittenAt"] = Date(r.SalesforceWrittenAt),
            ["sfStatus"] = r.SalesforceStatus,
            ["sfPriority"] = r.SalesforcePriority,
            ["sfSubject"] = r.SalesforceSubject,
            ["syncedAt"] = Date(r.SyncedAt),
            ["deleted"] = r.Deleted,
            ["deletedAt"] = Date(r.DeletedAt),
            ["deletedIn"] = r.DeletedIn?.ToString(),
            ["sfDeleted"] = r.SalesforceDeleted,
            ["sendingSince"] = Date(r.SendingSince),
            ["attempts"] = r.Attempts,
            ["lastError"] = r.LastError,
            ["retryAfter"] = Date(r.RetryAfter),
            ["outOfScope"] = r.OutOfScope,
            // Derived, stored for the indexes: whether a pass may have to write it, whether its Task is live.
            ["work"] = r.SendingSince is not null || (r.OutOfScope is null && (r.DeletePending || (!r.Deleted && r.State is ReminderSyncState.Pending or ReminderSyncState.Failed))),
            ["liveTask"] = r.SalesforceTaskId is not null && !r.SalesforceDeleted,
        };
    }

    private static ReminderRecord ToRecord(BsonDocument d)
    {
        var changedAt = new Dictionary<ReminderFields, DateTimeOffset>();
        if (d["changedAt"].IsDocument)
            foreach (var (key, value) in d["changedAt"].AsDocument)
                if (Enum.TryParse<ReminderFields>(key, out var field) && value.IsDateTime) changedAt[field] = Bson.Utc(value);
        return new ReminderRecord
        {
            Id = d["_id"].AsString,
            MarketoId = d["marketoId"].AsInt64,
            WhoId = Bson.Text(d, "whoId"),
            OwnerId = Bson.Text(d, "ownerId"),
            Values = Values(d["values"].AsDocument),
            ChangedAt = changedAt,
            Base = d["base"].IsDocument ? Values(d["base"].AsDocument) : null,
            Origin = Enum.Parse<ReminderOrigin>(d["origin"].AsString),
            CreatedAt = Bson.Utc(d["createdAt"]),
            ModifiedAt = Bson.Utc(d["modifiedAt"]),
            CompletedAt = Bson.UtcOrNull(d["completedAt"]),
            PushEligible = d["pushEligible"].IsBoolean && d["pushEligible"].AsBoolean,
            SalesforceTaskId = Bson.Text(d, "sfTaskId"),
            SalesforceModstamp = Bson.UtcOrNull(d["sfModstamp"]),
            SalesforceLastModifiedAt = Bson.UtcOrNull(d["sfLastModifiedAt"]),
            SalesforceWrittenAt = Bson.UtcOrNull(d["sfWrittenAt"]),
            SalesforceStatus = Bson.Text(d, "sfStatus"),
            SalesforcePriority = Bson.Text(d, "sfPriority"),
            SalesforceSubject = Bson.Text(d, "sfSubject"),
            SyncedAt = Bson.UtcOrNull(d["syncedAt"]),
            Deleted = d["deleted"].IsBoolean && d["deleted"].AsBoolean,
            DeletedAt = Bson.UtcOrNull(d["deletedAt"]),
            DeletedIn = Bson.Text(d, "deletedIn") is { } w ? Enum.Parse<ReminderOrigin>(w) : null,
            SalesforceDeleted = d["sfDeleted"].IsBoolean && d["sfDeleted"].AsBoolean,
            SendingSince = Bson.UtcOrNull(d["sendingSince"]),
            Attempts = d["attempts"].IsInt32 ? d["attempts"].AsInt32 : 0,
            LastError = Bson.Text(d, "lastError"),
            RetryAfter = Bson.UtcOrNull(d["retryAfter"]),
            OutOfScope = Bson.Text(d, "outOfScope"),
        };
    }

    private static BsonDocument ToDocument(ReminderConflict c) => new()
    {
        ["reminderId"] = c.ReminderId,
        ["marketoId"] = c.MarketoId,
        ["sfTaskId"] = c.SalesforceTaskId,
        ["resolvedAt"] = c.ResolvedAt.UtcDateTime,
        ["kind"] = c.Kind,
        ["fields"] = c.Fields,
        ["winner"] = c.Winner,
        ["localSubject"] = c.LocalSubject,
        ["localStatus"] = c.LocalStatus,
        ["localPriority"] = c.LocalPriority,
        ["localDueDate"] = c.LocalDueDate is { } ld ? new BsonValue(ld.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : BsonValue.Null,
        ["localDetails"] = c.LocalDetails,
        ["localDeleted"] = c.LocalDeleted,
        ["localChangedAt"] = Date(c.LocalChangedAt),
        ["sfSubject"] = c.SalesforceSubject,
        ["sfStatus"] = c.SalesforceStatus,
        ["sfPriority"] = c.SalesforcePriority,
        ["sfDueDate"] = c.SalesforceDueDate is { } sd ? new BsonValue(sd.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)) : BsonValue.Null,
        ["sfDetails"] = c.SalesforceDetails,
        ["sfDeleted"] = c.SalesforceDeleted,
        ["sfChangedAt"] = Date(c.SalesforceChangedAt),
    };

    private static DateTime? DayOrNull(BsonValue v) => v.IsString ? ParseDay(v).ToDateTime(TimeOnly.MinValue) : null;

    private static ReminderConflict ToConflict(BsonDocument d) => new()
    {
        ConflictId = d["_id"].AsInt64,
        ReminderId = d["reminderId"].AsString,
        MarketoId = d["marketoId"].AsInt64,
        SalesforceTaskId = Bson.Text(d, "sfTaskId"),
        ResolvedAt = Bson.Utc(d["resolvedAt"]),
        Kind = d["kind"].AsString,
        Fields = d["fields"].AsString,
        Winner = d["winner"].AsString,
        LocalSubject = Bson.Text(d, "localSubject"),
        LocalStatus = Bson.Text(d, "localStatus"),
        LocalPriority = Bson.Text(d, "localPriority"),
        LocalDueDate = DayOrNull(d["localDueDate"]),
        LocalDetails = Bson.Text(d, "localDetails"),
        LocalDeleted = d["localDeleted"].IsBoolean && d["localDeleted"].AsBoolean,
        LocalChangedAt = Bson.UtcOrNull(d["localChangedAt"]),
        SalesforceSubject = Bson.Text(d, "sfSubject"),
        SalesforceStatus = Bson.Text(d, "sfStatus"),
        SalesforcePriority = Bson.Text(d, "sfPriority"),
        SalesforceDueDate = DayOrNull(d["sfDueDate"]),
        SalesforceDetails = Bson.Text(d, "sfDetails"),
        SalesforceDeleted = d["sfDeleted"].IsBoolean && d["sfDeleted"].AsBoolean,
        SalesforceChangedAt = Bson.UtcOrNull(d["sfChangedAt"]),
    };

    // ---- Counts for Get-SalesSyncStatus: reads only, on the stored fields (no record is built), so the status stays cheap. ----

    /// <summary>
    /// Open reminders (not deleted), and those among them due before <paramref name="today"/>. The due date is stored as
    /// yyyy-MM-dd with a four-digit year (1700-4000), so comparing the text compares the dates.
    /// </summary>
    public (int Open, int Overdue) CountOpen(DateOnly today)
    {
        if (!_database.CollectionExists("reminders")) return (0, 0);
        var open = LiteDB.Query.And(LiteDB.Query.EQ("$.values.status", ReminderStatus.Open.ToString()), LiteDB.Query.EQ("$.deleted", false));
        var overdue = LiteDB.Query.And(open, LiteDB.Query.LT("$.values.dueDate", today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));
        return (_reminders.Count(open), _reminders.Count(overdue));
    }

    /// <summary>Completed reminders (not deleted).</summary>
    public int CountCompleted() =>
        _database.CollectionExists("reminders")
            ? _reminders.Count(LiteDB.Query.And(LiteDB.Query.EQ("$.values.status", ReminderStatus.Complete.ToString()), LiteDB.Query.EQ("$.deleted", false)))
            : 0;

    /// <summary>Conflicts resolved at or after <paramref name="since"/> (through the resolvedAt index once a pass has written).</summary>
    public int ConflictCountSince(DateTimeOffset since) =>
        _database.CollectionExists("reminder_conflicts") ? _conflicts.Count(LiteDB.Query.GTE("resolvedAt", since.UtcDateTime)) : 0;
}
