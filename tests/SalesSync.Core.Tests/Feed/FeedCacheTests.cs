using SalesSync.Core.Diagnostics;
using SalesSync.Core.Feed;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Feed;

/// <summary>
/// The feed's cache (issue 17 review): -NoCache and what -Verbose says of the cache, one cache per Marketo instance and API
/// user shared by reconnects, and its bounds by people and by rows.
/// </summary>
public class FeedCacheTests
{
    private const string ActivitiesGet = "GET /rest/v1/activities.json";
    private const string Token = "GET /rest/v1/activities/pagingtoken.json";

    private static async Task<int> Calls(RunningSandbox sb, string key) =>
        (await sb.StatsAsync())["marketo"]!["calls"]![key]?.GetValue<int>() ?? 0;

    private static async Task<List<PersonActivity>> Read(PersonActivityFeed feed, RecordingObserver observer, bool noCache = false)
    {
        var rows = new List<PersonActivity>();
        using (EngineObserver.Use(observer))
            await foreach (var row in feed.ReadAsync(new FeedRequest { People = [new(1, null), new(2, null), new(3, null)], NoCache = noCache }, CancellationToken.None))
                rows.Add(row);
        return rows;
    }

    [Fact]
    public async Task ASecondSessionToTheInstanceIsAnsweredFromTheCacheAndNoCacheReadsAfresh()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "30", "--seed", "41", "--limits", "off", "--feed-activities");
        using var temp1 = new TempFolder();
        using var temp2 = new TempFolder();
        List<PersonActivity> cold;
        FeedCache firstCache;
        using (var first = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp1, salesforce: false), CancellationToken.None))
        {
            cold = await Read(first.ActivityFeed, new RecordingObserver());
            firstCache = first.ActivityFeed.Cache;
        }
        Assert.NotEmpty(cold);

        // A reconnect (another session to the same instance and API user) shares what was read: no activity call.
        using var second = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp2, salesforce: false), CancellationToken.None);
        Assert.Same(firstCache, second.ActivityFeed.Cache);
        var (activities, tokens) = (await Calls(sb, ActivitiesGet), await Calls(sb, Token));
        var observer = new RecordingObserver();
        var cached = await Read(second.ActivityFeed, observer);
        Assert.Equal((activities, tokens), (await Calls(sb, ActivitiesGet), await Calls(sb, Token)));
        Assert.Equal(cold.Select(r => r.ActivityId), cached.Select(r => r.ActivityId));
        var said = Assert.Single(observer.Messages, m => m.Contains("came from the cache", StringComparison.Ordinal));
        Assert.Contains($"{cached.Count:N0} of the {cached.Count:N0} activities", said);
        Assert.Contains("the newest cached read is", said);
        Assert.Contains("-NoCache", said);

        // -NoCache: read again from Marketo (2 groups of types, one paging token), the same answer, nothing said of the cache.
        observer = new RecordingObserver();
        var fresh = await Read(second.ActivityFeed, observer, noCache: true);
        Assert.Equal(activities + 2, await Calls(sb, ActivitiesGet));
        Assert.Equal(tokens + 1, await Calls(sb, Token));
        Assert.Equal(cold.Select(r => r.ActivityId), fresh.Select(r => r.ActivityId));
        Assert.DoesNotContain(observer.Messages, m => m.Contains("came from the cache", StringComparison.Ordinal));

        // Another instance (another port, so another host:port key) or another API user has a cache of its own.
        var uri = second.MarketoUri;
        Assert.NotSame(second.ActivityFeed.Cache, FeedCache.For(new UriBuilder(uri) { Port = uri.Port == 1 ? 2 : 1 }.Uri, second.MarketoClientId));
        Assert.NotSame(second.ActivityFeed.Cache, FeedCache.For(uri, second.MarketoClientId + "-other"));
        Assert.Same(second.ActivityFeed.Cache, FeedCache.For(new Uri(uri.ToString().ToUpperInvariant()), second.MarketoClientId));
    }

    private static PersonActivity Row(long person, int n, DateTimeOffset date, int type = 1) => new()
    {
        MarketoId = person, ActivityId = $"{person}-{type}-{n}", Date = date, Category = ActivityCategory.Web, TypeId = type, Type = "Visit Webpage",
    };

    private static void Put(FeedCache cache, long person, int rows, DateTimeOffset from, DateTimeOffset now, int type = 1) =>
        cache.Record(new HashSet<long> { person }, [type], from, false, now, now,
            Enumerable.Range(0, rows).Select(i => Row(person, i, now.AddHours(-i - 1), type)));

    [Fact]
    public void RowsAreBoundedLeastRecentlyReadPeopleFirstAndPinnedPeopleStay()
    {
        var now = DateTimeOffset.UtcNow;
        var from = now.AddDays(-30);
        var cache = new FeedCache(maxPeople: 100, maxRows: 100);
        for (var p = 1; p <= 4; p++) Put(cache, p, 20, from, now);
        Assert.Equal(80, cache.RowCount);
        cache.Rows(1, new HashSet<int> { 1 }, from, null); // person 1 read again: now the most recently used

        using (cache.Pin([2]))
        {
            Put(cache, 5, 30, from, now); // 110 rows: over the bound, trimmed to 90 at most
            Assert.True(cache.RowCount <= 90, $"{cache.RowCount} rows");
            Assert.Null(cache.Find(3, 1)); // the least recently used unpinned person went first
            Assert.NotNull(cache.Find(2, 1)); // pinned: a request is reading it
            Assert.NotNull(cache.Find(1, 1));
            Assert.NotNull(cache.Find(5, 1));
        }
        Assert.Equal(cache.RowCount, new long[] { 1, 2, 4, 5 }.Sum(p => cache.Rows(p, new HashSet<int> { 1 }, from, null).Count));

        // A bound by people still holds.
        var few = new FeedCache(maxPeople: 10, maxRows: 1_000);
        for (var p = 1; p <= 11; p++) Put(few, p, 1, from, now);
        Assert.True(few.PeopleCount <= 10);
        Assert.Null(few.Find(1, 1));
    }

    [Fact]
    public void APersonsRowsOlderThanTheWindowHeldForTheirTypeGo()
    {
        var now = DateTimeOffset.UtcNow;
        var cache = new FeedCache(maxPeople: 10, maxRows: 1_000);
        Put(cache, 7, 48, now.AddDays(-30), now);             // 48 hourly rows of type 1
        Put(cache, 7, 5, now.AddDays(-30), now, type: 2);      // 5 of type 2
        Assert.Equal(53, cache.RowCount);
        // A cold read of a narrower window of type 1 (the last 12 hours): the older rows of type 1 are never answered again.
        Put(cache, 7, 12, now.AddHours(-12).AddMinutes(-1), now);
        Assert.Equal(12 + 5, cache.RowCount);
        Assert.Equal(5, cache.Rows(7, new HashSet<int> { 2 }, now.AddDays(-30), null).Count);
    }
}
