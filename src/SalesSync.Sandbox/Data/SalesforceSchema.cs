using static SalesSync.Sandbox.Data.SalesforceFieldType;

namespace SalesSync.Sandbox.Data;

/// <summary>A lookup field: its relationship name and the objects it can point at.</summary>
public sealed record SalesforceReference(string Field, string Relationship, IReadOnlyList<string> Targets);

/// <summary>One sObject type: its fields (with their describe properties) and lookups.</summary>
public sealed class SalesforceObjectType
{
    public SalesforceObjectType(string name, string keyPrefix, IEnumerable<SalesforceField> fields, IEnumerable<SalesforceReference> references, bool writable = true)
    {
        Name = name;
        KeyPrefix = keyPrefix;
        Writable = writable;
        Fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        Describe = new Dictionary<string, SalesforceField>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in fields)
        {
            Fields[f.Name] = f.Name;
            Describe[f.Name] = f;
        }
        References = references.ToDictionary(r => r.Relationship, StringComparer.OrdinalIgnoreCase);
        ReferencesByField = References.Values.ToDictionary(r => r.Field, StringComparer.OrdinalIgnoreCase);
    }

    public string Name { get; }
    public string KeyPrefix { get; }

    /// <summary>Whether the sandbox accepts creates, updates and deletes of this type (User is read-only here).</summary>
    public bool Writable { get; }

    /// <summary>Field name (any case) to canonical name.</summary>
    public Dictionary<string, string> Fields { get; }

    /// <summary>Field name (any case) to its describe properties.</summary>
    public Dictionary<string, SalesforceField> Describe { get; }

    /// <summary>Relationship name (any case) to lookup.</summary>
    public Dictionary<string, SalesforceReference> References { get; }

    /// <summary>Lookup field name (any case, e.g. WhoId) to lookup.</summary>
    public Dictionary<string, SalesforceReference> ReferencesByField { get; }
}

/// <summary>
/// The subset of the Salesforce schema the sandbox serves, with the standard lengths, required fields and
/// restricted picklists of the Object Reference (salesforce-api.md §5, §6).
/// </summary>
public static class SalesforceSchema
{
    public static readonly IReadOnlyList<string> TaskStatuses = ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"];
    public static readonly IReadOnlyList<string> LeadStatuses = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"];
    public static readonly IReadOnlyList<string> OpportunityStages =
        ["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"];

    private static SalesforceField ReadOnly(string name, SalesforceFieldType type, int length = 0) =>
        new(name, type) { Length = length, Createable = false, Updateable = false };
    private static SalesforceField Text(string name, int length, SalesforceFieldType type = SalesforceFieldType.String) => new(name, type) { Length = length };
    private static SalesforceField Required(SalesforceField field) => field with { Required = true };
    private static SalesforceField Flag(string name) => new(name, SalesforceFieldType.Boolean) { Default = false };
    private static SalesforceField Lookup(string name, string? label = null) =>
        label is null ? new(name, Reference) : new(name, Reference) { Label = label };
    private static SalesforceField Restricted(string name, IReadOnlyList<string> values, string? label = null)
    {
        var field = new SalesforceField(name, Picklist) { Length = 255, RestrictedValues = values };
        return label is null ? field : field with { Label = label };
    }

    private static readonly SalesforceField[] Audit =
        [ReadOnly("Id", SalesforceFieldType.Id, 18), ReadOnly("IsDeleted", SalesforceFieldType.Boolean), ReadOnly("CreatedDate", SalesforceFieldType.DateTime),
         ReadOnly("LastModifiedDate", SalesforceFieldType.DateTime), ReadOnly("SystemModstamp", SalesforceFieldType.DateTime)];

    private static SalesforceReference Owner => new("OwnerId", "Owner", ["User"]);

