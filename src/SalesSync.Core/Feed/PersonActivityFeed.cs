using System.Globalization;
using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Feed;

/// <summary>
/// A person's activity, fresh from Marketo's log (what the Sales Insight grid shows), for one person, many, or an
/// account's contacts. Cost per request: <c>ceil(people / 30) × ceil(types / 10) × pages</c> activities.json calls,
/// plus one paging-token call per start time read cold, plus one Get Activity Types call per connection and day (again after
/// Install-SalesActivityType). People go 30
/// per call and types 10 per call (the API's maxima); pages are followed while <c>moreResult</c> is true, short and
/// empty ones included; a query past the URL limit goes as POST <c>_method=GET</c> (<see cref="MarketoClient"/>).
/// Calls run side by side within the connection's share of Marketo's concurrency limit, each through the rate gate.
/// One instance per connection: it holds the type map; the <see cref="FeedCache"/> is the instance's, shared by every
/// connection to it in the process.
/// </summary>
public sealed class PersonActivityFeed
{
    public const string ProgressActivity = "Get-PersonActivity";
    public const int PeoplePerCall = 30;
    public const int TypesPerCall = 10;

    /// <summary>Empty pages in a row (moreResult true, no rows) before a walk is given up as not finishing.</summary>
    private const int MaxEmptyPages = 500;

    /// <summary>
    /// How far inside a retention edge a window starts: a token for exactly "90 days ago" would be older than what
    /// Marketo keeps by the time the call arrives.
    /// </summary>
    public static readonly TimeSpan EdgeMargin = TimeSpan.FromMinutes(5);

    private readonly MarketoClient _marketo;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _typesLock = new(1, 1);
    private volatile FeedTypeMap? _types;

    /// <param name="cache">The instance's cache (<see cref="FeedCache.For"/>); none: one of this feed's own.</param>
    internal PersonActivityFeed(MarketoClient marketo, TimeProvider? time = null, FeedCache? cache = null)
    {
        _marketo = marketo;
        _time = time ?? TimeProvider.System;
        Cache = cache ?? new FeedCache();
    }

    internal FeedCache Cache { get; }

    /// <summary>Walks run side by side: the connection's share of Marketo's concurrency limit.</summary>
    public int SideBySide => Math.Max(1, _marketo.Gate.Settings.ConcurrentCalls);

    /// <summary>The instance's activity types as the feed files them (read once per connection).</summary>
    public async Task<IReadOnlyCollection<FeedType>> GetTypesAsync(CancellationToken ct) => (await TypesAsync(ct).ConfigureAwait(false)).All;

    /// <summary>Types are read again after this long (Adobe: they "can typically be cached on the client side for a day or more").</summary>
    public static readonly TimeSpan TypesFor = TimeSpan.FromDays(1);

    private DateTimeOffset _typesReadAt;

    /// <summary>The next request reads the types again (after Install-SalesActivityType).</summary>
    internal void ForgetTypes() => _types = null;

