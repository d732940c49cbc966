using SalesSync.Core.Http;

namespace SalesSync.Core.Marketo;

/// <summary>Marketo error codes to retry classes, per the reference table (error-codes.md and the Python client's retry set).</summary>
internal static class MarketoErrorClassifier
{
    public static ApiFailureKind Classify(string code) => code switch
    {
        "601" or "602" => ApiFailureKind.Reauthenticate,
        "606" or "615" => ApiFailureKind.Throttled,
        "607" => ApiFailureKind.QuotaExhausted,
        "502" or "604" or "608" or "611" or "614" or "713" or "719" or "1014" or "1016" or "1019" or "1022" => ApiFailureKind.Transient,
        "603" => ApiFailureKind.Unauthorized,
        _ => ApiFailureKind.InvalidRequest,
    };

    /// <summary>HTTP-level failures (the envelope never arrived).</summary>
    public static ApiFailureKind ClassifyHttp(int status) => status switch
    {
        >= 500 or 408 or 429 => ApiFailureKind.Transient,
        401 or 403 => ApiFailureKind.Unauthorized,
        _ => ApiFailureKind.InvalidRequest,
    };
}
