namespace SalesSync.Core.Store;

/// <summary>Why a database could not be opened; the cmdlet layer maps each to a stable ErrorId.</summary>
public enum StoreFailureReason
{
    /// <summary>The folder cannot be created or the file cannot be written.</summary>
    NotWritable,

    /// <summary>The path names an existing file that is not a SalesSync database; it was left untouched.</summary>
    NotASalesSyncDatabase,

    /// <summary>Another process has the database open for writing.</summary>
    InUse,

    /// <summary>The database belongs to another Marketo instance.</summary>
    WrongMarketoInstance,

    /// <summary>The database is encrypted and no password was given.</summary>
    PasswordRequired,

    /// <summary>The password does not open the database.</summary>
    WrongPassword,

    /// <summary>A password was given for a database that is not encrypted.</summary>
    NotEncrypted,

    /// <summary>The database was written by a newer SalesSync.</summary>
    NewerSchema,
}

/// <summary>A database could not be opened, for a reason the user can act on. Never carries the password.</summary>
public sealed class StoreException(StoreFailureReason reason, string path, string message, Exception? inner = null) : Exception(message, inner)
{
    public StoreFailureReason Reason { get; } = reason;
    public string DatabasePath { get; } = path;
}
