using System.Globalization;
using System.Net.Http.Json;
using SalesSync.Core.Connection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>The REST people sync against the sandbox's ground truth: exact people and values, removals, resumption.</summary>
public class RestSyncTests
{
    private const long SalesOwnedList = WorldGenerator.SalesOwnedListId;

    private static ConnectionSettings Settings(RunningSandbox sb, TempFolder temp) => SyncHarness.Settings(sb, temp, salesforce: true);

    private static Task<(SyncRunResult Run, List<PersonChanged> Changes)> Sync(SalesSyncSession session, SyncOptions options, CancellationToken ct = default) =>
        SyncHarness.SyncAsync(session, options, ct);

    private static Dictionary<long, PersonRecord> GroundTruth(RunningSandbox sb) => SyncHarness.GroundTruth(sb, SalesOwnedList);

    private static void AssertMatchesTruth(RunningSandbox sb, SalesSyncSession session) => SyncHarness.AssertMatchesTruth(sb, session, SalesOwnedList);

    [Fact]
    public async Task AFullSyncYieldsExactlyTheEligiblePeopleAndAResyncFollowsChanges()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "5");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);

        var (first, added) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        AssertMatchesTruth(sb, session);
        Assert.Equal(first.Added, added.Count);
        int members;
        lock (sb.Host.State.World.Sync) members = sb.Host.State.World.Lists[(int)SalesOwnedList].Members.Count;
        Assert.Equal((members + 299) / 300 + 2, (int)first.MarketoCalls); // one call per page of 300, plus stats/usage.json and the activity watermark

        // Changes as Marketo would see them: a field edit, an owner removed, a delete.
        var synced = session.GetPeople(PersonQuery.All).Take(3).ToList();
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{synced[0].MarketoId}"), new Dictionary<string, object?> { ["title"] = "Chief \"Quote\", Officer\n(新しい) 🚀" })).EnsureSuccessStatusCode();
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{synced[1].MarketoId}"), new Dictionary<string, object?> { ["sfdcLeadOwnerId"] = null })).EnsureSuccessStatusCode();
        (await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{synced[2].MarketoId}"))).EnsureSuccessStatusCode();

        var (second, changes) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, Full = true });
        Assert.Equal(SyncRunStatus.Completed, second.Status);
        AssertMatchesTruth(sb, session);
        Assert.Equal("Chief \"Quote\", Officer\n(新しい) 🚀", session.GetPeople(new PersonQuery { MarketoIds = [synced[0].MarketoId] }).Single().Title);
        Assert.Contains(changes, c => c.Person.MarketoId == synced[0].MarketoId && c.Change == PersonChange.Updated);
        Assert.Contains(changes, c => c.Person.MarketoId == synced[1].MarketoId && c.Change == PersonChange.Removed);
        Assert.Equal(2, second.Removed);
        Assert.Equal(0, second.Added);
    }

    [Fact]
    public async Task AStoppedRunResumesWhereItStoppedWithoutFetchingAPageTwice()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "6");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);

        var (capped, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, MaxApiCalls = 5 });
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);
        Assert.Equal(2, capped.PagesDone); // the list's check, usage and watermark, then two pages
        Assert.Equal(SyncStopReason.MaxApiCalls, capped.StopReason);

        // Ctrl+C after the next page: the run is recorded as stopped, resumable.
        using var cancel = new CancellationTokenSource();
        var seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var output in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, ReportChanges = true }, cancel.Token))
                if (output is PersonChanged && ++seen == 1) cancel.Cancel();
        });
        var stopped = session.GetSyncRuns(1).Single();
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Equal(capped.RunId, stopped.RunId);

        var (resumed, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(capped.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        AssertMatchesTruth(sb, session);
        int members;
        lock (sb.Host.State.World.Sync) members = sb.Host.State.World.Lists[(int)SalesOwnedList].Members.Count;
        var listCalls = (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/lists/{id}/leads.json"]!.GetValue<int>();
        // Every applied page was fetched once across the three runs; the one already requested when Ctrl+C came (the
        // next page goes out while the previous one is applied) is dropped and fetched again by the resume.
        Assert.InRange(listCalls, (members + 299) / 300, (members + 299) / 300 + 1);
        Assert.Equal(resumed.Added, GroundTruth(sb).Count);
    }

    private static readonly long[] RegionLists = WorldGenerator.RegionLists.Select(r => (long)r.Id).ToArray();

    private static int PagesOf(RunningSandbox sb, IEnumerable<long> lists)
    {
        lock (sb.Host.State.World.Sync) return lists.Sum(l => (sb.Host.State.World.Lists[(int)l].Members.Count + 299) / 300);
    }

    /// <summary>
    /// Review M3: the cmdlet takes only a -MaxApiCalls stop as a warning, and decides it from the reason the engine gives,
    /// never from call counters other runspaces share: a stop by the daily cap says Quota even when -MaxApiCalls was near.
    /// </summary>
    [Fact]
    public async Task ARunStoppedByTheDailyCapSaysSoEvenWithAnApiCallCapGiven()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "6");
        using var temp = new TempFolder();
        var settings = Settings(sb, temp) with { MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 6 } };
        using var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        var (stopped, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, MaxApiCalls = 7 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Equal(SyncStopReason.Quota, stopped.StopReason);
        Assert.Null(session.GetSyncRuns(1).Single().StopReason); // for the invocation only, not recorded
    }

    [Fact]
    public async Task SeveralListsArePagedSideBySideAndTogetherYieldExactlyTheEligiblePeople()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "6000", "--seed", "15", "--response-times", "realistic", "--time-scale", "20");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);

        var (run, added) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListIds = RegionLists, ReportChanges = true });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        AssertMatchesTruth(sb, session);
        Assert.Equal(GroundTruth(sb).Count, run.Added);
        Assert.Equal(run.Added, added.Count);
        Assert.Equal(RegionLists, run.StaticListIds);
        Assert.All(run.ListCursors, c => Assert.True(c.Done));
        var pages = PagesOf(sb, RegionLists);
        Assert.Equal(pages, (int)run.PagesDone);
        Assert.Equal(pages + 2, (int)run.MarketoCalls); // one call per page of each list, plus stats/usage.json and the activity watermark
        // Side by side: with response times on, more than one list page was in flight at once.
        var peak = (await sb.StatsAsync())["marketo"]!["peakInFlight"]!.GetValue<int>();
        Assert.True(peak > 1, $"peak in flight {peak}");
    }

    [Fact]
    public async Task APersonInTwoListsIsWrittenAndCountedOnce()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "2000", "--seed", "16");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);

        // List 1001 holds everyone list 1011 holds.
        var (run, added) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListIds = [SalesOwnedList, RegionLists[0]], ReportChanges = true });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        AssertMatchesTruth(sb, session);
        Assert.Equal(GroundTruth(sb).Count, run.Added);
        Assert.Equal(0, run.Unchanged);
        Assert.Equal(run.Added, added.Select(c => c.Person.MarketoId).Distinct().Count());
        Assert.Equal(run.Added, added.Count);
    }

    [Fact]
    public async Task AStoppedRunOverSeveralListsResumesEachListWhereItStopped()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "6000", "--seed", "17");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var options = new SyncOptions { Method = SyncMethod.Rest, StaticListIds = RegionLists };

        var (capped, _) = await Sync(session, options with { MaxApiCalls = 12 }); // six list checks first
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);
        Assert.InRange(capped.PagesDone, 1, 4); // usage and watermark, then pages up to the cap (pages in flight count)
        Assert.Equal(capped.PagesDone, capped.ListCursors.Sum(c => c.PagesDone));

        // Other lists, or one list fewer, are another source: a new pass, not a resume.
        Assert.Equal(SyncFailureReason.UnfinishedRunDiffers, Assert.Throws<SyncException>(() => PeopleSync.Decide(capped, options with { StaticListIds = RegionLists[..5] }, DateTimeOffset.UtcNow)).Reason);
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(capped, options, DateTimeOffset.UtcNow));

        var (resumed, _) = await Sync(session, options);
        Assert.Equal(capped.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        AssertMatchesTruth(sb, session);
        Assert.Equal(GroundTruth(sb).Count, resumed.Added);
        var listCalls = (await sb.StatsAsync())["marketo"]!["calls"]!["GET /rest/v1/lists/{id}/leads.json"]!.GetValue<int>();
        Assert.Equal(PagesOf(sb, RegionLists), listCalls); // every page of every list fetched once across both runs
    }

    [Fact]
    public async Task ARunRecordedByTheOneListVersionResumesFromItsTokenEvenAfterAnotherStopBeforeItsFirstPage()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "6");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var options = new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList };
        Assert.Equal(SyncRunStatus.Completed, (await Sync(session, options)).Run.Status);
        var (capped, _) = await Sync(session, options with { Full = true, MaxApiCalls = 4 }); // the list's check first
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);

        // The record as the one-list version stored it: staticListId, nextPageToken and pagesDone, no cursors.
        var runs = session.Store.Database.GetCollection("sync_runs");
        var doc = runs.FindById(capped.RunId);
        var token = doc["listCursors"].AsArray.Single()["nextPageToken"];
        Assert.True(token.IsString);
        doc.Remove("listCursors");
        doc.Remove("staticListIds");
        doc["staticListId"] = SalesOwnedList;
        doc["nextPageToken"] = token;
        runs.Update(doc);

        // Resumed, but stopped again before a page is applied (the usage seed spends the cap): the token must survive.
        var (again, _) = await Sync(session, options with { MaxApiCalls = 1 });
        Assert.Equal(SyncRunStatus.Stopped, again.Status);
        Assert.Equal(token.AsString, session.GetSyncRuns(1).Single().NextPageToken);

        var (resumed, _) = await Sync(session, options);
        Assert.Equal(capped.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        Assert.Equal(0, resumed.Removed);
        AssertMatchesTruth(sb, session);
    }

    [Fact]
    public async Task AListThatYieldsNobodyRemovesNobody()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "1200", "--seed", "19");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        Assert.Equal(SyncRunStatus.Completed, (await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList })).Run.Status);

        // List 1003 is empty (a wrong id, say): the pass sees nobody, so it must not take everyone away.
        var (run, changes) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = 1003, Full = true, ReportChanges = true });
        Assert.Equal(SyncRunStatus.Refused, run.Status);
        Assert.Contains("nothing was removed", run.Message);
        Assert.Empty(changes);
        AssertMatchesTruth(sb, session);
        // The refused run does not block the schedule: the next plain run is incremental from the last completed one.
        var (next, _) = await Sync(session, new SyncOptions());
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));
    }

    [Fact]
    public async Task APageWhoseOpportunitiesCannotBeReadHoldsBackItsListsLaterPages()
    {
        // Response times on, so a list's next page is already being fetched while this page's opportunities are read.
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "20", "--response-times", "realistic", "--time-scale", "10");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new object[]
        {
            new { service = "salesforce", path = "/services/data/*/query", kind = "http", status = 400, count = 1 },
        })).EnsureSuccessStatusCode();

        var (failed, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Failed, failed.Status);
        Assert.Equal(0, failed.PagesDone); // page 2 arrived, but may not pass page 1
        Assert.All(failed.ListCursors, c => Assert.Equal(0, c.PagesDone));

        var (resumed, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(failed.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        AssertMatchesTruth(sb, session);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ACapSpentBeforeTheFirstPageStopsTheRunAndRemovesNobody(bool idScan)
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "1500", "--seed", "18");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var options = idScan ? new SyncOptions { Method = SyncMethod.Rest } : new SyncOptions { Method = SyncMethod.Rest, StaticListIds = RegionLists };
        var (full, _) = await Sync(session, options);
        Assert.Equal(SyncRunStatus.Completed, full.Status);

        // -MaxApiCalls 1 on a new full pass: its usage seed and watermark already spend the cap, so no page is read.
        var (capped, _) = await Sync(session, options with { Full = true, MaxApiCalls = 1 });
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);
        Assert.Equal(0, capped.Removed);
        Assert.Equal(0, capped.PagesDone);
        AssertMatchesTruth(sb, session);

        var (resumed, _) = await Sync(session, options);
        Assert.Equal(capped.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        AssertMatchesTruth(sb, session);
    }

    [Fact]
    public async Task ARunReadsTheInstancesUseTodayBesideItsOwnCount()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "8");
        using var temp = new TempFolder();
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 7; i++) await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token); // another integration
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        Assert.Equal(0, session.MarketoCallsToday);
        var (run, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        // Review M1: the instance's use (other integrations' calls) is kept beside SalesSync's own count, never in it.
        Assert.True(session.MarketoCallsToday < 7 + run.PagesDone, $"SalesSync's calls today {session.MarketoCallsToday}");
        Assert.True(session.MarketoInstanceCallsToday >= 7 + run.PagesDone, $"instance calls today {session.MarketoInstanceCallsToday}");
    }

    [Fact]
    public async Task TheRestMethodCannotReadASmartList()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var e = await Assert.ThrowsAsync<SyncException>(async () => { await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, SmartListId = 1001 }, CancellationToken.None)) { } });
        Assert.Equal(SyncFailureReason.SmartListNeedsBulk, e.Reason);
    }

    [Fact]
    public async Task AnIdScanWithoutAListYieldsEveryEligiblePersonAndResumesByBlock()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "8");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);

        // Stopped after a few calls: blocks already applied are the checkpoint.
        // (The usage seed, the watermark and the calls that look for the scan's end, at most half of what is left, come first.)
        var (capped, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, MaxApiCalls = 20 });
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);
        Assert.InRange(capped.PagesDone, 1, 14); // the end search takes at most half of what the cap leaves

        var (run, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        Assert.Equal(capped.RunId, run.RunId);
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        long highest;
        lock (sb.Host.State.World.Sync) highest = sb.Host.State.World.People.Max(p => p.Id);
        // One call per block of 300 ids up to the highest id (the newest New Lead), nothing past it; blocks fetched ahead of
        // the stop are fetched again (at most the in-flight share); plus, twice, stats/usage.json, the watermark and the
        // few calls that find the end (a paging token and a page per span of the activity log looked at).
        var blocks = (highest + 299) / 300;
        Assert.InRange(run.MarketoCalls, blocks + 2 + 2 * 2, blocks + 4 + 2 * 16 + 10);
    }

    [Fact]
    public async Task TheRunRecordCountsTheCallsThatFoundTheIdScansEnd()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "12", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        var settings = Settings(sb, temp) with { MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0, Window = TimeSpan.FromSeconds(1) } };
        using var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        var callsBefore = session.Marketo.CallsMade;

        var (run, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest });

        Assert.Equal(SyncRunStatus.Completed, run.Status);
        long highest;
        lock (sb.Host.State.World.Sync) highest = sb.Host.State.World.People.Max(p => p.Id);
        // Blocks 0 .. the newest person's, nothing past it; the end came from the New Lead activities (a paging token and
        // activity pages per span looked at), which the run counts like its blocks.
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        Assert.Equal((highest - 1) / 300 + 1, calls["GET /rest/v1/leads.json"]!.GetValue<int>());
        var endCalls = calls["GET /rest/v1/activities.json"]!.GetValue<int>() + calls["GET /rest/v1/activities/pagingtoken.json"]!.GetValue<int>() - 1;
        Assert.InRange(endCalls, 2, 16);
        Assert.Equal((highest - 1) / 300 + 1 + endCalls + 2, session.Marketo.CallsMade - callsBefore); // plus stats/usage.json and the activity watermark
        Assert.Equal(session.Marketo.CallsMade - callsBefore, run.MarketoCalls);
        Assert.Equal(run.MarketoCalls, session.GetSyncRuns(1).Single().MarketoCalls);
    }
}
