using System.Globalization;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Feed;
using SalesSync.Core.People;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Feed;

/// <summary>
/// Get-PersonActivity's engine against the sandbox's feed world (issue 17, reference §6.5 checks 7, 8, 10, 11): calls
/// per request, the cache, equality with the sandbox's log by marketoGUID, newest first, an account of 2,000 contacts,
/// weekly summaries, short and empty pages, a 9 KB paging token, and retention.
/// </summary>
public class PersonActivityFeedTests
{
    private const string ActivitiesGet = "GET /rest/v1/activities.json";
    private const string ActivitiesPost = "POST /rest/v1/activities.json";
    private const string Token = "GET /rest/v1/activities/pagingtoken.json";
    private const string Types = "GET /rest/v1/activities/types.json";

    /// <summary>The default categories' standard type ids (no SalesSync custom types are installed in these worlds).</summary>
    private static readonly HashSet<int> DefaultTypes = [6, 7, 8, 9, 10, 11, 27, 1, 2, 3, 46, 39, 40, 41, 45, 48];

    private static async Task<Dictionary<string, int>> Calls(RunningSandbox sb)
    {
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        return calls.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>());
    }

    private static int Delta(Dictionary<string, int> before, Dictionary<string, int> after, string key) =>
        after.GetValueOrDefault(key) - before.GetValueOrDefault(key);

    private static List<MarketoActivity> Truth(RunningSandbox sb, IReadOnlySet<long> people, IReadOnlySet<int> types, DateTimeOffset since)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            world.Prune(sb.Host.State.Clock.UtcNow);
            return world.FeedLog().Where(r => people.Contains(r.LeadId) && types.Contains(r.ActivityTypeId) && r.ActivityDate >= since).ToList();
        }
    }

    private static async Task<List<T>> All<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items) list.Add(item);
        return list;
    }

    private static FeedRequest Request(IEnumerable<long> ids, DateTimeOffset? since = null) =>
        new() { People = ids.Select(id => new FeedPerson(id, null)).ToList(), Since = since };

    /// <summary>Per person newest first, people in the order asked.</summary>
    private static void AssertNewestFirstPerPerson(IReadOnlyList<PersonActivity> rows, IReadOnlyList<long> asked)
    {
        var order = asked.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        for (var i = 1; i < rows.Count; i++)
        {
            if (rows[i].MarketoId == rows[i - 1].MarketoId) Assert.True(rows[i].Date <= rows[i - 1].Date, $"row {i} is newer than the one before it");
            else Assert.True(order[rows[i].MarketoId] > order[rows[i - 1].MarketoId]);
        }
    }

    [Fact]
    public async Task OnePersonCostsTwoActivityCallsAndAPagingTokenColdThenNothingWithinTheCacheTime()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "3", "--limits", "off", "--feed-activities");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var time = new Engine.SessionTests.ManualTime(DateTimeOffset.UtcNow);
        var feed = new PersonActivityFeed(session.Marketo, time);
        var person = Truth(sb, Enumerable.Range(1, 300).Select(i => (long)i).ToHashSet(), DefaultTypes, sb.Host.State.Clock.UtcNow.AddDays(-80))
            .GroupBy(r => r.LeadId).OrderByDescending(g => g.Count()).First().Key;

        var before = await Calls(sb);
        var first = await All(feed.ReadAsync(Request([person]), CancellationToken.None));
        var after = await Calls(sb);
        Assert.Equal(2, Delta(before, after, ActivitiesGet));
        Assert.Equal(1, Delta(before, after, Token));
        Assert.Equal(1, Delta(before, after, Types)); // once per connection
        Assert.NotEmpty(first);
        Assert.All(first, r => Assert.Equal(person, r.MarketoId));
        AssertNewestFirstPerPerson(first, [person]);

        // The same question within the cache time: no call at all, the same answer.
        time.Now += TimeSpan.FromMinutes(4);
        var again = await All(feed.ReadAsync(Request([person]), CancellationToken.None));
        Assert.Equal(after, await Calls(sb));
        Assert.Equal(first.Select(r => r.ActivityId), again.Select(r => r.ActivityId));

        // Later: only what is new is read (from shortly before the last read), and the new moment is there.
        var world = sb.Host.State.World;
        string added;
        lock (world.Sync)
            added = world.Log(person, sb.Host.State.Clock.UtcNow, FeedHistory.InterestingMoment, "Asked for a demo", [],
                [new("Date", "2026-12-01"), new("Source", "Lead action > Flow step"), new("Type", "Milestone")]).MarketoGuid;
        time.Now += TimeSpan.FromMinutes(6);
        var later = await All(feed.ReadAsync(Request([person]), CancellationToken.None));
        var afterLater = await Calls(sb);
        Assert.Equal(2, Delta(after, afterLater, ActivitiesGet));
        Assert.Equal(1, Delta(after, afterLater, Token));
        Assert.Equal(0, Delta(after, afterLater, Types));
        Assert.Equal(added, later[0].ActivityId);
        Assert.Equal(ActivityCategory.InterestingMoment, later[0].Category);
        Assert.Equal("Milestone", later[0].InterestingMomentType);
        Assert.Equal("Asked for a demo", later[0].Description);
        Assert.Equal(first.Count + 1, later.Count);
    }

    [Fact]
    public async Task AThousandPeopleCost69CallsAndEqualTheSandboxLogNewestFirst()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "1000", "--seed", "17", "--limits", "off", "--feed-activities");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var feed = session.ActivityFeed;
        await feed.GetTypesAsync(CancellationToken.None); // types cached, as on any connection after its first request
        var people = Enumerable.Range(1, 1000).Select(i => (long)i).ToList();
        var since = sb.Host.State.Clock.UtcNow.AddDays(-80);
        var truth = Truth(sb, people.ToHashSet(), DefaultTypes, since);
        // The precondition of the figure: every batch of 30 fits one page in each type group.
        HashSet<int> firstGroup = [6, 7, 8, 9, 10, 11, 27, 1, 2, 3];
        foreach (var batch in people.Chunk(30))
        {
            var ids = batch.ToHashSet();
            Assert.True(truth.Count(r => ids.Contains(r.LeadId) && firstGroup.Contains(r.ActivityTypeId)) <= 300);
            Assert.True(truth.Count(r => ids.Contains(r.LeadId) && !firstGroup.Contains(r.ActivityTypeId)) <= 300);
        }

        var before = await Calls(sb);
        var rows = await All(feed.ReadAsync(Request(people, since), CancellationToken.None));
        var after = await Calls(sb);
        Assert.Equal(1 + (int)Math.Ceiling(1000 / 30.0) * 2, Delta(before, after, ActivitiesGet) + Delta(before, after, Token));
        Assert.Equal(1, Delta(before, after, Token));

        Assert.Equal(rows.Count, rows.Select(r => r.ActivityId).Distinct().Count()); // none twice
        Assert.Equal(truth.Select(r => r.MarketoGuid).Order(StringComparer.Ordinal), rows.Select(r => r.ActivityId).Order(StringComparer.Ordinal)); // none lost
        AssertNewestFirstPerPerson(rows, people);
        Assert.All(rows.Where(r => r.Category == ActivityCategory.Email), r => Assert.NotNull(r.MailingId));
        Assert.All(rows.Where(r => r.TypeId == 1), r => Assert.StartsWith("www.example.com/", r.PageUrl));
    }

    [Fact]
    public async Task AnAccountOfTwoThousandContactsReturnsItsActivityAndWeeksEqualTheRawRows()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "2000", "--seed", "23", "--limits", "off", "--feed-activities");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        // 2,000 synced contacts of one account (MSI's grid shows nothing above 800).
        const string account = "001000000000042AAA";
        var now = DateTimeOffset.UtcNow;
        session.Store.People.Upsert(Enumerable.Range(1, 2000).Select(i => new PersonRecord
        {
            MarketoId = i, Email = $"contact{i}@example.com", SalesforceType = "Contact", SalesforceContactId = $"003{i:D12}AAA",
            SalesforceAccountId = account, SyncedAt = now,
        }).ToList(), 1);
        var people = session.FindFeedPeople(null, null, account[..15]);
        Assert.Equal(2000, people.Count);

        // 89 days: 13 ISO weeks or parts of 14, inside the 90 days Marketo keeps web visits. Email and web are one group
        // of 10 types, so the 67 batches stay inside one 20-second window of Marketo's 100 calls (the client's gate).
        var request = new FeedRequest { People = people, Since = sb.Host.State.Clock.UtcNow.AddDays(-89), Categories = [ActivityCategory.Email, ActivityCategory.Web] };
        var before = await Calls(sb);
        var rows = await All(session.ActivityFeed.ReadAsync(request, CancellationToken.None));
        var after = await Calls(sb);
        var truth = Truth(sb, people.Select(p => p.MarketoId).ToHashSet(), new HashSet<int> { 6, 7, 8, 9, 10, 11, 27, 1, 2, 3 }, request.Since!.Value);
        Assert.Equal(truth.Select(r => r.MarketoGuid).Order(StringComparer.Ordinal), rows.Select(r => r.ActivityId).Order(StringComparer.Ordinal));
        Assert.All(rows, r => Assert.Equal($"contact{r.MarketoId}@example.com", r.Email));
        Assert.Equal(1 + (int)Math.Ceiling(2000 / 30.0), Delta(before, after, ActivitiesGet) + Delta(before, after, Token));

        // Weekly summary (served from the cache now) equals counts recomputed from the raw rows, weeks cut in the zone
        // given (the cmdlet gives the computer's own): here 13 hours ahead of UTC, so days differ from UTC's.
        var weeks = await All(session.ActivityFeed.SummarizeWeeklyAsync(request, PlusThirteen, CancellationToken.None));
        Assert.Equal(after, await Calls(sb));
        var expected = rows.GroupBy(r => (r.MarketoId, Monday: Monday(TimeZoneInfo.ConvertTime(r.Date, PlusThirteen))))
            .ToDictionary(g => g.Key, g => (Email: g.Count(r => r.Category == ActivityCategory.Email), Web: g.Count(r => r.Category == ActivityCategory.Web),
                Total: g.Count()));
        Assert.Equal(expected.Count, weeks.Count);
        foreach (var w in weeks)
        {
            var e = expected[(w.MarketoId, w.WeekStart)];
            Assert.Equal((e.Email, e.Web, 0, e.Total), (w.EmailCount, w.WebCount, w.InterestingMomentCount, w.Total));
            Assert.Equal(DayOfWeek.Monday, w.WeekStart.DayOfWeek);
            Assert.Equal(ISOWeek.GetWeekOfYear(w.WeekStart.ToDateTime(TimeOnly.MinValue)), int.Parse(w.Week[^2..], CultureInfo.InvariantCulture));
        }
        Assert.InRange(weeks.Select(w => w.WeekStart).Distinct().Count(), 13, 14);
    }

    private static readonly TimeZoneInfo PlusThirteen = TimeZoneInfo.CreateCustomTimeZone("Test+13", TimeSpan.FromHours(13), "Test+13", "Test+13");

    /// <summary>The Monday of the week <paramref name="at"/> falls in, by its own calendar date.</summary>
    private static DateOnly Monday(DateTimeOffset at)
    {
        var d = at.DateTime.Date;
        while (d.DayOfWeek != DayOfWeek.Monday) d = d.AddDays(-1);
        return DateOnly.FromDateTime(d);
    }

    [Fact]
    public void WeeksAreCutInTheZoneGivenAndAnEmailCarriesItsCampaignRunIdApartFromACampaignName()
    {
        var types = new FeedTypeMap([new FeedType(6, "Send Email", null, ActivityCategory.Email)]);
        PersonActivity Row(string date, string attributes) => PersonActivity.Parse(System.Text.Json.JsonDocument.Parse(
            $$"""{"marketoGUID":"g-{{date}}","leadId":5,"activityDate":"{{date}}","activityTypeId":6,"primaryAttributeValue":"Prog.Welcome","primaryAttributeValueId":9,"attributes":[{{attributes}}]}""").RootElement, types)!;
        // Sunday 20:00 UTC is Monday 06:00 ten hours east: the next ISO week there, the same week in UTC.
        var sunday = Row("2026-11-29T20:00:00Z", """{"name":"Campaign Run ID","value":"4711"},{"name":"Choice Number","value":"0"}""");
        var monday = Row("2026-11-30T09:00:00Z", "");
        var east = TimeZoneInfo.CreateCustomTimeZone("Test+10", TimeSpan.FromHours(10), "Test+10", "Test+10");
        Assert.Equal([("2026-W48", 1), ("2026-W49", 1)], PersonActivityWeek.Summarize(5, null, [monday, sunday], TimeZoneInfo.Utc).Select(w => (w.Week, w.Total)));
        Assert.Equal([(new DateOnly(2026, 11, 30), "2026-W49", 2)], PersonActivityWeek.Summarize(5, null, [monday, sunday], east).Select(w => (w.WeekStart, w.Week, w.Total)));
        // The run id is an id, not a campaign's name: Campaign stays empty for an email.
        Assert.Equal((4711L, (string?)null, "Prog.Welcome"), (sunday.CampaignRunId, sunday.Campaign, sunday.Subject));
        Assert.Null(monday.CampaignRunId);
    }

    [Fact]
    public async Task TypesAreReadOncePerConnectionAndAgainAfterSalesSyncInstallsItsOwn()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "60", "--seed", "37", "--limits", "off", "--feed-activities");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var before = await Calls(sb);
        var types = await session.ActivityFeed.GetTypesAsync(CancellationToken.None);
        Assert.DoesNotContain(types, t => t.Category is ActivityCategory.SalesCall or ActivityCategory.SalesCampaign);
        Assert.Equal(ActivityCategory.InterestingMoment, types.Single(t => t.Id == 46).Category);
        Assert.Equal(ActivityCategory.Other, types.Single(t => t.Id == 12).Category);
        await All(session.ActivityFeed.ReadAsync(Request([1, 2, 3]), CancellationToken.None));
        Assert.Equal(1, Delta(before, await Calls(sb), Types));

        await session.InstallActivityTypesAsync(whatIf: false, CancellationToken.None);
        types = await session.ActivityFeed.GetTypesAsync(CancellationToken.None);
        Assert.Equal(2, Delta(before, await Calls(sb), Types));
        Assert.Contains(types, t => t.Category == ActivityCategory.SalesCall);
        Assert.Contains(types, t => t.Category == ActivityCategory.SalesCampaign);
        Assert.Contains(types, t => t.Category == ActivityCategory.SalesEmail && t.Id >= 100_000);
    }

    [Fact]
    public async Task ShortAndEmptyPagesAreFollowedAndANineKilobyteTokenGoesByPost()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "29", "--limits", "off", "--feed-activities",
            "--activity-short-pages", "--paging-token-length", "9216");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var people = Enumerable.Range(1, 300).Select(i => (long)i).ToList();
        var since = sb.Host.State.Clock.UtcNow.AddDays(-60);
        var before = await Calls(sb);
        var rows = await All(session.ActivityFeed.ReadAsync(Request(people, since), CancellationToken.None));
        var after = await Calls(sb);
        var truth = Truth(sb, people.ToHashSet(), DefaultTypes, since);
        Assert.Equal(truth.Select(r => r.MarketoGuid).Order(StringComparer.Ordinal), rows.Select(r => r.ActivityId).Order(StringComparer.Ordinal));
        // Every call carried a 9 KB token, so every one went as POST _method=GET; short and empty pages made more than 20.
        Assert.Equal(0, Delta(before, after, ActivitiesGet));
        Assert.True(Delta(before, after, ActivitiesPost) > 20, $"{Delta(before, after, ActivitiesPost)} calls");
        Assert.Equal(0, (await sb.StatsAsync())["marketo"]!["errors"]?["414"]?.GetValue<int>() ?? 0);
    }

    [Fact]
    public async Task ASinceOlderThanMarketoKeepsSaysSoAndReadsFromTheEdge()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "200", "--seed", "31", "--limits", "off", "--feed-activities");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var observer = new RecordingObserver();
        var people = Enumerable.Range(1, 200).Select(i => (long)i).ToList();
        var since = sb.Host.State.Clock.UtcNow.AddDays(-400);
        List<PersonActivity> rows;
        using (EngineObserver.Use(observer))
            rows = await All(session.ActivityFeed.ReadAsync(Request(people, since) with { Categories = [ActivityCategory.Web, ActivityCategory.InterestingMoment] }, CancellationToken.None));
        var warning = Assert.Single(observer.Messages, m => m.StartsWith("WARNING:", StringComparison.Ordinal));
        Assert.Contains("Visit Webpage", warning);
        Assert.Contains("90 days", warning);
        Assert.DoesNotContain("Interesting Moment", warning);
        Assert.Contains(rows, r => r.TypeId == 46 && r.Date < sb.Host.State.Clock.UtcNow.AddDays(-200)); // moments are kept 25 months
        var truth = Truth(sb, people.ToHashSet(), new HashSet<int> { 1, 2, 3, 46 }, since);
        Assert.Equal(truth.Select(r => r.MarketoGuid).Order(StringComparer.Ordinal), rows.Select(r => r.ActivityId).Order(StringComparer.Ordinal));

        var unknown = await Assert.ThrowsAsync<FeedException>(async () =>
            await All(session.ActivityFeed.ReadAsync(Request(people) with { TypeNames = ["Visit Web Page"] }, CancellationToken.None)));
        Assert.Equal(FeedFailure.UnknownActivityType, unknown.Reason);
        Assert.Contains("Visit Webpage", unknown.Message);
    }
}
