using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Add Custom Activities, <c>POST /rest/v1/activities/external.json</c> (activities.md, swagger): up to 300
/// records of approved custom activity types, each added to the activity log or skipped on its own, results in
/// input order. A skipped record carries <c>errors</c> (the docs' example and swagger's CustomActivity), not the
/// <c>reasons</c> of other record-level answers. Activities are write-once and have no idempotency key: a retry
/// after a lost answer adds them again, as in Marketo.
/// </summary>
public static class ExternalActivityApi
{
    public const int MaxRecords = 300;
    /// <summary>1049: "The array of attributes passed to the record exceeded the max length of 65536 bytes".</summary>
    public const int MaxAttributesBytes = 65_536;

    public static void Map(WebApplication app, SandboxState state) =>
        app.MapPost("/rest/v1/activities/external.json", (Delegate)((HttpContext ctx) => AddAsync(ctx, state)));

    private static async Task<IResult> AddAsync(HttpContext ctx, SandboxState state)
    {
        var stats = state.MarketoStats;
        var (body, error) = await MarketoJsonBody.ReadAsync(ctx);
        if (error is not null) return MarketoEnvelope.Error(stats, error.Code, error.Message);
        if (body is not JsonObject request) return MarketoEnvelope.Error(stats, "609", "Invalid JSON");
        if (request["input"] is not JsonArray input || input.Count == 0)
        {
            return request["input"] is null or JsonArray
                ? MarketoEnvelope.Error(stats, "701", "input cannot be blank")
                : MarketoEnvelope.Error(stats, "1003", "Invalid data: input must be an array of activities");
        }
        if (input.Count > MaxRecords)
            return MarketoEnvelope.Error(stats, "1003", $"Invalid data: {input.Count} activities in input; at most {MaxRecords} can be added at a time");
        lock (state.World.Sync)
        {
            var results = new JsonArray();
            foreach (var record in input) results.Add(AddOne(state.World, record, stats));
            return MarketoEnvelope.Ok(results);
        }
    }

    /// <summary>Adds one record, or answers why it is skipped (the skip's code is counted in stats like any error code).</summary>
    private static JsonObject AddOne(SandboxWorld world, JsonNode? node, ServiceStats stats)
    {
        try
        {
            var activity = Check(world, node as JsonObject ?? throw new MarketoRefusal("1003", "Invalid data: each activity must be an object"));
            var logged = world.Log(activity.LeadId, activity.ActivityDate, activity.Type.Id, activity.PrimaryValue, [], activity.Attributes);
            return new JsonObject { ["id"] = logged.Id, ["marketoGUID"] = logged.MarketoGuid, ["status"] = "added" };
        }
        catch (MarketoRefusal refusal)
        {
            stats.Error(refusal.Error.Code);
            return new JsonObject
            {
                ["status"] = "skipped",
                ["errors"] = new JsonArray(new JsonObject { ["code"] = refusal.Error.Code, ["message"] = refusal.Error.Message }),
            };
        }
    }

    private sealed record CheckedActivity(long LeadId, DateTimeOffset ActivityDate, CustomActivityType Type, string? PrimaryValue,
        IReadOnlyList<KeyValuePair<string, object?>> Attributes);

    /// <summary>
    /// The checks, in order: required members (1002), the type (unknown 1013; built-in, draft-only or another
    /// type's apiName 1003), the lead (1004), the date (1001), the primary value, the attributes array's size
    /// (1049), then each attribute (unknown 1006, given twice 1036, the primary 1003, a bad value 1001/1003).
    /// </summary>
    private static CheckedActivity Check(SandboxWorld world, JsonObject record)
    {
        foreach (var member in new[] { "leadId", "activityDate", "activityTypeId", "primaryAttributeValue", "attributes" })
        {
            if (record[member] is null || record[member]!.GetValueKind() == JsonValueKind.Null)
                throw new MarketoRefusal("1002", $"Missing value for the required parameter '{member}'");
        }
        var type = ApprovedType(world.CustomActivityTypes, Integer(record["activityTypeId"]!), record["apiName"]);
        var leadId = Integer(record["leadId"]!);
        if (world.FindPerson(leadId) is null) throw new MarketoRefusal("1004", "Lead not found");
        var dateText = record["activityDate"]!.GetValueKind() == JsonValueKind.String ? record["activityDate"]!.GetValue<string>().Trim() : record["activityDate"]!.ToJsonString();
        if (!SinceDatetime.TryParse(dateText, out var activityDate))
            throw new MarketoRefusal("1001", $"Invalid value '{dateText}'. Required of type 'Datetime'");
        var live = type.Approved!;
        var primaryValue = CustomActivityDataTypes.ReadAsText(live.PrimaryAttribute.DataType, record["primaryAttributeValue"]);
        return new CheckedActivity(leadId, activityDate, type, primaryValue, Attributes(live, record["attributes"]!));
    }

