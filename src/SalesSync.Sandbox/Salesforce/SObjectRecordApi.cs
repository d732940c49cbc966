using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// One record at a time (salesforce-api.md §4.1): <c>POST sobjects/{Type}</c> → 201 <c>{id,success,errors}</c>;
/// <c>GET|PATCH|DELETE sobjects/{Type}/{id}</c> → the record, 204, 204. Failures are 400 with the REST error array.
/// </summary>
public static class SObjectRecordApi
{
    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/services/data/{version}/sobjects/{type}/{id}", (string version, string type, string id, HttpContext ctx) => Retrieve(state, version, type, id, ctx));
        app.MapPost("/services/data/{version}/sobjects/{type}", (string type, HttpContext ctx) => CreateAsync(state, type, ctx));
        app.MapMethods("/services/data/{version}/sobjects/{type}/{id}", ["PATCH"], (string type, string id, HttpContext ctx) => UpdateAsync(state, type, id, ctx));
        app.MapDelete("/services/data/{version}/sobjects/{type}/{id}", (string type, string id) => Delete(state, type, id));
    }

    private static IResult Retrieve(SandboxState state, string version, string type, string id, HttpContext ctx)
    {
        lock (state.World.Sync)
        {
            if (Find(state, type, id, out var record) is { } missing) return missing;
            var schema = SalesforceSchema.Types[type];
            var requested = ctx.Request.Query["fields"].ToString();
            var fields = string.IsNullOrEmpty(requested) ? schema.Fields.Values.Distinct().ToList() : requested.Split(',').Select(f => f.Trim()).ToList();
            var o = new JsonObject { ["attributes"] = new JsonObject { ["type"] = schema.Name, ["url"] = $"/services/data/{version}/sobjects/{schema.Name}/{record!.Id}" } };
            foreach (var f in fields)
            {
                if (!schema.Fields.TryGetValue(f, out var canonical)) return SalesforceApi.Error(state, 400, "INVALID_FIELD", $"No such column '{f}' on sobject of type {schema.Name}");
                o[canonical] = SoqlExecutor.ToJson(record.GetValueOrDefault(canonical));
            }
            return SalesforceApi.Json(o);
        }
    }

    private static async Task<IResult> CreateAsync(SandboxState state, string type, HttpContext ctx)
    {
        if (!SalesforceSchema.Types.TryGetValue(type, out var schema)) return SalesforceApi.NotFound(state);
        try
        {
            var body = await ReadRecordAsync(ctx);
            lock (state.World.Sync)
            {
                var plan = RecordValidator.Plan(state.World.Salesforce, schema, target: null, WriteRequest.Fields(body));
                if (!plan.IsValid) return SalesforceApi.Errors(state, 400, plan.Errors);
                var created = Writer(state, ctx).Apply(plan);
                var result = new JsonObject { ["id"] = created.Id, ["success"] = true, ["errors"] = new JsonArray() };
                return SalesforceApi.Json(result, StatusCodes.Status201Created);
            }
        }
        catch (SalesforceRequestException e)
        {
            return SalesforceApi.RequestError(state, e);
        }
    }

    private static async Task<IResult> UpdateAsync(SandboxState state, string type, string id, HttpContext ctx)
    {
        try
        {
            var body = await ReadRecordAsync(ctx);
            lock (state.World.Sync)
            {
                if (Find(state, type, id, out var record) is { } missing) return missing;
                var plan = RecordValidator.Plan(state.World.Salesforce, SalesforceSchema.Types[type], record, WriteRequest.Fields(body));
                if (!plan.IsValid) return SalesforceApi.Errors(state, 400, plan.Errors);
                Writer(state, ctx).Apply(plan);
                return Results.NoContent();
            }
        }
        catch (SalesforceRequestException e)
        {
            return SalesforceApi.RequestError(state, e);
        }
    }

    private static IResult Delete(SandboxState state, string type, string id)
    {
        lock (state.World.Sync)
        {
            if (Find(state, type, id, out var record) is { } missing) return missing;
            if (!SalesforceSchema.Types[type].Writable)
                return SalesforceApi.Errors(state, 400, [RecordValidator.ReadOnlyType()]);
            new RecordWriter(state.World.Salesforce, state.Clock.UtcNow, runAssignmentRules: false).Delete(record!);
            return Results.NoContent();
        }
    }

    /// <summary>
    /// The record behind <c>sobjects/{type}/{id}</c>, or the answer when there is none: 404 NOT_FOUND for an
    /// unknown type, id or an id of another type; 404 ENTITY_IS_DELETED once it is in the Recycle Bin.
    /// </summary>
    private static IResult? Find(SandboxState state, string type, string id, out SalesforceRecord? record)
    {
        record = SalesforceSchema.Types.TryGetValue(type, out var schema) ? state.World.Salesforce.Find(id) : null;
        if (record is null || record.Type != schema!.Name) return SalesforceApi.NotFound(state);
        return record["IsDeleted"] is true ? SalesforceApi.Error(state, 404, "ENTITY_IS_DELETED", "entity is deleted") : null;
    }

    private static async Task<JsonObject> ReadRecordAsync(HttpContext ctx)
    {
        if (await WriteRequest.ReadJsonAsync(ctx) is not JsonObject body)
            throw new SalesforceRequestException(400, "JSON_PARSER_ERROR", "Cannot deserialize the request body: expected a JSON object of field values");
        if (body.Any(kv => kv.Key.Equals("Id", StringComparison.OrdinalIgnoreCase)))
            throw new SalesforceRequestException(400, "INVALID_FIELD", "The Id field should not be specified in the sobject data.");
        return body;
    }

    private static RecordWriter Writer(SandboxState state, HttpContext ctx) =>
        new(state.World.Salesforce, state.Clock.UtcNow, WriteRequest.RunAssignmentRules(ctx.Request));
}