    private async Task<FeedTypeMap> TypesAsync(CancellationToken ct)
    {
        if (_types is { } known && _time.GetUtcNow() - _typesReadAt < TypesFor) return known;
        await _typesLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_types is { } read && _time.GetUtcNow() - _typesReadAt < TypesFor) return read;
            _types = await FeedTypeMap.ReadAsync(_marketo, ct).ConfigureAwait(false);
            _typesReadAt = _time.GetUtcNow();
            return _types;
        }
        finally
        {
            _typesLock.Release();
        }
    }

    /// <summary>
    /// Each person's activities, newest first, person after person in the order asked (a person asked twice comes once).
    /// People are read in waves of a few calls' worth, so the first rows come before the last person is read.
    /// </summary>
    public async IAsyncEnumerable<PersonActivity> ReadAsync(FeedRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        var plan = await PlanAsync(request, ct).ConfigureAwait(false);
        if (plan is null) yield break;
        var people = request.People.DistinctBy(p => p.MarketoId).ToList();
        var wave = PeoplePerCall * SideBySide * 2;
        var calls = new CallCount();
        for (var start = 0; start < people.Count; start += wave)
        {
            var chunk = people.Skip(start).Take(wave).ToList();
            var ids = chunk.Select(p => p.MarketoId).ToList();
            using var pinned = Cache.Pin(ids);
            await FetchAsync(ids, plan, calls, ct).ConfigureAwait(false);
            EngineObserver.Current.Progress(new EngineProgress(ProgressActivity,
                string.Create(CultureInfo.InvariantCulture, $"{start + chunk.Count:N0} of {people.Count:N0} people read ({calls.Activities:N0} activity calls)"),
                (int)(100L * (start + chunk.Count) / people.Count)));
            foreach (var person in chunk)
            {
                IEnumerable<PersonActivity> rows = Cache.Rows(person.MarketoId, plan.TypeIds, plan.Since, request.Until);
                if (request.First is { } first) rows = rows.Take(first);
                foreach (var row in rows)
                {
                    calls.Rows++;
                    if (calls.CachedWindows.Contains((row.MarketoId, row.TypeId))) calls.CachedRows++;
                    yield return row with { Email = person.Email };
                }
            }
        }
        EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, "Done", 100) { Completed = true });
        EngineObserver.Current.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Get-PersonActivity: {people.Count:N0} people, {plan.Types.Count} activity types; {calls.Activities:N0} activities.json and {calls.Tokens:N0} paging-token calls; {calls.Rows:N0} activities."));
        // Said whenever part of the answer was not read just now, so an admin knows how fresh it is and how to make it so.
        if (calls.CachedWindows.Count > 0)
            EngineObserver.Current.Verbose(string.Create(CultureInfo.InvariantCulture,
                $"Get-PersonActivity: {calls.CachedRows:N0} of the {calls.Rows:N0} activities came from the cache ({calls.CachedWindows.Count:N0} person-type windows read earlier; the newest cached read is {Age(_time.GetUtcNow() - calls.NewestCachedRead)} old, the oldest {Age(_time.GetUtcNow() - calls.OldestCachedRead)}). -NoCache reads Marketo afresh."));
    }

    private static string Age(TimeSpan age) =>
        age < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, age.TotalSeconds):0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)age.TotalMinutes} min {age.Seconds} s");

    /// <summary>
    /// Per person, one row per ISO week with activity: counts per category (computed from the same rows <see cref="ReadAsync"/>
    /// gives). Weeks are cut in <paramref name="zone"/> (the cmdlet gives the computer's own: an admin's Monday is local).
    /// </summary>
    public async IAsyncEnumerable<PersonActivityWeek> SummarizeWeeklyAsync(FeedRequest request, TimeZoneInfo zone, [EnumeratorCancellation] CancellationToken ct)
    {
        var current = new List<PersonActivity>();
        await foreach (var row in ReadAsync(request, ct).ConfigureAwait(false))
        {
            if (current.Count > 0 && current[0].MarketoId != row.MarketoId)
            {
                foreach (var week in PersonActivityWeek.Summarize(current[0].MarketoId, current[0].Email, current, zone)) yield return week;
                current.Clear();
            }
            current.Add(row);
        }
        if (current.Count > 0)
            foreach (var week in PersonActivityWeek.Summarize(current[0].MarketoId, current[0].Email, current, zone)) yield return week;
    }

    private sealed record Plan(IReadOnlyList<FeedType> Types, IReadOnlySet<int> TypeIds, DateTimeOffset Since, IReadOnlyDictionary<int, DateTimeOffset> StartOf, bool NoCache)
    {
        /// <summary>One paging token per start time, fetched when a walk first needs it.</summary>
        public Dictionary<DateTimeOffset, Task<string>> Tokens { get; } = new();
    }

    private sealed class CallCount
    {
        public int Activities, Tokens, Rows, CachedRows;

        /// <summary>The (person, type) windows answered from the cache without a call, and how long ago they were read.</summary>
        public HashSet<(long Person, int Type)> CachedWindows { get; } = [];

        public DateTimeOffset OldestCachedRead = DateTimeOffset.MaxValue, NewestCachedRead = DateTimeOffset.MinValue;
    }

    private async Task<Plan?> PlanAsync(FeedRequest request, CancellationToken ct)
    {
        if (request.First is < 1)
            throw new FeedException(FeedFailure.InvalidFirst, $"-First {request.First} asks for no activities: give 1 or more (the newest per person).") { Value = request.First };
        var types = await TypesAsync(ct).ConfigureAwait(false);
        var wanted = types.Select(request.Categories, request.TypeNames);
        var now = ServerNow();
        var since = request.Since ?? now - FeedCategories.NinetyDays + EdgeMargin;
        if (request.Until is { } until && until <= since)
            throw new FeedException(FeedFailure.InvalidWindow, $"-Until ({until:u}) is not later than -Since ({since:u}): -Since is the start of the window and -Until its end.") { Value = until };
        if (wanted.Count == 0)
        {
            EngineObserver.Current.Warning("This Marketo instance has no activity type in the categories asked for (SalesSync's sales call and campaign types exist once Install-SalesActivityType has run), so there is nothing to read.");
            return null;
        }

        // Retention: a window older than what Marketo keeps starts where the log does, and says so.
        var startOf = new Dictionary<int, DateTimeOffset>();
        var cut = new SortedDictionary<DateTimeOffset, List<string>>();
        foreach (var t in wanted)
        {
            if (FeedCategories.Retention(t.Id) is not { } kept)
            {
                startOf[t.Id] = since; // kept for ever (New Lead)
                continue;
            }
            var oldest = now - kept + EdgeMargin;
            startOf[t.Id] = since >= oldest ? since : oldest;
            if (since < oldest && request.Since is not null)
            {
                if (!cut.TryGetValue(oldest, out var names)) cut[oldest] = names = [];
                names.Add(t.Name);
            }
        }
        foreach (var (oldest, names) in cut)
            EngineObserver.Current.Warning(string.Create(CultureInfo.InvariantCulture,
                $"-Since {since:u} is older than Marketo keeps {string.Join(", ", names)} ({(now - oldest + EdgeMargin).TotalDays:0} days): nothing of those types before {oldest:u} exists any more, so they are read from there."));
        return new Plan(wanted, wanted.Select(t => t.Id).ToHashSet(), since, startOf, request.NoCache);
    }

    /// <summary>
    /// Marketo's time, never earlier than the last one read through this cache (by any connection to the instance): the
    /// clock offset comes from whole-second Date headers and wobbles by up to a second, differently on each connection,
    /// and a default window that started a moment earlier would miss the cache.
    /// </summary>
    private DateTimeOffset ServerNow()
    {
        var local = _time.GetUtcNow();
        var now = (_marketo.ServerClock.ToServerTime(local) ?? local).UtcTicks;
        ref var lastTicks = ref Cache.LastServerNowTicks;
        for (var last = Interlocked.Read(ref lastTicks); now > last; last = Interlocked.Read(ref lastTicks))
            if (Interlocked.CompareExchange(ref lastTicks, now, last) == last) return new DateTimeOffset(now, TimeSpan.Zero);
        return new DateTimeOffset(Interlocked.Read(ref lastTicks), TimeSpan.Zero);
    }

    /// <summary>One call sequence: up to 30 people and 10 types, from a start time (a window read cold, or read on from the last read).</summary>
    private sealed record Walk(IReadOnlyList<long> People, IReadOnlyList<int> Types, DateTimeOffset From, bool ReadOn);

    /// <summary>
    /// Reading on starts this long before the last read: an activity logged since then may carry an earlier date (a
    /// custom activity keeps the date its client gave), and a paging token returns only activities dated after it.
    /// </summary>
    public static readonly TimeSpan ReadOnOverlap = TimeSpan.FromHours(1);

    private async Task FetchAsync(IReadOnlyList<long> people, Plan plan, CallCount calls, CancellationToken ct)
    {
        var readAt = _time.GetUtcNow();
        var serverReadAt = ServerNow();
        // What each person needs: a window read cold from its start, or read on from the last read (one start for the
        // wave, the earliest last read less the overlap, so a single paging token serves them all).
        var cold = new Dictionary<DateTimeOffset, Dictionary<long, List<int>>>();
        var readOn = new Dictionary<long, List<int>>();
        DateTimeOffset? readOnFrom = null;
        foreach (var p in people)
            foreach (var t in plan.Types)
            {
                var from = plan.StartOf[t.Id];
                // -NoCache: every window read cold, and what it reads replaces what was held.
                var held = plan.NoCache ? null : Cache.Find(p, t.Id);
                if (held is not null && held.From <= from && readAt - held.ReadAt <= FeedCache.Fresh)
                {
                    calls.CachedWindows.Add((p, t.Id));
                    if (held.ReadAt < calls.OldestCachedRead) calls.OldestCachedRead = held.ReadAt;
                    if (held.ReadAt > calls.NewestCachedRead) calls.NewestCachedRead = held.ReadAt;
                    continue;
                }
                if (held is not null && held.From <= from && readAt - held.ReadAt <= FeedCache.ReadOnWithin)
                {
                    var start = held.ServerReadAt - ReadOnOverlap;
                    readOnFrom = readOnFrom is { } f && f <= start ? f : start;
                    Add(readOn, p, t.Id);
                    continue;
                }
                if (!cold.TryGetValue(from, out var byPerson)) cold[from] = byPerson = [];
                Add(byPerson, p, t.Id);
            }

        var walks = new List<Walk>();
        foreach (var (start, byPerson) in cold) walks.AddRange(Walks(byPerson, start, false));
        if (readOnFrom is { } readOnStart) walks.AddRange(Walks(readOn, readOnStart, true));
        if (walks.Count == 0) return;

        var map = await TypesAsync(ct).ConfigureAwait(false);
        await Parallel.ForEachAsync(walks, new ParallelOptions { MaxDegreeOfParallelism = SideBySide, CancellationToken = ct },
            async (walk, token) => await RunWalkAsync(walk, plan, map, calls, readAt, serverReadAt, token).ConfigureAwait(false)).ConfigureAwait(false);

        static void Add(Dictionary<long, List<int>> into, long person, int type)
        {
            if (!into.TryGetValue(person, out var list)) into[person] = list = [];
            list.Add(type);
        }

        // People who need the same types share calls: 30 people by 10 types per call.
        static IEnumerable<Walk> Walks(Dictionary<long, List<int>> byPerson, DateTimeOffset start, bool readOn) =>
            byPerson.GroupBy(kv => string.Join(',', kv.Value)).SelectMany(sameTypes =>
                sameTypes.Select(kv => kv.Key).Chunk(PeoplePerCall).SelectMany(peopleChunk =>
                    sameTypes.First().Value.Chunk(TypesPerCall).Select(typeChunk => new Walk(peopleChunk, typeChunk, start, readOn))));
    }

    private async Task RunWalkAsync(Walk walk, Plan plan, FeedTypeMap map, CallCount calls, DateTimeOffset readAt, DateTimeOffset serverReadAt, CancellationToken ct)
    {
        var token = await StartTokenAsync(plan, walk.From, calls, ct).ConfigureAwait(false);
        var rows = new List<PersonActivity>();
        var leadIds = string.Join(',', walk.People.Select(p => p.ToString(CultureInfo.InvariantCulture)));
        var typeIds = string.Join(',', walk.Types.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        for (var empty = 0; ;)
        {
            var page = await _marketo.GetAsync("rest/v1/activities.json",
            [
                new("nextPageToken", token),
                new("activityTypeIds", typeIds),
                new("leadIds", leadIds),
                new("batchSize", MarketoClient.MaxBatchSize.ToString(CultureInfo.InvariantCulture)),
            ], ct).ConfigureAwait(false);
            Interlocked.Increment(ref calls.Activities);
            foreach (var r in page.Result)
                if (PersonActivity.Parse(r, map) is { } row) rows.Add(row);
            if (page.MoreResult != true) break;
            token = page.NextPageToken is { Length: > 0 } next ? next
                : throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE", "activities.json said moreResult without a nextPageToken", ApiFailureKind.Transient);
            empty = page.Result.Count == 0 ? empty + 1 : 0;
            if (empty >= MaxEmptyPages)
                throw new SalesSyncApiException(MarketoClient.ServiceName, "INCOMPLETE_FEED",
                    $"Marketo's activity log gave {MaxEmptyPages} empty pages in a row; the feed stops rather than show part of it as all", ApiFailureKind.Transient);
        }
        Cache.Record(walk.People.ToHashSet(), walk.Types, walk.From, walk.ReadOn, readAt, serverReadAt, rows);
    }

    private Task<string> StartTokenAsync(Plan plan, DateTimeOffset from, CallCount calls, CancellationToken ct)
    {
        lock (plan.Tokens)
        {
            if (!plan.Tokens.TryGetValue(from, out var task))
                plan.Tokens[from] = task = FetchTokenAsync(from, calls, ct);
            return task;
        }
    }

    private async Task<string> FetchTokenAsync(DateTimeOffset from, CallCount calls, CancellationToken ct)
    {
        var response = await _marketo.GetAsync("rest/v1/activities/pagingtoken.json",
            [new("sinceDatetime", from.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))], ct).ConfigureAwait(false);
        Interlocked.Increment(ref calls.Tokens);
        return response.NextPageToken is { Length: > 0 } token ? token
            : throw new SalesSyncApiException(MarketoClient.ServiceName, "BAD_RESPONSE", "pagingtoken.json answered without a nextPageToken", ApiFailureKind.Transient);
    }
}
