namespace SalesSync.Core.Http;

/// <summary>
/// A failed Marketo or Salesforce call, classified. Messages carry the service's code and text, the
/// method and path, and never a token, secret or query string.
/// </summary>
public class SalesSyncApiException : Exception
{
    public SalesSyncApiException(string service, string code, string message, ApiFailureKind kind, Exception? inner = null)
        : base($"{service} {code}: {message}", inner)
    {
        Service = service;
        Code = code;
        ApiMessage = message;
        Kind = kind;
    }

    /// <summary>Marketo or Salesforce.</summary>
    public string Service { get; }

    /// <summary>The service's error code ("606", "INVALID_SESSION_ID", "HTTP 503", "NETWORK").</summary>
    public string Code { get; }

    public string ApiMessage { get; }
    public ApiFailureKind Kind { get; }

    /// <summary>For throttling: a delay the service asked for, if any.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>For quota exhaustion: when calls may resume.</summary>
    public DateTimeOffset? ResumesAt { get; init; }
}
