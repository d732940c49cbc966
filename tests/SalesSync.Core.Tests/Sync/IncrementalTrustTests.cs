using System.Net.Http.Json;
using System.Text.Json;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// What the incremental run can trust: conversions and owner changes that Marketo logs only as Convert Lead (21) or
/// Change Owner (23) reach the database; Merge ids in any of their forms; watermarks on the services' clocks, so a
/// local clock that runs fast loses no change.
/// </summary>
public class IncrementalTrustTests
{
    private const long SalesOwnedList = WorldGenerator.SalesOwnedListId;
    private static readonly SyncOptions ByList = new() { Method = SyncMethod.Rest, StaticListId = SalesOwnedList };

    private static async Task Patch(RunningSandbox sb, long id, Dictionary<string, object?> fields) =>
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{id}"), fields)).EnsureSuccessStatusCode();

    private static PersonRecord? Synced(SalesSyncSession session, long id) => session.GetPeople(new PersonQuery { MarketoIds = [id] }).SingleOrDefault();

    private static List<int> LoggedTypes(RunningSandbox sb, long id)
    {
        lock (sb.Host.State.World.Sync) return sb.Host.State.World.Activities.Where(a => a.LeadId == id).Select(a => a.ActivityTypeId).ToList();
    }

    [Fact]
    public async Task AConversionAndOwnerChangesLoggedOnlyAsConvertLeadAndChangeOwnerReachTheDatabase()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "2000", "--seed", "31", "--crm-change-log", "typed");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        // A CRM lead with no owner yet (not sales-owned), created well before the full pass's watermark.
        var created = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), new Dictionary<string, object?>
            { ["email"] = "unowned.lead@example.com", ["firstName"] = "Una", ["lastName"] = "Owned", ["sfdcType"] = "Lead", ["sfdcLeadId"] = "00Q5g00000UNOWNEDA" });
        created.EnsureSuccessStatusCode();
        var gainsOwner = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await sb.AdvanceClockAsync(TimeSpan.FromMinutes(30).TotalSeconds);
        var (full, _) = await SyncHarness.SyncAsync(session, ByList);
        Assert.Equal(SyncRunStatus.Completed, full.Status);
        var synced = session.GetPeople(PersonQuery.All).ToList();
        Assert.Null(Synced(session, gainsOwner));
        var lead = synced.First(p => p.SalesforceType == "Lead" && p.SalesforceContactId is null);
        var losesOwner = synced.First(p => p.MarketoId != lead.MarketoId);

        // Converted in the CRM, an owner lost, an owner gained: Marketo logs 21 and 23, and (here) no Change Data Value.
        await Patch(sb, lead.MarketoId, new() { ["sfdcType"] = "Contact", ["sfdcContactId"] = "0035g00000CONVRTAB", ["sfdcAccountId"] = "0015g00000CONVRTAB" });
        await Patch(sb, losesOwner.MarketoId, new() { ["sfdcLeadOwnerId"] = null });
        await Patch(sb, gainsOwner, new() { ["sfdcLeadOwnerId"] = losesOwner.SalesOwnerId });
        Assert.Equal([ActivityTypes.ConvertLead], LoggedTypes(sb, lead.MarketoId));
        Assert.Equal([ActivityTypes.ChangeOwner], LoggedTypes(sb, losesOwner.MarketoId));
        Assert.Equal([ActivityTypes.NewLead, ActivityTypes.ChangeOwner], LoggedTypes(sb, gainsOwner));

        var (incremental, changes) = await SyncHarness.SyncAsync(session, ByList);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (incremental.Mode, incremental.Status));
        var converted = Synced(session, lead.MarketoId)!;
        Assert.Equal(("Contact", "0035g00000CONVRTAB", "0015g00000CONVRTAB"), (converted.SalesforceType, converted.SalesforceContactId, converted.SalesforceAccountId));
        Assert.Null(Synced(session, losesOwner.MarketoId));
        Assert.Equal(losesOwner.SalesOwnerId, Synced(session, gainsOwner)?.SalesOwnerId);
        Assert.Contains(changes, c => (c.Person.MarketoId, c.Change) == (lead.MarketoId, PersonChange.Updated));
        Assert.Contains(changes, c => (c.Person.MarketoId, c.Change) == (losesOwner.MarketoId, PersonChange.Removed));
        Assert.Contains(changes, c => (c.Person.MarketoId, c.Change) == (gainsOwner, PersonChange.Added));
        // Still one page per stream: 21, 23 and 32 share the activities.json stream (up to 10 type ids per call).
        Assert.InRange(incremental.MarketoCalls, 4, 6);
    }

    [Theory]
    [InlineData("\"[123,456]\"")]
    [InlineData("\"123, 456\"")]
    [InlineData("\"123,456\"")]
    [InlineData("\" [ 123 , 456 ] \"")]
    [InlineData("[123,456]")]
    public void MergeIdsAreReadInEveryFormMarketoMayUse(string value)
    {
        var row = JsonDocument.Parse($$"""{"id":9,"marketoGUID":"9","leadId":77,"activityDate":"2026-11-02T10:00:00Z","activityTypeId":32,"primaryAttributeValueId":77,"primaryAttributeValue":"Win Ner","attributes":[{"name":"Merge IDs","value":{{value}}},{"name":"Merged in Sales","value":false}]}""").RootElement;
        var (winners, losers) = ActivityStreams.Merges([row]);
        Assert.Equal([77L], winners);
        Assert.Equal([123L, 456L], losers);
    }

    [Fact]
    public async Task AFastLocalClockLosesNoChangeOfMarketoOrSalesforce()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "3000", "--seed", "12");
        // The services' clocks are an hour behind this machine's (a local clock an hour fast): more than the 10-minute margin.
        sb.Host.State.Clock.Advance(TimeSpan.FromHours(-1));
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        var (full, _) = await SyncHarness.SyncAsync(session, ByList);
        Assert.Equal(SyncRunStatus.Completed, full.Status);
        var synced = session.GetPeople(PersonQuery.All).ToList();

        // A Marketo change after the full pass (its watermark: Marketo's sinceDatetime).
        var edited = synced[1].MarketoId;
        await Patch(sb, edited, new() { ["title"] = "Chief Clock Officer" });
        var (first, _) = await SyncHarness.SyncAsync(session, ByList);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (first.Mode, first.Status));
        Assert.Equal("Chief Clock Officer", Synced(session, edited)!.Title);

        // A Salesforce change after that incremental run (its watermark: SystemModstamp, set by the incremental run).
        var contact = synced.First(p => p.SalesforceType == "Contact" && p.SalesforceContactId is not null && p.SalesforceAccountId is not null);
        var token = await sb.SalesforceTokenAsync();
        async Task<string> Post(string type, object body)
        {
            var (status, created, _) = await sb.SalesforceSendAsync(HttpMethod.Post, $"services/data/v66.0/sobjects/{type}", token, body);
            Assert.Equal(201, status);
            return created!["id"]!.GetValue<string>();
        }
        var opportunity = await Post("Opportunity", new { Name = "Skewed 2027", StageName = "Prospecting", CloseDate = "2027-03-31", AccountId = contact.SalesforceAccountId });
        await Post("OpportunityContactRole", new { OpportunityId = opportunity, ContactId = contact.SalesforceContactId, IsPrimary = true, Role = "Decision Maker" });
        var (second, _) = await SyncHarness.SyncAsync(session, ByList);
        Assert.Equal(("Incremental", SyncRunStatus.Completed), (second.Mode, second.Status));
        Assert.Equal(SalesforceIds.To18(opportunity), Synced(session, contact.MarketoId)!.SalesforceOpportunityId);

        // The saved watermark is on Salesforce's clock: about ten minutes before the sandbox's now, not the local one.
        var since = session.Store.Runs.Latest!.SalesforceSince!.Value;
        Assert.InRange(since, sb.Host.State.Clock.UtcNow - TimeSpan.FromMinutes(12), sb.Host.State.Clock.UtcNow - TimeSpan.FromMinutes(8));
    }
}