    public static readonly IReadOnlyDictionary<string, SalesforceObjectType> Types =
        new Dictionary<string, SalesforceObjectType>(StringComparer.OrdinalIgnoreCase)
        {
            ["User"] = new("User", "005",
                [.. Audit, ReadOnly("Name", SalesforceFieldType.String, 121), ReadOnly("FirstName", SalesforceFieldType.String, 40),
                 ReadOnly("LastName", SalesforceFieldType.String, 80), ReadOnly("Email", Email, 128), ReadOnly("Username", SalesforceFieldType.String, 80),
                 ReadOnly("IsActive", SalesforceFieldType.Boolean), ReadOnly("Title", SalesforceFieldType.String, 80),
                 ReadOnly("TimeZoneSidKey", SalesforceFieldType.String, 40)],
                [], writable: false),
            // Queues only (Type "Queue"): a Task may be owned by one (v48.0+), as a reminder nobody has taken yet.
            ["Group"] = new("Group", "00G",
                [.. Audit, ReadOnly("Name", SalesforceFieldType.String, 40), ReadOnly("Type", Picklist, 40), ReadOnly("Email", Email, 255)],
                [], writable: false),
            ["Account"] = new("Account", "001",
                [.. Audit, Required(Text("Name", 255)), Lookup("OwnerId"), Text("Industry", 255, Picklist), Text("Website", 255, Url)],
                [Owner]),
            ["Contact"] = new("Contact", "003",
                [.. Audit, ReadOnly("Name", SalesforceFieldType.String, 121), Text("FirstName", 40), Required(Text("LastName", 80)), Text("Email", 80, Email),
                 Text("Title", 128), Text("Phone", 40, Phone), Lookup("AccountId"), Lookup("OwnerId"), Flag("HasOptedOutOfEmail"), Flag("DoNotCall"),
                 Text("LeadSource", 255, Picklist)],
                [Owner, new("AccountId", "Account", ["Account"])]),
            ["Lead"] = new("Lead", "00Q",
                [.. Audit, ReadOnly("Name", SalesforceFieldType.String, 121), Text("FirstName", 40), Required(Text("LastName", 80)), Text("Email", 80, Email),
                 Required(Text("Company", 255)), Text("Title", 128), Text("Phone", 40, Phone), Text("LeadSource", 255, Picklist),
                 Restricted("Status", LeadStatuses) with { Default = LeadStatuses[0] }, Lookup("OwnerId"), Flag("HasOptedOutOfEmail"),
                 // Converting is convertLead's job ("You can't convert a lead via the API by changing Status").
                 Flag("IsConverted") with { Updateable = false },
                 ReadOnly("ConvertedContactId", Reference), ReadOnly("ConvertedAccountId", Reference), ReadOnly("ConvertedOpportunityId", Reference),
                 ReadOnly("ConvertedDate", Date)],
                [Owner, new("ConvertedContactId", "ConvertedContact", ["Contact"]), new("ConvertedAccountId", "ConvertedAccount", ["Account"]),
                 new("ConvertedOpportunityId", "ConvertedOpportunity", ["Opportunity"])]),
            ["Opportunity"] = new("Opportunity", "006",
                [.. Audit, Required(Text("Name", 120)), Lookup("AccountId"), Lookup("OwnerId"), Required(Restricted("StageName", OpportunityStages, "Stage")),
                 Required(new SalesforceField("CloseDate", Date)), ReadOnly("IsClosed", SalesforceFieldType.Boolean), ReadOnly("IsWon", SalesforceFieldType.Boolean),
                 new SalesforceField("Amount", Currency)],
                [Owner, new("AccountId", "Account", ["Account"])]),
            ["OpportunityContactRole"] = new("OpportunityContactRole", "00K",
                [.. Audit, Required(Lookup("OpportunityId")) with { Updateable = false }, Required(Lookup("ContactId")), Text("Role", 40, Picklist), Flag("IsPrimary")],
                [new("OpportunityId", "Opportunity", ["Opportunity"]), new("ContactId", "Contact", ["Contact"])]),
            ["Task"] = new("Task", "00T",
                [.. Audit, Text("Subject", 255), Lookup("WhoId", "Name ID"), Lookup("WhatId", "Related To ID"), Lookup("OwnerId", "Assigned To ID"),
                 ReadOnly("AccountId", Reference), Restricted("Status", TaskStatuses) with { Default = "Not Started" },
                 Restricted("Priority", ["High", "Normal", "Low"]) with { Default = "Normal" },
                 // Create-only; Cadence exists but "can't be set manually" (RecordValidator refuses it).
                 Restricted("TaskSubtype", ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"], "Task Subtype") with { Updateable = false },
                 Text("Type", 40, Picklist), new SalesforceField("ActivityDate", Date) { Label = "Due Date Only" },
                 Text("Description", 32_000, TextArea), Restricted("CallType", ["Inbound", "Internal", "Outbound"], "Call Type"),
                 new SalesforceField("CallDurationInSeconds", Integer) { Label = "Call Duration" }, Text("CallDisposition", 255), Text("CallObject", 255),
                 Flag("IsReminderSet"), new SalesforceField("ReminderDateTime", SalesforceFieldType.DateTime),
                 ReadOnly("IsClosed", SalesforceFieldType.Boolean), ReadOnly("IsHighPriority", SalesforceFieldType.Boolean),
                 ReadOnly("CompletedDateTime", SalesforceFieldType.DateTime),
                 // A recurring series is made with the Recurrence* fields the sandbox does not serve, so the API may not set it
                 // here; the control API makes recurring Tasks (README "Salesforce Tasks").
                 ReadOnly("IsRecurrence", SalesforceFieldType.Boolean) with { Default = false },
                 // An occurrence of a series: the Id of the series' main record (the occurrence has IsRecurrence false).
                 ReadOnly("RecurrenceActivityId", Reference),
                 ReadOnly("CreatedById", Reference), ReadOnly("LastModifiedById", Reference)],
                [new("OwnerId", "Owner", ["User", "Group"]), new("WhoId", "Who", ["Contact", "Lead"]), new("WhatId", "What", ["Account", "Opportunity"]),
                 new("AccountId", "Account", ["Account"]),
                 new("CreatedById", "CreatedBy", ["User"]), new("LastModifiedById", "LastModifiedBy", ["User"])]),
        };

    public static SalesforceObjectType? TypeOfId(string? id)
    {
        if (id is null || id.Length < 3) return null;
        var prefix = id[..3];
        return Types.Values.FirstOrDefault(t => t.KeyPrefix == prefix);
    }
}
