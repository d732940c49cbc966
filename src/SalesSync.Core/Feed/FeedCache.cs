namespace SalesSync.Core.Feed;

/// <summary>
/// What the feed has read, per connection and in memory only: each person's activities by marketoGUID, and per
/// (person, type) the window read (from when, and when it was read, on the local and on Marketo's clock). A request
/// within <see cref="Fresh"/> of the last read costs no call; a later one reads on from shortly before the last read,
/// so only what is new comes over. In memory because the feed's point is freshness (nothing is worth keeping across processes for
/// minutes), because activity rows (page URLs, IP addresses, bounce details) then never rest on disk, and because
/// the database's schema stays as the sync owns it. Bounded: past <see cref="MaxPeople"/> the least recently used go.
/// </summary>
internal sealed class FeedCache
{
    public static readonly TimeSpan Fresh = TimeSpan.FromMinutes(5);

    /// <summary>A window read longer ago than this is read again whole (a backdated activity older than the read-on overlap shows by then).</summary>
    public static readonly TimeSpan ReadOnWithin = TimeSpan.FromDays(1);

    public const int MaxPeople = 50_000;

    public sealed record Coverage(DateTimeOffset From, DateTimeOffset ReadAt, DateTimeOffset ServerReadAt);

    private sealed class Entry
    {
        public Dictionary<string, PersonActivity> Rows { get; } = new(StringComparer.Ordinal);
        public Dictionary<int, Coverage> Read { get; } = new();
        public long Used;
    }

    private readonly object _sync = new();
    private readonly Dictionary<long, Entry> _people = new();
    private long _clock;

    public Coverage? Find(long person, int type)
    {
        lock (_sync)
            return _people.TryGetValue(person, out var e) && e.Read.TryGetValue(type, out var c) ? c : null;
    }

    /// <summary>
    /// One finished walk: its rows (only those of its people and types are kept) and, for each of its people and types,
    /// the window now read: from <paramref name="from"/> (read on: from the start already held) to the read's time.
    /// </summary>
    public void Record(IReadOnlySet<long> people, IReadOnlyCollection<int> types, DateTimeOffset from, bool readOn,
        DateTimeOffset readAt, DateTimeOffset serverReadAt, IEnumerable<PersonActivity> rows)
    {
        lock (_sync)
        {
            var typeSet = types.ToHashSet();
            foreach (var row in rows)
                if (typeSet.Contains(row.TypeId) && people.Contains(row.MarketoId)) Touch(row.MarketoId).Rows[row.ActivityId] = row;
            foreach (var p in people)
            {
                var e = Touch(p);
                foreach (var t in types)
                {
                    var start = readOn && e.Read.TryGetValue(t, out var held) ? held.From : from;
                    e.Read[t] = new Coverage(start, readAt, serverReadAt);
                }
            }
            if (_people.Count > MaxPeople)
                foreach (var old in _people.OrderBy(kv => kv.Value.Used).Take(_people.Count - MaxPeople * 9 / 10).Select(kv => kv.Key).ToList())
                    _people.Remove(old);
        }
    }

    /// <summary>A person's activities of the given types in [since, until], newest first (ties: the larger marketoGUID first).</summary>
    public List<PersonActivity> Rows(long person, IReadOnlySet<int> types, DateTimeOffset since, DateTimeOffset? until)
    {
        lock (_sync)
        {
            if (!_people.TryGetValue(person, out var e)) return [];
            e.Used = ++_clock;
            return e.Rows.Values.Where(r => types.Contains(r.TypeId) && r.Date >= since && (until is null || r.Date <= until))
                .OrderByDescending(r => r.Date).ThenByDescending(r => r.ActivityId.Length).ThenByDescending(r => r.ActivityId, StringComparer.Ordinal).ToList();
        }
    }

    private Entry Touch(long person)
    {
        if (!_people.TryGetValue(person, out var e)) _people[person] = e = new Entry();
        e.Used = ++_clock;
        return e;
    }
}
