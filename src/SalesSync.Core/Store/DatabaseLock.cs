namespace SalesSync.Core.Store;

/// <summary>
/// The cross-process writer lock: "&lt;database&gt;.lock" held open with FileShare.None while this process
/// has the database open. LiteDB's direct mode takes only a shared lock on Linux and macOS, so without
/// this two processes could both write one file. The OS drops the lock when the process ends, even on
/// kill -9. The lock file itself is empty and stays in place (deleting it would race a waiting opener).
/// </summary>
internal sealed class DatabaseLock : IDisposable
{
    private readonly FileStream _handle;
    private readonly string _path;
    private readonly bool _created;

    private DatabaseLock(FileStream handle, string path, bool created)
    {
        _handle = handle;
        _path = path;
        _created = created;
    }

    public static DatabaseLock Acquire(string databasePath)
    {
        var lockPath = DatabaseFile.LockPath(databasePath);
        try
        {
            var existed = File.Exists(lockPath);
            return new DatabaseLock(DatabaseFile.OpenOwnerOnly(lockPath, FileMode.OpenOrCreate, FileShare.None), lockPath, !existed);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            throw new StoreException(StoreFailureReason.InUse, databasePath,
                $"The database '{databasePath}' is open in another process (lock '{lockPath}' is held). Close the other SalesSync session or give another -Database.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(StoreFailureReason.NotWritable, databasePath, $"The database lock '{lockPath}' cannot be created: {e.Message}", e);
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>Releases the lock and, when this open made the lock file, removes it (an open that was refused leaves nothing behind).</summary>
    public void ReleaseAndRemoveIfCreated()
    {
        _handle.Dispose();
        if (!_created) return;
        try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
