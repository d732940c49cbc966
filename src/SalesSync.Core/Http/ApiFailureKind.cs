namespace SalesSync.Core.Http;

/// <summary>What a failed call means for the caller: the retry classification of every API error.</summary>
public enum ApiFailureKind
{
    /// <summary>Try again after a backoff (timeouts, 5xx, 604, 608, 611, 713, connection resets).</summary>
    Transient,

    /// <summary>A rate or concurrency limit (606, 615, Salesforce concurrent-request limits): back off, then retry.</summary>
    Throttled,

    /// <summary>The access token is invalid or expired (601, 602, 401 INVALID_SESSION_ID): fetch a new one, retry once.</summary>
    Reauthenticate,

    /// <summary>The daily allocation is spent (607, Salesforce TotalRequests): stop until it resets.</summary>
    QuotaExhausted,

    /// <summary>Credentials are wrong or the integration lacks permission: nothing can continue.</summary>
    Unauthorized,

    /// <summary>The request itself is wrong (bad field, malformed query, unknown list): do not retry.</summary>
    InvalidRequest,
}
