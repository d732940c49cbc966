using System.Collections.Concurrent;
using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SalesSync.Core.Store;

namespace SalesSync.Core.Activities;

/// <summary>
/// The group commit's write-ahead file: Send-SalesActivity stores accepted activities in LiteDB a group at a time
/// (one transaction per 300, where one per activity cost most of the cmdlet's time), and before a row is accepted
/// it is appended here, one JSON line, written through to the operating system. A killed process (kill -9, a crash)
/// therefore loses nothing it accepted: the next process that writes the database's activities inserts the lines
/// whose ids are not stored yet (<see cref="ReplayLeftOver"/>) and deletes the file. One file per caller
/// (<c>&lt;db&gt;.accepting-&lt;32 hex&gt;.jsonl</c>, owner-only: it holds emails), its first line naming the database
/// (<see cref="ActivityStore.JournalIdentity"/>), emptied after each group commits and deleted when the caller ends.
/// Like LiteDB's own log it is not fsync'ed per line: it survives the process, not a power cut. An encrypted
/// database has none (it would hold its activities in plain text): its rows are committed one by one.
/// </summary>
internal sealed class AcceptJournal : IDisposable
{
    private const string Infix = ".accepting-";
    private const string Extension = ".jsonl";
    private const int Format = 1;
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Files already warned about in this process (a file that fails the checks is named once, not per caller).</summary>
    private static readonly ConcurrentDictionary<string, byte> Warned = new(StringComparer.Ordinal);

    private readonly string _identity;
    private FileStream? _file;

    public AcceptJournal(string databasePath, string identity)
    {
        Path = databasePath + Infix + Guid.NewGuid().ToString("N") + Extension;
        _identity = identity;
    }

    public string Path { get; }

    /// <summary>The first line: which database the rows belong to (checked on replay).</summary>
    private sealed record Header(int SalesSyncAcceptJournal, string Database);

    /// <summary>Appends one accepted activity and hands it to the operating system before returning.</summary>
    public void Append(SalesActivity activity)
    {
        _file ??= DatabaseFile.OpenOwnerOnly(Path, FileMode.CreateNew, FileShare.Read);
        if (_file.Length == 0) WriteLine(JsonSerializer.SerializeToUtf8Bytes(new Header(Format, _identity)));
        WriteLine(JsonSerializer.SerializeToUtf8Bytes(activity, Json));
        _file.Flush();
    }

    private void WriteLine(byte[] json)
    {
        _file!.Write(json);
        _file.Write(NewLine);
    }

    /// <summary>The group is committed to the database: the lines are no longer needed.</summary>
    public void Clear()
    {
        if (_file is null) return;
        _file.SetLength(0);
        _file.Flush();
    }

    /// <summary>The group changed (a row dropped): the file holds exactly these rows again.</summary>
    public void Rewrite(IEnumerable<SalesActivity> group)
    {
        Clear();
        foreach (var activity in group) Append(activity);
    }

    /// <summary>Closes the file and leaves it where it is (to be replayed).</summary>
    public void Release()
    {
        _file?.Dispose();
        _file = null;
    }

    public void Dispose()
    {
        if (_file is null) return;
        Release();
        File.Delete(Path);
    }

    /// <summary>Whether a file name is exactly one of this database's journals (no pattern matching of the database name).</summary>
    internal static bool IsJournalName(string fileName, string databaseFileName)
    {
        var prefix = databaseFileName + Infix;
        return fileName.Length == prefix.Length + 32 + Extension.Length
               && fileName.StartsWith(prefix, StringComparison.Ordinal)
               && fileName.EndsWith(Extension, StringComparison.Ordinal)
               && fileName.AsSpan(prefix.Length, 32).IndexOfAnyExcept("0123456789abcdef") < 0;
    }

