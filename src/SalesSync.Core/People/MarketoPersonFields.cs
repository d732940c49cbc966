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
        if (lead.ValueKind != JsonValueKind.Object || !lead.TryGetProperty("id", out var id) || !TryLong(id, out _)) return null;
        return FromValues(name => Text(lead, name), syncedAt);
    }

    /// <summary>
    /// Maps one row of a bulk export (values by REST name, the literal "null" already turned into null);
    /// null when it has no usable id.
    /// </summary>
    public static PersonRecord? FromValues(Func<string, string?> value, DateTimeOffset syncedAt)
    {
        if (!long.TryParse(value("id"), NumberStyles.None, CultureInfo.InvariantCulture, out var marketoId)) return null;
        return new PersonRecord
        {
            MarketoId = marketoId,
            FirstName = value("firstName"),
            LastName = value("lastName"),
            Email = value("email"),
            Company = value("company"),
            Title = value("title"),
            Phone = value("phone"),
            LinkedInUrl = value("linkedInProfileURL"),
            Source = value("leadSource"),
            SalesforceType = value("sfdcType"),
            SalesforceLeadId = value("sfdcLeadId"),
            SalesforceContactId = value("sfdcContactId"),
            SalesforceAccountId = value("sfdcAccountId"),
            SalesOwnerId = value("sfdcLeadOwnerId"),
            Unsubscribed = value("unsubscribed") is { } flag && (flag.Equals("true", StringComparison.OrdinalIgnoreCase) || flag == "1"),
            MarketoUpdatedAt = Time(value("updatedAt")),
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

    private static DateTimeOffset? Time(string? text) =>
        text is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
}
