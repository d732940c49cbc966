using System.Text;

namespace SalesSync.Sandbox.Data;

/// <summary>The value kinds the sandbox's fields hold (the describe "type" family, not every Salesforce type).</summary>
public enum SalesforceFieldType
{
    Id,
    String,
    TextArea,
    Email,
    Phone,
    Url,
    Picklist,
    Boolean,
    Integer,
    Currency,
    Date,
    DateTime,
    Reference,
}

/// <summary>
/// One field as describe would show it: type, length, whether the API may set it on create or update,
/// whether it is required, and for restricted picklists the values allowed. The write validator reads these.
/// </summary>
public sealed record SalesforceField(string Name, SalesforceFieldType Type)
{
    /// <summary>Maximum characters for text-like fields (0 = not a text field).</summary>
    public int Length { get; init; }

    public bool Createable { get; init; } = true;
    public bool Updateable { get; init; } = true;

    /// <summary>Must have a value on create and may not be cleared on update (nillable = false, not defaulted).</summary>
    public bool Required { get; init; }

    /// <summary>Value given on create when the request leaves the field out ("Required but defaulted on create").</summary>
    public object? Default { get; init; }

    /// <summary>Values a restricted picklist accepts (null: any value up to <see cref="Length"/>).</summary>
    public IReadOnlyList<string>? RestrictedValues { get; init; }

    /// <summary>The label error messages quote ("Name ID: id value of incorrect type").</summary>
    public string Label { get; init; } = Humanize(Name);

    /// <summary>Whether the field may hold null: neither required nor defaulted (booleans read null as false).</summary>
    public bool Nillable => !Required && Default is null;

    public bool IsText => Type is SalesforceFieldType.String or SalesforceFieldType.TextArea or SalesforceFieldType.Email
        or SalesforceFieldType.Phone or SalesforceFieldType.Url or SalesforceFieldType.Picklist;

    /// <summary>"LastName" → "Last Name", "OwnerId" → "Owner ID", as standard labels read.</summary>
    private static string Humanize(string name)
    {
        var label = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1])) label.Append(' ');
            label.Append(name[i]);
        }
        var text = label.ToString();
        return text.EndsWith(" Id", StringComparison.Ordinal) ? text[..^2] + "ID" : text;
    }
}
