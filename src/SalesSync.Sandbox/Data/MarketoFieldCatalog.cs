namespace SalesSync.Sandbox.Data;

/// <summary>One lead field as Marketo's describe endpoints show it.</summary>
public sealed record MarketoField(int Id, string RestName, string SoapName, string DisplayName, string DataType, int? Length, bool ReadOnly, bool Searchable);

/// <summary>
/// The lead fields the sandbox knows. REST names follow the reference notes (§4.4); searchable
/// fields follow the swagger's filterType list.
/// </summary>
public static class MarketoFieldCatalog
{
    public static readonly IReadOnlyList<MarketoField> All =
    [
        new(1, "id", "Id", "Id", "integer", null, true, true),
        new(2, "email", "Email", "Email Address", "email", 255, false, true),
        new(3, "firstName", "FirstName", "First Name", "string", 255, false, false),
        new(4, "lastName", "LastName", "Last Name", "string", 255, false, false),
        new(5, "company", "Company", "Company Name", "string", 255, false, false),
        new(6, "title", "Title", "Job Title", "string", 255, false, false),
        new(7, "phone", "Phone", "Phone Number", "phone", 255, false, false),
        new(8, "mobilePhone", "MobilePhone", "Mobile Phone Number", "phone", 255, false, false),
        new(9, "leadSource", "LeadSource", "Lead Source", "string", 255, false, false),
        new(10, "unsubscribed", "Unsubscribed", "Unsubscribed", "boolean", null, false, false),
        new(11, "unsubscribedReason", "UnsubscribedReason", "Unsubscribed Reason", "text", 65535, false, false),
        new(12, "emailInvalid", "EmailInvalid", "Email Invalid", "boolean", null, false, false),
        new(13, "marketingSuspended", "MarketingSuspended", "Marketing Suspended", "boolean", null, false, false),
        new(14, "sfdcType", "SFDCType", "SFDC Type", "string", 255, true, false),
        new(15, "sfdcLeadId", "SFDCLeadId", "SFDC Lead ID", "string", 18, true, true),
        new(16, "sfdcContactId", "SFDCContactId", "SFDC Contact ID", "string", 18, true, true),
        new(17, "sfdcAccountId", "SFDCAccountId", "SFDC Account ID", "string", 18, true, true),
        new(18, "sfdcLeadOwnerId", "SFDCLeadOwnerId", "SFDC Lead Owner ID", "string", 18, true, true),
        new(19, "sfdcId", "SFDCId", "SFDC Id", "string", 18, true, false),
        new(20, "linkedInProfileURL", "LinkedInProfileURL", "Marketo Social LinkedIn Profile URL", "url", 255, false, false),
        new(21, "linkedInId", "LinkedInId", "Marketo Social LinkedIn Id", "string", 255, false, true),
        new(22, "externalSalesPersonId", "ExternalSalesPersonId", "External Sales Person Id", "string", 255, true, false),
        new(23, "createdAt", "CreatedAt", "Created At", "datetime", null, true, false),
        new(24, "updatedAt", "UpdatedAt", "Updated At", "datetime", null, true, false),
        new(25, "leadPartitionId", "LeadPartitionId", "Lead Partition Id", "integer", null, false, true),
    ];

    /// <summary>Filter types that are valid although they are not lead fields (swagger list).</summary>
    public static readonly IReadOnlySet<string> ExtraFilterTypes =
        new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "cookies", "facebookId", "twitterId", "sfdcOpptyId" };

    public static readonly IReadOnlyList<string> DefaultFields = ["id", "email", "updatedAt", "createdAt", "firstName", "lastName"];

    private static readonly Dictionary<string, MarketoField> ByName =
        All.ToDictionary(f => f.RestName, StringComparer.OrdinalIgnoreCase);

    public static MarketoField? Find(string restName) => ByName.GetValueOrDefault(restName);
}
