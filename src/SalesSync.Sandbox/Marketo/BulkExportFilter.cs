using System.Globalization;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The one filter of a Bulk Lead Extract job. It is resolved at create (a list name becomes its id) and
/// applied when the job runs, to the people as they are then.
/// </summary>
public abstract record BulkExportFilter(string Name)
{
    /// <summary>The people the file holds, in id order, or an error when the filter no longer resolves (the job fails). Callers hold the world lock.</summary>
    public abstract IEnumerable<MarketoPerson>? Select(SandboxWorld world, out string? error);
}

/// <summary>createdAt / updatedAt between startAt and endAt, both inclusive (swagger: "inclusive lower/upper bound").</summary>
public sealed record DateRangeFilter(string Name, DateTimeOffset StartAt, DateTimeOffset EndAt) : BulkExportFilter(Name)
{
    public override IEnumerable<MarketoPerson> Select(SandboxWorld world, out string? error)
    {
        error = null;
        return world.People.Where(p => p[Name] is DateTimeOffset at && at >= StartAt && at <= EndAt);
    }
}

/// <summary>staticListId / staticListName: the list's members at the time the job runs.</summary>
public sealed record StaticListFilter(string Name, int ListId) : BulkExportFilter(Name)
{
    public override IEnumerable<MarketoPerson>? Select(SandboxWorld world, out string? error)
    {
        error = null;
        if (world.Lists.TryGetValue(ListId, out var list))
        {
            var members = list.Members.ToHashSet();
            return world.People.Where(p => members.Contains(p.Id));
        }
        error = $"Static list {ListId.ToString(CultureInfo.InvariantCulture)} not found";
        return null;
    }
}

/// <summary>smartListId / smartListName: the smart list's rule, evaluated when the job runs.</summary>
public sealed record SmartListFilter(string Name, int SmartListId) : BulkExportFilter(Name)
{
    public override IEnumerable<MarketoPerson>? Select(SandboxWorld world, out string? error)
    {
        error = null;
        if (world.SmartLists.TryGetValue(SmartListId, out var smartList)) return world.People.Where(smartList.Includes);
        error = $"Smart list {SmartListId.ToString(CultureInfo.InvariantCulture)} not found";
        return null;
    }
}

/// <summary>
/// The filter kinds a subscription may lack (Adobe: updatedAt and smart lists can answer 1035
/// "Unsupported filter type for target subscription"); the sandbox switches them off by option or control call.
/// </summary>
public static class BulkFilterKinds
{
    public const string UpdatedAt = "updatedAt";
    public const string SmartList = "smartList";

    public static readonly IReadOnlyList<string> Switchable = [UpdatedAt, SmartList];

    /// <summary>The switchable kind a filter belongs to (smartListId and smartListName are one kind), or null.</summary>
    public static string? KindOf(string filterName) => filterName switch
    {
        "updatedAt" => UpdatedAt,
        "smartListId" or "smartListName" => SmartList,
        _ => null,
    };

    /// <summary>Reads "updatedAt,smartList" (case-insensitive; empty means none).</summary>
    public static IReadOnlySet<string> ParseUnsupported(IEnumerable<string> names)
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names.Select(n => n.Trim()).Where(n => n.Length > 0))
        {
            var kind = Switchable.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase))
                       ?? throw new ArgumentException($"Unknown bulk filter kind '{name}'; use {string.Join(" or ", Switchable)}.");
            kinds.Add(kind);
        }
        return kinds;
    }

    public static IReadOnlySet<string> ParseUnsupported(string commaSeparated) => ParseUnsupported(commaSeparated.Split(','));
}
