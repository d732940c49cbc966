namespace SalesSync.Sandbox.Data;

/// <summary>A row of Marketo's activity log (New Lead 12, Change Data Value 13, Merge 32, Delete 37, ...).</summary>
public sealed record MarketoActivity(
    long Id,
    long LeadId,
    DateTimeOffset ActivityDate,
    int ActivityTypeId,
    string? PrimaryAttributeValue,
    IReadOnlyList<MarketoFieldChange> Fields,
    IReadOnlyList<KeyValuePair<string, object?>> Attributes)
{
    public string MarketoGuid => Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

public sealed record MarketoFieldChange(int Id, string Name, string? NewValue, string? OldValue);

public static class ActivityTypes
{
    public const int NewLead = 12;
    public const int ChangeDataValue = 13;
    public const int MergeLeads = 32;
    public const int DeleteLead = 37;
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
