using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// Runs a parsed SOQL query against the store: resolves field names (canonical casing, one parent
/// level), filters, sorts and projects records into the REST JSON shape.
/// </summary>
public sealed class SoqlExecutor
{
    private readonly SalesforceStore _store;
    private readonly SalesforceObjectType _type;
    private readonly SoqlQuery _query;
    private readonly string _version;

    public SoqlExecutor(SalesforceStore store, SoqlQuery query, string version)
    {
        _store = store;
        _query = query;
        _version = version;
        _type = SalesforceSchema.Types.TryGetValue(query.From, out var t)
            ? t
            : throw new SoqlException("INVALID_TYPE", $"sObject type '{query.From}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.");
        foreach (var f in query.Fields) Resolve(f);
        foreach (var o in query.OrderBy) Resolve(o.Field);
        if (query.Where is not null) Validate(query.Where);
    }

    /// <summary>
    /// Matching records in result order, after LIMIT and OFFSET. queryAll (<paramref name="includeDeleted"/>) sees deleted
    /// records while the Recycle Bin keeps them, judged at <paramref name="now"/>.
    /// </summary>
    public List<SalesforceRecord> Run(bool includeDeleted, DateTimeOffset now)
    {
        IEnumerable<SalesforceRecord> rows = _store.All(_type.Name)
            .Where(r => r["IsDeleted"] is not true || (includeDeleted && !SalesforceStore.IsPurged(r, now)))
            .Where(r => _query.Where is null || Matches(r, _query.Where));
        if (_query.OrderBy.Count > 0) rows = rows.Order(Comparer<SalesforceRecord>.Create(CompareRows));
        if (_query.Offset is { } offset) rows = rows.Skip(offset);
        if (_query.Limit is { } limit) rows = rows.Take(limit);
        return rows.ToList();
    }

    public JsonObject Project(SalesforceRecord record)
    {
        var o = new JsonObject { ["attributes"] = Attributes(record) };
        foreach (var field in _query.Fields)
        {
            var (relationship, name) = Resolve(field);
            if (relationship is null)
            {
                o[name] = ToJson(record.GetValueOrDefault(name)); // a schema field a record never had is null, as in an org
                continue;
            }
            var parent = _store.Find(record.GetValueOrDefault(relationship.Field) as string);
            if (parent is null)
            {
                o[relationship.Relationship] = null;
                continue;
            }
            if (o[relationship.Relationship] is not JsonObject nested)
                o[relationship.Relationship] = nested = new JsonObject { ["attributes"] = Attributes(parent) };
            nested[name] = ToJson(parent.GetValueOrDefault(name));
        }
        return o;
    }

    private JsonObject Attributes(SalesforceRecord r) =>
        new() { ["type"] = r.Type, ["url"] = $"/services/data/{_version}/sobjects/{r.Type}/{r.Id}" };

    /// <summary>Canonical (relationship, field) for a field path, or INVALID_FIELD.</summary>
    private (SalesforceReference? Relationship, string Field) Resolve(SoqlField field)
    {
        if (field.Path.Count == 1)
        {
            return _type.Fields.TryGetValue(field.Path[0], out var canonical)
                ? (null, canonical)
                : throw NoSuchColumn(field.Path[0], _type.Name);
        }
        if (!_type.References.TryGetValue(field.Path[0], out var reference))
            throw new SoqlException("INVALID_FIELD", $"Didn't understand relationship '{field.Path[0]}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.");
        foreach (var target in reference.Targets)
        {
            if (SalesforceSchema.Types[target].Fields.TryGetValue(field.Path[1], out var canonical)) return (reference, canonical);
        }
        throw NoSuchColumn(field.Path[1], reference.Targets[0]);
    }

    private static SoqlException NoSuchColumn(string column, string entity) =>
        new("INVALID_FIELD", $"No such column '{column}' on entity '{entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.");

    private void Validate(SoqlCondition c)
    {
        switch (c)
        {
            case SoqlAnd a: Validate(a.Left); Validate(a.Right); break;
            case SoqlOr o: Validate(o.Left); Validate(o.Right); break;
            case SoqlNot n: Validate(n.Inner); break;
            case SoqlCompare cmp: Resolve(cmp.Field); break;
            case SoqlIn @in: Resolve(@in.Field); break;
            case SoqlLike like: Resolve(like.Field); break;
        }
    }

    private object? Value(SalesforceRecord record, SoqlField field)
    {
        var (relationship, name) = Resolve(field);
        if (relationship is null) return record.GetValueOrDefault(name);
        return _store.Find(record.GetValueOrDefault(relationship.Field) as string)?.GetValueOrDefault(name);
    }

