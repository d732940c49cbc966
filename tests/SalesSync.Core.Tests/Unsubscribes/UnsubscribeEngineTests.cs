using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Activities;
using SalesSync.Core.Connection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;
using SalesSync.Core.Unsubscribes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Unsubscribes;

/// <summary>
/// The unsubscribe engine against the sandbox: the live Marketo lookup (any-record rule, any case, one call per
/// 300 emails and per repeated email, 1003 halving, failing closed on an outage and a spent quota), the opt-out
/// step (-WhatIf writes nothing; a real run sets Email Opt Out on exactly the right Salesforce records, owners kept,
/// converted leads through their contacts, nothing written to Marketo; per-record refusals retried; incremental
/// second runs; Salesforce's own opt-outs read in and honoured by the send guard).
/// </summary>
public class UnsubscribeEngineTests
{
    private const string SalesforceData = "services/data/v66.0";
    private const string CollectionPatch = "PATCH /services/data/vXX.X/composite/sobjects";
    private const string LeadsPost = "POST /rest/v1/leads.json";

    // ---- set-up --------------------------------------------------------------------------------------------

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<(RunningSandbox Sandbox, TempFolder Temp, SalesSyncSession Session)> ConnectedAsync(
        int people, int seed, bool salesforce = false, RetrySettings? retry = null)
    {
        var sb = await RunningSandbox.StartAsync("--people", Text(people), "--seed", Text(seed), "--limits", "off");
        var temp = new TempFolder();
        var settings = SyncHarness.Settings(sb, temp, salesforce);
        if (retry is not null) settings = settings with { Retry = retry };
        var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        return (sb, temp, session);
    }

    /// <summary>A sandbox whose sales-owned people are synced (REST), after <paramref name="prepare"/> changed the world.</summary>
    private static async Task<(RunningSandbox Sandbox, TempFolder Temp, SalesSyncSession Session)> SyncedAsync(
        int people, int seed, Func<RunningSandbox, Task>? prepare = null)
    {
        var (sb, temp, session) = await ConnectedAsync(people, seed, salesforce: true);
        if (prepare is not null) await prepare(sb);
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        return (sb, temp, session);
    }

    private static async Task<(List<OptOutChange> Changes, OptOutReport Report)> OptOutsAsync(SalesSyncSession session, bool whatIf)
    {
        var changes = new List<OptOutChange>();
        OptOutReport? report = null;
        await foreach (var output in session.SyncOptOutsAsync(whatIf, CancellationToken.None))
        {
            if (output is OptOutChange change) changes.Add(change);
            if (output is OptOutReport r) report = r;
        }
        Assert.NotNull(report);
        return (changes, report);
    }

