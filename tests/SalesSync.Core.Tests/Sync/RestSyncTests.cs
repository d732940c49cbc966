using System.Globalization;
using System.Net.Http.Json;
using SalesSync.Core.Connection;
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

    /// <summary>What the sync must hold: eligible members of the list, with the values Marketo holds and the contact's opportunity.</summary>
    private static Dictionary<long, PersonRecord> GroundTruth(RunningSandbox sb)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var opportunities = world.Salesforce.All("Opportunity").ToDictionary(o => o.Id);
            var best = world.Salesforce.All("OpportunityContactRole").Where(r => r["IsDeleted"] is not true)
                .GroupBy(r => (string)r["ContactId"]!)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r["IsPrimary"] is true)
                    .ThenByDescending(r => (DateTimeOffset)opportunities[(string)r["OpportunityId"]!]["LastModifiedDate"]!)
                    .ThenByDescending(r => (string)r["OpportunityId"]!, StringComparer.Ordinal).First());
            var truth = new Dictionary<long, PersonRecord>();
            foreach (var id in world.Lists[(int)SalesOwnedList].Members)
            {
                var p = world.FindPerson(id)!;
                string? S(string f) => MarketoPerson.AsLogString(p[f]);
                var type = S("sfdcType");
                if (type is not ("Lead" or "Contact") || string.IsNullOrEmpty(S("sfdcLeadOwnerId"))) continue;
                truth[p.Id] = new PersonRecord
                {
                    MarketoId = p.Id, FirstName = S("firstName"), LastName = S("lastName"), Email = S("email"), Company = S("company"),
                    Title = S("title"), Phone = S("phone"), LinkedInUrl = S("linkedInProfileURL"), Source = S("leadSource"),
                    SalesforceType = type, SalesforceLeadId = S("sfdcLeadId"), SalesforceContactId = S("sfdcContactId"),
                    SalesforceAccountId = S("sfdcAccountId"), SalesOwnerId = S("sfdcLeadOwnerId"), Unsubscribed = p.Unsubscribed,
                    SalesforceOpportunityId = type == "Contact" && S("sfdcContactId") is { } c && best.TryGetValue(c, out var role) ? (string)role["OpportunityId"]! : null,
                    MarketoUpdatedAt = p["updatedAt"] is DateTimeOffset u ? DateTimeOffset.Parse(u.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null,
                };
            }
            return truth;
        }
    }

    private static void AssertMatchesTruth(RunningSandbox sb, SalesSyncSession session)
    {
        var truth = GroundTruth(sb);
        var synced = session.GetPeople(PersonQuery.All).ToList();
        Assert.Equal(truth.Keys.Order(), synced.Select(p => p.MarketoId));
        foreach (var person in synced) Assert.Equal(truth[person.MarketoId], person with { SyncedAt = default });
        Assert.Contains(synced, p => p.SalesforceOpportunityId is not null);
    }

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

        var (capped, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList, MaxApiCalls = 4 });
        Assert.Equal(SyncRunStatus.Stopped, capped.Status);
        Assert.Equal(2, capped.PagesDone);

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
        Assert.Equal((members + 299) / 300, listCalls); // every page fetched once across the three runs
        Assert.Equal(resumed.Added, GroundTruth(sb).Count);
    }

    [Fact]
    public async Task ARunSeedsTheDailyBudgetWithWhatTheInstanceAlreadyUsedToday()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "600", "--seed", "8");
        using var temp = new TempFolder();
        var token = await sb.MarketoTokenAsync();
        for (var i = 0; i < 7; i++) await sb.GetAsync(sb.Marketo, "rest/v1/leads.json?filterType=id&filterValues=1", token); // another integration
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        Assert.Equal(0, session.MarketoCallsToday);
        var (run, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        Assert.True(session.MarketoCallsToday >= 7 + run.PagesDone, $"calls today {session.MarketoCallsToday}");
    }

    [Fact]
    public async Task TheRestMethodNeedsAStaticList()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "50");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var e = await Assert.ThrowsAsync<SyncException>(async () => { await foreach (var _ in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest }, CancellationToken.None)) { } });
        Assert.Equal(SyncFailureReason.StaticListRequired, e.Reason);
    }
}
