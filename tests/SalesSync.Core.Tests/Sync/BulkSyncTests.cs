using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// The bulk full pass against the sandbox's Bulk Lead Extract: exact ground truth from createdAt windows and from
/// one list job, the 1035 fallback, faults on the way, and a killed run that resumes without exporting a finished
/// window again. The sandbox refreshes job status every 0.2 s (Marketo: 60 s) and the client polls as often.
/// </summary>
public class BulkSyncTests
{

    private static readonly SyncOptions Bulk = new() { Method = SyncMethod.Bulk, ExportPollInterval = TimeSpan.FromMilliseconds(200) };

    private static Task<RunningSandbox> StartAsync(int people, int seed, params string[] more) => RunningSandbox.StartWithFastBulkAsync(people, seed, more);

    private static Task<int> CallsAsync(RunningSandbox sb, string key) => sb.MarketoCallsAsync(key);

    private const string Creates = "POST /bulk/v1/leads/export/create.json";

    [Fact]
    public async Task BulkAndRestPassesOf30000PeopleYieldExactlyTheEligiblePeople()
    {
        await using var sb = await StartAsync(30_000, 21);
        using var temp = new TempFolder();
        using (var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None))
        {
            var (run, changes) = await SyncHarness.SyncAsync(session, Bulk);
            Assert.Equal((SyncRunStatus.Completed, "Full", "Bulk"), (run.Status, run.Mode, run.Strategy));
            SyncHarness.AssertMatchesTruth(sb, session, listId: null);
            Assert.Equal(run.Added, changes.Count(c => c.Change == PersonChange.Added));
            // One export job per createdAt window of at most 31 days over the year of history (and the days since).
            var creates = await CallsAsync(sb, Creates);
            Assert.InRange(creates, 12, 15);
            Assert.True(run.BulkBytes > 1_000_000, $"{run.BulkBytes} bytes");
            Assert.False(Directory.Exists(temp.File("sync.db") + ".exports")); // files are deleted once applied
            Assert.Equal(1, await CallsAsync(sb, "GET /rest/v1/leads.json")); // the oldest person: ids 1-300, one call

            // A mix of changes at 30,000 people, then an incremental run reaches the new ground truth exactly.
            var synced = session.GetPeople(PersonQuery.All).ToList();
            await Patch(sb, synced[10].MarketoId, new() { ["title"] = "Chief \"Revenue\" Officer, 東京 🚀", ["company"] = "Initech, Inc." }); // synced fields
            await Patch(sb, synced[11].MarketoId, new() { ["mobilePhone"] = "+1 555 0199" });                                               // an unsynced field
            await Patch(sb, synced[12].MarketoId, new() { ["sfdcLeadOwnerId"] = null });                                                     // owner removed
            await Patch(sb, synced[13].MarketoId, new() { ["sfdcType"] = null });                                                            // no longer a lead or contact
            (await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{synced[14].MarketoId}"))).EnsureSuccessStatusCode();                // deleted
            (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people/merge"), new { winnerId = synced[15].MarketoId, loserIds = new[] { synced[16].MarketoId } })).EnsureSuccessStatusCode();
            long gainsOwner;
            var known = synced.Select(p => p.MarketoId).ToHashSet();
            lock (sb.Host.State.World.Sync)
                gainsOwner = sb.Host.State.World.People.First(p => !known.Contains(p.Id) && p["sfdcLeadOwnerId"] is null).Id;
            await Patch(sb, gainsOwner, new() { ["sfdcType"] = "Lead", ["sfdcLeadId"] = "00Q5g00000GAIN0AAA", ["sfdcLeadOwnerId"] = synced[0].SalesOwnerId }); // owner added
            (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), new Dictionary<string, object?>                                   // a new sales-owned lead
            {
                ["email"] = "nia.new@example.com", ["firstName"] = "Nia", ["lastName"] = "New", ["sfdcType"] = "Lead",
                ["sfdcLeadId"] = "00Q5g00000NEW30KAA", ["sfdcLeadOwnerId"] = synced[0].SalesOwnerId,
            })).EnsureSuccessStatusCode();
            // A new primary opportunity role in Salesforce for a synced contact.
            var contact = synced.First(p => p.SalesforceType == "Contact" && p.SalesforceContactId is not null && p.SalesforceAccountId is not null);
            var token = await sb.SalesforceTokenAsync();
            var (oppStatus, opp, _) = await sb.SalesforceSendAsync(HttpMethod.Post, "services/data/v66.0/sobjects/Opportunity", token,
                new { Name = "Renewal 2027", StageName = "Prospecting", CloseDate = "2027-06-30", AccountId = contact.SalesforceAccountId });
            Assert.Equal(201, oppStatus);
            var (roleStatus, _, _) = await sb.SalesforceSendAsync(HttpMethod.Post, "services/data/v66.0/sobjects/OpportunityContactRole", token,
                new { OpportunityId = opp!["id"]!.GetValue<string>(), ContactId = contact.SalesforceContactId, IsPrimary = true, Role = "Economic Buyer" });
            Assert.Equal(201, roleStatus);

            var (next, nextChanges) = await SyncHarness.SyncAsync(session, Bulk);
            Assert.Equal(("Incremental", SyncRunStatus.Completed), (next.Mode, next.Status));
            Assert.Equal(creates, await CallsAsync(sb, Creates)); // incremental: no export job
            SyncHarness.AssertMatchesTruth(sb, session, listId: null, onlyUnsyncedFieldsChanged: [synced[11].MarketoId]);
            Assert.Equal(SalesforceIds.To18(opp!["id"]!.GetValue<string>()), SalesforceIds.To18(session.GetPeople(new PersonQuery { MarketoIds = [contact.MarketoId] }).Single().SalesforceOpportunityId));
            Assert.Equal(new[] { synced[12].MarketoId, synced[13].MarketoId, synced[14].MarketoId, synced[16].MarketoId }.Order(),
                nextChanges.Where(c => c.Change == PersonChange.Removed).Select(c => c.Person.MarketoId).Order());
        }