    private static async Task<long> CreatePersonAsync(RunningSandbox sb, object fields)
    {
        var response = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), fields);
        Assert.Equal(201, (int)response.StatusCode);
        return (await SandboxTestHelpers.ParseAsync(response))!["id"]!.GetValue<long>();
    }

    private static async Task PatchPersonAsync(RunningSandbox sb, long id, object fields, bool durable = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(sb.Control, $"people/{id}{(durable ? "" : "?durable=false")}"))
        {
            Content = JsonContent.Create(fields),
        };
        (await sb.Http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    private static async Task<bool> MarketoUnsubscribedAsync(RunningSandbox sb, long id) =>
        JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, $"people/{id}")))!["unsubscribed"]!.GetValue<bool>();

    private static async Task ResetStatsAsync(RunningSandbox sb) =>
        (await sb.Http.PostAsync(new Uri(sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();

    private static int Count(JsonNode stats, string service, string key) => stats[service]!["calls"]![key]?.GetValue<int>() ?? 0;

    /// <summary>Sets Email Opt Out as a Salesforce user would (through the REST API; the sandbox stamps SystemModstamp).</summary>
    private static async Task SetSalesforceOptOutAsync(RunningSandbox sb, string type, string id, bool optedOut)
    {
        var token = await sb.SalesforceTokenAsync();
        var body = new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(new JsonObject
            {
                ["attributes"] = new JsonObject { ["type"] = type },
                ["id"] = id,
                ["HasOptedOutOfEmail"] = optedOut,
            }),
        };
        var (status, result, _) = await sb.SalesforceSendAsync(HttpMethod.Patch, $"{SalesforceData}/composite/sobjects", token, body, ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(200, status);
        Assert.True(result![0]!["success"]!.GetValue<bool>(), result.ToJsonString());
    }

    private sealed record SalesforceState(string Id, string Type, bool OptedOut, string? OwnerId, DateTimeOffset Stamp, bool IsConverted, string? ConvertedContactId);

    /// <summary>Every lead and contact as the sandbox holds it now (ground truth, no API call).</summary>
    private static Dictionary<string, SalesforceState> SalesforceSnapshot(RunningSandbox sb)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            return world.Salesforce.All("Lead").Concat(world.Salesforce.All("Contact"))
                .Select(r => new SalesforceState(r.Id, r.Type, r["HasOptedOutOfEmail"] is true, r["OwnerId"] as string, (DateTimeOffset)r["SystemModstamp"]!,
                    r.GetValueOrDefault("IsConverted") is true, r.GetValueOrDefault("ConvertedContactId") as string))
                .ToDictionary(s => s.Id, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// A sales-owned Marketo person whose sfdcType is Lead while the lead has been converted in Salesforce (Marketo has
    /// not synced the conversion), subscribed, with no opt-out on either record.
    /// </summary>
    private static (long PersonId, string LeadId, string ContactId) ConvertedLeadPerson(RunningSandbox sb, int skip = 0)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var converted = world.Salesforce.All("Lead").Where(l => l["IsConverted"] is true && l["HasOptedOutOfEmail"] is false).ToDictionary(l => l.Id);
            var owned = world.Lists[WorldGenerator.SalesOwnedListId].Members.ToHashSet();
            var emails = world.People.GroupBy(p => p.Email!.ToLowerInvariant()).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();
            var person = world.People.Where(p => owned.Contains(p.Id) && !p.Unsubscribed && p["sfdcType"] as string == "Lead"
                    && p["sfdcLeadId"] is string lead && converted.ContainsKey(lead) && !emails.Contains(p.Email!.ToLowerInvariant()))
                .Skip(skip).First();
            var leadRecord = converted[(string)person["sfdcLeadId"]!];
            return (person.Id, leadRecord.Id, (string)leadRecord["ConvertedContactId"]!);
        }
    }

    /// <summary>
    /// What the opt-out step must set, from the synced people and Salesforce as it stands: the contact else the lead
    /// of each unsubscribed person, unless Salesforce has the opt-out already; a converted lead's contact in its place.
    /// FirstTry is what the step sends first (the converted lead itself), Final what ends up set.
    /// </summary>
    private static (HashSet<string> FirstTry, HashSet<string> Final, HashSet<string> MarkedFromSalesforce) Expected(
        SalesSyncSession session, IReadOnlyDictionary<string, SalesforceState> salesforce)
    {
        var people = session.GetPeople(PersonQuery.All).ToList();
        var firstTry = new HashSet<string>(StringComparer.Ordinal);
        var final = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in people.Where(p => p.Unsubscribed))
        {
            var record = p.SalesforceContactId ?? p.SalesforceLeadId;
            if (record is null || salesforce[record].OptedOut) continue;
            firstTry.Add(record);
            if (salesforce[record].IsConverted)
            {
                var contact = salesforce[record].ConvertedContactId!;
                if (!salesforce[contact].OptedOut) final.Add(contact);
            }
            else final.Add(record);
        }
        var mine = people.SelectMany(p => new[] { p.SalesforceContactId, p.SalesforceLeadId }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        // A person whose Marketo record still names a converted lead is also concerned by the contact it became.
        mine.UnionWith(people.Where(p => p.SalesforceContactId is null && p.SalesforceLeadId is { } lead && salesforce[lead].IsConverted)
            .Select(p => salesforce[p.SalesforceLeadId!].ConvertedContactId!));
        var marked = salesforce.Values.Where(s => s.OptedOut && mine.Contains(s.Id)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        return (firstTry, final, marked);
    }

    private static ActivityRequest EmailSent(long marketoId) => new()
    {
        Kind = SalesActivityKind.EmailSent,
        MarketoId = marketoId,
        Attributes = new Dictionary<string, string?> { ["subject"] = "Following up" },
    };

    // ---- UnsubscribeLookup ---------------------------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_LookupAppliesTheAnyRecordRuleInAnyCaseAndAsksOncePerEmail()
    {
        var (sb, temp, session) = await ConnectedAsync(300, 61);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var first = await CreatePersonAsync(sb, new { email = "Dana.Twin@Example.com", firstName = "Dana" });
        var second = await CreatePersonAsync(sb, new { email = "dana.twin@example.com", firstName = "Dana 2" });
        var subscribed = await CreatePersonAsync(sb, new { email = "sam.subscribed@example.com" });
        // One record only: Durable Unsubscribe has not reached the twin yet.
        await PatchPersonAsync(sb, second, new { unsubscribed = true, unsubscribedReason = "Replied STOP" }, durable: false);
        Assert.True(await MarketoUnsubscribedAsync(sb, second));
        Assert.False(await MarketoUnsubscribedAsync(sb, first));
        await ResetStatsAsync(sb);

        var lookup = session.CreateUnsubscribeLookup();
        Assert.Null(lookup.Request("DANA.TWIN@EXAMPLE.COM"));
        Assert.Null(lookup.Request(" dana.twin@example.com ")); // same address: queued once
        Assert.Null(lookup.Request("Sam.Subscribed@example.com"));
        Assert.Null(lookup.Request("nobody.at.all@example.net"));
        var invalid = lookup.Request("Dana <dana.twin@example.com>");
        Assert.Equal(UnsubscribeCheckFailure.InvalidEmail, invalid!.Failure);
        Assert.False(invalid.SafeToEmail);
        Assert.Equal(3, lookup.PendingCount);

        await lookup.FlushAsync(all: false, CancellationToken.None); // fewer than 300: waits for more
        Assert.Equal((0, 3), (lookup.CallsMade, lookup.PendingCount));
        Assert.Null(lookup.Find("dana.twin@example.com"));
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal((1, 0), (lookup.CallsMade, lookup.PendingCount));

        var twin = lookup.Find("Dana.Twin@EXAMPLE.com")!;
        Assert.Equal("Dana.Twin@EXAMPLE.com", twin.Email); // as asked
        Assert.Null(twin.Failure);
        Assert.True(twin.Found);
        Assert.True(twin.Unsubscribed);
        Assert.False(twin.SafeToEmail);
        Assert.Equal(new[] { first, second }, twin.MarketoIds);
        Assert.Equal(new[] { second }, twin.UnsubscribedIds);
        Assert.Equal("Replied STOP", twin.Reason);

        var sam = lookup.Find("sam.subscribed@example.com")!;
        Assert.True(sam.Found);
        Assert.False(sam.Unsubscribed);
        Assert.True(sam.SafeToEmail);
        Assert.Equal(new[] { subscribed }, sam.MarketoIds);
        Assert.Empty(sam.UnsubscribedIds);
        Assert.Null(sam.Reason);

        var nobody = lookup.Find("NOBODY.AT.ALL@example.net")!;
        Assert.False(nobody.Found);
        Assert.False(nobody.Unsubscribed);
        Assert.Null(nobody.Failure);
        Assert.Empty(nobody.MarketoIds);

        // Repeats in any case are answered from memory: no further call.
        var again = lookup.Request("dAnA.tWiN@example.COM");
        Assert.NotNull(again);
        Assert.Equal(("dAnA.tWiN@example.COM", true), (again.Email, again.Unsubscribed));
        Assert.NotNull(lookup.Request("sam.subscribed@EXAMPLE.com"));
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(1, lookup.CallsMade);

        var stats = await sb.StatsAsync();
        Assert.Equal(1, Count(stats, "marketo", LeadsPost)); // the long-query form, once
        Assert.Equal(1, stats["marketo"]!["totalCalls"]!.GetValue<int>());
        Assert.Equal(0, stats["marketo"]!["writeCalls"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unsubscribe_LookupAsks300EmailsPerCall()
    {
        var (sb, temp, session) = await ConnectedAsync(300, 62);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var world = sb.Host.State.World;
        MarketoPerson unsubscribed;
        lock (world.Sync) unsubscribed = world.People.First(p => p.Unsubscribed);
        await ResetStatsAsync(sb);

        var lookup = session.CreateUnsubscribeLookup();
        var emails = Enumerable.Range(0, 650).Select(i => $"nobody.{i}@example.invalid").ToList();
        emails[450] = unsubscribed.Email!.ToUpperInvariant();
        foreach (var e in emails) Assert.Null(lookup.Request(e));
        await lookup.FlushAsync(all: false, CancellationToken.None);
        Assert.Equal(2, lookup.CallsMade); // whole lookups only (the first a little short of 300: a few duplicates are assumed until one answered)
        Assert.InRange(lookup.PendingCount, 50, 70);
        Assert.NotNull(lookup.Find(emails[299]));
        Assert.Null(lookup.Find(emails[600]));
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal((3, 0), (lookup.CallsMade, lookup.PendingCount));
        Assert.All(emails, e => Assert.NotNull(lookup.Find(e)));
        var verdict = lookup.Find(emails[450])!;
        Assert.True(verdict.Unsubscribed);
        Assert.Contains(unsubscribed.Id, verdict.UnsubscribedIds);
        Assert.Equal("Unsubscribed via email link", verdict.Reason);
        Assert.Equal(649, emails.Count(e => lookup.Find(e) is { Found: false, SafeToEmail: true }));
        Assert.Equal(3, Count(await sb.StatsAsync(), "marketo", LeadsPost));
    }

    [Fact]
    public async Task Unsubscribe_LookupsRunSideBySideWithinTheConnectionsShareAndAnswerEveryEmail()
    {
        // Calls take ~150 ms (realistic times, 8x faster): side by side shows in the sandbox's peak of calls in flight.
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "65", "--limits", "off", "--response-times", "realistic", "--time-scale", "8");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false) with
        {
            MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 4, DailyCallBudget = 0 },
        }, CancellationToken.None);
        var lookup = session.CreateUnsubscribeLookup();
        Assert.Equal(4, lookup.SideBySide);
        var emails = Enumerable.Range(0, 3000).Select(i => $"side.{i}@example.invalid").ToList();
        foreach (var e in emails) lookup.Request(e);
        await ResetStatsAsync(sb);
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(0, lookup.PendingCount);
        Assert.All(emails, e => Assert.True(lookup.Find(e) is { Found: false, SafeToEmail: true }));
        Assert.InRange(lookup.CallsMade, 10, 11); // the first lookup alone, a little short of 300; then 300 each
        var stats = await sb.StatsAsync();
        Assert.InRange(stats["marketo"]!["peakInFlight"]!.GetValue<int>(), 2, 4);
    }

    [Fact]
    public async Task Unsubscribe_LookupsSizedBySyncedDuplicatesAndTheLastAnswersCostAtMostTwoCallsAboveTheFloor()
    {
        var (sb, temp, session) = await ConnectedAsync(1500, 66);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        // Many more duplicates than Marketo's usual: one address in twelve with three records.
        List<string> emails;
        lock (sb.Host.State.World.Sync) emails = sb.Host.State.World.People.Select(p => p.Email).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        foreach (var email in emails.Where((_, i) => i % 12 == 0))
            for (var i = 0; i < 2; i++) await CreatePersonAsync(sb, new { email });
        int records;
        lock (sb.Host.State.World.Sync) records = sb.Host.State.World.People.Count(p => p.Email is not null);
        var floor = (records + 299) / 300;

        // An empty local database: the last answers alone size the next lookups.
        var adaptive = session.CreateUnsubscribeLookup();
        foreach (var e in emails) adaptive.Request(e);
        await adaptive.FlushAsync(all: true, CancellationToken.None);
        Assert.InRange(adaptive.CallsMade, floor, floor + 3);

        // After a sync of everyone, the database knows each address's records: at most two calls above the floor.
        var (run, ____) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        var known = session.CreateUnsubscribeLookup();
        foreach (var e in emails) known.Request(e);
        await known.FlushAsync(all: true, CancellationToken.None);
        Assert.InRange(known.CallsMade, floor, floor + 2);
        Assert.Equal(3, known.Find(emails[0])!.MarketoIds.Count);
        Assert.All(emails, e => Assert.Null(known.Find(e)!.Failure));
    }

    [Fact]
    public async Task Unsubscribe_Lookup1003IsAskedInHalvesAndAnEmailWithTooManyRecordsFailsClosed()
    {
        var (sb, temp, session) = await ConnectedAsync(300, 63);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var unsubscribed = await CreatePersonAsync(sb, new { email = "halves.out@example.com", unsubscribed = true });
        var subscribed = await CreatePersonAsync(sb, new { email = "halves.in@example.com" });

        // An injected 1003 (too many results) on a batch of four: asked again as two halves, all answered.
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code = "1003", count = 1 });
        var lookup = session.CreateUnsubscribeLookup();
        foreach (var e in new[] { "halves.out@example.com", "halves.in@example.com", "halves.none.1@example.com", "halves.none.2@example.com" })
            lookup.Request(e);
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(3, lookup.CallsMade);
        Assert.Equal(new[] { unsubscribed }, lookup.Find("halves.out@example.com")!.UnsubscribedIds);
        Assert.Equal(new[] { subscribed }, lookup.Find("halves.in@example.com")!.MarketoIds);
        Assert.True(lookup.Find("halves.in@example.com")!.SafeToEmail);
        Assert.False(lookup.Find("halves.none.2@example.com")!.Found);

        // A real 1003: one email held by more than 1,000 records. Halved down to that email alone, which fails
        // closed (Refused), while the email asked beside it gets its verdict.
        for (var i = 0; i < 1001; i++) await CreatePersonAsync(sb, new { email = "crowd@example.com" });
        var crowded = session.CreateUnsubscribeLookup();
        crowded.Request("crowd@example.com");
        crowded.Request("halves.out@example.com");
        await crowded.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(3, crowded.CallsMade); // both, then each alone
        var crowd = crowded.Find("CROWD@example.com")!;
        Assert.Equal(UnsubscribeCheckFailure.Refused, crowd.Failure);
        Assert.False(crowd.SafeToEmail);
        Assert.Contains("1003", (await sb.StatsAsync())["marketo"]!["errors"]!.ToJsonString());
        Assert.True(crowded.Find("halves.out@example.com")!.Unsubscribed);
    }

    [Fact]
    public async Task Unsubscribe_LookupDuringAnOutageFailsClosedAndTheNextLookupAsksAgain()
    {
        var quick = new RetrySettings { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(10), ThrottleDelay = TimeSpan.FromMilliseconds(10), MaxDelay = TimeSpan.FromMilliseconds(50) };
        var (sb, temp, session) = await ConnectedAsync(300, 64, retry: quick);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var person = await CreatePersonAsync(sb, new { email = "outage.person@example.com" });
        await ResetStatsAsync(sb);
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "http", status = 503, count = 10 });

        var lookup = session.CreateUnsubscribeLookup();
        lookup.Request("outage.person@example.com");
        lookup.Request("outage.other@example.com");
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(1, lookup.CallsMade);
        foreach (var email in new[] { "outage.person@example.com", "outage.other@example.com" })
        {
            var verdict = lookup.Find(email)!;
            Assert.Equal(UnsubscribeCheckFailure.MarketoUnavailable, verdict.Failure);
            Assert.False(verdict.SafeToEmail);
            Assert.False(verdict.Unsubscribed);
            Assert.False(string.IsNullOrWhiteSpace(verdict.FailureMessage));
        }
        var stats = await sb.StatsAsync();
        Assert.Equal(2, stats["marketo"]!["errors"]!["503"]!.GetValue<int>()); // the call and its one retry
        // A repeat in the same pipeline gets the same failure without another call.
        Assert.Equal(UnsubscribeCheckFailure.MarketoUnavailable, lookup.Request("OUTAGE.PERSON@example.com")!.Failure);
        Assert.Equal(1, lookup.CallsMade);

        // The send guard refuses on a failed check.
        var guard = session.CreateSendGuard();
        var activity = new SalesActivity
        {
            ActivityId = "SS-TESTOUTAGE00000001", Kind = SalesActivityKind.EmailSent, MarketoId = person, Email = "outage.person@example.com",
            OccurredAt = DateTimeOffset.UtcNow, LoggedAt = DateTimeOffset.UtcNow,
        };
        Assert.Null(guard.Screen(activity));
        await guard.FlushAsync(all: true, CancellationToken.None);
        var decision = guard.Decide(activity)!;
        Assert.False(decision.Allowed);
        Assert.Equal("UnsubscribeCheckFailed", decision.ErrorId);

        // The outage ends: a new lookup (the next command) asks again and gets a verdict.
        await sb.ClearFaultsAsync();
        var next = session.CreateUnsubscribeLookup();
        next.Request("outage.person@example.com");
        await next.FlushAsync(all: true, CancellationToken.None);
        Assert.True(next.Find("outage.person@example.com")!.SafeToEmail);
    }

    [Fact]
    public async Task Unsubscribe_LookupAfterQuotaExhaustedFailsEveryEmailAndMakesNoFurtherCalls()
    {
        var (sb, temp, session) = await ConnectedAsync(300, 65);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await ResetStatsAsync(sb);
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/leads.json", kind = "error", code = "607", count = 1 });

        var lookup = session.CreateUnsubscribeLookup();
        var emails = Enumerable.Range(0, 450).Select(i => $"quota.{i}@example.com").ToList();
        foreach (var e in emails) lookup.Request(e);
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(1, lookup.CallsMade); // the second batch was never sent
        Assert.All(emails, e =>
        {
            var verdict = lookup.Find(e)!;
            Assert.Equal(UnsubscribeCheckFailure.QuotaExhausted, verdict.Failure);
            Assert.False(verdict.SafeToEmail);
        });

        // Later batches in the same pipeline make no calls either.
        for (var i = 0; i < 310; i++) lookup.Request($"later.{i}@example.com");
        await lookup.FlushAsync(all: true, CancellationToken.None);
        Assert.Equal(1, lookup.CallsMade);
        Assert.Equal(UnsubscribeCheckFailure.QuotaExhausted, lookup.Find("later.309@example.com")!.Failure);
        Assert.Equal(1, Count(await sb.StatsAsync(), "marketo", LeadsPost));
    }

    // ---- the opt-out step ----------------------------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_OptOutStepWhatIfWritesNothingAndTheRealRunSetsExactlyTheUnsubscribedPeoplesRecords()
    {
        (long PersonId, string LeadId, string ContactId) converted = default;
        var (sb, temp, session) = await SyncedAsync(2000, 66, async s =>
        {
            converted = ConvertedLeadPerson(s);
            await PatchPersonAsync(s, converted.PersonId, new { unsubscribed = true });
            // More unsubscribes than one collection call takes (200).
            List<long> more;
            var world = s.Host.State.World;
            lock (world.Sync)
            {
                var convertedLeads = world.Salesforce.All("Lead").Where(l => l["IsConverted"] is true).Select(l => l.Id).ToHashSet();
                var optedOut = world.Salesforce.All("Lead").Concat(world.Salesforce.All("Contact")).Where(r => r["HasOptedOutOfEmail"] is true).Select(r => r.Id).ToHashSet();
                more = world.People.Where(p => !p.Unsubscribed && p["sfdcLeadOwnerId"] is string && p.Id != converted.PersonId
                        && (p["sfdcContactId"] ?? p["sfdcLeadId"]) is string id && !optedOut.Contains(id) && !convertedLeads.Contains(id))
                    .Take(180).Select(p => p.Id).ToList();
            }
            foreach (var id in more) await PatchPersonAsync(s, id, new { unsubscribed = true }, durable: false);
        });
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;

        var before = SalesforceSnapshot(sb);
        var (firstTry, final, marked) = Expected(session, before);
        Assert.Contains(converted.LeadId!, firstTry);
        Assert.Contains(converted.ContactId!, final);
        Assert.Equal(converted.LeadId, Assert.Single(firstTry, id => before[id].IsConverted));
        Assert.True(firstTry.Count > 200, $"{firstTry.Count} records: the test needs more than one collection call");
        Assert.NotEmpty(marked);

        // -WhatIf: reads Salesforce, reports the same plan, writes nothing anywhere.
        await ResetStatsAsync(sb);
        var (planned, plan) = await OptOutsAsync(session, whatIf: true);
        var stats = await sb.StatsAsync();
        Assert.True(plan.WhatIf);
        Assert.Null(plan.StoppedBecause);
        Assert.All(planned, c => Assert.Equal(OptOutOutcome.WouldApply, c.Outcome));
        // The first run reads which leads were converted, so the converted lead's contact is planned (and set) directly.
        Assert.Equal(final.Order(), planned.Where(c => c.Direction == OptOutDirection.MarketoToSalesforce).Select(c => c.SalesforceId).Order());
        Assert.Equal(marked.Order(), planned.Where(c => c.Direction == OptOutDirection.SalesforceToSalesSync).Select(c => c.SalesforceId).Order());
        Assert.Equal((final.Count, marked.Count, 0), (plan.SetInSalesforce, plan.MarkedLocally, plan.Failed));
        Assert.Equal(0, Count(stats, "salesforce", CollectionPatch));
        Assert.DoesNotContain(stats["salesforce"]!["calls"]!.AsObject(), kv => !kv.Key.StartsWith("GET ", StringComparison.Ordinal));
        Assert.Equal(0, stats["marketo"]!["totalCalls"]!.GetValue<int>());
        Assert.Equal(before, SalesforceSnapshot(sb));
        Assert.Null(session.Store.OptOuts.Since);
        Assert.False(session.Store.Database.CollectionExists("salesforce_optouts"));

        // The real run: the same changes, now applied.
        await ResetStatsAsync(sb);
        var (applied, report) = await OptOutsAsync(session, whatIf: false);
        stats = await sb.StatsAsync();
        Assert.False(report.WhatIf);
        Assert.Null(report.StoppedBecause);
        Assert.DoesNotContain(applied, c => c.Outcome != OptOutOutcome.Applied);
        var pushed = applied.Where(c => c.Direction == OptOutDirection.MarketoToSalesforce).ToList();
        Assert.Equal(final.Order(), pushed.Select(c => c.SalesforceId).Order());
        Assert.Equal(pushed.Count, pushed.Select(c => c.SalesforceId).Distinct().Count());
        Assert.All(pushed, c => Assert.True(c.OptedOut));
        var viaContact = Assert.Single(pushed, c => c.SalesforceId == converted.ContactId);
        Assert.Equal("Contact", viaContact.SalesforceType);
        Assert.Equal(new[] { converted.PersonId }, viaContact.MarketoIds);
        Assert.Contains(converted.LeadId!, viaContact.Reason);
        Assert.Equal(marked.Order(), applied.Where(c => c.Direction == OptOutDirection.SalesforceToSalesSync).Select(c => c.SalesforceId).Order());
        Assert.Equal((final.Count, marked.Count, 0), (report.SetInSalesforce, report.MarkedLocally, report.Failed));
        // A first run reads the opted-out records and the converted leads only.
        Assert.Equal(before.Values.Count(b => b.OptedOut || (b.Type == "Lead" && b.IsConverted)), report.SalesforceRecordsRead);

        // Ground truth: exactly those records changed, every owner kept.
        var after = SalesforceSnapshot(sb);
        var changed = after.Values.Where(a => a.OptedOut != before[a.Id].OptedOut).Select(a => a.Id).Order().ToList();
        Assert.Equal(final.Order(), changed);
        Assert.All(changed, id => Assert.True(after[id].OptedOut));
        Assert.All(after.Values, a => Assert.Equal(before[a.Id].OwnerId, a.OwnerId));
        Assert.False(after[converted.LeadId!].OptedOut); // read-only; its contact has the opt-out

        // Calls: nothing at all to Marketo; one collection PATCH per 200 records (the converted lead is never tried).
        Assert.Equal(0, stats["marketo"]!["totalCalls"]!.GetValue<int>());
        Assert.Equal(0, stats["marketo"]!["writeCalls"]!.GetValue<int>());
        Assert.Equal((final.Count + 199) / 200, Count(stats, "salesforce", CollectionPatch));
        Assert.Equal(stats["salesforce"]!["totalCalls"]!.GetValue<long>(), report.SalesforceCalls);
        Assert.Null(stats["salesforce"]!["errors"]?["CANNOT_UPDATE_CONVERTED_LEAD"]);

        // The second run is incremental (SystemModstamp since the watermark): it reads only what the first run wrote
        // and sets nothing.
        Assert.NotNull(session.Store.OptOuts.Since);
        await ResetStatsAsync(sb);
        var observer = new RecordingObserver();
        (List<OptOutChange> Changes, OptOutReport Report) second;
        using (EngineObserver.Use(observer)) second = await OptOutsAsync(session, whatIf: false);
        stats = await sb.StatsAsync();
        Assert.Empty(second.Changes);
        Assert.Equal((0, 0, 0), (second.Report.SetInSalesforce, second.Report.MarkedLocally, second.Report.Failed));
        Assert.Equal(final.Count, second.Report.SalesforceRecordsRead);
        Assert.Contains(observer.Messages, m => m.Contains("reading Leads modified since", StringComparison.Ordinal));
        Assert.Contains(observer.Messages, m => m.Contains("reading Contacts modified since", StringComparison.Ordinal));
        Assert.DoesNotContain(observer.Messages, m => m.Contains("first opt-out step", StringComparison.Ordinal));
        Assert.Equal(0, Count(stats, "salesforce", CollectionPatch));
        Assert.Equal(0, stats["marketo"]!["totalCalls"]!.GetValue<int>());
        Assert.Equal(after, SalesforceSnapshot(sb));
    }

    [Fact]
    public async Task Unsubscribe_OptOutStepReportsAPerRecordRefusalAndRetriesItOnTheNextRun()
    {
        var (sb, temp, session) = await SyncedAsync(1500, 67);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var before = SalesforceSnapshot(sb);
        var (firstTry, final, _) = Expected(session, before);
        Assert.True(final.Count >= 3, $"only {final.Count} records to set");
        Assert.Equal(firstTry, final); // no converted lead among them in this world

        await sb.FaultAsync(new
        {
            service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "recordError", count = 1,
            code = "FIELD_CUSTOM_VALIDATION_EXCEPTION", message = "Opt-out changes need a reason",
        });
        var (changes, report) = await OptOutsAsync(session, whatIf: false);
        var pushed = changes.Where(c => c.Direction == OptOutDirection.MarketoToSalesforce).ToList();
        var failed = Assert.Single(pushed, c => c.Outcome == OptOutOutcome.Failed);
        Assert.Equal("FIELD_CUSTOM_VALIDATION_EXCEPTION: Opt-out changes need a reason", failed.Reason);
        Assert.NotEmpty(failed.MarketoIds);
        Assert.All(pushed.Where(c => c != failed), c => Assert.Equal(OptOutOutcome.Applied, c.Outcome));
        Assert.Equal(final.Order(), pushed.Select(c => c.SalesforceId).Order());
        Assert.Equal((final.Count - 1, 1), (report.SetInSalesforce, report.Failed));
        var after = SalesforceSnapshot(sb);
        Assert.False(after[failed.SalesforceId].OptedOut);
        Assert.Equal(final.Where(id => id != failed.SalesforceId).Order(), after.Values.Where(a => a.OptedOut && !before[a.Id].OptedOut).Select(a => a.Id).Order());

        // The next run tries the refused record again, and only it.
        await ResetStatsAsync(sb);
        var (retried, again) = await OptOutsAsync(session, whatIf: false);
        var only = Assert.Single(retried);
        Assert.Equal((OptOutDirection.MarketoToSalesforce, OptOutOutcome.Applied, failed.SalesforceId), (only.Direction, only.Outcome, only.SalesforceId));
        Assert.Equal((1, 0), (again.SetInSalesforce, again.Failed));
        Assert.Equal(1, Count(await sb.StatsAsync(), "salesforce", CollectionPatch));
        Assert.True(SalesforceSnapshot(sb)[failed.SalesforceId].OptedOut);

        var (none, last) = await OptOutsAsync(session, whatIf: false);
        Assert.Empty(none);
        Assert.Equal(0, last.SetInSalesforce);
    }

    [Fact]
    public async Task Unsubscribe_OptOutStepStopsOnASalesforceOutageAndTheNextRunContinues()
    {
        var (sb, temp, session) = await SyncedAsync(1000, 71);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var before = SalesforceSnapshot(sb);
        var (_, final, marked) = Expected(session, before);
        Assert.NotEmpty(final);

        // Down while reading: the step stops with a report, keeps no watermark, changes nothing.
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*/query", kind = "http", status = 503, count = 50 });
        var (readChanges, readStop) = await OptOutsAsync(session, whatIf: false);
        Assert.Empty(readChanges);
        Assert.Contains("Salesforce", readStop.StoppedBecause);
        Assert.Null(session.Store.OptOuts.Since);
        await sb.ClearFaultsAsync();

        // Down while writing: what was read is kept, nothing is set.
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "http", status = 503, count = 50 });
        var (writeChanges, writeStop) = await OptOutsAsync(session, whatIf: false);
        Assert.NotNull(writeStop.StoppedBecause);
        Assert.Equal(marked.Order(), writeChanges.Select(c => c.SalesforceId).Order());
        Assert.All(writeChanges, c => Assert.Equal(OptOutDirection.SalesforceToSalesSync, c.Direction));
        Assert.Equal(0, writeStop.SetInSalesforce);
        Assert.Equal(before, SalesforceSnapshot(sb));
        Assert.NotNull(session.Store.OptOuts.Since);
        await sb.ClearFaultsAsync();

        // Back: the next run sets every record, and reads in nothing twice.
        var (resumed, report) = await OptOutsAsync(session, whatIf: false);
        Assert.Null(report.StoppedBecause);
        Assert.All(resumed, c => Assert.Equal((OptOutDirection.MarketoToSalesforce, OptOutOutcome.Applied), (c.Direction, c.Outcome)));
        Assert.Equal(final.Order(), resumed.Select(c => c.SalesforceId).Order());
        var after = SalesforceSnapshot(sb);
        Assert.Equal(final.Order(), after.Values.Where(a => a.OptedOut != before[a.Id].OptedOut).Select(a => a.Id).Order());
    }

    [Fact]
    public async Task Unsubscribe_SalesforceOptOutsAndResubscribesComeInAndTheSendGuardHonoursThem()
    {
        var (sb, temp, session) = await SyncedAsync(1500, 68);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var (first, _) = await OptOutsAsync(session, whatIf: false);
        var pushedLead = first.First(c => c.Direction == OptOutDirection.MarketoToSalesforce && c.SalesforceType == "Lead" && c.Outcome == OptOutOutcome.Applied);

        // A subscribed person with a contact that has no opt-out, and a unique email.
        var before = SalesforceSnapshot(sb);
        var people = session.GetPeople(PersonQuery.All).ToList();
        var person = people.First(p => !p.Unsubscribed && p.SalesforceContactId is { } c && !before[c].OptedOut
            && people.Count(o => string.Equals(o.Email, p.Email, StringComparison.OrdinalIgnoreCase)) == 1);
        var logger = session.CreateActivityLogger();
        var activity = logger.Prepare(EmailSent(person.MarketoId), DateTimeOffset.UtcNow);
        var guard = session.CreateSendGuard();
        Assert.Null(guard.Screen(activity)); // nothing known from Salesforce: checked live in Marketo
        await guard.FlushAsync(all: true, CancellationToken.None);
        Assert.True(guard.Decide(activity)!.Allowed);

        // In Salesforce: the contact opts out; the lead SalesSync set is re-subscribed by hand.
        await SetSalesforceOptOutAsync(sb, "Contact", person.SalesforceContactId!, true);
        await SetSalesforceOptOutAsync(sb, "Lead", pushedLead.SalesforceId, false);

        var (second, report) = await OptOutsAsync(session, whatIf: false);
        Assert.All(second, c => Assert.Equal((OptOutDirection.SalesforceToSalesSync, OptOutOutcome.Applied), (c.Direction, c.Outcome)));
        var optOut = Assert.Single(second, c => c.SalesforceId == person.SalesforceContactId);
        Assert.True(optOut.OptedOut);
        Assert.Equal("Contact", optOut.SalesforceType);
        Assert.Equal(new[] { person.MarketoId }, optOut.MarketoIds);
        Assert.Equal(person.Email, optOut.Email);
        var resubscribe = Assert.Single(second, c => c.SalesforceId == pushedLead.SalesforceId);
        Assert.False(resubscribe.OptedOut);
        Assert.Equal(2, second.Count);
        Assert.Equal((2, 0), (report.MarkedLocally, report.SetInSalesforce));
        Assert.False(SalesforceSnapshot(sb)[pushedLead.SalesforceId].OptedOut); // Salesforce's re-subscribe is not overridden

        // The guard refuses the person's sent email at once, without asking Marketo.
        var after = session.CreateSendGuard();
        var decision = after.Screen(logger.Prepare(EmailSent(person.MarketoId), DateTimeOffset.UtcNow));
        Assert.NotNull(decision);
        Assert.False(decision.Allowed);
        Assert.Equal("OptedOutInSalesforce", decision.ErrorId);
        Assert.Contains(person.MarketoId.ToString(CultureInfo.InvariantCulture), decision.Message);
        Assert.Equal((0, 0), (after.CallsMade, after.PendingChecks));
        // Other kinds are not guarded.
        Assert.True(after.Screen(activity with { Kind = SalesActivityKind.CallReceived })!.Allowed);

        // The re-subscribed lead's person is still unsubscribed in Marketo: the live check refuses it.
        var resubscribed = people.First(p => p.MarketoId == resubscribe.MarketoIds[0]);
        var leadActivity = logger.Prepare(EmailSent(resubscribed.MarketoId), DateTimeOffset.UtcNow);
        Assert.Null(after.Screen(leadActivity));
        await after.FlushAsync(all: true, CancellationToken.None);
        var refused = after.Decide(leadActivity)!;
        Assert.Equal((false, "Unsubscribed"), (refused.Allowed, refused.ErrorId));

        // And a third run changes nothing (the re-subscribe stays).
        var (third, _) = await OptOutsAsync(session, whatIf: false);
        Assert.Empty(third);
        Assert.False(SalesforceSnapshot(sb)[pushedLead.SalesforceId].OptedOut);
    }

    [Fact]
    public async Task Unsubscribe_AConvertedLeadsContactThatFailsIsRetriedOnTheNextRun()
    {
        (long PersonId, string LeadId, string ContactId) converted = default;
        var (sb, temp, session) = await SyncedAsync(1500, 69, async s =>
        {
            converted = ConvertedLeadPerson(s);
            await PatchPersonAsync(s, converted.PersonId, new { unsubscribed = true });
        });
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var (firstTry, final, _) = Expected(session, SalesforceSnapshot(sb));
        Assert.True(firstTry.Count <= 200);
        Assert.Contains(converted.LeadId!, firstTry);

        // Every record that passes its checks fails once: the first call's records (all but the converted lead,
        // which Salesforce refuses on its own) and then the converted lead's contact in the follow-up call.
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "recordError", count = firstTry.Count, code = "UNABLE_TO_LOCK_ROW" });
        var (changes, report) = await OptOutsAsync(session, whatIf: false);
        Assert.Equal(firstTry.Count, report.Failed);
        Assert.Contains(changes, c => c.SalesforceId == converted.ContactId && c.Outcome == OptOutOutcome.Failed);
        Assert.False(SalesforceSnapshot(sb)[converted.ContactId!].OptedOut);

        // A transient refusal: the next run must set every one of them, the converted lead's contact included.
        var (retried, again) = await OptOutsAsync(session, whatIf: false);
        Assert.Equal(0, again.Failed);
        var after = SalesforceSnapshot(sb);
        Assert.All(final, id => Assert.True(after[id].OptedOut, $"{id} was not retried"));
        Assert.Contains(retried, c => c.SalesforceId == converted.ContactId && c.Outcome == OptOutOutcome.Applied);
    }

    [Fact]
    public async Task Unsubscribe_AnOptOutOnAConvertedLeadsContactStopsTheSalesEmail()
    {
        var (sb, temp, session) = await SyncedAsync(1500, 70);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var converted = ConvertedLeadPerson(sb);
        await OptOutsAsync(session, whatIf: false);

        // The lead is read-only once converted: the rep opts the person out on the contact it became.
        await SetSalesforceOptOutAsync(sb, "Contact", converted.ContactId, true);
        var (changes, _) = await OptOutsAsync(session, whatIf: false);

        var activity = session.CreateActivityLogger().Prepare(EmailSent(converted.PersonId), DateTimeOffset.UtcNow);
        Assert.Equal(converted.LeadId, activity.SalesforceLeadId);
        Assert.Null(activity.SalesforceContactId);
        var guard = session.CreateSendGuard();
        var decision = guard.Screen(activity);
        if (decision is null)
        {
            await guard.FlushAsync(all: true, CancellationToken.None);
            decision = guard.Decide(activity);
        }
        Assert.Equal((false, "OptedOutInSalesforce"), (decision!.Allowed, decision.ErrorId));

        // The opt-out step reports it as a change for the person.
        var change = Assert.Single(changes);
        Assert.Equal(converted.ContactId, change.SalesforceId);
        Assert.Equal(new[] { converted.PersonId }, change.MarketoIds);
    }
}
