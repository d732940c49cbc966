using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;
using SalesSync.Sandbox.Marketo;
using SalesSync.Sandbox.Salesforce;

namespace SalesSync.Sandbox.Control;

/// <summary>
/// Test, benchmark and demo hooks: counters, ground truth, changes to people (logged as Marketo
/// logs them), fault injection, the clock, token expiry, the bulk export queue (<see cref="BulkExportControl"/>)
/// and Marketo's custom activity types (<see cref="CustomActivityTypeControl"/>).
/// Never part of the emulated APIs.
/// </summary>
public static class ControlApi
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly JsonSerializerOptions WebWithoutNulls = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet("/stats", () => Results.Content(Stats(state).ToJsonString(SandboxJson.Options), "application/json"));
        app.MapPost("/stats/reset", () =>
        {
            state.MarketoStats.Reset();
            state.SalesforceStats.Reset();
            state.MarketoIdentityStats.Reset();
            state.SalesforceTokenStats.Reset();
            return Results.NoContent();
        });

        app.MapGet("/people", async (HttpContext ctx) =>
        {
            List<JsonObject> snapshot;
            lock (state.World.Sync) snapshot = state.World.People.Select(GroundTruth).ToList();
            await WriteLinesAsync(ctx, snapshot);
        });
        app.MapGet("/people/{id:long}", (long id) =>
        {
            lock (state.World.Sync)
                return state.World.FindPerson(id) is { } p ? Json(GroundTruth(p)) : NotFound($"No person {id}.");
        });
        // The retained activity log, oldest first, one JSON object per line (what the activity endpoints read);
        // typeId=N (comma-separated or repeated) keeps those activity types.
        app.MapGet("/activities", async (HttpContext ctx) =>
        {
            var typeIds = new HashSet<int>();
            foreach (var raw in ctx.Request.Query["typeId"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
            {
                if (!int.TryParse(raw, out var typeId)) return BadRequest($"typeId '{raw}' is not an activity type id.");
                typeIds.Add(typeId);
            }
            List<JsonObject> snapshot;
            lock (state.World.Sync)
            {
                state.World.Prune(state.Clock.UtcNow);
                snapshot = state.World.Activities.Where(a => typeIds.Count == 0 || typeIds.Contains(a.ActivityTypeId)).Select(ActivityTruth).ToList();
            }
            await WriteLinesAsync(ctx, snapshot);
            return Results.Empty;
        });
        app.MapPost("/people", async (HttpContext ctx) =>
        {
            var fields = await ReadFieldsAsync(ctx);
            if (fields is null) return BadRequest("Body must be a JSON object of Marketo REST field names.");
            if (Unknown(fields) is { } unknown) return BadRequest($"Unknown field '{unknown}'.");
            lock (state.World.Sync)
            {
                var person = state.World.AddPerson(fields, state.Clock.UtcNow);
                return Results.Content(GroundTruth(person).ToJsonString(SandboxJson.Options), "application/json", statusCode: 201);
            }
        });
        app.MapMethods("/people/{id:long}", ["PATCH"], async (long id, HttpContext ctx) =>
        {
            var fields = await ReadFieldsAsync(ctx);
            if (fields is null) return BadRequest("Body must be a JSON object of Marketo REST field names.");
            if (Unknown(fields) is { } unknown) return BadRequest($"Unknown field '{unknown}'.");
            lock (state.World.Sync)
            {
                if (state.World.FindPerson(id) is not { } person) return NotFound($"No person {id}.");
                // ?durable=false: this record only, as before Durable Unsubscribe has reached the email's other records.
                var durable = !string.Equals(ctx.Request.Query["durable"], "false", StringComparison.OrdinalIgnoreCase);
                state.World.UpdatePerson(person, fields, state.Clock.UtcNow, durable);
                return Json(GroundTruth(person));
            }
        });
        app.MapDelete("/people/{id:long}", (long id) =>
        {
            lock (state.World.Sync)
                return state.World.DeletePerson(id, state.Clock.UtcNow) ? Results.NoContent() : NotFound($"No person {id}.");
        });
        app.MapPost("/people/merge", async (HttpContext ctx) =>
        {
            var body = await JsonSerializer.DeserializeAsync<MergeRequest>(ctx.Request.Body, Web, ctx.RequestAborted);
            if (body is null || body.LoserIds is not { Length: > 0 }) return BadRequest("Give winnerId and a non-empty loserIds.");
            lock (state.World.Sync)
            {
                if (state.World.FindPerson(body.WinnerId) is not { } winner) return NotFound($"No person {body.WinnerId}.");
                var bad = body.LoserIds.Where(l => l == body.WinnerId || state.World.FindPerson(l) is null).Select(l => (long?)l).FirstOrDefault();
                if (bad is not null) return BadRequest($"Loser {bad} does not exist or is the winner.");
                state.World.Merge(winner, body.LoserIds, state.Clock.UtcNow);
                return Json(GroundTruth(winner));
            }
        });

        // Every record of a type, deleted ones included, one JSON object per line; subject=text keeps records
        // whose Subject contains it (any case). Ground truth: no API call is counted.
        app.MapGet("/salesforce/{type}", async (string type, HttpContext ctx) =>
        {
            if (!SalesforceSchema.Types.TryGetValue(type, out var schema)) return NotFound($"No Salesforce type {type}.");
            var subject = ctx.Request.Query["subject"].ToString();
            if (subject.Length > 0 && !schema.Fields.ContainsKey("Subject")) return BadRequest($"{schema.Name} has no Subject field.");
            List<JsonObject> snapshot;
            lock (state.World.Sync)
            {
                snapshot = state.World.Salesforce.All(schema.Name)
                    .Where(r => subject.Length == 0 || (r.GetValueOrDefault("Subject") as string)?.Contains(subject, StringComparison.OrdinalIgnoreCase) == true)
                    .Select(SalesforceTruth).ToList();
            }
            await WriteLinesAsync(ctx, snapshot);
            return Results.Empty;
        });
        // Salesforce ground truth: every field of one record, deleted ones included (IsDeleted says so); no API call is counted.
        app.MapGet("/salesforce/{type}/{id}", (string type, string id) =>
        {
            lock (state.World.Sync)
            {
                var record = state.World.Salesforce.Find(id);
                return record is not null && SalesforceSchema.Types.TryGetValue(type, out var schema) && record.Type == schema.Name
                    ? Json(SalesforceTruth(record))
                    : NotFound($"No {type} {id}.");
            }
        });

        app.MapPost("/faults", async (HttpContext ctx) =>
        {
            List<FaultRule?> rules;
            try
            {
                var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
                rules = node is JsonArray array
                    ? array.Select(n => n.Deserialize<FaultRule>(Web)).ToList()
                    : [node.Deserialize<FaultRule>(Web)];
            }
            catch (JsonException e)
            {
                return BadRequest("Body must be a fault rule or an array of them: " + e.Message);
            }
            if (rules.Count == 0 || rules.Any(r => r is null)) return BadRequest("Body must be a fault rule or an array of them.");
            try
            {
                foreach (var rule in rules) state.Faults.Add(rule!);
            }
            catch (ArgumentException e)
            {
                return BadRequest(e.Message);
            }
            return Results.Json(new { active = state.Faults.Active });
        });
        app.MapGet("/faults", () => Results.Json(new { active = state.Faults.Active, rules = state.Faults.Snapshot() }, WebWithoutNulls));
        // Clearing also releases requests that a delay fault is holding, so they finish at once.
        app.MapDelete("/faults", () =>
        {
            state.Faults.Clear();
            return Results.NoContent();
        });
        app.MapPost("/faults/reset", () =>
        {
            state.Faults.Clear();
            return Results.NoContent();
        });
        app.MapPost("/clock/advance", async (HttpContext ctx) =>
        {
            var body = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            var seconds = body?["seconds"]?.GetValue<double>() ?? 0;
            if (seconds < 0) return BadRequest("The clock only moves forward.");
            state.Clock.Advance(TimeSpan.FromSeconds(seconds));
            return Results.Json(new { now = state.Clock.UtcNow });
        });
        app.MapPost("/tokens/expire", () =>
            Results.Json(new { marketo = state.MarketoTokens.ExpireAll(), salesforce = state.SalesforceTokens.ExpireAll() }));
        app.MapGet("/clock", () => Results.Json(new { now = state.Clock.UtcNow, scale = state.Clock.Scale }));
        BulkExportControl.Map(app, state);
        CustomActivityTypeControl.Map(app, state);
        SalesforceTaskControl.Map(app, state);
    }

    /// <summary>Ground-truth dumps: one JSON object per line.</summary>
    private static async Task WriteLinesAsync(HttpContext ctx, IEnumerable<JsonObject> lines)
    {
        ctx.Response.ContentType = "application/x-ndjson; charset=utf-8";
        foreach (var line in lines)
            await ctx.Response.WriteAsync(line.ToJsonString(SandboxJson.Options) + "\n", Encoding.UTF8, ctx.RequestAborted);
    }

    public static JsonObject Stats(SandboxState state)
    {
        var marketo = state.MarketoStats.ToJson();
        marketo["identity"] = state.MarketoIdentityStats.ToJson();
        marketo["dailyUsed"] = state.MarketoLimits.UsedToday;
        marketo["dailyQuota"] = state.Options.MarketoDailyQuota;
        marketo["limitsEnforced"] = state.Options.LimitsReal;
        var salesforce = state.SalesforceStats.ToJson();
        salesforce["oauth"] = state.SalesforceTokenStats.ToJson();
        salesforce["apiUsage"] = state.SalesforceLimits.Used;
        salesforce["dailyApiLimit"] = state.SalesforceLimits.Max;
        lock (state.World.Sync)
        {
            state.World.Prune(state.Clock.UtcNow);
            return new JsonObject
            {
                ["marketo"] = marketo,
                ["salesforce"] = salesforce,
                ["world"] = new JsonObject
                {
                    ["people"] = state.World.PeopleCount,
                    ["activities"] = state.World.Activities.Count,
                    ["leads"] = state.World.Salesforce.Count("Lead"),
                    ["contacts"] = state.World.Salesforce.Count("Contact"),
                    ["accounts"] = state.World.Salesforce.Count("Account"),
                    ["opportunities"] = state.World.Salesforce.Count("Opportunity"),
                    ["tasks"] = state.World.Salesforce.Count("Task"),
                    ["users"] = state.World.Salesforce.Count("User"),
                },
                ["clock"] = state.Clock.UtcNow.ToString("O"),
            };
        }
    }

    /// <summary>Every catalogue field, nulls included.</summary>
    public static JsonObject GroundTruth(MarketoPerson person)
    {
        var o = new JsonObject();
        foreach (var f in MarketoFieldCatalog.All) o[f.RestName] = MarketoEnvelope.ToJson(person[f.RestName]);
        return o;
    }

    /// <summary>Every field of a Salesforce record in schema order, nulls included, as the REST API writes values.</summary>
    public static JsonObject SalesforceTruth(SalesforceRecord record)
    {
        var o = new JsonObject { ["type"] = record.Type };
        foreach (var field in SalesforceSchema.Types[record.Type].Fields.Values.Distinct())
            o[field] = SoqlExecutor.ToJson(record.GetValueOrDefault(field));
        return o;
    }

    /// <summary>One log row with everything the sandbox keeps for it.</summary>
    public static JsonObject ActivityTruth(MarketoActivity a) => new()
    {
        ["id"] = a.Id,
        ["leadId"] = a.LeadId,
        ["activityDate"] = MarketoEnvelope.ToJson(a.ActivityDate),
        ["activityTypeId"] = a.ActivityTypeId,
        ["primaryAttributeValueId"] = a.PrimaryAttributeValueId,
        ["primaryAttributeValue"] = a.PrimaryAttributeValue,
        ["fields"] = new JsonArray(a.Fields.Select(f => (JsonNode)new JsonObject
        {
            ["id"] = f.Id, ["name"] = f.Name, ["newValue"] = f.NewValue, ["oldValue"] = f.OldValue,
        }).ToArray()),
        ["attributes"] = new JsonArray(a.Attributes.Select(kv => (JsonNode)new JsonObject
        {
            ["name"] = kv.Key, ["value"] = MarketoEnvelope.ToJson(kv.Value),
        }).ToArray()),
    };

    private static string? Unknown(IReadOnlyDictionary<string, object?> fields) =>
        fields.Keys.FirstOrDefault(k => MarketoFieldCatalog.Find(k) is null);

    private static async Task<Dictionary<string, object?>?> ReadFieldsAsync(HttpContext ctx)
    {
        JsonNode? node;
        try { node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
        catch (JsonException) { return null; }
        if (node is not JsonObject obj) return null;
        var fields = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in obj)
        {
            fields[k] = v?.GetValueKind() switch
            {
                null or JsonValueKind.Null => null,
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number => v.GetValue<long>(),
                JsonValueKind.String => v.GetValue<string>(),
                _ => v.ToJsonString(SandboxJson.Options),
            };
        }
        return fields;
    }

    /// <summary>A control call's JSON object body, or null when the body is not one.</summary>
    internal static async Task<JsonObject?> ReadObjectAsync(HttpContext ctx)
    {
        try { return await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted) as JsonObject; }
        catch (JsonException) { return null; }
    }

    internal static IResult Json(JsonNode node) => Results.Content(node.ToJsonString(SandboxJson.Options), "application/json");
    internal static IResult BadRequest(string message) => Results.Json(new { error = message }, statusCode: 400);
    internal static IResult NotFound(string message) => Results.Json(new { error = message }, statusCode: 404);

    private sealed record MergeRequest(long WinnerId, long[] LoserIds);
}
