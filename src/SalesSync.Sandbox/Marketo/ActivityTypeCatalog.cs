using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>One activity type as Get Activity Types shows it.</summary>
public sealed record ActivityTypeDefinition(int Id, string Name, string Description, string PrimaryName, string PrimaryDataType,
    IReadOnlyList<(string Name, string DataType)> Attributes);

/// <summary>
/// The activity types the sandbox describes: those its log writes (12, 13, 21, 23, 32, 37) with the attributes
/// their rows carry, Fill Out Form (2) exactly as Adobe's example shows it (names are Adobe's), the person feed's
/// types (web 1-3, email 6-11 and 27, CRM tasks 26/30, sales emails 39-41/45/48, Interesting Moment 46; attribute
/// names from Adobe's Lead Activity Data Stream list and the SIA glossary; see <see cref="FeedHistory"/>), then
/// the approved custom activity types, as Get Activity Types lists them ("still returns metadata regarding
/// custom activities, but does not indicate whether a given type is custom").
/// </summary>
public static class ActivityTypeCatalog
{
    public static readonly IReadOnlyList<ActivityTypeDefinition> All =
    [
        new(FeedHistory.VisitWebpage, "Visit Webpage", "User visits a web page", "Webpage ID", "integer",
            [("Client IP Address", "string"), ("Query Parameters", "string"), ("Referrer URL", "string"), ("User Agent", "string"),
             ("Webpage ID", "integer"), ("Webpage URL", "string")]),
        new(2, "Fill Out Form", "User fills out and submits form on web page", "Webform ID", "integer",
            [("Client IP Address", "string"), ("Form Fields", "text"), ("Query Parameters", "string"), ("Referrer URL", "string"),
             ("User Agent", "string"), ("Webpage ID", "integer")]),
        new(FeedHistory.ClickLink, "Click Link", "User clicks link on a page", "Link ID", "integer",
            [("Client IP Address", "string"), ("Query Parameters", "string"), ("Referrer URL", "string"), ("User Agent", "string"), ("Webpage ID", "integer")]),
        new(FeedHistory.SendEmail, "Send Email", "Send Marketo Email to a person", "Mailing ID", "integer",
            [("Campaign Run ID", "integer"), ("Step ID", "integer"), ("Mailing ID", "integer")]),
        new(FeedHistory.EmailDelivered, "Email Delivered", "Marketo Email is delivered to a person", "Mailing ID", "integer",
            [("Choice Number", "integer"), ("Campaign Run ID", "integer"), ("Step ID", "integer"), ("Mailing ID", "integer")]),
        new(FeedHistory.EmailBounced, "Email Bounced", "Marketo Email hard bounces", "Mailing ID", "integer", BounceAttributes),
        new(FeedHistory.UnsubscribeEmail, "Unsubscribe Email", "Person unsubscribes from Marketo Emails", "Mailing ID", "integer",
            [("Campaign Run ID", "integer"), ("Client IP Address", "string"), ("Mailing ID", "integer"), ("User Agent", "string")]),
        new(FeedHistory.OpenEmail, "Open Email", "User opens Marketo Email", "Mailing ID", "integer",
            [("Campaign Run ID", "integer"), ("Device", "string"), ("Is Mobile Device", "boolean"), ("Mailing ID", "integer"), ("Platform", "string"), ("User Agent", "string")]),
        new(FeedHistory.ClickEmail, "Click Email", "User clicks on a link in a Marketo Email", "Mailing ID", "integer",
            [("Campaign Run ID", "integer"), ("Device", "string"), ("Is Mobile Device", "boolean"), ("Link", "string"), ("Mailing ID", "integer"), ("Platform", "string"), ("User Agent", "string")]),
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
        new(FeedHistory.SfdcActivity, "SFDC Activity", "Salesforce activity (task or event) logged on the person", "Subject", "string", TaskAttributes),
        new(FeedHistory.EmailBouncedSoft, "Email Bounced Soft", "Marketo Email soft bounces", "Mailing ID", "integer", BounceAttributes),
        new(FeedHistory.SfdcActivityUpdated, "SFDC Activity Updated", "Salesforce activity on the person was updated", "Subject", "string", TaskAttributes),
        new(FeedHistory.SendSalesEmail, "Send Sales Email", "Sales email sent to the person", "Email Subject", "string", SalesEmailAttributes),
        new(FeedHistory.OpenSalesEmail, "Open Sales Email", "Person opened a sales email", "Email Subject", "string", SalesEmailAttributes),
        new(FeedHistory.ClickSalesEmail, "Click Sales Email", "Person clicked a link in a sales email", "Email Subject", "string", [.. SalesEmailAttributes, ("Link", "string")]),
        new(FeedHistory.ReceiveSalesEmail, "Receive Sales Email", "Person replied to a sales email", "Email Subject", "string",
            [("Marketo Sales Person ID", "string"), ("Received By", "string"), ("Source", "string")]),
        new(FeedHistory.InterestingMoment, "Interesting Moment", "Interesting moment logged on the person by a flow step", "Description", "text",
            [("Date", "datetime"), ("Source", "string"), ("Type", "string")]),
        new(FeedHistory.SalesEmailBounced, "Sales Email Bounced", "A sales email to the person bounced", "Email Subject", "string",
            [("Details", "text"), ("Email", "email"), ("Marketo Sales Person ID", "string"), ("Sent By", "string"), ("Template ID", "integer")]),
    ];

    private static (string, string)[] BounceAttributes =>
        [("Campaign Run ID", "integer"), ("Category", "string"), ("Details", "text"), ("Email", "email"), ("Mailing ID", "integer"), ("Subcategory", "string")];

    private static (string, string)[] TaskAttributes =>
        [("Activity Owner", "string"), ("Description", "text"), ("Due Date", "date"), ("Is Task", "boolean"), ("Priority", "string"), ("Status", "string")];

    private static (string, string)[] SalesEmailAttributes =>
        [("Marketo Sales Person ID", "string"), ("Sales Template Name", "string"), ("Sent By", "string"), ("Source", "string"), ("Template ID", "integer")];

    /// <summary>Get Activity Types' result: the built-in types, then each approved custom type's live version.</summary>
    public static JsonArray Describe(CustomActivityTypes customTypes) =>
        new(All.OrderBy(t => t.Id).Select(ToJson)
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