    /// <summary>
    /// Inserts what killed callers of this database accepted and never committed, then deletes their files. Only files
    /// that pass every check are read (<see cref="ReplayFile"/>); the others are named once in a warning and left.
    /// Never throws: a journal that cannot be read is a warning, not a failure of the activities.
    /// </summary>
    public static void ReplayLeftOver(string databasePath, string identity, ActivityStore store)
    {
        var full = System.IO.Path.GetFullPath(databasePath);
        var folder = System.IO.Path.GetDirectoryName(full) ?? ".";
        var name = System.IO.Path.GetFileName(full);
        List<string> files;
        try
        {
            // The folder listed whole and filtered here: the database name (user text) is never a search pattern.
            files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder).Where(f => IsJournalName(System.IO.Path.GetFileName(f), name)).ToList() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WarnOnce(folder, $"its folder cannot be listed: {e.Message}");
            return;
        }
        foreach (var file in files) ReplayFile(file, identity, store);
    }

    /// <summary>
    /// Stores one journal's rows whose ids are not stored yet, then deletes it; true when done. The file must be
    /// SalesSync's for this database: a plain file (not a link), owner-only, its header naming this database, every
    /// row in a state a caller stages (Pending, Held, Refused; nothing sent). A sent email comes back Held, so the
    /// send guard checks it again before it is delivered. A file failing a check is warned about and never deleted.
    /// </summary>
    internal static bool ReplayFile(string file, string identity, ActivityStore store)
    {
        try
        {
            if (Distrust(file) is { } why)
            {
                WarnOnce(file, why);
                return false;
            }
            var lines = File.ReadAllLines(file, Encoding.UTF8);
            if (lines.Length > 0)
            {
                if (ReadHeader(lines[0]) is not { } header || header.SalesSyncAcceptJournal != Format || !string.Equals(header.Database, identity, StringComparison.Ordinal))
                {
                    WarnOnce(file, "its first line does not name this database");
                    return false;
                }
                var rows = new List<SalesActivity>();
                for (var i = 1; i < lines.Length; i++)
                {
                    SalesActivity? row;
                    try
                    {
                        row = JsonSerializer.Deserialize<SalesActivity>(lines[i], Json);
                    }
                    catch (JsonException) when (i == lines.Length - 1)
                    {
                        continue; // the last line, cut off by the kill: its row was never accepted
                    }
                    catch (JsonException)
                    {
                        row = null;
                    }
                    if (row is null || !Stageable(row))
                    {
                        WarnOnce(file, $"line {i + 1} is not an activity a caller accepts");
                        return false;
                    }
                    rows.Add(AsReplayed(row));
                }
                var left = rows.DistinctBy(a => a.ActivityId, StringComparer.OrdinalIgnoreCase).Where(a => store.Find(a.ActivityId) is null).ToList();
                foreach (var group in left.Chunk(ActivityLogger.BatchSize)) store.Add(group);
                if (left.Count > 0) Diagnostics.EngineObserver.Current.Verbose($"{left.Count} accepted activities a stopped process had not yet stored are stored now (from {System.IO.Path.GetFileName(file)}).");
            }
            File.Delete(file);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SalesActivityException || e.GetType().FullName?.StartsWith("LiteDB.", StringComparison.Ordinal) == true)
        {
            WarnOnce(file, e.Message);
            return false;
        }
    }

    private static Header? ReadHeader(string line)
    {
        try
        {
            return JsonSerializer.Deserialize<Header>(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Why a file is not trusted as SalesSync's own journal, or null.</summary>
    private static string? Distrust(string file)
    {
        var info = new FileInfo(file);
        if (info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint)) return "it is a link, not a file SalesSync wrote";
        if (OperatingSystem.IsWindows()) return DistrustAccess(info);
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var mode = File.GetUnixFileMode(file);
        return mode == ownerOnly ? null : $"its permissions are {Convert.ToString((int)mode, 8).PadLeft(4, '0')}, not owner-only 0600 as SalesSync makes them";
    }

    /// <summary>Windows: SalesSync's journal is owned by this user and grants access to this user only (a protected list).</summary>
    [SupportedOSPlatform("windows")]
    private static string? DistrustAccess(FileInfo info)
    {
        using var identity = WindowsIdentity.GetCurrent();
        var security = info.GetAccessControl();
        // An elevated process's files are owned by its Administrators group: a group of this user counts as this user.
        if (security.GetOwner(typeof(SecurityIdentifier)) is not SecurityIdentifier owner || (owner != identity.User && identity.Groups?.Contains(owner) != true))
            return "it is not owned by the current user";
        var others = security.GetAccessRules(true, true, typeof(SecurityIdentifier)).Cast<FileSystemAccessRule>()
            .Any(r => r.AccessControlType == AccessControlType.Allow && !Equals(r.IdentityReference, identity.User));
        return others ? "other users can read or write it (SalesSync makes it owner-only)" : null;
    }

    /// <summary>States a caller stages: nothing sent, nothing delivered.</summary>
    private static bool Stageable(SalesActivity a) =>
        a.ActivityId is { Length: > 0 }
        && a.Marketo.State is DeliveryState.Pending or DeliveryState.Held or DeliveryState.Refused
        && a.Salesforce.State is DeliveryState.Pending or DeliveryState.Held or DeliveryState.Refused or DeliveryState.NotRequired
        && a.Marketo.RemoteId is null && a.Salesforce.RemoteId is null && a.Marketo.Attempts == 0 && a.Salesforce.Attempts == 0;

    /// <summary>
    /// A replayed row never skips the send guard: a sent email not refused comes back Held (whether it was held or already
    /// allowed), and the next delivery's check of held rows no live caller holds decides it again; other kinds are never held.
    /// </summary>
    private static SalesActivity AsReplayed(SalesActivity a) =>
        a.Marketo.State == DeliveryState.Refused ? a
        : Unsubscribes.SendGuard.Applies(a.Kind) ? ActivityLogger.Held(a)
        : ActivityLogger.Released(a);

    private static void WarnOnce(string path, string why)
    {
        if (Warned.TryAdd(path, 0))
            Diagnostics.EngineObserver.Current.Warning(
                $"{path} is not replayed as an accept journal of this database ({why}). It is left as it is; if SalesSync did not write it, move or delete it.");
    }
}
