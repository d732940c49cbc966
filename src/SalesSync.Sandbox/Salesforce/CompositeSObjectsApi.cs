using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// sObject Collections (salesforce-api.md §4.2, API 42.0+): <c>POST composite/sobjects</c> creates,
/// <c>PATCH composite/sobjects</c> updates (each record carries its id), <c>DELETE composite/sobjects?ids=…</c>
/// deletes; up to 200 records, results in request order. A well-formed request is 200 whatever the records
/// do; with allOrNone one failure writes nothing and every other record reports ALL_OR_NONE_OPERATION_ROLLED_BACK.
/// One request counts as one API call.
/// </summary>
public static class CompositeSObjectsApi
{
    public const int MaxRecords = 200;
    public const int MaxChunks = 10;
    private const int FirstVersion = 42;
    private const string TooManyRecords = "record limit reached. cannot submit more than 200 records into this call";

    private static readonly SalesforceError RolledBack = new("ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "Record rolled back because not all records were valid and the request was using AllOrNone header");

    /// <summary>One record's outcome before anything is written: the checked write, or the errors that stop it.</summary>
    private sealed record Item(RecordPlan? Plan, SalesforceRecord? Deletion, IReadOnlyList<SalesforceError> Errors);

    public static void Map(WebApplication app, SandboxState state)
    {
        const string route = "/services/data/{version}/composite/sobjects";
        app.MapPost(route, (string version, HttpContext ctx) => SaveAsync(state, version, ctx, updating: false));
        app.MapMethods(route, ["PATCH"], (string version, HttpContext ctx) => SaveAsync(state, version, ctx, updating: true));
        app.MapDelete(route, (string version, HttpContext ctx) => Delete(state, version, ctx));
    }

    private static async Task<IResult> SaveAsync(SandboxState state, string version, HttpContext ctx, bool updating)
    {
        if (!Available(version)) return SalesforceApi.NotFound(state);
        try
        {
            var (allOrNone, records) = ParseBody(await WriteRequest.ReadJsonAsync(ctx));
            lock (state.World.Sync)
            {
                var writer = new RecordWriter(state.World.Salesforce, state.Clock.UtcNow, WriteRequest.RunAssignmentRules(ctx.Request));
                return Run(state, ctx.Request, records.Count, allOrNone, writer, i => updating
                    ? PlanUpdate(state.World.Salesforce, records[i].Type, records[i].Body)
                    : PlanCreate(state.World.Salesforce, records[i].Type, records[i].Body));
            }
        }
        catch (SalesforceRequestException e)
        {
            return SalesforceApi.RequestError(state, e);
        }
    }

    private static IResult Delete(SandboxState state, string version, HttpContext ctx)
    {
        if (!Available(version)) return SalesforceApi.NotFound(state);
        var ids = ctx.Request.Query["ids"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (ids.Length == 0) return SalesforceApi.Error(state, 400, "MISSING_ARGUMENT", "ids: the ids of the records to delete are required");
        if (ids.Length > MaxRecords) return SalesforceApi.Error(state, 400, "EXCEEDED_ID_LIMIT", TooManyRecords);
        // Read as Java's Boolean.parseBoolean reads a parameter: "true" in any case, anything else false.
        var allOrNone = ctx.Request.Query["allOrNone"].ToString().Equals("true", StringComparison.OrdinalIgnoreCase);
        lock (state.World.Sync)
        {
            var writer = new RecordWriter(state.World.Salesforce, state.Clock.UtcNow, runAssignmentRules: false);
            return Run(state, ctx.Request, ids.Length, allOrNone, writer, i => PlanDelete(state.World.Salesforce, ids[i]));
        }
    }

    /// <summary>
    /// Plans and writes the records in order. Without allOrNone each record is written as soon as it checks out,
    /// so later records see earlier ones; with it every record is checked first and nothing is written unless
    /// all pass. A record that checks out can still meet an injected record fault (UNABLE_TO_LOCK_ROW by default),
    /// which fails it like any record error.
    /// </summary>
    private static IResult Run(SandboxState state, HttpRequest request, int count, bool allOrNone, RecordWriter writer, Func<int, Item> plan)
    {
        var items = new Item[count];
        var written = new SalesforceRecord?[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = plan(i);
            if (items[i].Errors.Count == 0 && state.Faults.MatchRecord("salesforce", request.Method, request.Path) is { } fault)
                items[i] = Failed(RecordFault(fault, items[i]));
            if (!allOrNone && items[i].Errors.Count == 0) written[i] = Write(writer, items[i]);
        }
        var failed = items.Any(item => item.Errors.Count > 0);
        if (allOrNone && !failed)
        {
            for (var i = 0; i < count; i++) written[i] = Write(writer, items[i]);
        }
        var results = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var errors = items[i].Errors.Count > 0 ? items[i].Errors : allOrNone && failed ? [RolledBack] : [];
            foreach (var e in errors) state.SalesforceStats.Error(e.Code);
            var result = new JsonObject();
            if (written[i] is { } record) result["id"] = record.Id;
            result["success"] = errors.Count == 0;
            result["errors"] = new JsonArray(errors.Select(e => (JsonNode)e.ToRecordJson()).ToArray());
            results.Add(result);
        }
        return SalesforceApi.Json(results);
    }

    /// <summary>
    /// The injected record error. UNABLE_TO_LOCK_ROW names the record whose lock was not obtained, in Salesforce's
    /// words: the record itself for an update or delete, for a create the parent it references (a lookup other
    /// than the owner first, as a Task locks its WhatId/WhoId), else its owner.
    /// </summary>
    private static SalesforceError RecordFault(FaultRule fault, Item item)
    {
        var code = fault.Code ?? "UNABLE_TO_LOCK_ROW";
        if (fault.Message is { } message) return new SalesforceError(code, message);
        var locked = item.Deletion?.Id ?? item.Plan?.Target?.Id ?? item.Plan?.Values
            .Where(kv => item.Plan.Type.ReferencesByField.ContainsKey(kv.Key) && kv.Value is string)
            .OrderBy(kv => kv.Key.Equals("OwnerId", StringComparison.OrdinalIgnoreCase))
            .Select(kv => (string)kv.Value!).FirstOrDefault();
        return new SalesforceError(code, locked is null
            ? "unable to obtain exclusive access to this record"
            : $"unable to obtain exclusive access to this record or 1 records: {locked}");
    }

    private static SalesforceRecord Write(RecordWriter writer, Item item)
    {
        if (item.Deletion is { } record)
        {
            writer.Delete(record);
            return record;
        }
        return writer.Apply(item.Plan!);
    }

    private static Item PlanCreate(SalesforceStore store, SalesforceObjectType type, JsonObject body)
    {
        if (IdOf(body) is not null) return Failed(new SalesforceError("INVALID_FIELD", "cannot specify Id in an insert call", "Id"));
        return Checked(RecordValidator.Plan(store, type, target: null, FieldsWithoutId(body)));
    }

    private static Item PlanUpdate(SalesforceStore store, SalesforceObjectType type, JsonObject body)
    {
        if (IdOf(body) is not { } id) return Failed(new SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call"));
        var normalized = SalesforceId.Normalize(id);
        if (normalized is null || SalesforceSchema.TypeOfId(normalized)?.Name != type.Name)
            return Failed(new SalesforceError("MALFORMED_ID", $"{type.Name} ID: id value of incorrect type: {id}", "Id"));
        if (Existing(store, normalized) is { } missing) return Failed(missing);
        return Checked(RecordValidator.Plan(store, type, store.Find(normalized), FieldsWithoutId(body)));
    }

    private static Item PlanDelete(SalesforceStore store, string id)
    {
        var normalized = SalesforceId.Normalize(id);
        if (normalized is null || SalesforceSchema.TypeOfId(normalized) is not { } type) return Failed(new SalesforceError("MALFORMED_ID", $"malformed id {id}"));
        if (Existing(store, normalized) is { } missing) return Failed(missing);
        return type.Writable ? new Item(null, store.Find(normalized), []) : Failed(RecordValidator.ReadOnlyType());
    }

    /// <summary>Why an id names no live record: never existed, or deleted (in the Recycle Bin).</summary>
    private static SalesforceError? Existing(SalesforceStore store, string id) => store.Find(id) switch
    {
        null => new SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"),
        { } record when record["IsDeleted"] is true => new SalesforceError("ENTITY_IS_DELETED", "entity is deleted"),
        _ => null,
    };

    private static Item Checked(RecordPlan plan) => new(plan, null, plan.Errors);
    private static Item Failed(SalesforceError error) => new(null, null, [error]);

    /// <summary>The record's id: <c>id</c> as the docs write it, or <c>Id</c>, as clients often send it.</summary>
    private static string? IdOf(JsonObject body)
    {
        foreach (var (key, value) in body)
        {
            if (key.Equals("Id", StringComparison.OrdinalIgnoreCase))
                return value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value?.ToJsonString();
        }
        return null;
    }

    private static IEnumerable<KeyValuePair<string, JsonNode?>> FieldsWithoutId(JsonObject body) =>
        WriteRequest.Fields(body).Where(kv => !kv.Key.Equals("Id", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The request as a whole: a JSON object with a boolean <c>allOrNone</c> (default false) and at most 200
    /// <c>records</c>, each with a known <c>attributes.type</c>, in at most 10 runs of one type. Anything else is 400.
    /// </summary>
    private static (bool AllOrNone, List<(SalesforceObjectType Type, JsonObject Body)> Records) ParseBody(JsonNode body)
    {
        if (body is not JsonObject request || request["records"] is not JsonArray records)
            throw new SalesforceRequestException(400, "JSON_PARSER_ERROR", "The request body must be a JSON object with a records array.");
        var allOrNone = request["allOrNone"] switch
        {
            null => false,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            var other => throw new SalesforceRequestException(400, "JSON_PARSER_ERROR",
                $"Cannot deserialize instance of boolean from {other.GetValueKind().ToString().ToUpperInvariant()} value {other.ToJsonString()} (allOrNone)"),
        };
        if (records.Count > MaxRecords)
            throw new SalesforceRequestException(400, "EXCEEDED_ID_LIMIT", TooManyRecords);
        var parsed = new List<(SalesforceObjectType, JsonObject)>(records.Count);
        var chunks = 0;
        SalesforceObjectType? previous = null;
        foreach (var node in records)
        {
            if (node is not JsonObject record)
                throw new SalesforceRequestException(400, "JSON_PARSER_ERROR", "Each element of records must be a JSON object.");
            var typeName = record["attributes"] is JsonObject attributes && attributes["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String
                ? t.GetValue<string>()
                : throw new SalesforceRequestException(400, "INVALID_TYPE", "Each record must have an attributes map with a type.");
            if (!SalesforceSchema.Types.TryGetValue(typeName, out var type))
                throw new SalesforceRequestException(400, "INVALID_TYPE", $"sObject type '{typeName}' is not supported.");
            if (!ReferenceEquals(type, previous)) chunks++;
            previous = type;
            parsed.Add((type, record));
        }
        if (chunks > MaxChunks)
            throw new SalesforceRequestException(400, "EXCEEDED_ID_LIMIT",
                "Cannot have more than 10 chunks in a single operation. Please rearrange the data to reduce chunking.");
        return (allOrNone, parsed);
    }

    private static bool Available(string version) => ApiVersion.AtLeast(version, FirstVersion);

}
