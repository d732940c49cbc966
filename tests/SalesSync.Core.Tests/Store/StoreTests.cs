using System.Globalization;
using System.Runtime.InteropServices;
using LiteDB;
using SalesSync.Core.Http;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Store;

/// <summary>The store's rules: never touch a foreign file, one LiteDB per file per process, owner-only files, instance and password checks.</summary>
public class StoreTests
{
    private const string Instance = "123-abc-456.mktorest.com";

    [Fact]
    public void AFileThatIsNotADatabaseIsRefusedAndLeftUntouched()
    {
        using var temp = new TempFolder();
        var notes = temp.File("notes.txt");
        File.WriteAllText(notes, "Call Bob on Monday.\nBring the contract.\n");
        var before = File.ReadAllBytes(notes);
        var e = Assert.Throws<StoreException>(() => StoreRegistry.Open(notes, Instance, null));
        Assert.Equal(StoreFailureReason.NotASalesSyncDatabase, e.Reason);
        Assert.Contains("left untouched", e.Message);
        Assert.Equal(before, File.ReadAllBytes(notes));
        Assert.Equal([notes], Directory.GetFiles(temp.Path)); // no lock or log file made beside it
    }

    [Fact]
    public void AnEmptyFileIsRefused()
    {
        using var temp = new TempFolder();
        var empty = temp.File("empty.db");
        File.WriteAllBytes(empty, []);
        Assert.Equal(StoreFailureReason.NotASalesSyncDatabase, Assert.Throws<StoreException>(() => StoreRegistry.Open(empty, Instance, null)).Reason);
        Assert.Empty(File.ReadAllBytes(empty));
    }

    [Fact]
    public void ALiteDbFileSalesSyncDidNotCreateIsRefusedAndLeftUntouched()
    {
        using var temp = new TempFolder();
        var other = temp.File("other-app.db");
        using (var db = new LiteDatabase(new ConnectionString { Filename = other, Connection = ConnectionType.Direct }))
            db.GetCollection("customers").Insert(new BsonDocument { ["name"] = "Acme" });
        var before = File.ReadAllBytes(other);
        var e = Assert.Throws<StoreException>(() => StoreRegistry.Open(other, Instance, null));
        Assert.Equal(StoreFailureReason.NotASalesSyncDatabase, e.Reason);
        Assert.Equal(before, File.ReadAllBytes(other));
        Assert.Equal([other], Directory.GetFiles(temp.Path)); // no lock or log file left beside it
    }

