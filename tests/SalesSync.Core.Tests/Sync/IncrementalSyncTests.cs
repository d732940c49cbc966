using System.Net.Http.Json;
using SalesSync.Core.Connection;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>Incremental runs from Marketo's activity log: changes, new people, deletes, merges, owners; cost grows with the changes.</summary>
public class IncrementalSyncTests
{
    private const long SalesOwnedList = WorldGenerator.SalesOwnedListId;

    private static ConnectionSettings Settings(RunningSandbox sb, TempFolder temp) => SyncHarness.Settings(sb, temp, salesforce: false);

    private static Task<(SyncRunResult Run, List<PersonChanged> Changes)> Sync(SalesSyncSession session, SyncOptions options, CancellationToken ct = default) =>
        SyncHarness.SyncAsync(session, options, ct);

    private static async Task<long> Create(RunningSandbox sb, Dictionary<string, object?> fields)
    {
        var response = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), fields);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt64();
    }

    private static async Task Patch(RunningSandbox sb, long id, Dictionary<string, object?> fields) =>
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{id}"), fields)).EnsureSuccessStatusCode();

    /// <summary>The values the sandbox holds for a person, as a synced record (no opportunity: Salesforce is not connected here).</summary>
    private static PersonRecord? Truth(RunningSandbox sb, long id)
    {
        lock (sb.Host.State.World.Sync)
        {
            if (sb.Host.State.World.FindPerson(id) is not { } p) return null;
            string? S(string f) => MarketoPerson.AsLogString(p[f]);
            return new PersonRecord
            {
                MarketoId = p.Id, FirstName = S("firstName"), LastName = S("lastName"), Email = S("email"), Company = S("company"), Title = S("title"),
                Phone = S("phone"), LinkedInUrl = S("linkedInProfileURL"), Source = S("leadSource"), SalesforceType = S("sfdcType"),
                SalesforceLeadId = S("sfdcLeadId"), SalesforceContactId = S("sfdcContactId"), SalesforceAccountId = S("sfdcAccountId"),
                SalesOwnerId = S("sfdcLeadOwnerId"), Unsubscribed = p.Unsubscribed,
                MarketoUpdatedAt = p["updatedAt"] is DateTimeOffset u ? u.AddTicks(-(u.Ticks % TimeSpan.TicksPerSecond)) : null,
            };
        }
    }

    [Fact]
    public async Task AWatermarkOlderThanMarketosHistoryTurnsTheRunIntoAFullPass()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "900", "--seed", "12");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var (full, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, full.Status);
        var someone = session.GetPeople(PersonQuery.All).First();
        await sb.AdvanceClockAsync(TimeSpan.FromDays(91).TotalSeconds); // field changes are kept 90 days
        await Patch(sb, someone.MarketoId, new() { ["sfdcLeadOwnerId"] = null });

        var runs = new List<SyncRunResult>();
        await foreach (var output in session.SyncPeopleAsync(new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList }, CancellationToken.None))
            if (output is SyncFinished f) runs.Add(f.Run);
        Assert.Equal(2, runs.Count);
        Assert.Equal(("Incremental", SyncRunStatus.Failed), (runs[0].Mode, runs[0].Status));
        Assert.Contains("older than the activity history", runs[0].Message);
        Assert.Equal(("Full", SyncRunStatus.Completed), (runs[1].Mode, runs[1].Status));
        Assert.Equal(1, runs[1].Removed);
        Assert.Empty(session.GetPeople(new PersonQuery { MarketoIds = [someone.MarketoId] }));
    }

    [Fact]
    public async Task AnIncrementalRunFollowsEveryKindOfChangeAtACostThatGrowsWithTheChanges()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "9");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(Settings(sb, temp), CancellationToken.None);
        var (full, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, full.Status);
        Assert.NotNull(full.LeadChangesToken);
        var before = session.GetPeople(PersonQuery.All).ToDictionary(p => p.MarketoId);
        var synced = before.Values.ToList();
        string owner = synced[0].SalesOwnerId!;

        var edited = synced[1].MarketoId;
        await Patch(sb, edited, new() { ["title"] = "Head of \"Everything\", 東京 🚀" });
        var unsyncedField = synced[2].MarketoId;
        await Patch(sb, unsyncedField, new() { ["mobilePhone"] = "+1 555 0100" });
        var lostOwner = synced[3].MarketoId;
        await Patch(sb, lostOwner, new() { ["sfdcLeadOwnerId"] = null });
        var deleted = synced[4].MarketoId;
        (await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{deleted}"))).EnsureSuccessStatusCode();
        var (winner, loser) = (synced[5].MarketoId, synced[6].MarketoId);
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people/merge"), new { winnerId = winner, loserIds = new[] { loser } })).EnsureSuccessStatusCode();
        var joined = await Create(sb, new() { ["email"] = "new.seller.lead@example.com", ["firstName"] = "Nia", ["lastName"] = "New", ["sfdcType"] = "Lead", ["sfdcLeadId"] = "00Q5g00000NEWLEADA", ["sfdcLeadOwnerId"] = owner });
        var notSales = await Create(sb, new() { ["email"] = "marketing.only@example.com", ["firstName"] = "Mo" });

        var (incremental, changes) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal("Incremental", incremental.Mode);
        Assert.Equal(SyncRunStatus.Completed, incremental.Status);

        PersonRecord? Synced(long id) => session.GetPeople(new PersonQuery { MarketoIds = [id] }).SingleOrDefault();
        Assert.Equal(Truth(sb, edited), Synced(edited)! with { SyncedAt = default });
        Assert.Equal("Head of \"Everything\", 東京 🚀", Synced(edited)!.Title);
        Assert.Equal(before[unsyncedField].SyncedAt, Synced(unsyncedField)!.SyncedAt); // not fetched: nothing it keeps changed
        Assert.Null(Synced(lostOwner));
        Assert.Null(Synced(deleted));
        Assert.Null(Synced(loser));
        Assert.NotNull(Synced(winner));
        Assert.Equal(Truth(sb, joined), Synced(joined)! with { SyncedAt = default });
        Assert.Null(Synced(notSales));
        Assert.Contains(changes, c => c.Person.MarketoId == joined && c.Change == PersonChange.Added);
        Assert.Equal(new[] { lostOwner, deleted, loser }.Order(), changes.Where(c => c.Change == PersonChange.Removed).Select(c => c.Person.MarketoId).Order());

        // Everyone else is as the full pass left them.
        var after = session.GetPeople(PersonQuery.All).ToDictionary(p => p.MarketoId);
        var touched = new[] { edited, lostOwner, deleted, winner, loser };
        foreach (var (id, person) in before.Where(p => !touched.Contains(p.Key))) Assert.Equal(person, after[id]);

        // Cost: the three activity streams (one page each here), one fetch of the touched people, the usage call.
        Assert.InRange(incremental.MarketoCalls, 4, 7);

        // Nothing changed since: the next run is as cheap as it gets and changes nothing.
        var (quiet, quietChanges) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal("Incremental", quiet.Mode);
        Assert.Empty(quietChanges.Where(c => c.Change != PersonChange.Unchanged));
        Assert.Equal(5, quiet.MarketoCalls); // the list's check (a list was named), stats/usage.json, then one page of each activity stream
    }

    [Fact]
    public async Task OpportunityChangesInSalesforceReachTheirContactsIncrementally()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "12");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        var (full, _) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(SyncRunStatus.Completed, full.Status);
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);

        var token = await sb.SalesforceTokenAsync();
        const string V = "services/data/v66.0";
        async Task<string> Post(string type, object body)
        {
            var (status, created, _) = await sb.SalesforceSendAsync(HttpMethod.Post, $"{V}/sobjects/{type}", token, body);
            Assert.Equal(201, status);
            return created!["id"]!.GetValue<string>();
        }

        // A contact gets a new opportunity with a primary role: it becomes the contact's opportunity.
        var contacts = session.GetPeople(PersonQuery.All).Where(p => p.SalesforceType == "Contact" && p.SalesforceContactId is not null).ToList();
        var gainsPrimary = contacts[0];
        var opportunity = await Post("Opportunity", new { Name = "Expansion 2027", StageName = "Prospecting", CloseDate = "2027-03-31", AccountId = gainsPrimary.SalesforceAccountId });
        await Post("OpportunityContactRole", new { OpportunityId = opportunity, ContactId = gainsPrimary.SalesforceContactId, IsPrimary = true, Role = "Decision Maker" });

        // A contact with two roles and no primary one: touching the older opportunity makes it the latest, so it wins.
        string? tiedContact = null, olderOpportunity = null;
        lock (sb.Host.State.World.Sync)
        {
            var world = sb.Host.State.World.Salesforce;
            var synced = contacts.Skip(1).Select(c => SalesforceIds.To18(c.SalesforceContactId)!).ToHashSet();
            foreach (var group in world.All("OpportunityContactRole").Where(r => r["IsDeleted"] is not true).GroupBy(r => (string)r["ContactId"]!))
            {
                if (!synced.Contains(group.Key) || group.Count() < 2 || group.Any(r => r["IsPrimary"] is true)) continue;
                tiedContact = group.Key;
                olderOpportunity = group.Select(r => world.Find((string)r["OpportunityId"]!)!).OrderBy(o => (DateTimeOffset)o["LastModifiedDate"]!).First().Id;
                break;
            }
        }
        if (olderOpportunity is not null)
        {
            var (status, _, _) = await sb.SalesforceSendAsync(HttpMethod.Patch, $"{V}/sobjects/Opportunity/{olderOpportunity}", token, new { Amount = 125000 });
            Assert.Equal(204, status);
        }

        var (incremental, changes) = await Sync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = SalesOwnedList });
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (incremental.Mode, incremental.Status));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        Assert.Equal(SalesforceIds.To18(opportunity), session.GetPeople(new PersonQuery { MarketoIds = [gainsPrimary.MarketoId] }).Single().SalesforceOpportunityId);
        Assert.Contains(changes, c => c.Person.MarketoId == gainsPrimary.MarketoId && c.Change == PersonChange.Updated);
        Assert.NotNull(tiedContact); // the world of seed 12 has such a contact; without one this test would prove less
        Assert.Equal(olderOpportunity, changes.Single(c => SalesforceIds.To18(c.Person.SalesforceContactId) == tiedContact).Person.SalesforceOpportunityId);
    }
}
