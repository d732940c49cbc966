using SalesSync.Core.Store;

namespace SalesSync.Core.Report;

/// <summary>
/// The files Export-SalesSyncReport never replaces, even with -Force: the connected database and every file SalesSync
/// keeps beside it (replacing one with HTML loses the data or breaks the lock), and any LiteDB database.
/// </summary>
public static class ReportTarget
{
    /// <summary>Paths compare without regard to case where the file system usually ignores it.</summary>
    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// What <paramref name="path"/> (or the file a symlink there leads to) is to the database at <paramref name="databasePath"/>:
    /// "the SalesSync database", "the SalesSync database's lock file", ...; null when it is none of them.
    /// </summary>
    public static string? DatabaseFileOf(string databasePath, string path)
    {
        var full = Path.GetFullPath(path);
        var database = Path.GetFullPath(databasePath);
        return What(database, full) ?? (FinalTarget(full) is { } target ? What(database, target) : null);
    }

    /// <summary>Whether <paramref name="path"/> is an existing LiteDB file (plain or encrypted): some SalesSync database, if not the connected one. Read only; call it on a regular file.</summary>
    public static bool IsLiteDb(string path) => DatabaseFile.Classify(path) is DatabaseFileKind.LiteDb or DatabaseFileKind.EncryptedLiteDb;

    /// <summary>The file a symlink leads to in the end; null when <paramref name="path"/> is no symlink.</summary>
    public static string? FinalTarget(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
    }

    private static string? What(string database, string path)
    {
        if (path.Equals(database, PathComparison)) return "the SalesSync database";
        if (path.Equals(DatabaseFile.LockPath(database), PathComparison)) return "the SalesSync database's lock file";
        if (path.Equals(DatabaseFile.LogPath(database), PathComparison)) return "the SalesSync database's write-ahead log";
        if (string.Equals(Path.GetDirectoryName(path), Path.GetDirectoryName(database), PathComparison)
            && Activities.AcceptJournal.IsJournalName(Path.GetFileName(path), Path.GetFileName(database))) return "an accept journal of the SalesSync database";
        var exports = Sync.ExportFiles.FolderOf(database);
        if (path.Equals(exports, PathComparison) || path.StartsWith(exports + Path.DirectorySeparatorChar, PathComparison)) return "the SalesSync database's export folder";
        return null;
    }
}
