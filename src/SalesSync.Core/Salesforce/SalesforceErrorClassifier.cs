using SalesSync.Core.Http;

namespace SalesSync.Core.Salesforce;

/// <summary>Salesforce HTTP status + errorCode to retry classes (reference §7.3).</summary>
internal static class SalesforceErrorClassifier
{
    public static ApiFailureKind Classify(int status, string? errorCode, string? message)
    {
        if (status == 401)
        {
            // "This session is not valid for use with the REST API" is policy, not expiry: a new token will not help.
            return errorCode == "INVALID_SESSION_ID" && message?.Contains("not valid for use with the REST API", StringComparison.OrdinalIgnoreCase) != true
                ? ApiFailureKind.Reauthenticate
                : ApiFailureKind.Unauthorized;
        }
        if (errorCode == "REQUEST_LIMIT_EXCEEDED")
        {
            return message?.Contains("TotalRequests", StringComparison.OrdinalIgnoreCase) == true
                ? ApiFailureKind.QuotaExhausted
                : ApiFailureKind.Throttled;
        }
        if (errorCode is "UNABLE_TO_LOCK_ROW" or "QUERY_TIMEOUT" or "FAILED_WRITE" or "SERVER_UNAVAILABLE"
            or "INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE" or "UNKNOWN_EXCEPTION")
            return ApiFailureKind.Transient;
        if (status >= 500 || status is 408 or 420 or 429 or 406) return ApiFailureKind.Transient;
        if (status == 403 || errorCode is "API_DISABLED_FOR_ORG" or "API_CURRENTLY_DISABLED" || (errorCode?.StartsWith("INSUFFICIENT_ACCESS", StringComparison.Ordinal) ?? false))
            return ApiFailureKind.Unauthorized;
        return ApiFailureKind.InvalidRequest;
    }
}
