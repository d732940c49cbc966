using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SalesSync.Core.Store;

namespace SalesSync.Core.Activities;

/// <summary>
/// The group commit's write-ahead file: Send-SalesActivity stores accepted activities in LiteDB a group at a time
/// (one transaction per 300, where one per activity cost most of the cmdlet's time), and before a row is accepted
/// it is appended here, one JSON line, written through to the operating system. A killed process (kill -9, a crash)
/// therefore loses nothing it accepted: the next process that opens the database's activities inserts the lines
/// whose ids are not stored yet (<see cref="ReplayLeftOver"/>) and deletes the file. One file per caller
/// (<c>&lt;db&gt;.accepting-&lt;guid&gt;.jsonl</c>, owner-only: it holds emails), emptied after each group commits and
/// deleted when the caller ends. Like LiteDB's own log it is not fsync'ed per line: it survives the process, not a
/// power cut.
/// </summary>
internal sealed class AcceptJournal : IDisposable
{
    private const string Infix = ".accepting-";
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    private readonly string _path;
    private FileStream? _file;

    public AcceptJournal(string databasePath) => _path = databasePath + Infix + Guid.NewGuid().ToString("N") + ".jsonl";

    /// <summary>Appends one accepted activity and hands it to the operating system before returning.</summary>
    public void Append(SalesActivity activity)
    {
        _file ??= DatabaseFile.OpenOwnerOnly(_path, FileMode.CreateNew, FileShare.Read);
        _file.Write(JsonSerializer.SerializeToUtf8Bytes(activity, Json));
        _file.Write(NewLine);
        _file.Flush();
    }

    /// <summary>The group is committed to the database: the lines are no longer needed.</summary>
    public void Clear()
    {
        if (_file is null) return;
        _file.SetLength(0);
        _file.Flush();
    }

    public void Dispose()
    {
        if (_file is null) return;
        _file.Dispose();
        _file = null;
        File.Delete(_path);
    }

    /// <summary>
    /// Inserts what killed callers accepted and never committed (ids already stored are skipped; a line cut off by the
    /// kill is ignored: its row was never accepted), then deletes their files. Runs when a process first opens a
    /// database's activities: the database lock keeps every other process out, and no caller of this one has a file yet.
    /// </summary>
    public static void ReplayLeftOver(string databasePath, ActivityStore store)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(databasePath)) ?? ".";
        var prefix = Path.GetFileName(databasePath) + Infix;
        if (!Directory.Exists(folder)) return;
        foreach (var file in Directory.EnumerateFiles(folder, prefix + "*.jsonl"))
        {
            var left = new List<SalesActivity>();
            foreach (var line in File.ReadLines(file, Encoding.UTF8))
            {
                try
                {
                    if (JsonSerializer.Deserialize<SalesActivity>(line, Json) is { } activity && store.Find(activity.ActivityId) is null) left.Add(activity);
                }
                catch (JsonException)
                {
                    // The last line, cut off by the kill.
                }
            }
            foreach (var group in left.DistinctBy(a => a.ActivityId).Chunk(ActivityLogger.BatchSize)) store.Add(group);
            if (left.Count > 0) Diagnostics.EngineObserver.Current.Verbose($"{left.Count} accepted activities a stopped process had not yet stored are stored now (from {Path.GetFileName(file)}).");
            File.Delete(file);
        }
    }
}