    /// <summary>
    /// The approved custom type the record names. Adobe documents nothing for other ids; the sandbox skips the
    /// record: an id below 100000 (a built-in type, whose activities only Marketo writes) or a type that is only a
    /// draft is 1003 "Invalid data", an id that names no type 1013 "Object not found". The optional record
    /// <c>apiName</c> (in swagger, purpose undocumented) must then be that type's.
    /// </summary>
    private static CustomActivityType ApprovedType(CustomActivityTypes types, long typeId, JsonNode? apiName)
    {
        if (typeId < CustomActivityTypes.CustomIdFloor)
            throw new MarketoRefusal("1003", $"Invalid data: activity type {typeId} is not a custom activity type");
        var type = types.Find(typeId) ?? throw new MarketoRefusal("1013", $"Object not found: activity type {typeId}");
        if (type.Approved is null)
            throw new MarketoRefusal("1003", $"Invalid data: custom activity type '{type.ApiName}' ({typeId}) is not approved");
        if (apiName is not null && apiName.GetValueKind() != JsonValueKind.Null
            && !(apiName.GetValueKind() == JsonValueKind.String && apiName.GetValue<string>().Trim().Equals(type.ApiName, StringComparison.OrdinalIgnoreCase)))
            throw new MarketoRefusal("1003", $"Invalid data: apiName {apiName.ToJsonString()} is not the apiName of activity type {typeId} ('{type.ApiName}')");
        return type;
    }

    /// <summary>
    /// The secondary attributes, each named by <c>apiName</c> or by (display) <c>name</c>, kept in the type's order
    /// under their display names (activities.json shows them by name). Values are checked by data type.
    /// </summary>
    private static List<KeyValuePair<string, object?>> Attributes(CustomActivityTypeVersion live, JsonNode node)
    {
        if (node is not JsonArray given) throw new MarketoRefusal("1003", "Invalid data: attributes must be an array");
        var bytes = Encoding.UTF8.GetByteCount(given.ToJsonString());
        if (bytes > MaxAttributesBytes)
            throw new MarketoRefusal("1049", $"Failed to Create Activity: the attributes array is {bytes} bytes, more than the max length of {MaxAttributesBytes}");
        var values = new Dictionary<CustomActivityAttribute, object?>();
        foreach (var item in given)
        {
            if (item is not JsonObject attribute) throw new MarketoRefusal("1003", "Invalid data: each attribute must be an object with apiName or name, and value");
            var key = (attribute["apiName"] ?? attribute["name"]) is JsonValue k && k.GetValueKind() == JsonValueKind.String ? k.GetValue<string>().Trim() : null;
            if (string.IsNullOrEmpty(key)) throw new MarketoRefusal("1002", "Missing value for the required parameter 'apiName'");
            bool Named(CustomActivityAttribute a) => a.ApiName.Equals(key, StringComparison.OrdinalIgnoreCase) || a.Name.Equals(key, StringComparison.OrdinalIgnoreCase);
            if (Named(live.PrimaryAttribute))
                throw new MarketoRefusal("1003", $"Invalid data: '{key}' is the primary attribute; send its value as primaryAttributeValue");
            var definition = live.Attributes.FirstOrDefault(Named) ?? throw new MarketoRefusal("1006", $"Field '{key}' not found");
            if (!values.TryAdd(definition, CustomActivityDataTypes.Read(definition.DataType, attribute["value"])))
                throw new MarketoRefusal("1036", $"Duplicate object found in input: attribute '{key}'");
        }
        return live.Attributes.Where(values.ContainsKey).Select(a => new KeyValuePair<string, object?>(a.Name, values[a])).ToList();
    }

    /// <summary>An integer member, as a JSON number or a string of digits (1001 otherwise).</summary>
    private static long Integer(JsonNode node)
    {
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>().Trim() : node.ToJsonString();
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new MarketoRefusal("1001", $"Invalid value '{text}'. Required of type 'Integer'");
    }
}
