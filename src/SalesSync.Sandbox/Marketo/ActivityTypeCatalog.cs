using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>One activity type as Get Activity Types shows it.</summary>
public sealed record ActivityTypeDefinition(int Id, string Name, string Description, string PrimaryName, string PrimaryDataType,
    IReadOnlyList<(string Name, string DataType)> Attributes);

/// <summary>
/// The activity types the sandbox describes: those its log writes (12, 13, 21, 23, 32, 37) with the attributes
/// their rows carry, plus Fill Out Form (2) exactly as Adobe's example shows it (names are Adobe's), then
/// the approved custom activity types, as Get Activity Types lists them ("still returns metadata regarding
/// custom activities, but does not indicate whether a given type is custom").
/// </summary>
public static class ActivityTypeCatalog
{
    public static readonly IReadOnlyList<ActivityTypeDefinition> All =
    [
        new(2, "Fill Out Form", "User fills out and submits form on web page", "Webform ID", "integer",
            [("Client IP Address", "string"), ("Form Fields", "text"), ("Query Parameters", "string"), ("Referrer URL", "string"),
             ("User Agent", "string"), ("Webpage ID", "integer")]),
        new(ActivityTypes.NewLead, "New Lead", "New person/record is added to the lead database", "Lead ID", "integer",
            [("Created Date", "date"), ("Source Type", "string")]),
        new(ActivityTypes.ChangeDataValue, "Change Data Value", "Changed attribute value for a person", "Attribute Name", "integer",
            [("New Value", "text"), ("Old Value", "text"), ("Reason", "text"), ("Source", "string")]),
        new(ActivityTypes.ConvertLead, "Convert Lead", "Convert a person", "Lead ID", "integer",
            [("SFDC Contact ID", "string"), ("SFDC Account ID", "string"), ("SFDC Lead ID", "string"), ("Source", "string")]),
        new(ActivityTypes.ChangeOwner, "Change Owner", "Change the owner of a person", "Lead ID", "integer",
            [("New Owner ID", "string"), ("Old Owner ID", "string"), ("Source", "string")]),
        new(ActivityTypes.MergeLeads, "Merge Leads", "Merged two or more people", "Lead ID", "integer",
            [("Merge ids", "text"), ("Merged in Sales", "boolean"), ("Merge Source", "string")]),
        new(ActivityTypes.DeleteLead, "Delete Lead", "Person was deleted", "Lead ID", "integer", []),
    ];

    /// <summary>Get Activity Types' result: the built-in types, then each approved custom type's live version.</summary>
    public static JsonArray Describe(CustomActivityTypes customTypes) =>
        new(All.Select(ToJson)
            .Concat(customTypes.All.Where(t => t.Approved is not null).Select(t => (JsonNode)ToJson(t.Id, t.ApiName, t.Approved!)))
            .ToArray());

    /// <summary>
    /// A custom type as Get Activity Types shows it: swagger's ActivityType with its optional <c>apiName</c>, on the
    /// type and on each attribute (built-in types have none). Attribute names are the display names activity rows use.
    /// </summary>
    private static JsonObject ToJson(int id, string apiName, CustomActivityTypeVersion version)
    {
        var o = new JsonObject { ["id"] = id, ["apiName"] = apiName, ["name"] = version.Name };
        if (version.Description is not null) o["description"] = version.Description;
        o["primaryAttribute"] = AttributeJson(version.PrimaryAttribute);
        o["attributes"] = new JsonArray(version.Attributes.Select(a => (JsonNode)AttributeJson(a)).ToArray());
        return o;

        static JsonObject AttributeJson(CustomActivityAttribute a) => new() { ["apiName"] = a.ApiName, ["name"] = a.Name, ["dataType"] = a.DataType };
    }

    private static JsonNode ToJson(ActivityTypeDefinition t) => new JsonObject
    {
        ["id"] = t.Id,
        ["name"] = t.Name,
        ["description"] = t.Description,
        ["primaryAttribute"] = new JsonObject { ["name"] = t.PrimaryName, ["dataType"] = t.PrimaryDataType },
        ["attributes"] = new JsonArray(t.Attributes.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["dataType"] = a.DataType }).ToArray()),
    };
}
