namespace SalesSync.Core.Connection;

/// <summary>Why a connection could not be made; the cmdlet maps each to a stable ErrorId.</summary>
public enum ConnectFailureReason
{
    InvalidUri,
    InsecureUri,
    BadCredentials,
    Unreachable,
    DatabaseNotWritable,
    QuotaExhausted,
}

/// <summary>A connection attempt failed for a reason the user can act on.</summary>
public sealed class ConnectFailedException(ConnectFailureReason reason, string service, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public ConnectFailureReason Reason { get; } = reason;

    /// <summary>Marketo, Salesforce or Database.</summary>
    public string Service { get; } = service;
}
