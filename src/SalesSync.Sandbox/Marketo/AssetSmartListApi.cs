using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The Asset API's smart list reads (definitions only; Marketo has no REST call for a smart list's members):
/// GET /rest/asset/v1/smartList/{id}.json and GET /rest/asset/v1/smartLists.json (offset/maxReturn paging).
/// An unknown id is answered as the Asset API answers it: success with no result and the warning
/// "No assets found for the given search criteria." (see README).
/// </summary>
internal static class AssetSmartListApi
{
    private const string NoAssets = "No assets found for the given search criteria.";

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/rest/asset/v1/smartList/{id}.json", (string id) =>
        {
            lock (state.World.Sync)
            {
                return int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var listId) && state.World.SmartLists.TryGetValue(listId, out var list)
                    ? MarketoEnvelope.Ok(new JsonArray(Json(list)))
                    : MarketoEnvelope.Ok([], warnings: new JsonArray(NoAssets));
            }
        });
        app.MapGet("/rest/asset/v1/smartLists.json", (HttpContext ctx) =>
        {
            var offset = int.TryParse(ctx.Request.Query["offset"], NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
            var max = int.TryParse(ctx.Request.Query["maxReturn"], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? Math.Clamp(m, 1, 200) : 20;
            lock (state.World.Sync)
            {
                var page = state.World.SmartLists.Values.OrderBy(l => l.Id).Skip(offset).Take(max).Select(l => (JsonNode)Json(l)).ToArray();
                return page.Length == 0 ? MarketoEnvelope.Ok([], warnings: new JsonArray(NoAssets)) : MarketoEnvelope.Ok(new JsonArray(page));
            }
        });
    }

    /// <summary>The Asset API's date form, as its documented responses show it: UTC with "Z" and then "+0000".</summary>
    private static string AssetDate(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z+0000'", CultureInfo.InvariantCulture);

    private static JsonObject Json(SmartList l) => new()
    {
        ["id"] = l.Id,
        ["name"] = l.Name,
        ["description"] = l.Description ?? "",
        ["createdAt"] = AssetDate(l.CreatedAt),
        ["updatedAt"] = AssetDate(l.UpdatedAt),
        ["url"] = $"https://app-sandbox.marketo.com/#SL{l.Id.ToString(CultureInfo.InvariantCulture)}A1",
        ["folder"] = new JsonObject { ["id"] = 1, ["type"] = "Folder" },
        ["workspace"] = "Default",
    };
}
