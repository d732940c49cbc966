using System.Runtime.InteropServices;
using System.Text;

namespace SalesSync.Core.Store;

/// <summary>What an existing path holds, judged from its first bytes only (nothing is opened for writing).</summary>
internal enum DatabaseFileKind
{
    Missing,
    Empty,
    LiteDb,
    EncryptedLiteDb,
    Foreign,
}

/// <summary>
/// File-level rules of the store: recognise a LiteDB file before LiteDB ever touches it (LiteDB rewrites
/// a file it does not recognise, even when asked to open it read-only), and create new files, the
/// write-ahead log and the lock file readable by the current user only.
/// </summary>
internal static class DatabaseFile
{
    private const int PageSize = 8192;
    private static readonly byte[] HeaderInfo = Encoding.ASCII.GetBytes("** This is a LiteDB file **");
    private const int HeaderInfoOffset = 32;

    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static DatabaseFileKind Classify(string path)
    {
        if (!File.Exists(path)) return DatabaseFileKind.Missing;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length == 0) return DatabaseFileKind.Empty;
        if (stream.Length % PageSize != 0) return DatabaseFileKind.Foreign;
        var head = new byte[HeaderInfoOffset + HeaderInfo.Length];
        stream.ReadExactly(head);
        if (head.AsSpan(HeaderInfoOffset).SequenceEqual(HeaderInfo)) return DatabaseFileKind.LiteDb;
        // LiteDB 5's AES file: byte 0 is 1, then the salt; the header page itself is encrypted.
        return head[0] == 1 ? DatabaseFileKind.EncryptedLiteDb : DatabaseFileKind.Foreign;
    }

    /// <summary>LiteDB's write-ahead log beside the data file: "sync.db" → "sync-log.db".</summary>
    public static string LogPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    public static string LockPath(string path) => path + ".lock";

    /// <summary>Creates the folder (owner-only when SalesSync creates it).</summary>
    public static void EnsureFolder(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder)) return;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, OwnerOnlyFolder);
    }

    /// <summary>Creates an empty file readable by the owner only; false when it already exists (it is left as it is).</summary>
    public static bool TryCreateOwnerOnly(string path)
    {
        try
        {
            using var _ = OpenOwnerOnly(path, FileMode.CreateNew, FileShare.ReadWrite);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    public static FileStream OpenOwnerOnly(string path, FileMode mode, FileShare share)
    {
        var options = new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = share };
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) options.UnixCreateMode = OwnerOnlyFile;
        return new FileStream(path, options);
    }
}
