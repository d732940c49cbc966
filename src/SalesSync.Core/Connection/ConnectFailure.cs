using SalesSync.Core.Store;

namespace SalesSync.Core.Connection;

/// <summary>Why a connection could not be made; the cmdlet maps each to a stable ErrorId.</summary>
public enum ConnectFailureReason
{
    InvalidUri,
    InsecureUri,
    BadCredentials,
    Unreachable,
    QuotaExhausted,

    /// <summary>The HTTPS handshake failed: often https:// given for a plain-HTTP port, or a certificate the machine does not trust.</summary>
    TlsFailed,

    /// <summary>Salesforce does not serve the API version asked for (GET /services/data/ lists what it serves).</summary>
    ApiVersionNotServed,

    /// <summary>The database could not be opened; <see cref="ConnectFailedException.StoreReason"/> says why.</summary>
    Database,

    /// <summary>
    /// No -Database was given and the default database of earlier versions exists, but which instance it holds cannot be
    /// told (in use, encrypted, unreadable): nothing is guessed; <see cref="ConnectFailedException.StoreReason"/> says why.
    /// </summary>
    LegacyDatabaseUndetermined,
}

/// <summary>A connection attempt failed for a reason the user can act on. Never carries a secret.</summary>
public sealed class ConnectFailedException(ConnectFailureReason reason, string service, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ConnectFailureReason Reason { get; } = reason;

    /// <summary>Marketo, Salesforce or Database.</summary>
    public string Service { get; } = service;

    /// <summary>For <see cref="ConnectFailureReason.Database"/>: what was wrong with the database.</summary>
    public StoreFailureReason? StoreReason => (InnerException as StoreException)?.Reason;
}
