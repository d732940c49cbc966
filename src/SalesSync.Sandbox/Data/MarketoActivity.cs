namespace SalesSync.Sandbox.Data;

/// <summary>
/// A row of Marketo's activity log (New Lead 12, Change Data Value 13, Convert Lead 21, Change Owner 23, Merge 32, Delete 37, ...), as the
/// activity endpoints render it: <see cref="PrimaryAttributeValueId"/>/<see cref="PrimaryAttributeValue"/>
/// (field id and display name for 13; lead id and name for 12, 32 and 37), the field changes (13) and the
/// secondary attributes. Ids grow with the log and dates never go down (the sandbox clock stamps them).
/// </summary>
public sealed record MarketoActivity(
    long Id,
    long LeadId,
    DateTimeOffset ActivityDate,
    int ActivityTypeId,
    string? PrimaryAttributeValue,
    IReadOnlyList<MarketoFieldChange> Fields,
    IReadOnlyList<KeyValuePair<string, object?>> Attributes)
{
    public long? PrimaryAttributeValueId { get; init; }

    public string MarketoGuid => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record MarketoFieldChange(int Id, string Name, string? NewValue, string? OldValue);

public static class ActivityTypes
{
    public const int NewLead = 12;
    public const int ChangeDataValue = 13;
    public const int ConvertLead = 21;
    public const int ChangeOwner = 23;
    public const int MergeLeads = 32;
    public const int DeleteLead = 37;

    /// <summary>
    /// How long Marketo keeps an activity type (Marketo Nation "Activities Data Retention Policy"): Delete
    /// Lead 14 days; Change Data Value and the other high-volume types 90 days; New Lead always; every
    /// other type (Merge Leads included) 25 months. Null means kept for ever.
    /// </summary>
    public static TimeSpan? Retention(int typeId) => typeId switch
    {
        NewLead => null,
        DeleteLead => TimeSpan.FromDays(14),
        // Change Data Value, Visit Webpage, Click Link, Send Email, Email Delivered, Sync Lead to SFDC,
        // Change Score, Add to List, Sync Lead Updates to SFDC, Request Campaign.
        ChangeDataValue or 1 or 3 or 6 or 7 or 19 or 22 or 24 or 28 or 47 => TimeSpan.FromDays(90),
        _ => TwentyFiveMonths,
    };

    /// <summary>25 months, taken as 761 days (the sandbox prunes by a fixed span, not calendar months).</summary>
    public static readonly TimeSpan TwentyFiveMonths = TimeSpan.FromDays(761);
}

/// <summary>A static list and its members, in the order they were added.</summary>
public sealed class StaticList
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? ProgramName { get; init; }
    public string WorkspaceName { get; init; } = "Default";
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<long> Members { get; } = [];
}
