using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using LiteDB;
using SalesSync.Core.Http;

namespace SalesSync.Core.Store;

/// <summary>
/// The process's open databases: one <see cref="SyncStore"/> (one LiteDatabase) per file, shared by
/// every session and runspace and reference-counted; the file closes when the last lease is released.
/// Two LiteDatabase objects on one file in one process would not coordinate with each other.
/// </summary>
internal static class StoreRegistry
{
    private static readonly object Sync = new();
    private static readonly Dictionary<string, Entry> Entries = new(PathComparer);

    private sealed class Entry(SyncStore store, Secret? password)
    {
        public SyncStore Store { get; } = store;
        public Secret? Password { get; } = password;
        public int Leases;
    }

    /// <summary>Paths compare case-insensitively where the file system usually does.</summary>
    private static StringComparer PathComparer =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase;

    /// <summary>How many databases this process has open (for tests).</summary>
    public static int OpenCount
    {
        get { lock (Sync) return Entries.Count; }
    }

    /// <summary>
    /// Refuses, without writing anything, a path that cannot become a SalesSync database: a folder, or an
    /// existing file that is not a SalesSync (LiteDB) database. Cheap; run before any network call.
    /// </summary>
    public static void CheckPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new StoreException(StoreFailureReason.NotWritable, full, $"'{full}' is a folder; give a file path for the database.");
        RefuseForeign(full, Classify(full));
    }

    /// <summary>Opens (or shares) the database for <paramref name="marketoInstance"/>; dispose the lease when done.</summary>
    public static StoreLease Open(string path, string marketoInstance, Secret? password)
    {
        var full = System.IO.Path.GetFullPath(path);
        lock (Sync)
        {
            if (Entries.TryGetValue(full, out var entry))
            {
                CheckInstance(entry.Store.MarketoInstance, marketoInstance, full);
                if (!SamePassword(entry.Password, password))
                    throw new StoreException(entry.Password is null ? StoreFailureReason.NotEncrypted : StoreFailureReason.WrongPassword, full,
                        entry.Password is null
                            ? $"The database '{full}' is not encrypted; connect without a database password."
                            : $"The password does not open the database '{full}'.");
                entry.Leases++;
                return new StoreLease(entry.Store, Release);
            }
            var store = OpenFile(full, marketoInstance, password);
            Entries[full] = new Entry(store, password) { Leases = 1 };
            return new StoreLease(store, Release);
        }
    }

    /// <summary>
    /// The Marketo instance an existing SalesSync database records, read without writing anything (a file this
    /// process has open answers from memory); null for a SalesSync database that records none yet (the foundation
    /// release's, which <see cref="Stamp"/> claims for the first instance that opens it). Whatever leaves the owner
    /// unknown throws a <see cref="StoreException"/>: in use, encrypted without (or with a wrong) password, not a
    /// SalesSync database, unreadable. For the pre-per-instance default database only.
    /// </summary>
    public static string? RecordedInstance(string path, Secret? password)
    {
        var full = System.IO.Path.GetFullPath(path);
        lock (Sync)
        {
            if (Entries.TryGetValue(full, out var entry)) return entry.Store.MarketoInstance;
        }
        var kind = Classify(full);
        if (kind == DatabaseFileKind.Missing)
            throw new StoreException(StoreFailureReason.NotWritable, full, $"The database '{full}' does not exist.");
        RefuseForeign(full, kind);
        if (kind == DatabaseFileKind.EncryptedLiteDb && password is null)
            throw new StoreException(StoreFailureReason.PasswordRequired, full,
                $"The database '{full}' is encrypted; give its password (-DatabasePassword or SALESSYNC_DATABASE_PASSWORD).");
        // Closing a read-only LiteDB deletes an empty log, which a writer in another process may be using: read only
        // under the writers' lock, and take it without waiting (held means in use).
        var fileLock = DatabaseLock.Acquire(full);
        try
        {
            using var database = Connect(full, kind == DatabaseFileKind.EncryptedLiteDb ? password : null, readOnly: true);
            if (database.CollectionExists(SyncStore.MetaCollection) && database.GetCollection(SyncStore.MetaCollection).FindById(SyncStore.MetaId) is { } doc)
                return doc["marketoInstance"].IsString ? doc["marketoInstance"].AsString : null;
            if (database.CollectionExists(LegacyMeta.Collection) && database.GetCollection(LegacyMeta.Collection).FindById(LegacyMeta.Id) is not null)
                return null;
            throw new StoreException(StoreFailureReason.NotASalesSyncDatabase, full, $"'{full}' is a LiteDB file that SalesSync did not create; it was left untouched.");
        }
        catch (LiteException e) when (e.Message.Contains("password", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreException(StoreFailureReason.WrongPassword, full, $"The password does not open the database '{full}'.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteException or NotSupportedException or InvalidOperationException)
        {
            throw new StoreException(StoreFailureReason.NotWritable, full, $"The database '{full}' cannot be read: {e.Message}", e);
        }
        finally
        {
            fileLock.ReleaseAndRemoveIfCreated();
        }
    }

    /// <summary>Closes every database (module removal); leases still held become no-ops.</summary>
    public static void CloseAll()
    {
        lock (Sync)
        {
            foreach (var entry in Entries.Values) entry.Store.Dispose();
            Entries.Clear();
        }
    }

    private static void Release(SyncStore store)
    {
        lock (Sync)
        {
            if (!Entries.TryGetValue(store.Path, out var entry) || !ReferenceEquals(entry.Store, store)) return;
            if (--entry.Leases > 0) return;
            Entries.Remove(store.Path);
            store.Dispose();
        }
    }

    private static SyncStore OpenFile(string full, string marketoInstance, Secret? password)
    {
        CheckPath(full);
        try
        {
            DatabaseFile.EnsureFolder(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new StoreException(StoreFailureReason.NotWritable, full, $"The folder of '{full}' cannot be created: {e.Message}", e);
        }
        var fileLock = DatabaseLock.Acquire(full);
        var createdFile = false;
        var createdLog = false;
        try
        {
            var kind = Classify(full); // again, now that no other SalesSync process can change it
            RefuseForeign(full, kind);
            if (kind == DatabaseFileKind.EncryptedLiteDb && password is null)
                throw new StoreException(StoreFailureReason.PasswordRequired, full,
                    $"The database '{full}' is encrypted; give its password (-DatabasePassword or SALESSYNC_DATABASE_PASSWORD).");
            if (kind == DatabaseFileKind.LiteDb && password is not null)
                throw new StoreException(StoreFailureReason.NotEncrypted, full,
                    $"The database '{full}' is not encrypted; connect without a database password, or give a new -Database path to start an encrypted one.");
            var logPath = DatabaseFile.LogPath(full);
            if (kind == DatabaseFileKind.Missing)
            {
                // LiteDB would take a file already at its log path as the new database's log and finally delete it.
                if (File.Exists(logPath))
                    throw new StoreException(StoreFailureReason.NotASalesSyncDatabase, full,
                        $"'{logPath}' exists, where the new database's write-ahead log would go; it was left untouched. Move it, or give another -Database.");
                createdFile = DatabaseFile.TryCreateOwnerOnly(full);
            }
            // The marker check opens the file read-only and, closing, deletes an empty log: it goes first.
            if (!createdFile) RequireMarker(full, password);
            // LiteDB creates its log with the default file mode; creating it first keeps it owner-only.
            createdLog = DatabaseFile.TryCreateOwnerOnly(logPath);

            var database = Connect(full, password, readOnly: false, create: createdFile);
            try
            {
                var meta = Stamp(database, full, marketoInstance);
                WarnAboutCultureCollation(database, full);
                return new SyncStore(full, database, fileLock, meta.Instance, password is not null, meta.CreatedAt);
            }
            catch
            {
                database.Dispose();
                throw;
            }
        }
        catch (Exception e)
        {
            // Remove what this open made while still holding the lock, then release (and drop a lock file it made).
            if (createdFile) TryDelete(full);
            if (createdLog) TryDelete(DatabaseFile.LogPath(full));
            fileLock.ReleaseAndRemoveIfCreated();
            if (e is StoreException) throw;
            if (e is LiteException { Message: var m } && m.Contains("password", StringComparison.OrdinalIgnoreCase))
                throw new StoreException(StoreFailureReason.WrongPassword, full, $"The password does not open the database '{full}'.", e);
            if (e is IOException or UnauthorizedAccessException or LiteException or NotSupportedException)
                throw new StoreException(StoreFailureReason.NotWritable, full, $"The database '{full}' cannot be opened for writing: {e.Message}", e);
            throw;
        }
    }

    private static DatabaseFileKind Classify(string full)
    {
        try
        {
            return DatabaseFile.Classify(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException(StoreFailureReason.NotWritable, full, $"The database '{full}' cannot be read: {e.Message}", e);
        }
    }

    private static void RefuseForeign(string full, DatabaseFileKind kind)
    {
        if (kind is DatabaseFileKind.Foreign or DatabaseFileKind.Empty)
            throw new StoreException(StoreFailureReason.NotASalesSyncDatabase, full,
                $"'{full}' exists and is not a SalesSync database{(kind == DatabaseFileKind.Empty ? " (it is empty)" : "")}; it was left untouched. Give a new file name or an existing SalesSync database.");
    }

    /// <summary>Checks, read-only, that an existing LiteDB file is one SalesSync made, before opening it for writing.</summary>
    private static void RequireMarker(string full, Secret? password)
    {
        using var database = Connect(full, password, readOnly: true);
        var ours = database.CollectionExists(SyncStore.MetaCollection) && database.GetCollection(SyncStore.MetaCollection).FindById(SyncStore.MetaId) is not null
            || database.CollectionExists(LegacyMeta.Collection) && database.GetCollection(LegacyMeta.Collection).FindById(LegacyMeta.Id) is not null;
        if (!ours)
            throw new StoreException(StoreFailureReason.NotASalesSyncDatabase, full,
                $"'{full}' is a LiteDB file that SalesSync did not create; it was left untouched. Give a new file name or an existing SalesSync database.");
    }

    /// <param name="create">The file is new (empty): LiteDB writes its header with the invariant collation.</param>
    private static LiteDatabase Connect(string full, Secret? password, bool readOnly, bool create = false) =>
        new(new ConnectionString
        {
            Filename = full,
            Connection = ConnectionType.Direct,
            Password = password?.Reveal(),
            ReadOnly = readOnly,
            Upgrade = false,
            // New files get the invariant culture, ignoring case, so INFO@ matches info@ whatever the culture of the machine
            // that made them (tr-TR's dotted and dotless I would not). Existing files are opened with the collation in their
            // header: LiteDB refuses to open a file whose collation differs from one given here.
            Collation = create ? InvariantCollation : null,
        });

    /// <summary>
    /// A database made before new databases got the invariant collation keeps the culture of the machine that made it.
    /// Under Turkish or Azerbaijani rules "I" and "i" are different letters ignoring case, so INFO@ would not find info@:
    /// said once per open, with the way out (LiteDB cannot change a file's collation in place).
    /// </summary>
    private static void WarnAboutCultureCollation(LiteDatabase database, string full)
    {
        var culture = database.Collation.Culture;
        if (culture.TwoLetterISOLanguageName is not ("tr" or "az")) return;
        Diagnostics.EngineObserver.Current.Warning(
            $"The database '{full}' was created under the {culture.Name} culture, whose case rules differ for I and i: email lookups (Get-SyncedPerson -Email, Send-SalesActivity -Email, -Duplicate) can miss addresses that differ only in case. A new database (another -Database, then Start-SalesSync -Full) uses the invariant culture.");
    }

    /// <summary>The collation of new databases: invariant culture, ignoring case.</summary>
    internal static readonly Collation InvariantCollation = new(System.Globalization.CultureInfo.InvariantCulture.LCID, System.Globalization.CompareOptions.IgnoreCase);

    private static (string Instance, DateTime CreatedAt) Stamp(LiteDatabase database, string full, string marketoInstance)
    {
        var meta = database.GetCollection(SyncStore.MetaCollection);
        var doc = meta.FindById(SyncStore.MetaId);
        if (doc is not null)
        {
            if (doc["schemaVersion"].IsInt32 && doc["schemaVersion"].AsInt32 > SyncStore.SchemaVersion)
                throw new StoreException(StoreFailureReason.NewerSchema, full,
                    $"The database '{full}' was written by a newer SalesSync (schema {doc["schemaVersion"].AsInt32}; this version reads {SyncStore.SchemaVersion}). Update the module.");
            var recorded = doc["marketoInstance"].AsString;
            CheckInstance(recorded, marketoInstance, full);
            if (!doc["schemaVersion"].IsInt32 || doc["schemaVersion"].AsInt32 < SyncStore.SchemaVersion)
            {
                // Claimed for this schema, so an older SalesSync refuses the file (NewerSchema) instead of writing
                // activities the tally would not count.
                doc["schemaVersion"] = SyncStore.SchemaVersion;
                meta.Update(doc);
            }
            return (recorded, doc["createdAt"].AsDateTime);
        }
        // A new database, or one the foundation release made (it recorded no instance): claim it now.
        var created = DateTime.UtcNow;
        meta.Insert(new BsonDocument
        {
            ["_id"] = SyncStore.MetaId,
            ["app"] = "SalesSync",
            ["schemaVersion"] = SyncStore.SchemaVersion,
            ["marketoInstance"] = marketoInstance,
            ["createdAt"] = created,
        });
        if (database.CollectionExists(LegacyMeta.Collection)) database.DropCollection(LegacyMeta.Collection);
        return (marketoInstance, created);
    }

    private static void CheckInstance(string recorded, string requested, string full)
    {
        if (!string.Equals(recorded, requested, StringComparison.OrdinalIgnoreCase))
            throw new StoreException(StoreFailureReason.WrongMarketoInstance, full,
                $"The database '{full}' holds the people of Marketo instance '{recorded}', not '{requested}'. Give each instance its own -Database.");
    }

    private static bool SamePassword(Secret? a, Secret? b)
    {
        if (a is null || b is null) return a is null && b is null;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a.Reveal()), Encoding.UTF8.GetBytes(b.Reveal()));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The marker the foundation release wrote (collection "meta", id "schema").</summary>
    private static class LegacyMeta
    {
        public const string Collection = "meta";
        public const string Id = "schema";
    }
}

/// <summary>A session's hold on a shared store; the store closes when its last lease is disposed.</summary>
internal sealed class StoreLease(SyncStore store, Action<SyncStore> release) : IDisposable
{
    private int _released;

    public SyncStore Store { get; } = store;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) release(Store);
    }
}
