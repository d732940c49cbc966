using LiteDB;

namespace SalesSync.Core.Store;

/// <summary>
/// The local LiteDB file. This issue only proves it can be written; the people store builds on it.
/// Nothing secret is ever written here.
/// </summary>
public static class SyncDatabase
{
    public const int SchemaVersion = 1;

    /// <summary>The default location: ~/.salessync/salessync.db (overridable per connection).</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".salessync", "salessync.db");

    /// <summary>Creates the folder and file if needed and writes the schema marker; throws IOException or UnauthorizedAccessException when it cannot.</summary>
    public static void EnsureWritable(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"'{full}' is a folder; give a file path for the database.");
        var folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        using var db = new LiteDatabase(new ConnectionString { Filename = full, Connection = ConnectionType.Direct });
        var meta = db.GetCollection("meta");
        meta.Upsert(new BsonDocument
        {
            ["_id"] = "schema",
            ["version"] = SchemaVersion,
            ["checkedAt"] = DateTime.UtcNow,
        });
    }
}
