using SalesSync.Core.Store;

namespace SalesSync.Core.Report;

/// <summary>
/// The files Export-SalesSyncReport never replaces, even with -Force: the connected database and every file SalesSync
/// keeps beside it (replacing one with HTML loses the data or breaks the lock), and any LiteDB database.
/// </summary>
public static class ReportTarget
{
    /// <summary>
    /// Paths compare without regard to case on every system: a case-insensitive mount (drvfs, CIFS, casefold ext4) can
    /// name the database's files in any case, and refusing a differently-cased report name is harmless.
    /// </summary>
    private const StringComparison PathComparison = StringComparison.OrdinalIgnoreCase;

    /// <summary>
    /// What <paramref name="path"/> (or the file a symlink there leads to) is to the database at <paramref name="databasePath"/>:
    /// "the SalesSync database", "the SalesSync database's lock file", ...; null when it is none of them. Both paths are
    /// compared with every symlinked folder on the way resolved, so a link to the database's folder is no way around it.
    /// </summary>
    public static string? DatabaseFileOf(string databasePath, string path)
    {
        var full = RealPath(Path.GetFullPath(path));
        var database = RealPath(Path.GetFullPath(databasePath));
        return What(database, full) ?? (FinalTarget(full) is { } target ? What(database, RealPath(target)) : null);
    }

    /// <summary>The path with each symlinked folder on the way replaced by the folder it leads to (the last part kept as given).</summary>
    internal static string RealPath(string fullPath)
    {
        var parent = Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(parent)) return fullPath;
        var resolved = RealPath(parent);
        try
        {
            var folder = new DirectoryInfo(resolved);
            if (folder.LinkTarget is not null && folder.ResolveLinkTarget(returnFinalTarget: true) is { } target)
                resolved = RealPath(Path.GetFullPath(target.FullName));
        }
        catch (IOException)
        {
            // An unreadable link is compared as written.
        }
        catch (UnauthorizedAccessException)
        {
        }
        return Path.Combine(resolved, Path.GetFileName(fullPath));
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
