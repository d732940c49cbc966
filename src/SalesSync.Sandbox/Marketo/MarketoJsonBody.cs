using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The JSON body of a Marketo write call (bulk create, custom activity types, Add Custom Activities): it must be
/// sent as <c>Content-Type: application/json</c> (else 612 "Invalid Content Type", Adobe's advice for that code)
/// and parse as JSON (else 609 "Invalid JSON").
/// </summary>
public static class MarketoJsonBody
{
    public static async Task<(JsonNode? Body, MarketoError? Error)> ReadAsync(HttpContext ctx)
    {
        if (!MediaTypeHeaderValue.TryParse(ctx.Request.ContentType, out var type)
            || !type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return (null, new MarketoError("612", "Invalid Content Type"));
        try
        {
            return (await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted), null);
        }
        catch (JsonException)
        {
            return (null, new MarketoError("609", "Invalid JSON"));
        }
    }
}
