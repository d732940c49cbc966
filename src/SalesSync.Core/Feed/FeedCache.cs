using System.Collections.Concurrent;

namespace SalesSync.Core.Feed;

/// <summary>
/// What the feed has read, per Marketo instance and API user, in memory only and shared by every connection to it in the
/// process (a reconnect keeps what was read, as the instance's <see cref="Marketo.MarketoRateGate"/> is kept): each person's
/// activities by marketoGUID, and per (person, type) the window read (from when, and when it was read, on the local and
/// on Marketo's clock). A request within <see cref="Fresh"/> of the last read costs no call; a later one reads on from
/// shortly before the last read, so only what is new comes over. In memory because the feed's point is freshness (nothing
/// is worth keeping across processes for minutes), because activity rows (page URLs, IP addresses, bounce details) then
/// never rest on disk, and because the database's schema stays as the sync owns it. Bounded by people and by rows: past
/// either bound the least recently used people go (never those a request is reading at the moment); a person's rows older
/// than the window held for their type go when the person is read.
/// </summary>
internal sealed class FeedCache
{
    public static readonly TimeSpan Fresh = TimeSpan.FromMinutes(5);

    /// <summary>A window read longer ago than this is read again whole (a backdated activity older than the read-on overlap shows by then).</summary>
    public static readonly TimeSpan ReadOnWithin = TimeSpan.FromDays(1);

    public const int MaxPeople = 50_000;

    /// <summary>About 0.5–1 KB a row: a few hundred MB at most, whatever the people read.</summary>
    public const int MaxRows = 500_000;

    private static readonly ConcurrentDictionary<string, FeedCache> Caches = new(StringComparer.Ordinal);

    /// <summary>
    /// The cache of an instance (<see cref="Marketo.MarketoRateGate.InstanceKey"/>) as one API user reads it: keyed by the
    /// client id too, so a user without the activity permission is never answered from what another user read.
    /// </summary>
    public static FeedCache For(Uri instance, string clientId) =>
        Caches.GetOrAdd(Marketo.MarketoRateGate.InstanceKey(instance) + "|" + clientId, static _ => new FeedCache());

    public sealed record Coverage(DateTimeOffset From, DateTimeOffset ReadAt, DateTimeOffset ServerReadAt);

    private sealed class Entry
    {
        public Dictionary<string, PersonActivity> Rows { get; } = new(StringComparer.Ordinal);
        public Dictionary<int, Coverage> Read { get; } = new();
        public long Used;
        public int Pins;
    }

    /// <summary>The latest Marketo time a feed read through this cache (see PersonActivityFeed.ServerNow).</summary>
    internal long LastServerNowTicks;

    private readonly object _sync = new();
    private readonly Dictionary<long, Entry> _people = new();
    private readonly int _maxPeople;
    private readonly int _maxRows;
    private long _clock;
    private long _rows;

    public FeedCache(int maxPeople = MaxPeople, int maxRows = MaxRows)
    {
        _maxPeople = maxPeople;
        _maxRows = maxRows;
    }

    /// <summary>Rows held, all people together.</summary>
    public long RowCount
    {
        get { lock (_sync) return _rows; }
    }

    public int PeopleCount
    {
        get { lock (_sync) return _people.Count; }
    }

    public Coverage? Find(long person, int type)
    {
        lock (_sync)
            return _people.TryGetValue(person, out var e) && e.Read.TryGetValue(type, out var c) ? c : null;
    }

    /// <summary>
    /// Keeps the people a request is reading while it reads them: their rows are read from here after the walks, and
    /// another request's walks (or this one's) must not drop them in between.
    /// </summary>
    public IDisposable Pin(IReadOnlyCollection<long> people)
    {
        lock (_sync)
            foreach (var p in people) Touch(p).Pins++;
        return new Unpin(this, people);
    }

    private sealed class Unpin(FeedCache cache, IReadOnlyCollection<long> people) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 1) return;
            lock (cache._sync)
            {
                foreach (var p in people)
                    if (cache._people.TryGetValue(p, out var e)) e.Pins--;
                cache.Trim();
            }
        }
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
            {
                if (!typeSet.Contains(row.TypeId) || !people.Contains(row.MarketoId)) continue;
                var held = Touch(row.MarketoId).Rows;
                if (!held.ContainsKey(row.ActivityId)) _rows++;
                held[row.ActivityId] = row;
            }
            foreach (var p in people)
            {
                var e = Touch(p);
                foreach (var t in types)
                {
                    var start = readOn && e.Read.TryGetValue(t, out var held) ? held.From : from;
                    e.Read[t] = new Coverage(start, readAt, serverReadAt);
                }
                // Rows older than the window now held for their type are never answered from here again (a cold read
                // of a narrower window replaced a wider one): they only take room.
                var stale = e.Rows.Where(kv => e.Read.TryGetValue(kv.Value.TypeId, out var c) && kv.Value.Date < c.From).Select(kv => kv.Key).ToList();
                foreach (var id in stale) e.Rows.Remove(id);
                _rows -= stale.Count;
            }
            Trim();
        }
    }

    /// <summary>Past either bound, the least recently used unpinned people go, down to 90% of it (so a trim is not paid on every walk).</summary>
    private void Trim()
    {
        if (_people.Count <= _maxPeople && _rows <= _maxRows) return;
        var peopleTo = _people.Count > _maxPeople ? _maxPeople * 9L / 10 : _people.Count;
        var rowsTo = _rows > _maxRows ? _maxRows * 9L / 10 : _rows;
        foreach (var (person, e) in _people.Where(kv => kv.Value.Pins == 0).OrderBy(kv => kv.Value.Used).ToList())
        {
            if (_people.Count <= peopleTo && _rows <= rowsTo) break;
            _people.Remove(person);
            _rows -= e.Rows.Count;
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
