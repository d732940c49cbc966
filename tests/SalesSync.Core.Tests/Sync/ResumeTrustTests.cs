using System.Net.Http.Json;
using SalesSync.Core.Connection;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// Issue 14, "a resume that does what every message says": the run record alone decides how an unfinished run resumes
/// and whether it may remove anyone; other source parameters are refused; bad ones fail before a run is recorded; every
/// stop message names what the next plain Start-SalesSync does, and -WhatIf agrees. Also review H3 and M1.
/// </summary>
public class ResumeTrustTests
{
    private static readonly SyncOptions Plain = new() { Method = SyncMethod.Auto, ExportPollInterval = TimeSpan.FromMilliseconds(200) };
    private static readonly SyncOptions Bulk = Plain with { Method = SyncMethod.Bulk };
    private static readonly SyncOptions RestList = Plain with { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId };

    private static Task<RunningSandbox> StartAsync(int people, int seed, params string[] more) => RunningSandbox.StartWithFastBulkAsync(people, seed, more);

    private static Task<SalesSyncSession> ConnectAsync(RunningSandbox sb, TempFolder temp, bool salesforce = true) =>
        SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce), CancellationToken.None);

    /// <summary>Review C1 (repro R1): a stopped -CreatedSince run resumed by a plain run keeps its partial scope and removes nobody.</summary>
    [Fact]
    public async Task AResumedCreatedSinceRunRemovesNobody()
    {
        await using var sb = await StartAsync(3000, 31);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        var before = session.GetPeople(PersonQuery.All).Count();

        var since = DateTimeOffset.UtcNow.AddDays(-60);
        var (stopped, _) = await SyncHarness.SyncAsync(session, Bulk with { Full = true, CreatedSince = since, MaxApiCalls = 4 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Equal(since.UtcDateTime, stopped.CreatedSince!.Value.UtcDateTime, TimeSpan.FromMilliseconds(1));

        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal(stopped.RunId, resumed.RunId);
        Assert.Equal(SyncRunStatus.Completed, resumed.Status);
        Assert.Equal(0, resumed.Removed);
        Assert.Equal(before, session.GetPeople(PersonQuery.All).Count());
        Assert.Contains("nobody was removed", resumed.Message);
    }

    /// <summary>
    /// A partial pass keeps the last complete run's watermark: an older person's change made before it is still read
    /// by the next incremental run (a partial pass taking fresh tokens would lose it for good).
    /// </summary>
    [Fact]
    public async Task APartialPassKeepsTheLastCompleteRunsWatermark()
    {
        await using var sb = await StartAsync(2000, 37);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        var old = session.GetPeople(PersonQuery.All).First();
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{old.MarketoId}"), new Dictionary<string, object?> { ["title"] = "Changed before the partial pass" })).EnsureSuccessStatusCode();

        var (partial, _) = await SyncHarness.SyncAsync(session, Bulk with { CreatedSince = DateTimeOffset.UtcNow.AddDays(-1) });
        Assert.Equal(("Full", SyncRunStatus.Completed, 0L), (partial.Mode, partial.Status, partial.Removed));
        Assert.Equal(first.LeadChangesToken, partial.LeadChangesToken);

        var (next, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));
        Assert.Equal("Changed before the partial pass", session.GetPeople(new PersonQuery { MarketoIds = [old.MarketoId] }).Single().Title);
    }

    /// <summary>A plain run resumes a stopped REST list run exactly (same run, same source), and -WhatIf says so first.</summary>
    [Fact]
    public async Task APlainRunResumesAnUnfinishedRunWhateverItsParameters()
    {
        await using var sb = await StartAsync(3000, 38);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (stopped, _) = await SyncHarness.SyncAsync(session, RestList with { MaxApiCalls = 4 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Contains($"resumes run {stopped.RunId} (a full pass over static list {WorldGenerator.SalesOwnedListId} by REST)", stopped.Message);

        var preview = await session.DescribeSyncPlanAsync(Plain, CancellationToken.None);
        Assert.StartsWith($"Would resume run {stopped.RunId} (a full pass over static list {WorldGenerator.SalesOwnedListId} by REST)", preview);
        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((stopped.RunId, "Rest", SyncRunStatus.Completed), (resumed.RunId, resumed.Strategy, resumed.Status));
        SyncHarness.AssertMatchesTruth(sb, session, WorldGenerator.SalesOwnedListId);
    }

    /// <summary>Other source parameters while a run is unfinished: UnfinishedRunDiffers, naming the run and both ways out; nothing recorded.</summary>
    [Fact]
    public async Task OtherSourceParametersWhileARunIsUnfinishedAreRefused()
    {
        await using var sb = await StartAsync(3000, 39);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (stopped, _) = await SyncHarness.SyncAsync(session, RestList with { MaxApiCalls = 4 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);

        foreach (var other in new[] { Bulk, Plain with { SmartListId = 1001 }, Plain with { Method = SyncMethod.Rest }, Plain with { StaticListIds = [1011, 1012] }, Plain with { CreatedSince = DateTimeOffset.UtcNow.AddDays(-3) } })
        {
            var e = await Assert.ThrowsAsync<SyncException>(() => SyncHarness.SyncAsync(session, other));
            Assert.Equal(SyncFailureReason.UnfinishedRunDiffers, e.Reason);
            Assert.Contains($"Run {stopped.RunId} (a full pass over static list {WorldGenerator.SalesOwnedListId} by REST", e.Message);
            Assert.Contains("without -Method, -StaticListId, -SmartListId or -CreatedSince to resume", e.Message);
            Assert.Contains("-Full to abandon it", e.Message);
            var preview = await Assert.ThrowsAsync<SyncException>(() => session.DescribeSyncPlanAsync(other, CancellationToken.None));
            Assert.Equal(SyncFailureReason.UnfinishedRunDiffers, preview.Reason);
        }
        Assert.Equal(stopped.RunId, session.GetSyncRuns(1).Single().RunId);

        // -Full abandons the run (on record) and starts another.
        var (abandoning, _) = await SyncHarness.SyncAsync(session, Plain with { StaticListIds = [1011, 1012, 1013, 1014, 1015, 1016], Full = true });
        Assert.Equal(SyncRunStatus.Completed, abandoning.Status);
        Assert.NotEqual(stopped.RunId, abandoning.RunId);
        Assert.StartsWith("Abandoned", session.GetSyncRuns().Single(r => r.RunId == stopped.RunId).Message);
    }

    /// <summary>New-user D1 and the typo case: bad source parameters fail before a run is recorded; tomorrow's plain run stays incremental.</summary>
    [Fact]
    public async Task BadSourceParametersFailBeforeARunIsRecorded()
    {
        await using var sb = await StartAsync(1500, 40);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, RestList);
        Assert.Equal(SyncRunStatus.Completed, first.Status);

        async Task Refused(SyncOptions options, SyncFailureReason reason, string text)
        {
            var e = await Assert.ThrowsAsync<SyncException>(() => SyncHarness.SyncAsync(session, options));
            Assert.Equal(reason, e.Reason);
            Assert.Contains(text, e.Message);
            Assert.Equal(first.RunId, session.GetSyncRuns(1).Single().RunId);
        }
        await Refused(Plain with { Full = true, CreatedSince = DateTimeOffset.UtcNow.AddYears(1) }, SyncFailureReason.CreatedSinceInFuture, "in the future");
        await Refused(Plain with { Full = true, Method = SyncMethod.Rest, CreatedSince = DateTimeOffset.UtcNow.AddDays(-5) }, SyncFailureReason.CreatedSinceNeedsBulk, "-Method Bulk or Auto");
        await Refused(Plain with { Full = true, Method = SyncMethod.Rest, StaticListId = 999999 }, SyncFailureReason.ListNotFound, "no static list 999999");
        await Refused(Plain with { StaticListId = 999999 }, SyncFailureReason.ListNotFound, "no static list 999999");
        await Refused(Plain with { Full = true, SmartListId = 999999 }, SyncFailureReason.ListNotFound, "no smart list 999999");
        await Refused(Plain with { Full = true, Method = SyncMethod.Rest, SmartListId = 1001 }, SyncFailureReason.SmartListNeedsBulk, "smart list");

        Assert.StartsWith("Would run incrementally", await session.DescribeSyncPlanAsync(Plain, CancellationToken.None));
        var (next, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));
    }

    /// <summary>
    /// Every way a run stops or fails ends with one sentence on what the next plain Start-SalesSync does, and
    /// Start-SalesSync -WhatIf (the same decision) then says it would do exactly that.
    /// </summary>
    [Fact]
    public async Task EveryStopMessageMatchesWhatIfAfterThatStop()
    {
        await using var sb = await StartAsync(3000, 41);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);

        async Task Check(SyncRunResult run)
        {
            Assert.NotEqual(SyncRunStatus.Completed, run.Status);
            Assert.Single(System.Text.RegularExpressions.Regex.Matches(run.Message!, "next Start-SalesSync"));
            Assert.EndsWith(SalesSyncSession.NextStepAfter(run), run.Message);
            var preview = await session.DescribeSyncPlanAsync(Plain, CancellationToken.None);
            var expected = run.Mode == "Incremental" ? $"Would resume incremental run {run.RunId}" : $"Would resume run {run.RunId} ({PeopleSync.DescribeSource(run)})";
            Assert.StartsWith(expected, preview);
            Assert.Contains(run.Mode == "Incremental" ? $"resumes incremental run {run.RunId}" : $"resumes run {run.RunId} ({PeopleSync.DescribeSource(run)})", run.Message);
        }

        // Capped: REST list, id scan, bulk windows (each abandoned for the next by -Full).
        foreach (var options in new[] { RestList, Plain with { Method = SyncMethod.Rest }, Bulk })
        {
            var (capped, _) = await SyncHarness.SyncAsync(session, options with { Full = true, MaxApiCalls = 4 });
            await Check(capped);
        }
        // Ctrl+C during a REST list pass.
        using (var cancel = new CancellationTokenSource())
        {
            var seen = 0;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var output in session.SyncPeopleAsync(RestList with { Full = true, ReportChanges = true }, cancel.Token))
                    if (output is PersonChanged && ++seen == 1) cancel.Cancel();
            });
            await Check(session.GetSyncRuns(1).Single());
        }
        // A Marketo failure (a 1013 after the list vanished mid-run is a failure the resume meets again; here a 500 storm).
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new object[] { new { service = "marketo", path = "/rest/v1/lists/*/leads.json", kind = "http", status = 500, count = 50 } })).EnsureSuccessStatusCode();
        var (failed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal(SyncRunStatus.Failed, failed.Status);
        await Check(failed);
        (await sb.Http.DeleteAsync(new Uri(sb.Control, "faults"))).EnsureSuccessStatusCode();
        var (done, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((failed.RunId, SyncRunStatus.Completed), (done.RunId, done.Status));

        // An incremental run stopped by the cap.
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{session.GetPeople(PersonQuery.All).First().MarketoId}"), new Dictionary<string, object?> { ["title"] = "Moved" })).EnsureSuccessStatusCode();
        var (incremental, _) = await SyncHarness.SyncAsync(session, Plain with { MaxApiCalls = 1 });
        Assert.Equal("Incremental", incremental.Mode);
        await Check(incremental);
    }

    /// <summary>The decision itself, case by case (no sandbox): the run record decides; L1: an incremental run stopped too long ago becomes a full pass.</summary>
    [Fact]
    public void TheRunRecordDecidesHowTheNextRunStarts()
    {
        var now = DateTimeOffset.UtcNow;
        SyncRunResult Run(string mode, SyncRunStatus status, string strategy = "Rest", DateTimeOffset? at = null) =>
            new() { RunId = 7, Mode = mode, Strategy = strategy, Status = status, StartedAt = at ?? now.AddHours(-1), StaticListIds = mode == "Full" ? [1001] : [], LeadChangesToken = "T" };
        var stoppedList = Run("Full", SyncRunStatus.Stopped);
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(stoppedList, Plain, now));
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(stoppedList, RestList, now));
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(stoppedList, Plain with { StaticListId = 1001 }, now));
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(stoppedList, Plain with { Full = true, Method = SyncMethod.Bulk }, now));
        Assert.Throws<SyncException>(() => PeopleSync.Decide(stoppedList, Bulk, now));
        Assert.Equal(PeopleSync.Start.ResumeIncremental, PeopleSync.Decide(Run("Incremental", SyncRunStatus.Failed), RestList, now));
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(Run("Incremental", SyncRunStatus.Stopped, at: now.AddDays(-20)), Plain, now));
        Assert.Equal(PeopleSync.Start.Incremental, PeopleSync.Decide(Run("Full", SyncRunStatus.Completed), RestList, now));
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(Run("Full", SyncRunStatus.Completed), Plain with { CreatedSince = now.AddDays(-2) }, now));
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(Run("Full", SyncRunStatus.Completed, at: now.AddDays(-15)), Plain, now));
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(null, Plain, now));
        // The same lists in any order resume; a planned run resumes with the lists its command named, whatever it read.
        var twoLists = Run("Full", SyncRunStatus.Stopped) with { StaticListIds = [1011, 1012] };
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(twoLists, Plain with { StaticListIds = [1012, 1011] }, now));
        var planned = Run("Full", SyncRunStatus.Failed) with { StaticListIds = [], Planned = true, AskedSmartListId = 1001 };
        Assert.Equal(PeopleSync.Start.ResumeFull, PeopleSync.Decide(planned, Plain with { SmartListId = 1001 }, now));
        Assert.Throws<SyncException>(() => PeopleSync.Decide(planned, Plain with { SmartListId = 1002 }, now));
    }

    /// <summary>Review H3 (repro R2): a run without Salesforce keeps stored opportunities; contacts it wrote get theirs on the next run with Salesforce.</summary>
    [Fact]
    public async Task ARunWithoutSalesforceErasesNoOpportunity()
    {
        await using var sb = await StartAsync(3000, 32);
        using var temp = new TempFolder();
        var withSf = SyncHarness.Settings(sb, temp, salesforce: true);
        var marketoOnly = withSf with { SalesforceUri = null, SalesforceClientId = null, SalesforceClientSecret = null };
        long contactId;
        using (var session = await SalesSyncSession.ConnectAsync(withSf, CancellationToken.None))
        {
            var (full, _) = await SyncHarness.SyncAsync(session, RestList);
            Assert.Equal(SyncRunStatus.Completed, full.Status);
            contactId = session.GetPeople(PersonQuery.All).First(p => p.SalesforceOpportunityId is not null).MarketoId;
        }
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{contactId}"), new Dictionary<string, object?> { ["title"] = "VP Review" })).EnsureSuccessStatusCode();
        using (var session = await SalesSyncSession.ConnectAsync(marketoOnly, CancellationToken.None))
        {
            var (inc, _) = await SyncHarness.SyncAsync(session, Plain);
            Assert.Equal(("Incremental", SyncRunStatus.Completed), (inc.Mode, inc.Status));
            Assert.NotNull(session.GetPeople(new PersonQuery { MarketoIds = [contactId] }).Single().SalesforceOpportunityId);
            // A whole full pass without Salesforce keeps every stored opportunity too.
            var (full, _) = await SyncHarness.SyncAsync(session, RestList with { Full = true });
            Assert.Equal(SyncRunStatus.Completed, full.Status);
        }
        using (var session = await SalesSyncSession.ConnectAsync(withSf, CancellationToken.None))
        {
            var (inc, _) = await SyncHarness.SyncAsync(session, Plain);
            Assert.Equal(("Incremental", SyncRunStatus.Completed), (inc.Mode, inc.Status));
            SyncHarness.AssertMatchesTruth(sb, session, WorldGenerator.SalesOwnedListId);
        }
    }

    /// <summary>A contact first synced without Salesforce is marked unread, and the next run with Salesforce reads its opportunity.</summary>
    [Fact]
    public async Task ContactsSyncedWithoutSalesforceGetTheirOpportunityOnTheNextRunWithIt()
    {
        await using var sb = await StartAsync(2000, 42);
        using var temp = new TempFolder();
        var withSf = SyncHarness.Settings(sb, temp, salesforce: true);
        using (var session = await SalesSyncSession.ConnectAsync(withSf with { SalesforceUri = null, SalesforceClientId = null, SalesforceClientSecret = null }, CancellationToken.None))
        {
            var (full, _) = await SyncHarness.SyncAsync(session, RestList);
            Assert.Equal(SyncRunStatus.Completed, full.Status);
            Assert.All(session.GetPeople(PersonQuery.All), p => Assert.Null(p.SalesforceOpportunityId));
            Assert.Contains(session.GetPeople(PersonQuery.All), p => p.OpportunityUnread);
        }
        using (var session = await SalesSyncSession.ConnectAsync(withSf, CancellationToken.None))
        {
            var (inc, changes) = await SyncHarness.SyncAsync(session, Plain);
            Assert.Equal(("Incremental", SyncRunStatus.Completed), (inc.Mode, inc.Status));
            Assert.Contains(changes, c => c.Change == PersonChange.Updated && c.Person.SalesforceOpportunityId is not null);
            SyncHarness.AssertMatchesTruth(sb, session, WorldGenerator.SalesOwnedListId);
            Assert.DoesNotContain(session.GetPeople(PersonQuery.All), p => p.OpportunityUnread);
        }
    }

    /// <summary>Review M1 (repro R4): other integrations' calls today do not spend SalesSync's own daily cap.</summary>
    [Fact]
    public async Task OtherIntegrationsCallsDoNotSpendSalesSyncsOwnCap()
    {
        await using var sb = await StartAsync(600, 34);
        using var temp = new TempFolder();
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 40; i++) await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token); // another integration
        var settings = SyncHarness.Settings(sb, temp, salesforce: false) with { MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 30 } };
        using var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        var (run, _) = await SyncHarness.SyncAsync(session, RestList);
        Assert.True(run.Status == SyncRunStatus.Completed, $"{run.Status}: {run.Message} (this process had made {run.MarketoCalls} calls)");
        Assert.True(session.MarketoCallsToday < 30, $"SalesSync's own calls today {session.MarketoCallsToday}");
        Assert.True(session.MarketoInstanceCallsToday >= 40 + run.MarketoCalls, $"instance calls today {session.MarketoInstanceCallsToday}");
    }

    /// <summary>
    /// Review of this change, finding 1: with -Method Auto the planner may read the id scan although a list was named; the
    /// same scheduled command must still resume that run after a stop, not be refused as a different source.
    /// </summary>
    [Fact]
    public async Task TheSameCommandResumesARunThePlannerSentToAnotherSource()
    {
        await using var sb = await StartAsync(3000, 45);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var scheduled = Plain with { SmartListId = 1001 };
        // Ctrl+C as the id scan the planner chose begins.
        using (var cancel = new CancellationTokenSource())
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(new OnVerbose(": full pass over Marketo ids", cancel.Cancel)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SyncHarness.SyncAsync(session, scheduled, cancel.Token));
        var stopped = session.GetSyncRuns(1).Single();
        Assert.Equal(("Rest", SyncRunStatus.Stopped), (stopped.Strategy, stopped.Status)); // the planner took the id scan
        var (resumed, _) = await SyncHarness.SyncAsync(session, scheduled);
        Assert.Equal((stopped.RunId, SyncRunStatus.Completed), (resumed.RunId, resumed.Status));
        SyncHarness.AssertMatchesTruth(sb, session, null);
    }

    /// <summary>
    /// Review of this change, finding 2: a stopped bulk run recorded by the previous SalesSync (no CreatedSince kept) may
    /// have been partial; resumed, it removes nobody.
    /// </summary>
    [Fact]
    public async Task ARunRecordedBeforeCreatedSinceWasKeptRemovesNobody()
    {
        await using var sb = await StartAsync(3000, 46);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        var before = session.GetPeople(PersonQuery.All).Count();
        var (stopped, _) = await SyncHarness.SyncAsync(session, Bulk with { Full = true, CreatedSince = DateTimeOffset.UtcNow.AddDays(-60), MaxApiCalls = 4 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        // The record as the previous version wrote it: no createdSince (nor any field this version added).
        var runs = session.Store.Database.GetCollection("sync_runs");
        var doc = runs.FindById(stopped.RunId);
        foreach (var key in new[] { "createdSince", "watermarkAt", "scopeUnknown", "planned", "askedStaticListIds", "askedSmartListId" }) doc.Remove(key);
        runs.Update(doc);

        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((stopped.RunId, SyncRunStatus.Completed, 0L), (resumed.RunId, resumed.Status, resumed.Removed));
        Assert.Equal(before, session.GetPeople(PersonQuery.All).Count());
        Assert.Contains("earlier SalesSync", resumed.Message);
    }

    /// <summary>Review of this change, finding 4: Ctrl+C between recording a run and its source leaves it Stopped with its next step, never "Running".</summary>
    [Fact]
    public async Task ACancelBeforeTheSourceStartsLeavesTheRunStoppedNotRunning()
    {
        await using var sb = await StartAsync(1500, 47);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        using var cancel = new CancellationTokenSource();
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(new OnVerbose(": full pass over static list", cancel.Cancel)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SyncHarness.SyncAsync(session, RestList, cancel.Token));
        var run = session.GetSyncRuns(1).Single();
        Assert.Equal(SyncRunStatus.Stopped, run.Status);
        Assert.EndsWith(SalesSyncSession.NextStepAfter(run), run.Message);
        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((run.RunId, SyncRunStatus.Completed), (resumed.RunId, resumed.Status));
    }

    /// <summary>
    /// The new-admin trial of this change: a full pass over a list that holds only some of the people would remove the rest;
    /// it removes nobody, is refused, and does not block the schedule; -AllowLargeRemoval applies it when meant.
    /// </summary>
    [Fact]
    public async Task APassThatWouldRemoveALargeShareRemovesNobodyUnlessAllowed()
    {
        await using var sb = await StartAsync(3000, 48);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, RestList);
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        var before = session.GetPeople(PersonQuery.All).Count();

        var oneRegion = Plain with { Method = SyncMethod.Rest, StaticListId = 1011, Full = true };
        var (refused, changes) = await SyncHarness.SyncAsync(session, oneRegion);
        Assert.Equal((SyncRunStatus.Refused, 0L), (refused.Status, refused.Removed));
        Assert.DoesNotContain(changes, c => c.Change == PersonChange.Removed);
        Assert.Equal(before, session.GetPeople(PersonQuery.All).Count());
        Assert.Contains("did not see", refused.Message);
        Assert.Contains($"runs incrementally from run {first.RunId}", refused.Message);

        Assert.StartsWith("Would run incrementally", await session.DescribeSyncPlanAsync(Plain, CancellationToken.None));
        var (next, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));

        var (allowed, _) = await SyncHarness.SyncAsync(session, oneRegion with { AllowLargeRemoval = true });
        Assert.Equal(SyncRunStatus.Completed, allowed.Status);
        Assert.True(allowed.Removed > before / 2, $"{allowed.Removed} removed of {before}");
    }

    /// <summary>
    /// The new-admin trial: -MaxApiCalls was overspent by the planner's survey, and each resume read the id scan's end
    /// again. The cap holds for every invocation, and resumes reuse the end the run found.
    /// </summary>
    [Fact]
    public async Task MaxApiCallsHoldsForThePlannerAndResumesReuseTheScansEnd()
    {
        await using var sb = await StartAsync(6000, 49);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        SyncRunResult run;
        var invocations = 0;
        var trail = new List<string>();
        do
        {
            var before = session.MarketoCallsToday;
            (run, _) = await SyncHarness.SyncAsync(session, Plain with { MaxApiCalls = 20 });
            trail.Add($"{session.MarketoCallsToday - before} calls, {run.Status}, blocks {run.PagesDone}, end {run.ScanEndId}: {run.Message}");
            Assert.True(session.MarketoCallsToday - before <= 20, $"invocation {invocations + 1} made {session.MarketoCallsToday - before} calls under -MaxApiCalls 20:\n{string.Join("\n", trail)}");
            Assert.True(++invocations < 30, $"no end after {invocations} invocations: {run.Status} {run.Message}");
        }
        while (run.Status != SyncRunStatus.Completed);
        Assert.Equal("Rest", run.Strategy);
        SyncHarness.AssertMatchesTruth(sb, session, null);

        // With room for the end's evidence, the run keeps it and a resume scans to it without reading the log again.
        var (stopped, _) = await SyncHarness.SyncAsync(session, Plain with { Full = true, Method = SyncMethod.Rest, MaxApiCalls = 30 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.NotNull(stopped.ScanEndId);
        var activityReads = await sb.MarketoCallsAsync("GET /rest/v1/activities.json") + await sb.MarketoCallsAsync("GET /rest/v1/activities/pagingtoken.json");
        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((stopped.RunId, SyncRunStatus.Completed, stopped.ScanEndId), (resumed.RunId, resumed.Status, resumed.ScanEndId));
        Assert.Equal(activityReads, await sb.MarketoCallsAsync("GET /rest/v1/activities.json") + await sb.MarketoCallsAsync("GET /rest/v1/activities/pagingtoken.json"));
    }

    /// <summary>
    /// Second review of this change: a failure no source classifies (a bug, a database error) in the middle of a full pass
    /// must propagate with the run recorded Failed, never be swallowed into a sweep that removes the people not yet read.
    /// </summary>
    [Fact]
    public async Task ACrashInsideAPassIsRecordedAndRemovesNobody()
    {
        await using var sb = await StartAsync(3000, 50);
        using var temp = new TempFolder();
        using var session = await ConnectAsync(sb, temp);
        var (first, _) = await SyncHarness.SyncAsync(session, RestList);
        Assert.Equal(SyncRunStatus.Completed, first.Status);
        var before = session.GetPeople(PersonQuery.All).Count();

        var progress = 0;
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(new ThrowingProgress(() => ++progress == 3)))
            await Assert.ThrowsAsync<InvalidOperationException>(() => SyncHarness.SyncAsync(session, RestList with { Full = true }));
        var crashed = session.GetSyncRuns(1).Single();
        Assert.Equal(SyncRunStatus.Failed, crashed.Status);
        Assert.Contains("the observer broke", crashed.Message);
        Assert.Equal(before, session.GetPeople(PersonQuery.All).Count());
        var (resumed, _) = await SyncHarness.SyncAsync(session, Plain);
        Assert.Equal((crashed.RunId, SyncRunStatus.Completed), (resumed.RunId, resumed.Status));
    }

    private sealed class ThrowingProgress(Func<bool> now) : SalesSync.Core.Diagnostics.IEngineObserver
    {
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
        public void Progress(SalesSync.Core.Diagnostics.EngineProgress progress) { if (progress.ActivityId == 1 && now()) throw new InvalidOperationException("the observer broke"); }
    }
}
