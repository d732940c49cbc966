using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>One activity type as Get Activity Types shows it.</summary>
public sealed record ActivityTypeDefinition(int Id, string Name, string Description, string PrimaryName, string PrimaryDataType,
    IReadOnlyList<(string Name, string DataType)> Attributes);

/// <summary>
/// The activity types the sandbox describes: those its log writes (12, 13, 32, 37) with the attributes
/// their rows carry, plus Fill Out Form (2) exactly as Adobe's example shows it. Names are Adobe's.
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
        new(ActivityTypes.MergeLeads, "Merge Leads", "Merged two or more people", "Lead ID", "integer",
            [("Merge ids", "text"), ("Merged in Sales", "boolean"), ("Merge Source", "string")]),
        new(ActivityTypes.DeleteLead, "Delete Lead", "Person was deleted", "Lead ID", "integer", []),
    ];

    public static JsonNode ToJson(ActivityTypeDefinition t) => new JsonObject
    {
        ["id"] = t.Id,
        ["name"] = t.Name,
        ["description"] = t.Description,
        ["primaryAttribute"] = new JsonObject { ["name"] = t.PrimaryName, ["dataType"] = t.PrimaryDataType },
        ["attributes"] = new JsonArray(t.Attributes.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["dataType"] = a.DataType }).ToArray()),
    };
}
