using LiteDB;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Store;

/// <summary>The history of sync runs; the newest unfinished one is the checkpoint a next run resumes from.</summary>
internal sealed class SyncRunStore(SyncStore store)
{
    private readonly ILiteCollection<BsonDocument> _runs = store.Database.GetCollection("sync_runs");

    public SyncRunResult Start(string mode, string strategy, IReadOnlyList<long> listIds)
    {
        var id = _runs.Count() == 0 ? 1 : _runs.Max("_id").AsInt32 + 1;
        var run = new SyncRunResult { RunId = id, Mode = mode, Strategy = strategy, Status = SyncRunStatus.Running, StartedAt = DateTimeOffset.UtcNow, StaticListIds = listIds };
        _runs.Insert(ToDocument(run));
        return run;
    }

    public void Save(SyncRunResult run) => _runs.Upsert(ToDocument(run));

    /// <summary>Newest first; without watch polls when <paramref name="excludeWatch"/>.</summary>
    public IEnumerable<SyncRunResult> History(int? last = null, bool excludeWatch = false)
    {
        var query = _runs.Query();
        // Runs recorded before the flag existed have no "watch" field: they were not marked, so they stay.
        if (excludeWatch) query = query.Where(LiteDB.Query.Not("watch", true));
        var runs = query.OrderByDescending("_id");
        return (last is { } n ? runs.Limit(n) : runs).ToList().Select(ToRun);
    }

    /// <summary>How many runs are recorded (optionally without watch polls).</summary>
    public int Count(bool excludeWatch = false) => excludeWatch ? _runs.Count(LiteDB.Query.Not("watch", true)) : _runs.Count();

    /// <summary>
    /// The runs started at or after <paramref name="since"/>, watch polls included, newest first: read back from the
    /// newest id a page at a time and stopped at the first older run (ids grow with start times), so older history is never read.
    /// </summary>
    public IEnumerable<SyncRunResult> StartedSince(DateTimeOffset since)
    {
        var below = int.MaxValue;
        while (true)
        {
            var page = _runs.Query().Where(LiteDB.Query.LT("_id", below)).OrderByDescending("_id").Limit(200).ToList();
            foreach (var doc in page)
            {
                var run = ToRun(doc);
                if (run.StartedAt < since) yield break;
                yield return run;
            }
            if (page.Count < 200) yield break;
            below = page[^1]["_id"].AsInt32;
        }
    }

    public SyncRunResult? Latest => History(1).FirstOrDefault();

    public SyncRunResult? LatestCompleted =>
        _runs.Query().Where(LiteDB.Query.EQ("status", nameof(SyncRunStatus.Completed))).OrderByDescending("_id").Limit(1).ToList().Select(ToRun).FirstOrDefault();

    private static BsonDocument ToDocument(SyncRunResult r) => new()
    {
        ["_id"] = r.RunId,
        ["mode"] = r.Mode,
        ["strategy"] = r.Strategy,
        ["watch"] = r.Watch,
        ["status"] = r.Status.ToString(),
        ["startedAt"] = r.StartedAt.UtcDateTime,
        ["endedAt"] = r.EndedAt is { } e ? new BsonValue(e.UtcDateTime) : BsonValue.Null,
        ["added"] = r.Added,
        ["updated"] = r.Updated,
        ["removed"] = r.Removed,
        ["unchanged"] = r.Unchanged,
        ["marketoCalls"] = r.MarketoCalls,
        ["salesforceCalls"] = r.SalesforceCalls,
        ["pagesDone"] = r.PagesDone,
        ["bulkBytes"] = r.BulkBytes,
        ["message"] = r.Message,
        ["staticListIds"] = new BsonArray(r.StaticListIds.Select(l => new BsonValue(l))),
        // Kept as read: a run recorded by the one-list version resumes from it until its first page is applied.
        ["nextPageToken"] = r.NextPageToken,
        ["listCursors"] = new BsonArray(r.ListCursors.Select(c => new BsonDocument
        {
            ["listId"] = c.ListId,
            ["pagesDone"] = c.PagesDone,
            ["nextPageToken"] = c.NextPageToken,
            ["done"] = c.Done,
        })),
        ["smartListId"] = r.SmartListId is { } sl ? new BsonValue(sl) : BsonValue.Null,
        ["createdSince"] = r.CreatedSince is { } cs ? new BsonValue(cs.UtcDateTime) : BsonValue.Null,
        ["watermarkAt"] = r.WatermarkAt is { } wa ? new BsonValue(wa.UtcDateTime) : BsonValue.Null,
        ["readDeletedLeads"] = r.ReadDeletedLeads,
        ["deletesReadAt"] = r.DeletesReadAt is { } dr ? new BsonValue(dr.UtcDateTime) : BsonValue.Null,
        ["scopeUnknown"] = r.ScopeUnknown,
        ["planned"] = r.Planned,
        ["scanEndId"] = r.ScanEndId is { } se ? new BsonValue(se) : BsonValue.Null,
        ["askedStaticListIds"] = new BsonArray(r.AskedStaticListIds.Select(l => new BsonValue(l))),
        ["askedSmartListId"] = r.AskedSmartListId is { } asl ? new BsonValue(asl) : BsonValue.Null,
        ["leadChangesToken"] = r.LeadChangesToken,
        ["mergesToken"] = r.MergesToken,
        ["deletesToken"] = r.DeletesToken,
        ["salesforceSince"] = r.SalesforceSince is { } s ? new BsonValue(s.UtcDateTime) : BsonValue.Null,
    };

