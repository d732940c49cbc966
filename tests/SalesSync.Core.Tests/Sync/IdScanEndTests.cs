using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Connection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// Where the REST id scan ends (review H1): at evidence of the highest id ever created (the newest New Lead activity),
/// so people past a long run of deleted ids are synced however long the run is, and every block up to it is read.
/// </summary>
public class IdScanEndTests
{
    /// <summary>A 1 s rate window on both sides: these scans need well over 100 calls, which a 20 s window would stretch past 20 s.</summary>
    private static ConnectionSettings FastSettings(RunningSandbox sb, TempFolder temp) =>
        SyncHarness.Settings(sb, temp, salesforce: true) with { MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0, Window = TimeSpan.FromSeconds(1) } };

    private static int Calls(JsonObject calls, string key) => calls[key]?.GetValue<int>() ?? 0;

    /// <summary>Calls the 1 s window refused (606) and the client sent again: timer jitter, not the scan's doing.</summary>
    private static int Refused(JsonObject calls) => calls.Parent!["errors"]!["606"]?.GetValue<int>() ?? 0;

    /// <summary>
    /// A purged import: ids after the generated people are created and deleted <paramref name="purgedAgo"/> (a run
    /// of <paramref name="firstLiving"/> - 1 - last generated id deleted ids), then living people from
    /// <paramref name="firstLiving"/> on, created <paramref name="livingAgo"/>; the world calls the control API's
    /// POST and DELETE people use (tens of thousands of HTTP round trips would be most of the test's time).
    /// </summary>
    private static void PurgedImportThenPeople(RunningSandbox sb, long firstLiving, int living, TimeSpan purgedAgo, TimeSpan livingAgo, Func<int, bool> salesOwned)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var now = sb.Host.State.Clock.UtcNow;
            var owner = world.People.Select(p => MarketoPerson.AsLogString(p["sfdcLeadOwnerId"])).First(o => !string.IsNullOrEmpty(o))!;
            for (var filler = world.AddPerson(new Dictionary<string, object?>(), now - purgedAgo); ; filler = world.AddPerson(new Dictionary<string, object?>(), now - purgedAgo))
            {
                Assert.True(world.DeletePerson(filler.Id, now - purgedAgo));
                if (filler.Id == firstLiving - 1) break;
            }
            for (var i = 0; i < living; i++)
            {
                var owned = salesOwned(i);
                var id = firstLiving + i;
                Assert.Equal(id, world.AddPerson(new Dictionary<string, object?>
                {
                    ["email"] = $"far.{id}@example.com", ["firstName"] = "Far", ["lastName"] = $"Person {id}",
                    ["sfdcType"] = owned ? "Lead" : null, ["sfdcLeadId"] = owned ? $"00Q5g0000{id:D6}AAA" : null, ["sfdcLeadOwnerId"] = owned ? owner : null,
                }, now - livingAgo).Id);
            }
        }
    }

    /// <summary>
    /// Review R6, rewritten: 2,285 sales-owned people ~38,000 ids past the generated people, beyond a purged import, at ids the old
    /// far-ahead probe skipped (between its samples k=16 and k=17). All are synced; the scan reads every block up to the newest
    /// New Lead and no further, and the end costs one paging-token call per span looked at plus one call per 300 New Leads read.
    /// </summary>
    [Fact]
    public async Task R6_PeoplePastAPurgedRangeBetweenTheOldProbesSamplesAreAllSynced()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "12", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        long first, last;
        lock (sb.Host.State.World.Sync)
        {
            var lastBlock = (sb.Host.State.World.People.Max(p => p.Id) - 1) / 300;
            var from = (lastBlock + 1 + IdRangePass.EmptyBlocksToEnd) * 300 + 1; // where the old probe started sampling
            long Sample(int k) => from + (long)(IdRangePass.EmptyBlocksToEnd * 300 * (Math.Pow(1.06, k) - 1));
            (first, last) = (Sample(16) + 1, Sample(17) - 1);
        }
        Assert.InRange(first, 38_000, 39_000);
        PurgedImportThenPeople(sb, first, (int)(last - first + 1), TimeSpan.FromDays(2), TimeSpan.FromMinutes(30), _ => true);

        using var session = await SalesSyncSession.ConnectAsync(FastSettings(sb, temp), CancellationToken.None);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        var callsBefore = session.Marketo.CallsMade;
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });

        Assert.Equal(SyncRunStatus.Completed, run.Status);
        Assert.Null(run.Message);
        var far = session.GetPeople(PersonQuery.All).Count(p => p.MarketoId >= first);
        Assert.True(far == last - first + 1, $"{far} of the {last - first + 1} sales-owned people at ids {first}-{last} were synced");
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);

        // Cost: one leads.json call per block through the block of the newest person, none past it; the end itself is the
        // last hour's span: one paging-token call, then the 2,285 New Leads in it at 300 per activities.json call.
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        Assert.Equal((last - 1) / 300 + 1, Calls(calls, "GET /rest/v1/leads.json") - Refused(calls));
        Assert.Equal((int)((last - first + 1 + 299) / 300), Calls(calls, "GET /rest/v1/activities.json"));
        Assert.Equal(2, Calls(calls, "GET /rest/v1/activities/pagingtoken.json")); // the span's token and the run's watermark
        Assert.Equal(session.Marketo.CallsMade - callsBefore, run.MarketoCalls);
        Assert.Equal(Calls(calls, "GET /rest/v1/leads.json") + Calls(calls, "GET /rest/v1/activities.json") + 2 + 1, run.MarketoCalls); // + stats/usage.json, retries included
    }

    /// <summary>
    /// Review R6 as the review wrote it: the purge and the living people all in the last minute (an import deleted at once
    /// and people created right after). Still all synced; the end then costs a call per 300 of the ~40,000 New Leads of the
    /// last hour, which is about what the scan itself spends on those ids (the worst case: at most doubling the scan's calls).
    /// </summary>
    [Fact]
    public async Task R6_AsTheReviewWroteItEverythingInTheLastMinute()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "12", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        long generatedMax;
        lock (sb.Host.State.World.Sync) generatedMax = sb.Host.State.World.People.Max(p => p.Id);
        var first = generatedMax + 38_101;
        const int living = 2_285;
        PurgedImportThenPeople(sb, first, living, TimeSpan.Zero, TimeSpan.Zero, _ => true);

        using var session = await SalesSyncSession.ConnectAsync(FastSettings(sb, temp), CancellationToken.None);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });

        Assert.Equal(SyncRunStatus.Completed, run.Status);
        Assert.Equal(living, session.GetPeople(PersonQuery.All).Count(p => p.MarketoId >= first));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        var newLeads = first + living - 1 - generatedMax; // every id created in the last hour, deleted or alive
        Assert.Equal((newLeads + 299) / 300, Calls(calls, "GET /rest/v1/activities.json"));
        Assert.Equal((first + living - 2) / 300 + 1, Calls(calls, "GET /rest/v1/leads.json") - Refused(calls));
    }

    /// <summary>
    /// A gap of 61,000 deleted ids (purged ten days ago), then people created three days ago whose highest ids are
    /// marketing-only: the scan still reads through the last of them and syncs every sales-owned one.
    /// </summary>
    [Fact]
    public async Task PeoplePastAGapOfSixtyThousandDeletedIdsAreAllSyncedEvenWhenTheNewestAreMarketingOnly()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "21", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        long generatedMax;
        lock (sb.Host.State.World.Sync) generatedMax = sb.Host.State.World.People.Max(p => p.Id);
        var first = generatedMax + 61_001;
        const int living = 900;
        PurgedImportThenPeople(sb, first, living, TimeSpan.FromDays(10), TimeSpan.FromDays(3), i => i < 600); // the last 300 marketing-only

        using var session = await SalesSyncSession.ConnectAsync(FastSettings(sb, temp), CancellationToken.None);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });

        Assert.Equal(SyncRunStatus.Completed, run.Status);
        Assert.Equal(600, session.GetPeople(PersonQuery.All).Count(p => p.MarketoId >= first));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        Assert.Equal((first + living - 2) / 300 + 1, Calls(calls, "GET /rest/v1/leads.json") - Refused(calls)); // through the newest (marketing-only) person
        // Spans of an hour and a day find nothing (a token and an empty page each); the week's holds the 900 New Leads.
        Assert.Equal(3 + 1, Calls(calls, "GET /rest/v1/activities/pagingtoken.json"));          // + the run's watermark
        Assert.Equal(2 + (living + 299) / 300, Calls(calls, "GET /rest/v1/activities.json"));
    }

    /// <summary>Evidence handed in (the source planner's survey already read it) is used as is: the scan reads no activity.</summary>
    [Fact]
    public async Task EvidenceHandedInIsNotReadAgain()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "1200", "--seed", "16", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(FastSettings(sb, temp), CancellationToken.None);
        var evidence = await IdScanEnd.FindAsync(session.Marketo, DateTimeOffset.UtcNow, null, CancellationToken.None);
        Assert.Equal(1200, evidence.HighestId);
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();

        var store = session.Store;
        var owner = new PeopleSync(session.Marketo, session.Salesforce, store);
        var state = new FullPassRun(owner, session.Marketo, session.Salesforce, store.People, store.Runs, store.Runs.Start("Full", "Rest", []));
        await foreach (var _ in new IdRangePass(session.Marketo, owner, store.People.HighestMarketoId, evidence).RunAsync(state, new SyncOptions { Method = SyncMethod.Rest }, CancellationToken.None)) { }

        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!.AsObject();
        Assert.Equal(0, Calls(calls, "GET /rest/v1/activities.json") + Calls(calls, "GET /rest/v1/activities/pagingtoken.json"));
        Assert.Equal(4, Calls(calls, "GET /rest/v1/leads.json") - Refused(calls));
        Assert.Equal(GroundTruthCount(sb), store.People.Count);
    }

    private static int GroundTruthCount(RunningSandbox sb) => SyncHarness.GroundTruth(sb, null).Count;

    /// <summary>
    /// Without evidence (the activity log refuses the connection) the scan still runs, to the old guessed end (an empty tail and a
    /// far-ahead probe), warns, and the completed run says its end was a guess.
    /// </summary>
    [Fact]
    public async Task WithoutActivityEvidenceTheScanEndsAtAGuessAndSaysSo()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "900", "--seed", "14", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new { service = "marketo", path = "/rest/v1/activities.json", kind = "error", code = "603", count = 5 })).EnsureSuccessStatusCode();
        using var session = await SalesSyncSession.ConnectAsync(FastSettings(sb, temp), CancellationToken.None);
        var observer = new RecordingObserver();
        SyncRunResult run;
        using (EngineObserver.Use(observer)) (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });

        Assert.Equal(SyncRunStatus.Completed, run.Status);
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        Assert.Contains(observer.Messages, m => m.StartsWith("WARNING: Could not read Marketo's New Lead activities (603)", StringComparison.Ordinal));
        Assert.StartsWith("The id scan's end was a guess", run.Message, StringComparison.Ordinal);
    }
}
