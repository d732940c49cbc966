using System.Globalization;
using System.Text.Json;

namespace SalesSync.Core.People;

/// <summary>
/// The fixed mapping between Marketo's REST lead fields and <see cref="PersonRecord"/>, and the
/// eligibility rule: a person with a Salesforce type (Lead or Contact) and a Salesforce owner.
/// </summary>
public static class MarketoPersonFields
{
    /// <summary>Every field a sync reads, in one list for the REST fields parameter and the bulk export.</summary>
    public static IReadOnlyList<string> RestNames { get; } =
    [
        "id", "firstName", "lastName", "email", "company", "title", "phone", "linkedInProfileURL", "leadSource",
        "sfdcType", "sfdcLeadId", "sfdcContactId", "sfdcAccountId", "sfdcLeadOwnerId", "unsubscribed", "updatedAt",
    ];

    /// <summary>Marketo's values of sfdcType that make a person a sales person.</summary>
    public static bool IsSalesType(string? sfdcType) =>
        string.Equals(sfdcType, "Lead", StringComparison.OrdinalIgnoreCase) || string.Equals(sfdcType, "Contact", StringComparison.OrdinalIgnoreCase);

    public static bool IsEligible(PersonRecord person) => IsSalesType(person.SalesforceType) && !string.IsNullOrEmpty(person.SalesOwnerId);

    /// <summary>Maps one lead of a REST response; null when it has no usable id.</summary>
    public static PersonRecord? FromRest(JsonElement lead, DateTimeOffset syncedAt)
    {
        if (lead.ValueKind != JsonValueKind.Object || !lead.TryGetProperty("id", out var id) || !TryLong(id, out var marketoId)) return null;
        return new PersonRecord
        {
            MarketoId = marketoId,
            FirstName = Text(lead, "firstName"),
            LastName = Text(lead, "lastName"),
            Email = Text(lead, "email"),
            Company = Text(lead, "company"),
            Title = Text(lead, "title"),
            Phone = Text(lead, "phone"),
            LinkedInUrl = Text(lead, "linkedInProfileURL"),
            Source = Text(lead, "leadSource"),
            SalesforceType = Text(lead, "sfdcType"),
            SalesforceLeadId = Text(lead, "sfdcLeadId"),
            SalesforceContactId = Text(lead, "sfdcContactId"),
            SalesforceAccountId = Text(lead, "sfdcAccountId"),
            SalesOwnerId = Text(lead, "sfdcLeadOwnerId"),
            Unsubscribed = Flag(lead, "unsubscribed"),
            MarketoUpdatedAt = Time(lead, "updatedAt"),
            SyncedAt = syncedAt,
        };
    }

    private static bool TryLong(JsonElement e, out long value)
    {
        value = 0;
        return e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(e.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    /// <summary>A field's text exactly as sent; numbers and booleans in their JSON spelling; null when absent or null.</summary>
    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                _ => v.GetRawText(),
            }
            : null;

    private static bool Flag(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && (v.ValueKind == JsonValueKind.True
            || (v.ValueKind == JsonValueKind.String && (v.GetString() is "true" or "True" or "1")));

    private static DateTimeOffset? Time(JsonElement o, string name) =>
        Text(o, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
}
