namespace SalesSync.Sandbox.Data;

/// <summary>A lookup field: its relationship name and the objects it can point at.</summary>
public sealed record SalesforceReference(string Field, string Relationship, IReadOnlyList<string> Targets);

/// <summary>One sObject type: canonical field names and lookups.</summary>
public sealed class SalesforceObjectType
{
    public SalesforceObjectType(string name, string keyPrefix, IEnumerable<string> fields, IEnumerable<SalesforceReference> references)
    {
        Name = name;
        KeyPrefix = keyPrefix;
        Fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in fields) Fields[f] = f;
        References = references.ToDictionary(r => r.Relationship, StringComparer.OrdinalIgnoreCase);
    }

    public string Name { get; }
    public string KeyPrefix { get; }

    /// <summary>Field name (any case) to canonical name.</summary>
    public Dictionary<string, string> Fields { get; }

    /// <summary>Relationship name (any case) to lookup.</summary>
    public Dictionary<string, SalesforceReference> References { get; }
}

/// <summary>The subset of the Salesforce schema the sandbox serves.</summary>
public static class SalesforceSchema
{
    private static readonly string[] Audit = ["Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"];
    private static SalesforceReference Owner => new("OwnerId", "Owner", ["User"]);

    public static readonly IReadOnlyDictionary<string, SalesforceObjectType> Types =
        new Dictionary<string, SalesforceObjectType>(StringComparer.OrdinalIgnoreCase)
        {
            ["User"] = new("User", "005", [.. Audit, "Name", "FirstName", "LastName", "Email", "Username", "IsActive", "Title"], []),
            ["Account"] = new("Account", "001", [.. Audit, "Name", "OwnerId", "Industry", "Website"], [Owner]),
            ["Contact"] = new("Contact", "003",
                [.. Audit, "Name", "FirstName", "LastName", "Email", "Title", "Phone", "AccountId", "OwnerId", "HasOptedOutOfEmail", "DoNotCall", "LeadSource"],
                [Owner, new("AccountId", "Account", ["Account"])]),
            ["Lead"] = new("Lead", "00Q",
                [.. Audit, "Name", "FirstName", "LastName", "Email", "Company", "Title", "Phone", "LeadSource", "Status", "OwnerId",
                 "HasOptedOutOfEmail", "IsConverted", "ConvertedContactId", "ConvertedAccountId", "ConvertedOpportunityId", "ConvertedDate"],
                [Owner, new("ConvertedContactId", "ConvertedContact", ["Contact"]), new("ConvertedAccountId", "ConvertedAccount", ["Account"]),
                 new("ConvertedOpportunityId", "ConvertedOpportunity", ["Opportunity"])]),
            ["Opportunity"] = new("Opportunity", "006",
                [.. Audit, "Name", "AccountId", "OwnerId", "StageName", "CloseDate", "IsClosed", "IsWon", "Amount"],
                [Owner, new("AccountId", "Account", ["Account"])]),
            ["OpportunityContactRole"] = new("OpportunityContactRole", "00K",
                [.. Audit, "OpportunityId", "ContactId", "Role", "IsPrimary"],
                [new("OpportunityId", "Opportunity", ["Opportunity"]), new("ContactId", "Contact", ["Contact"])]),
            ["Task"] = new("Task", "00T",
                [.. Audit, "Subject", "WhoId", "WhatId", "OwnerId", "AccountId", "Status", "Priority", "TaskSubtype", "Type", "ActivityDate",
                 "Description", "CallType", "CallDurationInSeconds", "CallDisposition", "IsClosed", "CompletedDateTime"],
                [Owner, new("WhoId", "Who", ["Contact", "Lead"]), new("WhatId", "What", ["Account", "Opportunity"]), new("AccountId", "Account", ["Account"])]),
        };

    public static SalesforceObjectType? TypeOfId(string? id)
    {
        if (id is null || id.Length < 3) return null;
        var prefix = id[..3];
        return Types.Values.FirstOrDefault(t => t.KeyPrefix == prefix);
    }
}