    private bool Matches(SalesforceRecord r, SoqlCondition c) => c switch
    {
        SoqlAnd a => Matches(r, a.Left) && Matches(r, a.Right),
        SoqlOr o => Matches(r, o.Left) || Matches(r, o.Right),
        SoqlNot n => !Matches(r, n.Inner),
        SoqlLike like => Value(r, like.Field) is string s && like.Pattern.IsMatch(s),
        SoqlIn @in => InList(@in, Value(r, @in.Field)) != @in.Negated,
        SoqlCompare cmp => Compare(Value(r, cmp.Field), cmp.Operator, cmp.Value),
        _ => false,
    };

    private readonly Dictionary<SoqlIn, HashSet<string>?> _idSets = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// IN over ids (the common case: WHERE ContactId IN (...200 ids...)) looks the row's id up in a set of
    /// 15-character cores, as a real org's index would, instead of comparing it with every literal.
    /// </summary>
    private bool InList(SoqlIn @in, object? actual)
    {
        if (!_idSets.TryGetValue(@in, out var ids))
        {
            ids = @in.Values.All(v => v is string s && LooksLikeId(s)) ? @in.Values.Select(v => SalesforceId.Normalize((string)v!)!).ToHashSet(StringComparer.Ordinal) : null;
            _idSets[@in] = ids;
        }
        if (ids is not null && actual is string a && LooksLikeId(a)) return SalesforceId.Normalize(a) is { } core && ids.Contains(core);
        return @in.Values.Any(v => Equal(actual, v));
    }

    private static bool Compare(object? actual, string op, object? literal)
    {
        if (op == "=") return Equal(actual, literal);
        if (op == "!=") return !Equal(actual, literal);
        if (actual is null || literal is null) return false;
        var order = CompareValues(actual, literal);
        return op switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, ">=" => order >= 0, _ => false };
    }

    private static bool Equal(object? actual, object? literal)
    {
        if (actual is null || literal is null) return actual is null && literal is null;
        if (actual is string a && literal is string b)
        {
            // Ids compare on their 15-character case-sensitive core; other text is case-insensitive.
            var ida = SalesforceId.Normalize(a);
            var idb = SalesforceId.Normalize(b);
            if (ida is not null && idb is not null && LooksLikeId(a) && LooksLikeId(b)) return ida == idb;
            return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
        }
        return CompareValues(actual, literal) == 0;
    }

    private static bool LooksLikeId(string s) => s.Length is 15 or 18 && SalesforceSchema.TypeOfId(s) is not null;

    private static int CompareValues(object a, object b)
    {
        switch (a, b)
        {
            // Ids order by their case-sensitive 15-character core: base62 in ASCII order, i.e. creation order.
            case (string x, string y) when LooksLikeId(x) && LooksLikeId(y):
                return string.CompareOrdinal(SalesforceId.Normalize(x)![..15], SalesforceId.Normalize(y)![..15]);
            case (string x, string y): return string.Compare(x, y, StringComparison.OrdinalIgnoreCase);
            case (bool x, bool y): return x.CompareTo(y);
            case (DateTimeOffset x, DateTimeOffset y): return x.CompareTo(y);
            case (DateTimeOffset x, DateOnly y): return x.UtcDateTime.Date.CompareTo(y.ToDateTime(TimeOnly.MinValue));
            case (DateOnly x, DateOnly y): return x.CompareTo(y);
            case (DateOnly x, DateTimeOffset y): return x.ToDateTime(TimeOnly.MinValue).CompareTo(y.UtcDateTime.Date);
        }
        if (IsNumber(a) && IsNumber(b))
            return Convert.ToDecimal(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, CultureInfo.InvariantCulture));
        return string.Compare(Convert.ToString(a, CultureInfo.InvariantCulture), Convert.ToString(b, CultureInfo.InvariantCulture), StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsNumber(object o) => o is int or long or decimal or double;

    private int CompareRows(SalesforceRecord x, SalesforceRecord y)
    {
        foreach (var order in _query.OrderBy)
        {
            var a = Value(x, order.Field);
            var b = Value(y, order.Field);
            int c;
            if (a is null || b is null)
                c = a is null && b is null ? 0 : (a is null ? -1 : 1) * (order.NullsLast ? -1 : 1) * (order.Descending ? -1 : 1);
            else
                c = CompareValues(a, b);
            if (c != 0) return order.Descending ? -c : c;
        }
        return string.CompareOrdinal(x.Id, y.Id);
    }

    public static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        DateTimeOffset d => d.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        bool b => b,
        int i => i,
        long l => l,
        decimal m => m,
        double dd => dd,
        string s => s,
        _ => value.ToString(),
    };
}
