using LiteDB;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Store;

/// <summary>
/// The bulk pass's checkpoints: one document per export window of a run (its filter, the export id of
/// its job, how far its file is downloaded and applied). A stopped or killed run resumes from these.
/// </summary>
internal sealed class ExportWindowStore(SyncStore store)
{
    private readonly ILiteCollection<BsonDocument> _windows = CreateCollection(store.Database);

    private static ILiteCollection<BsonDocument> CreateCollection(LiteDatabase database)
    {
        var windows = database.GetCollection("export_windows");
        windows.EnsureIndex("runId", "$.runId");
        return windows;
    }

    /// <summary>The run's windows in plan order.</summary>
    public IReadOnlyList<ExportWindow> ForRun(int runId) =>
        _windows.Find(Query.EQ("runId", runId)).Select(ToWindow).OrderBy(w => w.Index).ToList();

    public void SavePlan(IEnumerable<ExportWindow> windows) => _windows.Upsert(windows.Select(ToDocument));

    public void Save(ExportWindow window) => _windows.Upsert(ToDocument(window));

    /// <summary>Replaces a run's plan (a smart list refused with 1035 becomes createdAt windows).</summary>
    public void ReplacePlan(int runId, IEnumerable<ExportWindow> plan)
    {
        _windows.DeleteMany(Query.EQ("runId", runId));
        SavePlan(plan);
    }

    /// <summary>Windows of runs before this one (an abandoned run's, before they are forgotten).</summary>
    public IReadOnlyList<ExportWindow> ForRunsBefore(int runId) => _windows.Find(Query.LT("runId", runId)).Select(ToWindow).ToList();

    /// <summary>Drops the windows of older runs (their jobs are finished or abandoned, their files deleted).</summary>
    public int ForgetRunsBefore(int runId) => _windows.DeleteMany(Query.LT("runId", runId));

    /// <summary>Every window still recorded (the owners of the files in the export folder; a handful of documents).</summary>
    public IReadOnlyList<ExportWindow> All() => _windows.FindAll().Select(ToWindow).ToList();

    private static BsonDocument ToDocument(ExportWindow w) => new()
    {
        ["_id"] = $"{w.RunId}:{w.Index}",
        ["runId"] = w.RunId,
        ["index"] = w.Index,
        ["kind"] = w.Kind.ToString(),
        ["startAt"] = w.StartAt is { } s ? new BsonValue(s.UtcDateTime) : BsonValue.Null,
        ["endAt"] = w.EndAt is { } e ? new BsonValue(e.UtcDateTime) : BsonValue.Null,
        ["listId"] = w.ListId is { } l ? new BsonValue(l) : BsonValue.Null,
        ["state"] = w.State.ToString(),
        ["exportId"] = w.ExportId,
        ["fileSize"] = w.FileSize is { } f ? new BsonValue(f) : BsonValue.Null,
        ["checksum"] = w.Checksum,
        ["records"] = w.Records is { } r ? new BsonValue(r) : BsonValue.Null,
        ["rowsApplied"] = w.RowsApplied,
        ["attempts"] = w.Attempts,
    };

    private static ExportWindow ToWindow(BsonDocument d) => new()
    {
        RunId = d["runId"].AsInt32,
        Index = d["index"].AsInt32,
        Kind = Enum.Parse<ExportWindowKind>(d["kind"].AsString),
        StartAt = d["startAt"].IsDateTime ? Bson.Utc(d["startAt"]) : null,
        EndAt = d["endAt"].IsDateTime ? Bson.Utc(d["endAt"]) : null,
        ListId = d["listId"].IsNumber ? d["listId"].AsInt64 : null,
        State = Enum.Parse<ExportWindowState>(d["state"].AsString),
        ExportId = d["exportId"].IsString ? d["exportId"].AsString : null,
        FileSize = d["fileSize"].IsNumber ? d["fileSize"].AsInt64 : null,
        Checksum = d["checksum"].IsString ? d["checksum"].AsString : null,
        Records = d["records"].IsNumber ? d["records"].AsInt64 : null,
        RowsApplied = d["rowsApplied"].AsInt64,
        Attempts = d["attempts"].AsInt32,
    };
}
