using System.Text.Json;

namespace SalesSync.Core.Marketo;

internal sealed record MarketoError(string Code, string Message);

/// <summary>
/// Marketo's envelope, parsed leniently: every member is optional (real responses omit empty
/// errors, warnings and result), codes may be strings or numbers, warnings are kept raw.
/// </summary>
internal sealed class MarketoResponse
{
    public string? RequestId { get; private init; }
    public bool Success { get; private init; }
    public IReadOnlyList<MarketoError> Errors { get; private init; } = [];
    public IReadOnlyList<JsonElement> Result { get; private init; } = [];
    public IReadOnlyList<JsonElement> Warnings { get; private init; } = [];
    public string? NextPageToken { get; private init; }
    public bool? MoreResult { get; private init; }

    /// <summary>
    /// The page token to follow, read from what the response carries: a token, unless moreResult says
    /// false. Lead endpoints send moreResult, list-member endpoints do not; a page that is empty and not
    /// marked moreResult:true ends the paging, so a stray token cannot loop.
    /// </summary>
    public string? ContinuationToken =>
        NextPageToken is { Length: > 0 } token && MoreResult != false && (Result.Count > 0 || MoreResult == true) ? token : null;

    public static MarketoResponse Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("The Marketo response is not a JSON object.");
        return new MarketoResponse
        {
            RequestId = String(root, "requestId"),
            Success = root.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True,
            Errors = Array(root, "errors").Select(e => new MarketoError(
                String(e, "code") ?? "unknown", String(e, "message") ?? "")).ToList(),
            Result = Array(root, "result").Select(e => e.Clone()).ToList(),
            Warnings = Array(root, "warnings").Select(e => e.Clone()).ToList(),
            NextPageToken = String(root, "nextPageToken"),
            MoreResult = root.TryGetProperty("moreResult", out var m) && m.ValueKind is JsonValueKind.True or JsonValueKind.False ? m.GetBoolean() : null,
        };
    }

    private static IEnumerable<JsonElement> Array(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    /// <summary>A member as text whatever its JSON type (codes arrive as "601" or 601).</summary>
    internal static string? String(JsonElement o, string name)
    {
        if (o.ValueKind != JsonValueKind.Object || !o.TryGetProperty(name, out var v)) return null;
        return v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.GetRawText(),
        };
    }
}
