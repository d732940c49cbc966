using System.Text.RegularExpressions;

namespace SalesSync.Sandbox.Marketo;

/// <summary>One attribute of a custom activity type: its primary attribute or a secondary one.</summary>
public sealed record CustomActivityAttribute(string ApiName, string Name, string? Description, string DataType);

/// <summary>One version of a custom activity type: its draft, or the approved ("live") version.</summary>
public sealed record CustomActivityTypeVersion(
    string Name, string? Description, string TriggerName, string FilterName,
    CustomActivityAttribute PrimaryAttribute, IReadOnlyList<CustomActivityAttribute> Attributes);

/// <summary>
/// A custom activity type (activities.md, "Custom Activity Types"): created as a draft, approved to go live;
/// every later change edits a draft until it is approved again. Activities can only be added to an approved
/// type, against its approved version.
/// </summary>
public sealed class CustomActivityType
{
    public required int Id { get; init; }
    public required string ApiName { get; init; }
    /// <summary>The API user (client id) that created it, or <see cref="CustomActivityTypes.ForeignOwner"/>.</summary>
    public required string Owner { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public CustomActivityTypeVersion? Approved { get; set; }
    public CustomActivityTypeVersion? Draft { get; set; }

    /// <summary>draft, approved, or approved with draft (swagger's fourth value, deleted, is only ever answered by delete).</summary>
    public string Status => Approved is null ? "draft" : Draft is null ? "approved" : "approved with draft";

    /// <summary>The version to show: the asked-for one when it exists, else the other (a type always has at least one).</summary>
    public CustomActivityTypeVersion Version(bool draft) => draft ? Draft ?? Approved! : Approved ?? Draft!;
}

/// <summary>
/// The instance's custom activity types, shared by every API user (and the control API's "other
/// integrations"): at most <see cref="MaxTypes"/> (1027), each with at most <see cref="MaxSecondaryAttributes"/>
/// secondary attributes (1028). Ids start at 100001 (the docs' example; custom ids are 100000 and up) and are
/// never reused. Callers hold the world lock.
/// </summary>
public sealed partial class CustomActivityTypes
{
    public const int MaxTypes = 10;
    public const int MaxSecondaryAttributes = 20;
    /// <summary>Custom activity type ids are 100000 and up; ids below are Marketo's own types.</summary>
    public const int CustomIdFloor = 100_000;
    public const int FirstId = 100_001;
    public const int MaxApiNameLength = 255;
    public const string ForeignOwner = "another-integration";

    private readonly List<CustomActivityType> _types = [];
    private int _nextId = FirstId;