    private static SyncRunResult ToRun(BsonDocument d) => new()
    {
        RunId = d["_id"].AsInt32,
        Mode = d["mode"].AsString,
        Strategy = d["strategy"].AsString,
        Watch = d["watch"].IsBoolean && d["watch"].AsBoolean,
        Status = Enum.Parse<SyncRunStatus>(d["status"].AsString),
        StartedAt = Bson.Utc(d["startedAt"]),
        EndedAt = d["endedAt"].IsDateTime ? Bson.Utc(d["endedAt"]) : null,
        Added = d["added"].AsInt64,
        Updated = d["updated"].AsInt64,
        Removed = d["removed"].AsInt64,
        Unchanged = d["unchanged"].AsInt64,
        MarketoCalls = d["marketoCalls"].AsInt64,
        SalesforceCalls = d["salesforceCalls"].AsInt64,
        PagesDone = d["pagesDone"].AsInt64,
        BulkBytes = d["bulkBytes"].IsNumber ? d["bulkBytes"].AsInt64 : 0,
        Message = d["message"].IsString ? d["message"].AsString : null,
        // Runs recorded before several lists were possible hold one "staticListId" and its "nextPageToken".
        StaticListIds = d["staticListIds"].IsArray ? d["staticListIds"].AsArray.Select(v => v.AsInt64).ToList()
            : d["staticListId"].IsNumber ? [d["staticListId"].AsInt64] : [],
        ListCursors = d["listCursors"].IsArray
            ? d["listCursors"].AsArray.Select(v => v.AsDocument).Select(c => new ListCursor(c["listId"].AsInt64, c["pagesDone"].AsInt64, Bson.Text(c, "nextPageToken"), c["done"].AsBoolean)).ToList()
            : [],
        NextPageToken = Bson.Text(d, "nextPageToken"),
        SmartListId = d["smartListId"].IsNumber ? d["smartListId"].AsInt64 : null,
        CreatedSince = d["createdSince"].IsDateTime ? Bson.Utc(d["createdSince"]) : null,
        WatermarkAt = d["watermarkAt"].IsDateTime ? Bson.Utc(d["watermarkAt"]) : null,
        ReadDeletedLeads = d["readDeletedLeads"].IsBoolean && d["readDeletedLeads"].AsBoolean,
        DeletesReadAt = d["deletesReadAt"].IsDateTime ? Bson.Utc(d["deletesReadAt"]) : null,
        // A bulk run over createdAt windows recorded before CreatedSince was kept may have been a partial pass.
        ScopeUnknown = d["scopeUnknown"].IsBoolean ? d["scopeUnknown"].AsBoolean
            : !d.ContainsKey("createdSince") && d["mode"].AsString == "Full" && d["strategy"].AsString == "Bulk" && !d["smartListId"].IsNumber
              && !(d["staticListIds"].IsArray && d["staticListIds"].AsArray.Count > 0) && !d["staticListId"].IsNumber,
        Planned = d["planned"].IsBoolean && d["planned"].AsBoolean,
        ScanEndId = d["scanEndId"].IsNumber ? d["scanEndId"].AsInt64 : null,
        AskedStaticListIds = d["askedStaticListIds"].IsArray ? d["askedStaticListIds"].AsArray.Select(v => v.AsInt64).ToList() : [],
        AskedSmartListId = d["askedSmartListId"].IsNumber ? d["askedSmartListId"].AsInt64 : null,
        LeadChangesToken = Bson.Text(d, "leadChangesToken"),
        MergesToken = Bson.Text(d, "mergesToken"),
        DeletesToken = Bson.Text(d, "deletesToken"),
        SalesforceSince = d["salesforceSince"].IsDateTime ? Bson.Utc(d["salesforceSince"]) : null,
    };
}
