using System.Text.Json;
using System.Text.Json.Nodes;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>What every write shares: reading the JSON body, and the Sforce-Auto-Assign header.</summary>
public static class WriteRequest
{
    /// <summary>
    /// Largest request body accepted (413 above it). Salesforce documents no general REST body limit; the one
    /// it does document for non-multipart writes is 50 MB ("Insert or Update Blob Data").
    /// </summary>
    public const long MaxBodyBytes = 50L * 1024 * 1024;

    public static async Task<JsonNode> ReadJsonAsync(HttpContext ctx)
    {
        var contentType = ctx.Request.ContentType;
        if (!string.IsNullOrEmpty(contentType) && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
            throw new SalesforceRequestException(415, "UNSUPPORTED_MEDIA_TYPE", $"MediaType of '{contentType}' is not supported by this resource");
        try
        {
            return await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted)
                   ?? throw new SalesforceRequestException(400, "JSON_PARSER_ERROR", "The request body is null.");
        }
        catch (JsonException e)
        {
            throw new SalesforceRequestException(400, "JSON_PARSER_ERROR", e.Message);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A chunked body (no Content-Length for the gate to check) that grew past the limit.
            throw new SalesforceRequestException(413, "413", e.Message);
        }
    }

    /// <summary>
    /// Whether lead assignment rules run: REST runs them unless the request says <c>Sforce-Auto-Assign: FALSE</c>
    /// (also "0"; any case), salesforce-api.md §6.
    /// </summary>
    public static bool RunAssignmentRules(HttpRequest request)
    {
        var header = request.Headers["Sforce-Auto-Assign"].ToString().Trim();
        return !(header.Equals("false", StringComparison.OrdinalIgnoreCase) || header == "0");
    }

    /// <summary>The fields of a record body: everything but its <c>attributes</c> map.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode?>> Fields(JsonObject record) =>
        record.Where(kv => !kv.Key.Equals("attributes", StringComparison.OrdinalIgnoreCase));
}
