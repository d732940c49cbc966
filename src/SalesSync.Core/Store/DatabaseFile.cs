using System.Runtime.Versioning;
using System.Security.AccessControl;
using System.Security.Principal;
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
/// write-ahead log, the lock file and the bulk export files readable by the current user only: a Unix mode of
/// 600 (folders 700), and on Windows an explicit access list granting the current user alone, not inherited
/// from the folder (a file there would otherwise be as readable as its folder, e.g. by every user of a shared
/// machine). Files and folders that already exist are left as they are, except the export folder (ours alone).
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

    /// <summary>Creates the folder of <paramref name="path"/> (owner-only when SalesSync creates it).</summary>
    public static void EnsureFolder(string path)
    {
        var folder = Path.GetDirectoryName(path);
        if (string.IsNullOrEmpty(folder) || Directory.Exists(folder)) return;
        CreateOwnerOnlyFolder(folder);
    }

    /// <summary>A folder that only SalesSync writes to (the export files): created owner-only, or made so if it exists.</summary>
    public static void EnsureOwnerOnlyFolder(string folder)
    {
        if (!Directory.Exists(folder)) CreateOwnerOnlyFolder(folder);
        else if (OperatingSystem.IsWindows()) new DirectoryInfo(folder).SetAccessControl(OwnerOnlyFolderSecurity());
        else File.SetUnixFileMode(folder, OwnerOnlyFolder);
    }

    private static void CreateOwnerOnlyFolder(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            var parent = Path.GetDirectoryName(Path.GetFullPath(folder));
            if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
            new DirectoryInfo(folder).Create(OwnerOnlyFolderSecurity());
        }
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

    /// <summary>Opens a file; one this call creates is owner-only from its first byte (the mode or access list is set at creation).</summary>
    public static FileStream OpenOwnerOnly(string path, FileMode mode, FileShare share)
    {
        if (OperatingSystem.IsWindows())
            return new FileInfo(path).Create(mode, FileSystemRights.Read | FileSystemRights.Write, share, 4096, FileOptions.None, OwnerOnlyFileSecurity());
        return new FileStream(path, new FileStreamOptions { Mode = mode, Access = FileAccess.ReadWrite, Share = share, UnixCreateMode = OwnerOnlyFile });
    }

    /// <summary>The current user alone, full control; the folder's inherited entries are cut off (a protected list).</summary>
    [SupportedOSPlatform("windows")]
    private static FileSecurity OwnerOnlyFileSecurity()
    {
        var security = new FileSecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(CurrentUser(), FileSystemRights.FullControl, AccessControlType.Allow));
        return security;
    }

    [SupportedOSPlatform("windows")]
    private static DirectorySecurity OwnerOnlyFolderSecurity()
    {
        var security = new DirectorySecurity();
        security.SetAccessRuleProtection(isProtected: true, preserveInheritance: false);
        security.AddAccessRule(new FileSystemAccessRule(CurrentUser(), FileSystemRights.FullControl,
            InheritanceFlags.ContainerInherit | InheritanceFlags.ObjectInherit, PropagationFlags.None, AccessControlType.Allow));
        return security;
    }

    [SupportedOSPlatform("windows")]
    private static SecurityIdentifier CurrentUser()
    {
        using var identity = WindowsIdentity.GetCurrent();
        return identity.User ?? throw new UnauthorizedAccessException("The current Windows user has no security identifier.");
    }
}
