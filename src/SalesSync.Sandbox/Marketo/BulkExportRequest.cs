using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The body of Create Export Lead Job, checked as Adobe documents it: <c>fields</c> (REST names, required),
/// <c>format</c> CSV (default), TSV or SSV, optional <c>columnHeaderNames</c>, and exactly one filter of
/// createdAt/updatedAt (a window of at most 31 days), staticListId/staticListName, smartListId/smartListName.
/// </summary>
public sealed record BulkExportRequest(
    IReadOnlyList<string> Fields, string Format, IReadOnlyDictionary<string, string> ColumnHeaderNames, BulkExportFilter Filter)
{
    public static readonly TimeSpan MaxDateWindow = TimeSpan.FromDays(31);

    private static readonly string[] FilterNames = ["createdAt", "updatedAt", "staticListId", "staticListName", "smartListId", "smartListName"];

    /// <summary>
    /// Parses and checks the body; list names and ids are looked up in <paramref name="world"/> (the
    /// caller holds its lock). Filters of a kind in <paramref name="unsupported"/> are refused with 1035.
    /// </summary>
    public static BulkExportRequest? Parse(JsonNode? body, SandboxWorld world, IReadOnlySet<string> unsupported, out MarketoError? error)
    {
        error = null;
        try
        {
            if (body is not JsonObject o) throw new MarketoRefusal("609", "Invalid JSON");
            var fields = ReadFields(o["fields"]);
            var format = ReadFormat(o["format"]);
            var headers = ReadHeaderNames(o["columnHeaderNames"], fields);
            return new BulkExportRequest(fields, format, headers, ReadFilter(o["filter"], world, unsupported));
        }
        catch (MarketoRefusal refusal)
        {
            error = refusal.Error;
            return null;
        }
    }

    private static List<string> ReadFields(JsonNode? node)
    {
        if (node is null) throw new MarketoRefusal("701", "fields cannot be blank");
        if (node is not JsonArray array) throw new MarketoRefusal("1003", "fields must be an array of field names");
        var fields = new List<string>();
        foreach (var item in array)
        {
            if (item?.GetValueKind() != JsonValueKind.String) throw new MarketoRefusal("1003", "fields must be an array of field names");
            var name = item.GetValue<string>().Trim();
            fields.Add(MarketoFieldCatalog.Find(name)?.RestName ?? throw new MarketoRefusal("1006", $"Field '{name}' not found"));
        }
        return fields.Count > 0 ? fields : throw new MarketoRefusal("701", "fields cannot be blank");
    }

    private static string ReadFormat(JsonNode? node)
    {
        if (node is null) return BulkFileFormat.Csv;
        var text = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
        return BulkFileFormat.Parse(text) ?? throw new MarketoRefusal("1003", $"Invalid format '{text}', must be CSV, TSV or SSV");
    }

    /// <summary>Column names by REST name; names for fields that are not exported are ignored (they name no column).</summary>
    private static Dictionary<string, string> ReadHeaderNames(JsonNode? node, List<string> fields)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (node is null) return headers;
        if (node is not JsonObject names) throw new MarketoRefusal("1003", "columnHeaderNames must be an object of field name to column name");
        foreach (var (key, value) in names)
        {
            if (value?.GetValueKind() != JsonValueKind.String) throw new MarketoRefusal("1003", $"columnHeaderNames.{key} must be a string");
            if (MarketoFieldCatalog.Find(key) is { } field && fields.Contains(field.RestName)) headers[field.RestName] = value.GetValue<string>();
        }
        return headers;
    }

    private static BulkExportFilter ReadFilter(JsonNode? node, SandboxWorld world, IReadOnlySet<string> unsupported)
    {
        if (node is not JsonObject filter || filter.Count == 0)
            throw new MarketoRefusal("1003", $"filter is required: one of {string.Join(", ", FilterNames)}");
        if (filter.Count > 1) throw new MarketoRefusal("1003", $"Only one filter is allowed, got {string.Join(", ", filter.Select(kv => kv.Key))}");
        var (name, value) = filter.First();
        if (!FilterNames.Contains(name, StringComparer.Ordinal)) throw new MarketoRefusal("1003", $"Invalid filter type '{name}'");
        if (BulkFilterKinds.KindOf(name) is { } kind && unsupported.Contains(kind))
            throw new MarketoRefusal("1035", "Unsupported filter type for target subscription");
        return name switch
        {
            "createdAt" or "updatedAt" => DateRange(name, value),
            "staticListId" or "smartListId" => ListById(name, value, world),
            _ => ListByName(name, value, world),
        };
    }

    private static DateRangeFilter DateRange(string name, JsonNode? value)
    {
        if (value is not JsonObject range) throw new MarketoRefusal("1003", $"{name} filter must be an object with startAt and endAt");
        DateTimeOffset Read(string part)
        {
            var node = range[part] ?? throw new MarketoRefusal("1003", $"{name}.{part} cannot be blank");
            if (node.GetValueKind() == JsonValueKind.String && SinceDatetime.TryParse(node.GetValue<string>().Trim(), out var at)) return at;
            throw new MarketoRefusal("704", $"Invalid date format for {name}.{part}: {node.ToJsonString()}");
        }
        var (startAt, endAt) = (Read("startAt"), Read("endAt"));
        if (endAt < startAt) throw new MarketoRefusal("1003", $"{name}.endAt {Iso(endAt)} is before {name}.startAt {Iso(startAt)}");
        if (endAt - startAt > MaxDateWindow)
        {
            var days = (endAt - startAt).TotalDays.ToString("0.##", CultureInfo.InvariantCulture);
            throw new MarketoRefusal("1003", $"{name} date range is {days} days ({Iso(startAt)} to {Iso(endAt)}); the maximum is 31 days");
        }
        return new DateRangeFilter(name, startAt, endAt);
    }

    private static BulkExportFilter ListById(string name, JsonNode? value, SandboxWorld world)
    {
        int id;
        if (value?.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue(out int number)) id = number;
        else if (value?.GetValueKind() == JsonValueKind.String && int.TryParse(value.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)) id = parsed;
        else throw new MarketoRefusal("1001", $"Invalid value '{value?.ToJsonString()}' for {name}. Required of type 'Integer'");
        return Resolve(name, name == "staticListId" ? world.Lists.ContainsKey(id) : world.SmartLists.ContainsKey(id), id);
    }

    private static BulkExportFilter ListByName(string name, JsonNode? value, SandboxWorld world)
    {
        if (value?.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Trim().Length == 0)
            throw new MarketoRefusal("1003", $"{name} must be a list name");
        var wanted = value.GetValue<string>().Trim();
        // Matched as lists.json matches names: case-insensitively.
        var ids = name == "staticListName"
            ? world.Lists.Values.Where(l => l.Name.Equals(wanted, StringComparison.OrdinalIgnoreCase)).Select(l => l.Id)
            : world.SmartLists.Values.Where(l => l.Name.Equals(wanted, StringComparison.OrdinalIgnoreCase)).Select(l => l.Id);
        var id = ids.Order().Cast<int?>().FirstOrDefault();
        return Resolve(name, id is not null, id ?? 0);
    }

    private static BulkExportFilter Resolve(string name, bool exists, int id)
    {
        var isStatic = name.StartsWith("static", StringComparison.Ordinal);
        if (!exists) throw new MarketoRefusal("1013", isStatic ? "Static list not found" : "Smart list not found");
        return isStatic ? new StaticListFilter(name, id) : new SmartListFilter(name, id);
    }

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