    [Fact]
    public void AFileWhereTheNewDatabasesLogWouldGoIsLeftUntouched()
    {
        using var temp = new TempFolder();
        var path = temp.File("notes.txt");
        var log = DatabaseFile.LogPath(path); // notes-log.txt
        File.WriteAllText(log, "my important log notes\n");
        var e = Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, null));
        Assert.Equal(StoreFailureReason.NotASalesSyncDatabase, e.Reason);
        Assert.Contains(log, e.Message);
        Assert.Equal("my important log notes\n", File.ReadAllText(log));
        Assert.Equal([log], Directory.GetFiles(temp.Path));
    }

    [Fact]
    public void ANewDatabaseIsOwnerOnlyAndRecordsItsInstance()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "new-folder", "sync.db");
        using (var lease = StoreRegistry.Open(path, Instance, null))
        {
            Assert.Equal(Instance, lease.Store.MarketoInstance);
            lease.Store.Database.GetCollection("probe").Insert(new BsonDocument { ["x"] = 1 }); // the log file now holds data
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                Assert.Equal(ownerOnly, File.GetUnixFileMode(path));
                Assert.Equal(ownerOnly, File.GetUnixFileMode(DatabaseFile.LogPath(path)));
                Assert.Equal(ownerOnly, File.GetUnixFileMode(DatabaseFile.LockPath(path)));
                Assert.Equal(ownerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
            }
        }
        using var again = StoreRegistry.Open(path, Instance.ToUpperInvariant(), null);
        Assert.Equal(Instance, again.Store.MarketoInstance);
    }

    /// <summary>The new-admin trial: after a reconnect, and after LiteDB's checkpoints, the log stays owner-only.</summary>
    [Fact]
    public void TheLogStaysOwnerOnlyAcrossReopensAndCheckpoints()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;
        using var temp = new TempFolder();
        var path = temp.File("sync.db"); // a folder SalesSync did not create: its mode does not protect the files
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        for (var open = 0; open < 3; open++)
        {
            using var lease = StoreRegistry.Open(path, Instance, null);
            var probe = lease.Store.Database.GetCollection("probe");
            for (var batch = 0; batch < 30; batch++)
                probe.InsertBulk(Enumerable.Range(0, 200).Select(i => new BsonDocument { ["x"] = new string('x', 500) })); // past LiteDB's 1,000-page checkpoint
            lease.Store.Database.Checkpoint();
            probe.Insert(new BsonDocument { ["x"] = 1 });
            var log = DatabaseFile.LogPath(path);
            if (File.Exists(log)) Assert.Equal(ownerOnly, File.GetUnixFileMode(log));
            Assert.Equal(ownerOnly, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void ADatabaseOfAnotherInstanceIsAClearError()
    {
        using var temp = new TempFolder();
        var path = temp.File("sync.db");
        StoreRegistry.Open(path, Instance, null).Dispose();
        var e = Assert.Throws<StoreException>(() => StoreRegistry.Open(path, "999-xyz-000.mktorest.com", null));
        Assert.Equal(StoreFailureReason.WrongMarketoInstance, e.Reason);
        Assert.Contains(Instance, e.Message);
        // Also while it is open in this process.
        using var open = StoreRegistry.Open(path, Instance, null);
        Assert.Equal(StoreFailureReason.WrongMarketoInstance, Assert.Throws<StoreException>(() => StoreRegistry.Open(path, "999-xyz-000.mktorest.com", null)).Reason);
    }

    [Fact]
    public void OneLiteDatabasePerFileIsSharedAndReferenceCounted()
    {
        using var temp = new TempFolder();
        var path = temp.File("shared.db");
        var first = StoreRegistry.Open(path, Instance, null);
        var second = StoreRegistry.Open(Path.Combine(temp.Path, ".", "shared.db"), Instance, null);
        Assert.Same(first.Store, second.Store);
        Assert.Same(first.Store.Database, second.Store.Database);

        first.Dispose();
        first.Dispose(); // a lease releases once
        second.Store.Database.GetCollection("probe").Insert(new BsonDocument { ["still"] = "open" });
        Assert.Throws<IOException>(() => new FileStream(DatabaseFile.LockPath(path), FileMode.Open, FileAccess.ReadWrite, FileShare.None));

        second.Dispose();
        using var relock = new FileStream(DatabaseFile.LockPath(path), FileMode.Open, FileAccess.ReadWrite, FileShare.None); // closed: lock released
    }

    [Fact]
    public void ALockHeldElsewhereIsInUse()
    {
        using var temp = new TempFolder();
        var path = temp.File("busy.db");
        StoreRegistry.Open(path, Instance, null).Dispose();
        // Another opener (in a real second process this is the same OS lock; see the PowerShell tests for two processes).
        using (new FileStream(DatabaseFile.LockPath(path), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            var e = Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, null));
            Assert.Equal(StoreFailureReason.InUse, e.Reason);
        }
        StoreRegistry.Open(path, Instance, null).Dispose();
    }

    [Fact]
    public void APasswordEncryptsANewDatabaseAndIsNeededToOpenIt()
    {
        using var temp = new TempFolder();
        var path = temp.File("secret.db");
        using (var lease = StoreRegistry.Open(path, Instance, new Secret("correct horse")))
        {
            Assert.True(lease.Store.Encrypted);
            lease.Store.Database.GetCollection("people").Insert(new BsonDocument { ["email"] = "findme@example.com" });
        }
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(1, bytes[0]); // LiteDB's AES marker
        Assert.DoesNotContain("findme", System.Text.Encoding.UTF8.GetString(bytes));

        Assert.Equal(StoreFailureReason.PasswordRequired, Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, null)).Reason);
        var wrong = Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, new Secret("wrong")));
        Assert.Equal(StoreFailureReason.WrongPassword, wrong.Reason);
        Assert.DoesNotContain("wrong", wrong.Message.Replace("WrongPassword", ""), StringComparison.Ordinal);
        using var right = StoreRegistry.Open(path, Instance, new Secret("correct horse"));
        Assert.Equal(1, right.Store.Database.GetCollection("people").Count());
        // A second opener in this process must bring the same password.
        Assert.Equal(StoreFailureReason.WrongPassword, Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, new Secret("other"))).Reason);
    }

    [Fact]
    public void APasswordForAnUnencryptedDatabaseIsRefused()
    {
        using var temp = new TempFolder();
        var path = temp.File("plain.db");
        StoreRegistry.Open(path, Instance, null).Dispose();
        Assert.Equal(StoreFailureReason.NotEncrypted, Assert.Throws<StoreException>(() => StoreRegistry.Open(path, Instance, new Secret("pw"))).Reason);
    }

    [Fact]
    public void ADatabaseFromTheFoundationReleaseIsAdopted()
    {
        using var temp = new TempFolder();
        var path = temp.File("old.db");
        using (var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }))
            db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = 1, ["checkedAt"] = DateTime.UtcNow });
        using (var lease = StoreRegistry.Open(path, Instance, null)) Assert.Equal(Instance, lease.Store.MarketoInstance);
        Assert.Equal(StoreFailureReason.WrongMarketoInstance, Assert.Throws<StoreException>(() => StoreRegistry.Open(path, "other.mktorest.com", null)).Reason);
    }

    [Fact]
    public void TheRecordedInstanceIsReadOnlyUnderTheLockAndAnythingUnknownIsAnError()
    {
        using var temp = new TempFolder();
        var path = temp.File("salessync.db");
        StoreRegistry.Open(path, Instance, null).Dispose();
        File.Delete(DatabaseFile.LockPath(path));
        Assert.Equal(Instance, StoreRegistry.RecordedInstance(path, null));
        Assert.False(File.Exists(DatabaseFile.LockPath(path))); // the read leaves no lock file of its own

        // A writer in another process holds the lock and its (empty) log: in use, and the log is not deleted.
        var log = DatabaseFile.LogPath(path);
        File.WriteAllBytes(log, []);
        using (new FileStream(DatabaseFile.LockPath(path), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            Assert.Equal(StoreFailureReason.InUse, Assert.Throws<StoreException>(() => StoreRegistry.RecordedInstance(path, null)).Reason);
        Assert.True(File.Exists(log));

        var foundation = temp.File("foundation.db");
        using (var db = new LiteDatabase(new ConnectionString { Filename = foundation, Connection = ConnectionType.Direct }))
            db.GetCollection("meta").Upsert(new BsonDocument { ["_id"] = "schema", ["version"] = 1 });
        Assert.Null(StoreRegistry.RecordedInstance(foundation, null)); // records no instance: a candidate for any

        var secret = temp.File("secret.db");
        StoreRegistry.Open(secret, Instance, new Secret("pw")).Dispose();
        Assert.Equal(StoreFailureReason.PasswordRequired, Assert.Throws<StoreException>(() => StoreRegistry.RecordedInstance(secret, null)).Reason);
        Assert.Equal(StoreFailureReason.WrongPassword, Assert.Throws<StoreException>(() => StoreRegistry.RecordedInstance(secret, new Secret("no"))).Reason);
        Assert.Equal(Instance, StoreRegistry.RecordedInstance(secret, new Secret("pw")));

        var other = temp.File("other.db");
        using (var db = new LiteDatabase(new ConnectionString { Filename = other, Connection = ConnectionType.Direct }))
            db.GetCollection("things").Insert(new BsonDocument { ["x"] = 1 });
        Assert.Equal(StoreFailureReason.NotASalesSyncDatabase, Assert.Throws<StoreException>(() => StoreRegistry.RecordedInstance(other, null)).Reason);
    }

    [Fact]
    public void AFolderIsNotADatabase()
    {
        using var temp = new TempFolder();
        Assert.Equal(StoreFailureReason.NotWritable, Assert.Throws<StoreException>(() => StoreRegistry.Open(temp.Path, Instance, null)).Reason);
    }

    [Fact]
    public void ADatabaseCreatedUnderTurkishCultureMatchesEmailsInAnyCase()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "tr.db");
        var culture = CultureInfo.CurrentCulture;
        try
        {
            // tr-TR's "I" lowercases to dotless "ı": a collation taken from this culture would miss INFO@ for info@.
            CultureInfo.CurrentCulture = new CultureInfo("tr-TR");
            using (var lease = StoreRegistry.Open(path, Instance, null))
            {
                lease.Store.People.Upsert([new SalesSync.Core.People.PersonRecord { MarketoId = 1, Email = "INFO@ICLOUD.COM", SalesforceType = "Lead", SalesOwnerId = "0055g00000OWNERAAA" }], runId: 1);
                Assert.Equal(StoreRegistry.InvariantCollation.ToString(), lease.Store.Database.Collation.ToString());
                Assert.Equal(1, lease.Store.Database.GetCollection("people").Count(Query.EQ("email", "info@icloud.com")));
            }
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
        using var again = StoreRegistry.Open(path, Instance, null);
        Assert.Equal(1, again.Store.Database.GetCollection("people").Count(Query.EQ("email", "Info@iCloud.com")));
    }

    [Fact]
    public void ADatabaseMadeUnderTurkishCollationStillOpensAndSaysWhatItMisses()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "old-tr.db");
        // As SalesSync made databases before the invariant collation, on a tr-TR machine.
        using (var db = new LiteDatabase(new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Collation = new Collation("tr-TR/IgnoreCase") }))
            db.GetCollection(SyncStore.MetaCollection).Insert(new BsonDocument { ["_id"] = SyncStore.MetaId, ["app"] = "SalesSync", ["schemaVersion"] = SyncStore.SchemaVersion, ["marketoInstance"] = Instance, ["createdAt"] = DateTime.UtcNow });
        var observer = new RecordingObserver();
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(observer))
        using (var lease = StoreRegistry.Open(path, Instance, null))
        {
            Assert.Equal("tr-TR", lease.Store.Database.Collation.Culture.Name); // kept: LiteDB cannot change it in place
            lease.Store.People.Upsert([new SalesSync.Core.People.PersonRecord { MarketoId = 1, Email = "kept@example.com", SalesforceType = "Lead", SalesOwnerId = "0055g00000OWNERAAA" }], runId: 1);
            Assert.Equal(1, lease.Store.Database.GetCollection("people").Count(Query.EQ("email", "kept@example.com")));
        }
        Assert.Contains(observer.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal) && m.Contains("tr-TR", StringComparison.Ordinal));
    }
}

public class StoreCrashTests
{
    [Fact]
    public void ADatabaseLeftByAKilledProcessReopensWithEverythingCommitted()
    {
        using var temp = new TempFolder();
        var path = temp.File("live.db");
        var copy = temp.File("crashed.db");
        using (var lease = StoreRegistry.Open(path, "123-abc-456.mktorest.com", null))
        {
            lease.Store.Database.GetCollection("people").Insert(new BsonDocument { ["email"] = "kept@example.com" });
            // What kill -9 leaves on disk: the data file and the write-ahead log as they are now, unclosed.
            File.Copy(path, copy);
            File.Copy(DatabaseFile.LogPath(path), DatabaseFile.LogPath(copy));
        }
        Assert.True(new FileInfo(DatabaseFile.LogPath(copy)).Length > 0);
        using var reopened = StoreRegistry.Open(copy, "123-abc-456.mktorest.com", null);
        Assert.Equal(1, reopened.Store.Database.GetCollection("people").Count());
        Assert.Equal("123-abc-456.mktorest.com", reopened.Store.MarketoInstance);
    }
}
