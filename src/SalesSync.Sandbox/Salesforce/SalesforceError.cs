using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// One Salesforce error. A REST error answer lists them as <c>{message, errorCode, fields}</c>; a record's
/// result inside sObject Collections as <c>{statusCode, message, fields}</c> (salesforce-api.md §4.2, §7.1).
/// </summary>
public sealed record SalesforceError(string Code, string Message, IReadOnlyList<string> Fields)
{
    public SalesforceError(string code, string message, params string[] fields) : this(code, message, (IReadOnlyList<string>)fields) { }

    public JsonObject ToRestJson() => new() { ["message"] = Message, ["errorCode"] = Code, ["fields"] = FieldsJson() };

    public JsonObject ToRecordJson() => new() { ["statusCode"] = Code, ["message"] = Message, ["fields"] = FieldsJson() };

    private JsonArray FieldsJson() => new(Fields.Select(f => (JsonNode)JsonValue.Create(f)).ToArray());
}

/// <summary>A request the sandbox refuses as a whole (bad JSON, wrong media type, too many records), with its HTTP status.</summary>
public sealed class SalesforceRequestException(int status, string errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string ErrorCode { get; } = errorCode;
}