    [GeneratedRegex("^[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ApiNameShape();

    [GeneratedRegex("^[A-Za-z0-9 _]*[A-Za-z][A-Za-z0-9 _]*$", RegexOptions.CultureInvariant)]
    private static partial Regex DisplayNameShape();

    /// <summary>Every type in creation order.</summary>
    public IReadOnlyList<CustomActivityType> All => _types;

    /// <summary>By API name, case-insensitively (two types may not differ only in case).</summary>
    public CustomActivityType? Find(string apiName) =>
        _types.FirstOrDefault(t => t.ApiName.Equals(apiName, StringComparison.OrdinalIgnoreCase));

    public CustomActivityType? Find(long id) => _types.FirstOrDefault(t => t.Id == id);

    /// <summary>Creates a type as a draft. 1027 when the instance already has its 10 types, 1017 for a taken API name.</summary>
    public CustomActivityType Create(string owner, string apiName, CustomActivityTypeVersion draft, DateTimeOffset now)
    {
        if (_types.Count >= MaxTypes)
            throw new MarketoRefusal("1027", $"Max Activity Type Limit Reached: the instance has {MaxTypes} custom activity types");
        CheckApiName(apiName, "apiName");
        if (Find(apiName) is { } taken) throw new MarketoRefusal("1017", $"Object already exists: custom activity type '{taken.ApiName}'");
        Check(draft, except: null);
        var type = new CustomActivityType { Id = _nextId++, ApiName = apiName, Owner = owner, CreatedAt = now, UpdatedAt = now, Draft = draft };
        _types.Add(type);
        return type;
    }

    /// <summary>
    /// Changes the type's draft (made from the approved version when there is none): "all updates are implicitly
    /// applied to the draft version of the type". The changed version is checked whole before it is kept.
    /// </summary>
    public void EditDraft(CustomActivityType type, Func<CustomActivityTypeVersion, CustomActivityTypeVersion> change, DateTimeOffset now)
    {
        var edited = change(type.Version(draft: true));
        Check(edited, except: type);
        type.Draft = edited;
        type.UpdatedAt = now;
    }

    /// <summary>The draft becomes the live version (replacing the approved one). 709 when there is no draft.</summary>
    public void Approve(CustomActivityType type, DateTimeOffset now)
    {
        if (type.Draft is null)
            throw new MarketoRefusal("709", $"Business Rule Violation: custom activity type '{type.ApiName}' has no draft to approve");
        type.Approved = type.Draft;
        type.Draft = null;
        type.UpdatedAt = now;
    }

    /// <summary>
    /// Drops the draft, keeping the approved version. 709 when there is no draft, or nothing approved to go back
    /// to (a type that was never approved is removed with delete, not discarded).
    /// </summary>
    public void DiscardDraft(CustomActivityType type, DateTimeOffset now)
    {
        if (type.Draft is null)
            throw new MarketoRefusal("709", $"Business Rule Violation: custom activity type '{type.ApiName}' has no draft to discard");
        if (type.Approved is null)
            throw new MarketoRefusal("709", $"Business Rule Violation: custom activity type '{type.ApiName}' has never been approved; delete it instead");
        type.Draft = null;
        type.UpdatedAt = now;
    }

    /// <summary>Removes the type; its slot frees at once, its id is not reused, activities already logged stay.</summary>
    public void Delete(CustomActivityType type) => _types.Remove(type);

    /// <summary>
    /// Adds <paramref name="count"/> approved types of another integration (for 1027 tests); they take slots like
    /// any other type. More than the free slots → <see cref="InvalidOperationException"/>, nothing added.
    /// </summary>
    public IReadOnlyList<CustomActivityType> AddForeign(int count, DateTimeOffset now)
    {
        if (count < 0) throw new ArgumentException("count must be 0 or more.");
        if (_types.Count + count > MaxTypes)
            throw new InvalidOperationException($"Only {MaxTypes - _types.Count} of the {MaxTypes} custom activity type slots are free.");
        var added = new List<CustomActivityType>(count);
        for (var i = 0; i < count; i++)
        {
            var n = _nextId - FirstId + 1;
            var version = new CustomActivityTypeVersion($"Other Integration Activity {n}", "Created by another integration",
                $"Does Other Integration Activity {n}", $"Did Other Integration Activity {n}",
                new CustomActivityAttribute("subject", "Subject", null, "string"), []);
            var type = Create(ForeignOwner, $"otherIntegrationActivity{n}", version, now);
            Approve(type, now);
            added.Add(type);
        }
        return added;
    }

    /// <summary>Removes the other integrations' types (or, with <paramref name="all"/>, every type); returns how many.</summary>
    public int Remove(bool all) => _types.RemoveAll(t => all || t.Owner == ForeignOwner);

    /// <summary>
    /// The rules every version must keep: documented name shapes, a primary attribute, at most 20 secondary
    /// attributes (1028), attribute API names unique in the type (1017), and trigger and filter names unique
    /// among the instance's types ("each activity type must have a unique … trigger name", 1017).
    /// </summary>
    private void Check(CustomActivityTypeVersion version, CustomActivityType? except)
    {
        if (!DisplayNameShape().IsMatch(version.Name))
            throw new MarketoRefusal("1003", $"Invalid name '{version.Name}': use letters, digits, spaces and underscores, with at least one letter");
        Require(version.TriggerName, "triggerName");
        Require(version.FilterName, "filterName");
        if (version.Attributes.Count > MaxSecondaryAttributes)
            throw new MarketoRefusal("1028", $"Max field limit reached: a custom activity type has at most {MaxSecondaryAttributes} secondary attributes");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var attribute in version.Attributes.Prepend(version.PrimaryAttribute))
        {
            CheckApiName(attribute.ApiName, "attribute apiName");
            Require(attribute.Name, "attribute name");
            if (!seen.Add(attribute.ApiName)) throw new MarketoRefusal("1017", $"Object already exists: attribute '{attribute.ApiName}'");
        }
        foreach (var other in _types.Where(t => t != except))
        {
            foreach (var v in new[] { other.Approved, other.Draft }.OfType<CustomActivityTypeVersion>())
            {
                if (v.TriggerName.Equals(version.TriggerName, StringComparison.OrdinalIgnoreCase))
                    throw new MarketoRefusal("1017", $"Object already exists: trigger name '{version.TriggerName}' is used by '{other.ApiName}'");
                if (v.FilterName.Equals(version.FilterName, StringComparison.OrdinalIgnoreCase))
                    throw new MarketoRefusal("1017", $"Object already exists: filter name '{version.FilterName}' is used by '{other.ApiName}'");
            }
        }
    }

    /// <summary>activities.md: "The API name is comprised of alphanumeric characters (maximum length of 255)"; swagger: "containing at least one letter".</summary>
    private static void CheckApiName(string apiName, string what)
    {
        Require(apiName, what);
        if (apiName.Length > MaxApiNameLength || !ApiNameShape().IsMatch(apiName))
            throw new MarketoRefusal("1003", $"Invalid {what} '{apiName}': use up to {MaxApiNameLength} letters and digits, with at least one letter");
    }

    private static void Require(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new MarketoRefusal("701", $"{what} cannot be blank");
    }
}
