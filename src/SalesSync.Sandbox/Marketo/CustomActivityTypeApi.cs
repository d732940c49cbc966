using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// Custom activity type management (activities.md "Custom Activity Types" and swagger's Activities tag), under
/// <c>/rest/v1/activities/external/</c>: list, describe, create, update, approve, discard the draft, delete, and
/// create/update/delete attributes. Every change lands on the draft; approve makes it live. Behind the same
/// /rest gate as every call. See README.md, "Custom activities", for the choices where Adobe is silent.
/// </summary>
public static class CustomActivityTypeApi
{
    private const string Root = "/rest/v1/activities/external";
    private const string OneType = Root + "/type/{apiName}";

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapGet(Root + "/types.json", () => Run(state, types => new JsonArray(types.All.Select(t => (JsonNode)Summary(t, t.Version(draft: false))).ToArray())));
        app.MapGet(OneType + "/describe.json", async (string apiName, HttpContext ctx) =>
        {
            var asDraft = string.Equals((await MarketoParameters.ReadAsync(ctx)).Get("draft")?.Trim(), "true", StringComparison.OrdinalIgnoreCase);
            return Run(state, types =>
            {
                var type = Existing(types, apiName);
                return new JsonArray(Describe(type, type.Version(asDraft)));
            });
        });
        // (Delegate) casts: a lambda of HttpContext alone would bind as a RequestDelegate and drop its result.
        app.MapPost(Root + "/type.json", (Delegate)((HttpContext ctx) => Change(ctx, state, (types, body, now) =>
        {
            var apiName = Text(body, "apiName") ?? throw Blank("apiName");
            var type = types.Create(MarketoApi.ApiUser(ctx), apiName.Trim(), NewVersion(body), now);
            return (type, type.Draft!);
        })));
        app.MapPost(OneType + ".json", (string apiName, HttpContext ctx) => Change(ctx, state, (types, body, now) =>
        {
            var type = Existing(types, apiName);
            types.EditDraft(type, version => Updated(version, body), now);
            return (type, type.Draft!);
        }));
        app.MapPost(OneType + "/approve.json", (string apiName, HttpContext ctx) => Change(ctx, state, (types, _, now) =>
        {
            var type = Existing(types, apiName);
            types.Approve(type, now);
            return (type, type.Approved!);
        }, bodyExpected: false));
        app.MapPost(OneType + "/discardDraft.json", (string apiName, HttpContext ctx) => Change(ctx, state, (types, _, now) =>
        {
            var type = Existing(types, apiName);
            types.DiscardDraft(type, now);
            return (type, type.Approved!);
        }, bodyExpected: false));
        app.MapPost(OneType + "/delete.json", (string apiName) => Run(state, types =>
        {
            var type = Existing(types, apiName);
            types.Delete(type);
            var gone = Describe(type, type.Version(draft: false));
            gone["status"] = "deleted";
            return new JsonArray(gone);
        }));
        app.MapPost(OneType + "/attributes/create.json", (string apiName, HttpContext ctx) => EditAttributes(ctx, state, apiName, CreateAttributes));
        app.MapPost(OneType + "/attributes/update.json", (string apiName, HttpContext ctx) => EditAttributes(ctx, state, apiName, UpdateAttributes));
        app.MapPost(OneType + "/attributes/delete.json", (string apiName, HttpContext ctx) => EditAttributes(ctx, state, apiName, DeleteAttributes));
    }

    /// <summary>Runs <paramref name="answer"/> under the world lock; a refusal becomes the envelope's error.</summary>
    private static IResult Run(SandboxState state, Func<CustomActivityTypes, JsonArray> answer)
    {
        try
        {
            lock (state.World.Sync) return MarketoEnvelope.Ok(answer(state.World.CustomActivityTypes));
        }
        catch (MarketoRefusal refusal)
        {
            return MarketoEnvelope.Error(state.MarketoStats, refusal.Error.Code, refusal.Error.Message);
        }
    }

    /// <summary>
    /// A change with a JSON body (612/609 as every Marketo JSON write); answers the changed type, described from the
    /// version the change returns (the draft it edited, or the approved version). Approve and discard take no body, so any or none is fine there.
    /// </summary>
    private static async Task<IResult> Change(HttpContext ctx, SandboxState state,
        Func<CustomActivityTypes, JsonObject, DateTimeOffset, (CustomActivityType, CustomActivityTypeVersion)> change, bool bodyExpected = true)
    {
        var body = new JsonObject();
        if (bodyExpected)
        {
            var (node, error) = await MarketoJsonBody.ReadAsync(ctx);
            if (error is not null) return MarketoEnvelope.Error(state.MarketoStats, error.Code, error.Message);
            if (node is not JsonObject o) return MarketoEnvelope.Error(state.MarketoStats, "609", "Invalid JSON");
            body = o;
        }
        return Run(state, types =>
        {
            var (type, version) = change(types, body, state.Clock.UtcNow);
            return new JsonArray(Describe(type, version));
        });
    }

    private static Task<IResult> EditAttributes(HttpContext ctx, SandboxState state, string apiName,
        Func<Attributes, JsonObject, Attributes> edit) =>
        Change(ctx, state, (types, body, now) =>
        {
            if (body["attributes"] is not JsonArray list || list.Count == 0) throw Blank("attributes");
            var specs = list.Select(n => n as JsonObject ?? throw new MarketoRefusal("1003", "Invalid data: each attribute must be an object")).ToList();
            var type = Existing(types, apiName);
            types.EditDraft(type, version =>
            {
                var edited = specs.Aggregate(new Attributes(version.PrimaryAttribute, version.Attributes.ToList()), edit);
                var primary = edited.Primary
                    ?? throw new MarketoRefusal("1003", $"Invalid data: custom activity type '{type.ApiName}' needs a primary attribute");
                return version with { PrimaryAttribute = primary, Attributes = edited.Secondary };
            }, now);
            return (type, type.Draft!);
        });

    /// <summary>The attributes of a draft while a request edits it: the primary may be demoted before another is promoted.</summary>
    private sealed record Attributes(CustomActivityAttribute? Primary, List<CustomActivityAttribute> Secondary);

    /// <summary>attributes/create.json: name and dataType required; isPrimary makes it the primary (once the old one is demoted).</summary>
    private static Attributes CreateAttributes(Attributes current, JsonObject spec)
    {
        var apiName = Text(spec, "apiName")?.Trim() ?? throw Blank("apiName");
        var attribute = new CustomActivityAttribute(apiName, Text(spec, "name") ?? throw Blank("name"), Text(spec, "description"),
            DataType(Text(spec, "dataType") ?? throw Blank("dataType")));
        return Flag(spec, "isPrimary") == true
            ? Promote(current, attribute)
            : current with { Secondary = [.. current.Secondary, attribute] };
    }

    /// <summary>attributes/update.json: the apiName is the key and cannot change; isPrimary moves the primary role.</summary>
    private static Attributes UpdateAttributes(Attributes current, JsonObject spec)
    {
        var apiName = Text(spec, "apiName")?.Trim() ?? throw Blank("apiName");
        var isPrimary = current.Primary?.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase) == true;
        var old = isPrimary ? current.Primary! : current.Secondary.FirstOrDefault(a => a.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase))
            ?? throw new MarketoRefusal("1006", $"Field '{apiName}' not found");
        var changed = old with
        {
            Name = Text(spec, "name") ?? old.Name,
            Description = Text(spec, "description") ?? old.Description,
            DataType = Text(spec, "dataType") is { } dataType ? DataType(dataType) : old.DataType,
        };
        var rest = current.Secondary.Where(a => a != old).ToList();
        return (isPrimary, Flag(spec, "isPrimary")) switch
        {
            (true, false) => new Attributes(null, [.. rest, changed]),
            (true, _) => new Attributes(changed, rest),
            (false, true) => Promote(current with { Secondary = rest }, changed),
            _ => current with { Secondary = current.Secondary.Select(a => a == old ? changed : a).ToList() },
        };
    }

    /// <summary>attributes/delete.json: secondary attributes by apiName; the primary cannot be deleted.</summary>
    private static Attributes DeleteAttributes(Attributes current, JsonObject spec)
    {
        var apiName = Text(spec, "apiName")?.Trim() ?? throw Blank("apiName");
        if (current.Primary?.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase) == true)
            throw new MarketoRefusal("1003", $"Invalid data: '{apiName}' is the primary attribute and cannot be deleted");
        var old = current.Secondary.FirstOrDefault(a => a.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase))
            ?? throw new MarketoRefusal("1006", $"Field '{apiName}' not found");
        return current with { Secondary = current.Secondary.Where(a => a != old).ToList() };
    }

    /// <summary>"Any existing primary attribute should be demoted by setting isPrimary to false first."</summary>
    private static Attributes Promote(Attributes current, CustomActivityAttribute attribute) =>
        current.Primary is { } primary
            ? throw new MarketoRefusal("1003", $"Invalid data: '{primary.ApiName}' is the primary attribute; demote it with isPrimary false first")
            : current with { Primary = attribute };

    /// <summary>Create Custom Activity Type's body: apiName, name, triggerName, filterName and primaryAttribute required; description optional.</summary>
    private static CustomActivityTypeVersion NewVersion(JsonObject body)
    {
        var primary = body["primaryAttribute"] as JsonObject ?? throw Blank("primaryAttribute");
        return new CustomActivityTypeVersion(
            Text(body, "name") ?? throw Blank("name"), Text(body, "description"),
            Text(body, "triggerName") ?? throw Blank("triggerName"), Text(body, "filterName") ?? throw Blank("filterName"),
            PrimaryAttribute(primary, current: null), []);
    }

    /// <summary>Update Custom Activity Type: only the members given change.</summary>
    private static CustomActivityTypeVersion Updated(CustomActivityTypeVersion version, JsonObject body) => version with
    {
        Name = Text(body, "name") ?? version.Name,
        Description = Text(body, "description") ?? version.Description,
        TriggerName = Text(body, "triggerName") ?? version.TriggerName,
        FilterName = Text(body, "filterName") ?? version.FilterName,
        PrimaryAttribute = body["primaryAttribute"] is { } primary
            ? PrimaryAttribute(primary as JsonObject ?? throw new MarketoRefusal("1003", "Invalid data: primaryAttribute must be an object"), version.PrimaryAttribute)
            : version.PrimaryAttribute,
    };

    /// <summary>
    /// A primary attribute from <c>{apiName, name, description, dataType}</c>: the same apiName as
    /// <paramref name="current"/> changes it, another replaces it. dataType defaults to string (the docs' create
    /// example sends none and gets string back).
    /// </summary>
    private static CustomActivityAttribute PrimaryAttribute(JsonObject spec, CustomActivityAttribute? current)
    {
        var apiName = Text(spec, "apiName")?.Trim() ?? current?.ApiName ?? throw Blank("primaryAttribute.apiName");
        var same = current is not null && current.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase);
        return new CustomActivityAttribute(
            same ? current!.ApiName : apiName,
            Text(spec, "name") ?? (same ? current!.Name : throw Blank("primaryAttribute.name")),
            Text(spec, "description") ?? (same ? current!.Description : null),
            Text(spec, "dataType") is { } dataType ? DataType(dataType) : same ? current!.DataType : "string");
    }

    private static string DataType(string text) => CustomActivityDataTypes.Find(text)
        ?? throw new MarketoRefusal("1003", $"Invalid data: dataType '{text}' is not one of {string.Join(", ", CustomActivityDataTypes.All)}");

    private static CustomActivityType Existing(CustomActivityTypes types, string apiName) =>
        types.Find(apiName) ?? throw new MarketoRefusal("1013", $"Object not found: custom activity type '{apiName}'");

    /// <summary>A string member; absent or null is null, another JSON type is 1003.</summary>
    private static string? Text(JsonObject o, string member) => o[member] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new MarketoRefusal("1003", $"Invalid data: {member} must be a string"),
    };

    private static bool? Flag(JsonObject o, string member) => o[member] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        _ => throw new MarketoRefusal("1003", $"Invalid data: {member} must be true or false"),
    };

    private static MarketoRefusal Blank(string member) => new("701", $"{member} cannot be blank");

    /// <summary>Get Custom Activity Types' entry, in the order of Adobe's sample.</summary>
    private static JsonObject Summary(CustomActivityType type, CustomActivityTypeVersion version)
    {
        var o = new JsonObject { ["id"] = type.Id, ["apiName"] = type.ApiName, ["name"] = version.Name };
        if (version.Description is not null) o["description"] = version.Description;
        o["triggerName"] = version.TriggerName;
        o["filterName"] = version.FilterName;
        o["createdAt"] = MarketoEnvelope.ToJson(type.CreatedAt);
        o["updatedAt"] = MarketoEnvelope.ToJson(type.UpdatedAt);
        o["status"] = type.Status;
        return o;
    }

    /// <summary>Describe's entry: the summary plus the primary attribute and (when there are any) the secondary attributes.</summary>
    private static JsonObject Describe(CustomActivityType type, CustomActivityTypeVersion version)
    {
        var o = Summary(type, version);
        o["primaryAttribute"] = AttributeJson(version.PrimaryAttribute);
        if (version.Attributes.Count > 0) o["attributes"] = new JsonArray(version.Attributes.Select(a => (JsonNode)AttributeJson(a)).ToArray());
        return o;
    }

    private static JsonObject AttributeJson(CustomActivityAttribute a)
    {
        var o = new JsonObject { ["apiName"] = a.ApiName, ["name"] = a.Name };
        if (a.Description is not null) o["description"] = a.Description;
        o["dataType"] = a.DataType;
        return o;
    }
}