        // The REST pass over the sales-owned list agrees (a database of its own). The static list is the admin's: the
        // person who gained an owner above is not in it, so the truth here is the list's eligible members.
        using var restTemp = new TempFolder();
        using var rest = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, restTemp, salesforce: true), CancellationToken.None);
        var (restRun, _) = await SyncHarness.SyncAsync(rest, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId });
        Assert.Equal(SyncRunStatus.Completed, restRun.Status);
        SyncHarness.AssertMatchesTruth(sb, rest, listId: WorldGenerator.SalesOwnedListId);
    }

    [Fact]
    public async Task ASmartListIsOneJobAndA1035SubscriptionFallsBackToWindows()
    {
        await using var sb = await StartAsync(3000, 22);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        var (run, _) = await SyncHarness.SyncAsync(session, Bulk with { SmartListId = 1001 });
        Assert.Equal((SyncRunStatus.Completed, 1001L), (run.Status, run.SmartListId));
        Assert.Equal(1, await CallsAsync(sb, Creates));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);

        // A subscription without smart-list exports: the same people through createdAt windows.
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/unsupported-filters"), new { filters = new[] { "smartList" } })).EnsureSuccessStatusCode();
        await Patch(sb, session.GetPeople(PersonQuery.All).First().MarketoId, new() { ["sfdcLeadOwnerId"] = null });
        var (fallback, _) = await SyncHarness.SyncAsync(session, Bulk with { SmartListId = 1001, Full = true });
        Assert.Equal(SyncRunStatus.Completed, fallback.Status);
        Assert.Equal(1, fallback.Removed);
        Assert.InRange(await CallsAsync(sb, Creates), 1 + 1 + 12, 1 + 1 + 15); // the refused smart-list create, then the windows
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
    }

    [Fact]
    public async Task ThrottlingTokenExpiryServerErrorsResetsADroppedDownloadAndAFullQueueStillReachExactGroundTruth()
    {
        await using var sb = await StartAsync(3000, 23);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        // Another integration holds every queue slot: our first enqueue gets 1029 "Too many jobs in queue" until they go.
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/foreign-jobs"), new { count = 10 })).EnsureSuccessStatusCode();
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new object[]
        {
            new { service = "marketo", path = "/bulk/v1/leads/export/*/status.json", kind = "error", code = "606", count = 2 },
            new { service = "marketo", path = "/bulk/v1/leads/export/create.json", kind = "error", code = "615", count = 1 },
            new { service = "marketo", path = "/bulk/v1/leads/export/*/enqueue.json", kind = "error", code = "602", count = 1 },
            new { service = "marketo", path = "/bulk/v1/leads/export/*/status.json", kind = "http", status = 503, count = 1 },
            new { service = "marketo", path = "/rest/v1/leads.json", kind = "reset", count = 1 },
            new { service = "marketo", path = "/bulk/v1/leads/export/*/file.json", kind = "dropAfterBytes", bytes = 5000, count = 2 },
            new { service = "marketo", path = "/bulk/v1/leads/export/*/file.json", kind = "corruptByte", offset = 100, count = 1 },
            new { service = "salesforce", path = "/services/data/*/query", kind = "http", status = 503, count = 1 },
        })).EnsureSuccessStatusCode();

        var sync = SyncHarness.SyncAsync(session, Bulk);
        await sb.WaitForStatsAsync(s => s["marketo"]!["errors"]!["1029"]?.GetValue<int>() > 0, TimeSpan.FromSeconds(30), "an enqueue refused with 1029");
        await Task.Delay(500); // the client waits the queue out, polling
        (await sb.Http.DeleteAsync(new Uri(sb.Control, "bulk/foreign-jobs"))).EnsureSuccessStatusCode();
        var (run, _) = await sync;
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        var stats = await sb.StatsAsync();
        var errors = stats["marketo"]!["errors"]!;
        foreach (var code in new[] { "606", "615", "602", "503", "reset", "dropAfterBytes", "corruptByte", "1029" })
            Assert.True(errors[code]?.GetValue<int>() > 0, $"no {code} was met: {errors.ToJsonString()}");
        Assert.InRange(await CallsAsync(sb, Creates), 13, 17); // a create retried after 615 may count twice, never a window exported twice
    }

    [Fact]
    public async Task ASpentDailyExportQuotaStopsTheRunResumablyAndSaysWhenItResets()
    {
        await using var sb = await StartAsync(3000, 25);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/quota-used"), new { megabytes = 500 })).EnsureSuccessStatusCode();
        var (stopped, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Contains("daily export quota", stopped.Message);
        Assert.Contains("midnight US Central", stopped.Message);

        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/quota-used"), new { bytes = 0 })).EnsureSuccessStatusCode(); // a new day
        var (resumed, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal((SyncRunStatus.Completed, stopped.RunId), (resumed.Status, resumed.RunId));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
    }

    [Fact]
    public async Task AKilledRunResumesWithoutExportingAFinishedWindowAgain()
    {
        await using var sb = await StartAsync(3000, 24);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);

        // "Killed": the run is abandoned mid-way with nothing recorded (no Stopped status, files and jobs left as they are).
        var seen = 0;
        await foreach (var output in session.SyncPeopleAsync(Bulk with { ReportChanges = true }, CancellationToken.None))
            if (output is PersonChanged && ++seen == 500) break;
        var killed = session.GetSyncRuns(1).Single();
        Assert.Equal(SyncRunStatus.Running, killed.Status);
        var createsBefore = await CallsAsync(sb, Creates);

        var (resumed, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal((SyncRunStatus.Completed, killed.RunId), (resumed.Status, resumed.RunId));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        var windows = session.Store.ExportWindows.ForRun(resumed.RunId);
        Assert.All(windows, w => Assert.Equal(ExportWindowState.Applied, w.State));
        // Every window was created once: the ones finished before the kill were not exported again.
        Assert.Equal(windows.Count, await CallsAsync(sb, Creates));
        Assert.True(createsBefore < windows.Count, "the kill came before the last window was queued");
    }

    [Fact]
    public async Task ANewFullPassCancelsTheJobsAnAbandonedRunLeftInMarketosQueue()
    {
        // Jobs take 60 s to process here, so the abandoned run's two jobs are still queued or processing.
        await using var sb = await StartAsync(3000, 26, "--bulk-processing-seconds", "60");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        var (stopped, _) = await SyncHarness.SyncAsync(session, Bulk with { MaxApiCalls = 8 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        var left = session.Store.ExportWindows.ForRun(stopped.RunId).Where(w => w.State == ExportWindowState.Enqueued).Select(w => w.ExportId!).ToList();
        Assert.Equal(2, left.Count);

        // A new full pass (here: -Full) cancels them before it queues its own, then stops early too.
        var (fresh, _) = await SyncHarness.SyncAsync(session, Bulk with { Full = true, MaxApiCalls = 6 });
        Assert.NotEqual(stopped.RunId, fresh.RunId);
        var jobs = JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "bulk")))!["jobs"]!.AsArray();
        Assert.All(left, id => Assert.Equal("Cancelled", jobs.Single(j => j!["exportId"]!.GetValue<string>() == id)!["status"]!.GetValue<string>()));
        Assert.Equal(left.Count, await CallsAsync(sb, "POST /bulk/v1/leads/export/{id}/cancel.json"));
        Assert.Empty(session.Store.ExportWindows.ForRunsBefore(fresh.RunId));
    }

    private static async Task Patch(RunningSandbox sb, long id, Dictionary<string, object?> fields) =>
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{id}"), fields)).EnsureSuccessStatusCode();
}
