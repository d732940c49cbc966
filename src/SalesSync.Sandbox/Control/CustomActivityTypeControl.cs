using System.Text.Json.Nodes;
using SalesSync.Sandbox.Infrastructure;
using SalesSync.Sandbox.Marketo;

namespace SalesSync.Sandbox.Control;

/// <summary>
/// Control hooks for Marketo's custom activity types: see every type with both versions, fill slots with
/// another integration's approved types (to reach the instance's limit of 10 and its 1027), and reset.
/// </summary>
internal static class CustomActivityTypeControl
{
    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/custom-activity-types", () =>
        {
            lock (state.World.Sync) return ControlApi.Json(new JsonArray(state.World.CustomActivityTypes.All.Select(Truth).ToArray()));
        });
        app.MapPost("/custom-activity-types/foreign", async (HttpContext ctx) =>
        {
            var body = await ControlApi.ReadObjectAsync(ctx);
            try
            {
                var count = body?["count"]?.GetValue<int>() ?? 1;
                lock (state.World.Sync)
                {
                    var added = state.World.CustomActivityTypes.AddForeign(count, state.Clock.UtcNow);
                    return Results.Json(new { types = added.Select(t => new { id = t.Id, apiName = t.ApiName }) }, statusCode: 201);
                }
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or MarketoRefusal)
            {
                return ControlApi.BadRequest(e.Message);
            }
        });
        app.MapDelete("/custom-activity-types/foreign", () =>
        {
            lock (state.World.Sync) return Results.Json(new { removed = state.World.CustomActivityTypes.Remove(all: false) });
        });
        app.MapDelete("/custom-activity-types", () =>
        {
            lock (state.World.Sync) return Results.Json(new { removed = state.World.CustomActivityTypes.Remove(all: true) });
        });
    }

    /// <summary>Everything the sandbox keeps for a type: owner, status, and the approved and draft versions (null when absent).</summary>
    private static JsonNode Truth(CustomActivityType type) => new JsonObject
    {
        ["id"] = type.Id,
        ["apiName"] = type.ApiName,
        ["owner"] = type.Owner,
        ["status"] = type.Status,
        ["createdAt"] = MarketoEnvelope.ToJson(type.CreatedAt),
        ["updatedAt"] = MarketoEnvelope.ToJson(type.UpdatedAt),
        ["approved"] = VersionTruth(type.Approved),
        ["draft"] = VersionTruth(type.Draft),
    };

    private static JsonObject? VersionTruth(CustomActivityTypeVersion? version) => version is null ? null : new JsonObject
    {
        ["name"] = version.Name,
        ["description"] = version.Description,
        ["triggerName"] = version.TriggerName,
        ["filterName"] = version.FilterName,
        ["primaryAttribute"] = AttributeTruth(version.PrimaryAttribute),
        ["attributes"] = new JsonArray(version.Attributes.Select(a => (JsonNode)AttributeTruth(a)).ToArray()),
    };

    private static JsonObject AttributeTruth(CustomActivityAttribute a) =>
        new() { ["apiName"] = a.ApiName, ["name"] = a.Name, ["description"] = a.Description, ["dataType"] = a.DataType };
}
