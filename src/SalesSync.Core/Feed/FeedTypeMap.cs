using System.Globalization;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Feed;

/// <summary>An activity type of the instance, with the category the feed files it under.</summary>
public sealed record FeedType(int Id, string Name, string? ApiName, ActivityCategory Category);

/// <summary>Why a feed request cannot be answered as asked.</summary>
public enum FeedFailure
{
    UnknownActivityType,
    InvalidWindow,
    InvalidFirst,
}

public sealed class FeedException(FeedFailure reason, string message) : Exception(message)
{
    public FeedFailure Reason { get; } = reason;

    /// <summary>The value at fault, as given.</summary>
    public object? Value { get; init; }
}

/// <summary>
/// The instance's activity types (Get Activity Types, read once per connection: Adobe says types "can typically be
/// cached on the client side for a day or more"), filed by category: standard types by name, SalesSync's custom
/// types by API name, anything else as Other.
/// </summary>
internal sealed class FeedTypeMap
{
    private readonly Dictionary<int, FeedType> _byId = new();
    private readonly Dictionary<string, FeedType> _byName = new(StringComparer.OrdinalIgnoreCase);

    public FeedTypeMap(IEnumerable<FeedType> types)
    {
        foreach (var t in types)
        {
            _byId[t.Id] = t;
            _byName.TryAdd(t.Name, t);
            if (t.ApiName is { Length: > 0 } api) _byName.TryAdd(api, t);
        }
    }

    public IReadOnlyCollection<FeedType> All => _byId.Values;

    public FeedType? Find(int id) => _byId.GetValueOrDefault(id);

    public static async Task<FeedTypeMap> ReadAsync(MarketoClient marketo, CancellationToken ct)
    {
        var response = await marketo.GetAsync("rest/v1/activities/types.json", null, ct).ConfigureAwait(false);
        var standard = FeedCategories.StandardTypes.ToDictionary(t => t.Name, t => t.Category, StringComparer.OrdinalIgnoreCase);
        return new FeedTypeMap(response.Result.Select(t =>
        {
            var id = int.TryParse(MarketoResponse.String(t, "id"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : 0;
            var name = MarketoResponse.String(t, "name") ?? id.ToString(CultureInfo.InvariantCulture);
            var api = MarketoResponse.String(t, "apiName");
            var category = FeedCategories.OfSalesSyncType(api) ?? (standard.TryGetValue(name, out var c) ? c : ActivityCategory.Other);
            return new FeedType(id, name, api, category);
        }).Where(t => t.Id > 0));
    }

    /// <summary>
    /// The types a request reads, in call-grouping order (category, then the standard order, then id): the categories'
    /// types and the ones named. A name the instance does not have is an error that lists what it has.
    /// </summary>
    public IReadOnlyList<FeedType> Select(IReadOnlyList<ActivityCategory>? categories, IReadOnlyList<string>? names)
    {
        var chosen = new List<FeedType>();
        foreach (var name in names ?? [])
        {
            if (!_byName.TryGetValue(name.Trim(), out var type))
                throw new FeedException(FeedFailure.UnknownActivityType,
                    $"This Marketo instance has no activity type named '{name}'. Types the feed reads include: {string.Join(", ", FeedCategories.StandardTypes.Select(t => t.Name).Where(_byName.ContainsKey))}.") { Value = name };
            chosen.Add(type);
        }
        var asked = categories ?? (names is { Count: > 0 } ? [] : FeedCategories.Default);
        chosen.AddRange(_byId.Values.Where(t => asked.Contains(t.Category)));
        var order = FeedCategories.StandardTypes.Select((t, i) => (t.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.OrdinalIgnoreCase);
        return chosen.DistinctBy(t => t.Id)
            .OrderBy(t => t.Category).ThenBy(t => order.TryGetValue(t.Name, out var i) ? i : int.MaxValue).ThenBy(t => t.Id).ToList();
    }
}
