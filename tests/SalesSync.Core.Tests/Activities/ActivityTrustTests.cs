using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Activities;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Activities;

/// <summary>
/// What a seller and an admin must be able to trust about logged activities (issue 14): the send guard in the
/// engine (refused sent emails kept as Refused, held emails decided one by one), Task dates in the owner's time
/// zone, owners that left, unknown outcomes matched on SalesSync's own id at a bounded cost, the type check once
/// per connection, and outages that lose nothing.
/// </summary>
public class ActivityTrustTests
{
    private static async Task<(RunningSandbox Sandbox, TempFolder Temp, SalesSyncSession Session)> SyncedAsync(int people, int seed, OutcomeGrace? grace = null, Secret? password = null)
    {
        var sb = await RunningSandbox.StartAsync("--people", people.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var temp = new TempFolder();
        var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true) with { UnknownOutcomeGrace = grace ?? OutcomeGrace.None, DatabasePassword = password }, CancellationToken.None);
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        return (sb, temp, session);
    }

    private static async Task<List<JsonNode>> DumpAsync(RunningSandbox sb, string path)
    {
        var text = await sb.Http.GetStringAsync(new Uri(sb.Control, path));
        if (text.TrimStart().StartsWith('[')) return JsonNode.Parse(text)!.AsArray().Select(n => n!).ToList();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private static async Task<int> TotalCallsAsync(RunningSandbox sb, string service) => (await sb.StatsAsync())[service]!["totalCalls"]!.GetValue<int>();

    private static ActivityRequest Sent(long marketoId, string? activityId = null) => new()
    {
        Kind = SalesActivityKind.EmailSent, MarketoId = marketoId, ActivityId = activityId, Attributes = new Dictionary<string, string?> { ["subject"] = "Q1 offer" },
    };

    private static ActivityRequest Call(long marketoId, DateTimeOffset? at = null) => new()
    {
        Kind = SalesActivityKind.CallReceived, MarketoId = marketoId, OccurredAt = at, Attributes = new Dictionary<string, string?> { ["callStatus"] = "completed" },
    };

    private static SalesActivity Activity(SalesSyncSession session, string id) => session.GetActivities(new ActivityQuery { ActivityIds = [id] }).Single();

    /// <summary>Review M2 (repro R5): an address Marketo can never check (1003: over 1,000 records) is refused on its own; the other held emails are delivered.</summary>
    [Fact]
    public async Task OneUncheckableHeldEmailIsRefusedOnItsOwnAndTheOthersAreDelivered()
    {
        var (sb, temp, session) = await SyncedAsync(400, 35);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        for (var i = 0; i < 1001; i++)
            (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), new { email = "crowd@example.com" })).EnsureSuccessStatusCode();
        var people = session.GetPeople(PersonQuery.All).Where(p => p.Email is not null && !p.Unsubscribed).Take(6).ToList();
        var sender = session.CreateActivityLogger();
        var held = people.Select(p => sender.Prepare(Sent(p.MarketoId), DateTimeOffset.UtcNow)).ToList();
        held[0] = held[0] with { Email = "crowd@example.com" }; // an address Marketo cannot look up alone
        foreach (var a in held) sender.Hold(a);
        sender.Abandon(held.Select(a => a.ActivityId).ToList()); // the sender stopped

        for (var flush = 0; flush < 3; flush++) await session.DeliverPendingActivitiesAsync(CancellationToken.None);
        var delivered = session.GetActivities(new ActivityQuery { MarketoState = DeliveryState.Delivered }).Count();
        var stillHeld = session.GetActivities(new ActivityQuery { MarketoState = DeliveryState.Held }).Count();
        Assert.True(delivered == 5, $"after 3 flushes: {delivered} delivered, {stillHeld} still held (5 of the 6 are checkable and subscribed)");
        var crowd = Activity(session, held[0].ActivityId);
        Assert.Equal(DeliveryState.Refused, crowd.Marketo.State);
        Assert.StartsWith("UnsubscribeUncheckable:", crowd.Marketo.Reason);
        Assert.Equal(0, stillHeld);
    }

    /// <summary>Review D1: a refused sent email is the record that an email reached someone unsubscribed: kept as Refused with the reason, never delivered, never retried.</summary>
    [Fact]
    public async Task ARefusedSentEmailIsKeptAsRefusedAndNeverDelivered()
    {
        var (sb, temp, session) = await SyncedAsync(400, 48);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var people = session.GetPeople(PersonQuery.All).Where(p => p.Email is not null).ToList();
        var unsubscribed = people.First(p => p.Unsubscribed && p.SalesforceContactId is not null);
        var subscribed = people.First(p => !p.Unsubscribed);

        // Any caller of the engine gets the guard: Submit, then the batched check.
        var logger = session.CreateActivityLogger();
        Assert.True(logger.GuardOn);
        var refusedOne = logger.Prepare(Sent(unsubscribed.MarketoId), DateTimeOffset.UtcNow);
        var allowedOne = logger.Prepare(Sent(subscribed.MarketoId), DateTimeOffset.UtcNow);
        Assert.Equal(SubmitOutcome.Held, logger.Submit(refusedOne).Outcome);
        Assert.Equal(SubmitOutcome.Held, logger.Submit(allowedOne).Outcome);
        var settled = (await logger.CheckHeldAsync(all: true, CancellationToken.None)).ToDictionary(s => s.Activity.ActivityId);
        Assert.Equal(SubmitOutcome.Refused, settled[refusedOne.ActivityId].Outcome);
        Assert.Equal("Unsubscribed", settled[refusedOne.ActivityId].Decision!.ErrorId);
        Assert.Equal(SubmitOutcome.Stored, settled[allowedOne.ActivityId].Outcome);
        await logger.FlushAsync(CancellationToken.None);
        await session.RequeueFailedActivitiesAsync(null, CancellationToken.None);
        await session.DeliverPendingActivitiesAsync(CancellationToken.None);

        var kept = Activity(session, refusedOne.ActivityId);
        Assert.Equal((DeliveryState.Refused, DeliveryState.Refused), (kept.Marketo.State, kept.Salesforce.State));
        Assert.StartsWith("Unsubscribed:", kept.Marketo.Reason);
        Assert.Contains(unsubscribed.Email!, kept.Marketo.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([refusedOne.ActivityId], session.GetActivities(new ActivityQuery { AnyState = DeliveryState.Refused }).Select(a => a.ActivityId));
        Assert.Equal(DeliveryState.Delivered, Activity(session, allowedOne.ActivityId).Marketo.State);
        Assert.Empty(await DumpAsync(sb, $"salesforce/Task?subject={refusedOne.ActivityId}"));
        var inMarketo = await sb.Http.GetStringAsync(new Uri(sb.Control, "activities"));
        Assert.DoesNotContain(refusedOne.ActivityId, inMarketo);
        Assert.Contains(allowedOne.ActivityId, inMarketo);
        Assert.Equal(0, session.PendingActivityCount);
    }

    /// <summary>Review M4 (repro R8): the Task date is the day in the owner's time zone (Salesforce's TimeZoneSidKey), else the activity's own offset; the offset is stored.</summary>
    [Fact]
    public async Task TheTaskDateIsTheDayTheActivityHappenedInTheOwnersTimeZone()
    {
        var evening = new DateTimeOffset(2026, 1, 5, 18, 30, 0, TimeSpan.FromHours(-8)); // 02:30 UTC on 6 January
        var activity = new SalesActivity
        {
            ActivityId = "SS-TEST", Kind = SalesActivityKind.CallReceived, MarketoId = 1, SalesforceContactId = "003000000000001AAA",
            OccurredAt = evening, LoggedAt = DateTimeOffset.UtcNow, Attributes = new Dictionary<string, string> { ["callStatus"] = "completed" },
        };
        Assert.Equal("2026-01-05", SalesforceTask.Record(activity)["ActivityDate"]!.GetValue<string>());

        var (sb, temp, session) = await SyncedAsync(400, 52);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var owned = session.GetPeople(PersonQuery.All).Where(p => p.SalesforceContactId is not null && p.SalesOwnerId is not null)
            .GroupBy(p => p.SalesOwnerId).Select(g => g.First()).Take(2).ToList();
        Assert.Equal(2, owned.Count);
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            world.Salesforce.Find(owned[0].SalesOwnerId)!["TimeZoneSidKey"] = "America/Los_Angeles";
            world.Salesforce.Find(owned[1].SalesOwnerId)!["TimeZoneSidKey"] = "Asia/Tokyo";
        }
        var logger = session.CreateActivityLogger();
        // Given in UTC: only the owner's zone can tell which day it was for the seller.
        var calls = owned.Select(p => logger.Prepare(Call(p.MarketoId, evening.ToUniversalTime()), DateTimeOffset.UtcNow)).ToList();
        var offsetKept = logger.Prepare(Call(owned[0].MarketoId, evening), DateTimeOffset.UtcNow);
        foreach (var a in calls.Append(offsetKept)) logger.Submit(a);
        await logger.FlushAsync(CancellationToken.None);

        async Task<string> TaskDateAsync(SalesActivity a) => (await DumpAsync(sb, $"salesforce/Task?subject={a.ActivityId}")).Single()["ActivityDate"]!.GetValue<string>();
        Assert.Equal("2026-01-05", await TaskDateAsync(calls[0]));
        Assert.Equal("2026-01-06", await TaskDateAsync(calls[1]));
        Assert.Equal(TimeSpan.FromHours(-8), Activity(session, offsetKept.ActivityId).OccurredAt.Offset);
        Assert.Equal(evening, Activity(session, offsetKept.ActivityId).OccurredAt);
    }

    /// <summary>New-user D9: a Task whose owner is inactive fails at once with how to fix it; with a fallback owner (checked when set) the retry lands.</summary>
    [Fact]
    public async Task TasksOfAnInactiveOwnerGoToTheFallbackOwnerOnceOneIsSet()
    {
        var (sb, temp, session) = await SyncedAsync(400, 53);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var person = session.GetPeople(PersonQuery.All).First(p => p.SalesforceContactId is not null && p.SalesOwnerId is not null);
        var other = session.GetPeople(PersonQuery.All).First(p => p.SalesOwnerId is not null && p.SalesOwnerId != person.SalesOwnerId);
        var world = sb.Host.State.World;
        lock (world.Sync) world.Salesforce.Find(person.SalesOwnerId)!["IsActive"] = false; // the seller left

        var logger = session.CreateActivityLogger();
        var call = logger.Prepare(Call(person.MarketoId), DateTimeOffset.UtcNow);
        logger.Submit(call);
        var report = await logger.FlushAsync(CancellationToken.None);
        Assert.Equal(1, report.SalesforceFailed);
        var failed = Activity(session, call.ActivityId);
        Assert.Equal(DeliveryState.Failed, failed.Salesforce.State);
        Assert.StartsWith("INACTIVE_OWNER_OR_USER", failed.Salesforce.Reason);
        Assert.Contains("Set-SalesActivitySetting -FallbackTaskOwnerId", failed.Salesforce.Reason);
        Assert.Equal(0, (await sb.StatsAsync())["salesforce"]!["calls"]!["POST /services/data/vXX.X/composite/sobjects"]?.GetValue<int>() ?? 0);

        // The fallback is checked when set: a malformed id, an inactive user, an active one by its 15-character id.
        Assert.Equal(ActivityFailureReason.InvalidValue, (await Assert.ThrowsAsync<SalesActivityException>(() => session.CheckTaskOwnerAsync("not-an-id", CancellationToken.None))).Reason);
        Assert.Contains("inactive", (await Assert.ThrowsAsync<SalesActivityException>(() => session.CheckTaskOwnerAsync(person.SalesOwnerId!, CancellationToken.None))).Message);
        var fallback = await session.CheckTaskOwnerAsync(other.SalesOwnerId![..15], CancellationToken.None);
        Assert.Equal(other.SalesOwnerId, fallback);
        session.SaveActivitySettings(session.ActivitySettings with { FallbackTaskOwnerId = fallback });

        Assert.Equal((0, 1), await session.RequeueFailedActivitiesAsync(null, CancellationToken.None));
        await session.DeliverPendingActivitiesAsync(CancellationToken.None);
        var delivered = Activity(session, call.ActivityId);
        Assert.Equal(DeliveryState.Delivered, delivered.Salesforce.State);
        var task = (await DumpAsync(sb, $"salesforce/Task?subject={call.ActivityId}")).Single();
        Assert.Equal(fallback, task["OwnerId"]!.GetValue<string>());
    }

    /// <summary>Review L10 + M7: after an unknown outcome, a Task of another person with the same subject is not taken for ours; ours is sent and lands once.</summary>
    [Fact]
    public async Task AnUnknownTaskOutcomeIsMatchedOnTheActivityIdAndThePersonNotOnTheSubject()
    {
        var (sb, temp, session) = await SyncedAsync(400, 54);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var contacts = session.GetPeople(PersonQuery.All).Where(p => p.SalesforceContactId is not null && !p.Unsubscribed).Take(2).ToList();
        var logger = session.CreateActivityLogger();
        var call = logger.Prepare(Call(contacts[0].MarketoId) with { ActivityId = "crm-42" }, DateTimeOffset.UtcNow);
        // Another runbook (or SalesSync database) logged a task with the very same subject, for someone else.
        using (var salesforce = sb.NewSalesforceClient())
        {
            var body = new JsonObject { ["Subject"] = SalesforceTask.Subject(call), ["WhoId"] = contacts[1].SalesforceContactId, ["Status"] = "Completed" };
            (await salesforce.WriteAsync(RestSharp.Method.Post, salesforce.DataPath("sobjects/Task"), body.ToJsonString(), CancellationToken.None)).Dispose();
        }
        // Our create is dropped before Salesforce handles it: its outcome is unknown, and it did not land.
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "reset", count = 1 });
        logger.Submit(call);
        for (var i = 0; i < 3 && (await logger.FlushAsync(CancellationToken.None)).StillPending > 0; i++) { }

        var tasks = await DumpAsync(sb, $"salesforce/Task?subject={call.ActivityId}");
        Assert.Equal(2, tasks.Count);
        var ours = tasks.Single(t => t["WhoId"]!.GetValue<string>() == contacts[0].SalesforceContactId);
        var delivered = Activity(session, call.ActivityId);
        Assert.Equal(DeliveryState.Delivered, delivered.Salesforce.State);
        Assert.Equal(ours["Id"]!.GetValue<string>(), delivered.Salesforce.RemoteId);
    }

    /// <summary>Review M7: a Marketo lookup stops at its call budget and says so, rather than walking the log without end.</summary>
    [Fact]
    public async Task AMarketoLookupStopsAtItsCallBudget()
    {
        var (sb, temp, session) = await SyncedAsync(300, 55);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var people = session.GetPeople(PersonQuery.All).Take(40).ToList();
        var logger = session.CreateActivityLogger();
        var opened = people.Select(p => logger.Prepare(new ActivityRequest
        {
            Kind = SalesActivityKind.EmailOpened, MarketoId = p.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "Hi" },
        }, DateTimeOffset.UtcNow)).ToList();
        foreach (var a in opened) logger.Submit(a);
        await logger.FlushAsync(CancellationToken.None);
        var typeIds = (await DumpAsync(sb, "custom-activity-types")).Select(t => t["id"]!.GetValue<int>()).ToList();
        var sought = opened.Select(a => new CustomActivityClient.Sought(a.MarketoId, a.ActivityId, a.LoggedAt.AddMinutes(-5))).ToList();

        using var marketo = sb.NewMarketoClient();
        var client = new CustomActivityClient(marketo);
        // 40 people: two walks (30 + 10), each a token and a page; it stops as soon as each walk found its activities.
        var budget = new CustomActivityClient.CallBudget(ActivityOutbox.MaxMarketoLookupCalls);
        var found = await client.FindLoggedAsync(typeIds, sought, budget, CancellationToken.None);
        Assert.Equal(opened.Select(a => a.ActivityId).Order(), found.Keys.Order());
        Assert.Equal(4, budget.Limit - budget.Left);
        var spent = await Assert.ThrowsAsync<SalesSyncApiException>(() => client.FindLoggedAsync(typeIds, sought, new CustomActivityClient.CallBudget(3), CancellationToken.None));
        Assert.Equal("INCOMPLETE_LOOKUP", spent.Code);
    }

    /// <summary>New-user D3: the activity-type check is made once per connection, so twenty single sends cost about what twenty piped ones do.</summary>
    [Fact]
    public async Task TwentySingleSendsCheckTheTypesOnce()
    {
        var (sb, temp, session) = await SyncedAsync(300, 56);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var people = session.GetPeople(PersonQuery.All).Take(20).ToList();
        var before = await TotalCallsAsync(sb, "marketo");
        foreach (var p in people)
        {
            // What one Send-SalesActivity does: a logger, the type check, one activity, a flush.
            var logger = session.CreateActivityLogger();
            await logger.EnsureTypesAsync(CancellationToken.None);
            logger.Submit(logger.Prepare(new ActivityRequest
            {
                Kind = SalesActivityKind.EmailOpened, MarketoId = p.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "loop" },
            }, DateTimeOffset.UtcNow));
            await logger.FlushAsync(CancellationToken.None);
        }
        var calls = await TotalCallsAsync(sb, "marketo") - before;
        // One Add Custom Activities call per send, plus one type check (types.json and 3 describes) for the connection.
        Assert.True(calls <= 20 + 4, $"20 single sends cost {calls} Marketo calls");
    }

    /// <summary>New-user D4: during an outage every accepted activity is stored (types unchecked, emails held) and the delivery stops with a reason; afterwards each lands once.</summary>
    [Fact]
    public async Task AnOutageStoresEveryActivityAndLosesNothing()
    {
        var (sb, temp, session) = await SyncedAsync(300, 57);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var people = session.GetPeople(PersonQuery.All).Where(p => p.Email is not null && !p.Unsubscribed && p.SalesforceContactId is not null).Take(4).ToList();
        // Both services go down before this connection checked the types (the install forgets any earlier check).
        await sb.FaultAsync(new { service = "marketo", path = "/rest/*", kind = "http", status = 503, probability = 1.0 });
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*", kind = "http", status = 503, probability = 1.0 });
        var logger = session.CreateActivityLogger();
        await Assert.ThrowsAsync<SalesSyncApiException>(() => logger.EnsureTypesAsync(CancellationToken.None)); // the caller learns Marketo is down, and goes on storing
        var mine = people.Select(p => logger.Prepare(Call(p.MarketoId), DateTimeOffset.UtcNow))
            .Concat(people.Take(2).Select(p => logger.Prepare(Sent(p.MarketoId), DateTimeOffset.UtcNow))).ToList();
        foreach (var a in mine) logger.Submit(a);
        await logger.CheckHeldAsync(all: true, CancellationToken.None);
        var report = await logger.FlushAsync(CancellationToken.None);
        Assert.NotNull(report.StoppedBecause);
        Assert.Equal(mine.Count, session.GetActivities(new ActivityQuery()).Count());
        Assert.True(session.PendingActivityCount >= mine.Count);

        await sb.ClearFaultsAsync();
        for (var i = 0; i < 3 && (await session.DeliverPendingActivitiesAsync(CancellationToken.None)).StillPending > 0; i++) { }
        var stored = session.GetActivities(new ActivityQuery()).ToList();
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Marketo.State));
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Salesforce.State));
        var inMarketo = await sb.Http.GetStringAsync(new Uri(sb.Control, "activities"));
        Assert.All(mine, a => Assert.Single(System.Text.RegularExpressions.Regex.Matches(inMarketo, a.ActivityId)));
    }

    /// <summary>Review P4: two runspaces logging the same caller id: the second gets a per-item error with a stable reason, never a raw LiteException.</summary>
    [Fact]
    public async Task TheSameCallerIdFromTwoCallersIsOneActivityAndAClearError()
    {
        var (sb, temp, session) = await SyncedAsync(300, 58);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var person = session.GetPeople(PersonQuery.All).First();
        var first = session.CreateActivityLogger();
        var second = session.CreateActivityLogger();
        var request = Call(person.MarketoId) with { ActivityId = "crm-0001" };
        Assert.False(first.IsLogged("crm-0001"));
        Assert.False(second.IsLogged("crm-0001")); // both asked before either stored
        var a = first.Prepare(request, DateTimeOffset.UtcNow);
        var b = second.Prepare(request, DateTimeOffset.UtcNow);
        first.Submit(a);
        var duplicate = Assert.Throws<SalesActivityException>(() => second.Submit(b));
        Assert.Equal(ActivityFailureReason.DuplicateActivityId, duplicate.Reason);
        Assert.Contains("crm-0001", duplicate.Message);
        // A held sent email under a taken id: the same error, and nothing left held.
        var email = second.Prepare(Sent(person.MarketoId, "crm-0001"), DateTimeOffset.UtcNow);
        Assert.Equal(ActivityFailureReason.DuplicateActivityId, Assert.Throws<SalesActivityException>(() => second.Submit(email)).Reason);
        first.Close(); // the group commit stores what the first caller accepted
        second.Close();
        Assert.Single(session.GetActivities(new ActivityQuery()));
    }

    /// <summary>
    /// Issue 15: accepted activities are stored a group at a time; until their group commits they are in the caller's
    /// journal, so a caller killed before the commit loses nothing: the next session stores them (a torn last line,
    /// cut by the kill, is ignored) and delivers them once.
    /// </summary>
    [Fact]
    public async Task AGroupNotYetCommittedWhenTheCallerDiesIsStoredByTheNextSession()
    {
        var (sb, temp, session) = await SyncedAsync(300, 71);
        await using var _ = sb;
        using var __ = temp;
        var settings = Reopening(sb, temp);
        var people = session.GetPeople(PersonQuery.All).Take(5).ToList();
        var logger = session.CreateActivityLogger();
        var accepted = people.Select(p => logger.Submit(logger.Prepare(Call(p.MarketoId), DateTimeOffset.UtcNow)).Activity.ActivityId).ToList();
        Assert.Empty(session.GetActivities(new ActivityQuery())); // a group of 5 is not committed yet: one transaction per 300
        var folder = Path.GetDirectoryName(settings.DatabasePath)!;
        var journal = Assert.Single(Directory.GetFiles(folder, Path.GetFileName(settings.DatabasePath) + ".accepting-*.jsonl"));
        File.AppendAllText(journal, "{\"ActivityId\":\"SS-CUT"); // the kill cut the line being written
        session.Dispose(); // the caller never commits: as after kill -9

        using var next = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        Assert.Empty(next.GetActivities(new ActivityQuery())); // a read never writes: the next delivery (or sender) replays
        var report = await next.DeliverPendingActivitiesAsync(CancellationToken.None);
        var stored = next.GetActivities(new ActivityQuery()).ToList();
        Assert.Equal(accepted.Order(), stored.Select(a => a.ActivityId).Order());
        Assert.False(File.Exists(journal));
        Assert.Equal(5, report.MarketoDelivered);
    }

    /// <summary>The settings the next session (the next process, after a kill) connects with.</summary>
    private static ConnectionSettings Reopening(RunningSandbox sb, TempFolder temp) =>
        SyncHarness.Settings(sb, temp, salesforce: true) with { UnknownOutcomeGrace = OutcomeGrace.None };

    private static string JournalOf(string databasePath) =>
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(databasePath)!).Where(f => AcceptJournal.IsJournalName(Path.GetFileName(f), Path.GetFileName(databasePath))));

    /// <summary>
    /// Review H1: only this database's own journals are replayed: exact names (a '?' in the database name is no
    /// wildcard), owner-only, a header naming the database, rows in states a caller stages. Others are named once in a
    /// warning and never deleted; a user's file that merely looks alike is not touched. A sent email comes back Held,
    /// so the send guard checks it before it is delivered.
    /// </summary>
    [Fact]
    public async Task OnlyThisDatabasesOwnJournalsAreReplayedAndASentEmailIsCheckedAgain()
    {
        Assert.True(AcceptJournal.IsJournalName("a?.db.accepting-0123456789abcdef0123456789abcdef.jsonl", "a?.db"));
        Assert.False(AcceptJournal.IsJournalName("ab.db.accepting-0123456789abcdef0123456789abcdef.jsonl", "a?.db"));
        Assert.False(AcceptJournal.IsJournalName("a.db.accepting-notes.jsonl", "a.db"));
        var (sb, temp, session) = await SyncedAsync(100, 73);
        await using var _ = sb;
        using var __ = temp;
        var settings = Reopening(sb, temp);
        var people = session.GetPeople(PersonQuery.All).Take(2).ToList();
        var logger = session.CreateActivityLogger();
        var call = logger.Submit(logger.Prepare(Call(people[0].MarketoId), DateTimeOffset.UtcNow)).Activity.ActivityId;
        var email = logger.Submit(logger.Prepare(Sent(people[1].MarketoId), DateTimeOffset.UtcNow)).Activity.ActivityId;
        var journal = JournalOf(settings.DatabasePath);
        session.Dispose(); // killed before its commit
        var text = File.ReadAllText(journal);
        Assert.Contains("\"State\":\"Held\"", text);
        File.WriteAllText(journal, text.Replace("\"State\":\"Held\"", "\"State\":\"Pending\"")); // as if the guard had allowed it
        var lines = File.ReadAllLines(journal);
        string Planted(string hex, string content, UnixFileMode mode)
        {
            var path = settings.DatabasePath + ".accepting-" + hex + ".jsonl";
            File.WriteAllText(path, content);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
            return path;
        }
        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var otherDatabase = Planted(new string('a', 32), "{\"SalesSyncAcceptJournal\":1,\"Database\":\"elsewhere 1\"}\n" + lines[1].Replace(call, "forged-1") + "\n", ownerOnly);
        var delivered = Planted(new string('b', 32), lines[0] + "\n" + lines[1].Replace(call, "forged-2").Replace("\"State\":\"Pending\"", "\"State\":\"Delivered\"") + "\n", ownerOnly);
        var readable = OperatingSystem.IsWindows() ? null : Planted(new string('c', 32), lines[0] + "\n" + lines[1].Replace(call, "forged-3") + "\n", ownerOnly | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var users = settings.DatabasePath + ".accepting-notes.jsonl";
        File.WriteAllText(users, "my notes\n");

        using var next = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        var observer = new RecordingObserver();
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(observer))
        {
            await next.DeliverPendingActivitiesAsync(CancellationToken.None);
            await next.DeliverPendingActivitiesAsync(CancellationToken.None); // warned once, not again
        }
        Assert.Equal(new[] { call, email }.Order(), next.GetActivities(new ActivityQuery()).Select(a => a.ActivityId).Order());
        Assert.False(File.Exists(journal));
        Assert.Contains(observer.Messages, m => m.StartsWith("VERBOSE: Held sent emails checked: 1", StringComparison.Ordinal)); // not sent unchecked
        Assert.Equal(DeliveryState.Delivered, Activity(next, email).Marketo.State);
        foreach (var planted in new[] { otherDatabase, delivered, readable }.OfType<string>())
        {
            Assert.True(File.Exists(planted), planted);
            Assert.Single(observer.Messages, m => m.StartsWith("WARNING: ", StringComparison.Ordinal) && m.Contains(planted, StringComparison.Ordinal));
        }
        Assert.Equal("my notes\n", File.ReadAllText(users));
        Assert.DoesNotContain(observer.Messages, m => m.Contains(users, StringComparison.Ordinal));
    }

    /// <summary>Review H2: an encrypted database's activities never go to a plain-text journal: each is committed as it is accepted.</summary>
    [Fact]
    public async Task AnEncryptedDatabaseCommitsEachAcceptedActivityAndWritesNoJournal()
    {
        var (sb, temp, session) = await SyncedAsync(100, 74, password: new Secret("journal-pw"));
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        Assert.True(session.Store.Encrypted);
        var people = session.GetPeople(PersonQuery.All).Take(3).ToList();
        var logger = session.CreateActivityLogger();
        var folder = Path.GetDirectoryName(session.DatabasePath)!;
        for (var i = 0; i < people.Count; i++)
        {
            var id = logger.Submit(logger.Prepare(i == 0 ? Sent(people[i].MarketoId) : Call(people[i].MarketoId), DateTimeOffset.UtcNow)).Activity.ActivityId;
            Assert.NotNull(session.Store.Activities.Find(id)); // stored before the next row is read
            Assert.DoesNotContain(Directory.GetFiles(folder), f => f.Contains(".accepting-", StringComparison.Ordinal));
        }
        logger.Close();
        Assert.Equal(3, session.GetActivities(new ActivityQuery()).Count());
    }

    /// <summary>
    /// Review M1 and M2: an id another writer stored between this caller's check and its group commit is dropped from
    /// the group (and its journal) with a warning, the rest stored, the caller goes on; an SS- id a caller typed is
    /// checked like any other. A close whose commit fails leaves nothing staged or held live, and its journal for the
    /// next process.
    /// </summary>
    [Fact]
    public async Task AnIdStoredUnderAGroupIsDroppedAndAFailedCloseLeavesNothingClaimed()
    {
        var (sb, temp, session) = await SyncedAsync(100, 75);
        await using var _ = sb;
        using var __ = temp;
        var settings = Reopening(sb, temp);
        var people = session.GetPeople(PersonQuery.All).Take(3).ToList();
        var logger = session.CreateActivityLogger();
        var raced = logger.Submit(logger.Prepare(Call(people[0].MarketoId) with { ActivityId = "crm-race" }, DateTimeOffset.UtcNow)).Activity;
        var kept = logger.Submit(logger.Prepare(Call(people[1].MarketoId), DateTimeOffset.UtcNow)).Activity;
        await session.CreateActivityLogger().AddAsync([raced], CancellationToken.None); // another writer, past the staging
        var observer = new RecordingObserver();
        using (SalesSync.Core.Diagnostics.EngineObserver.Use(observer)) logger.Commit();
        Assert.Single(observer.Messages, m => m.StartsWith("WARNING: Activity crm-race ", StringComparison.Ordinal));
        Assert.NotNull(session.Store.Activities.Find(kept.ActivityId));
        var typed = logger.Prepare(Call(people[0].MarketoId) with { ActivityId = kept.ActivityId }, DateTimeOffset.UtcNow);
        Assert.Equal(ActivityFailureReason.DuplicateActivityId, Assert.Throws<SalesActivityException>(() => logger.Submit(typed)).Reason);

        var outboxLock = session.Store.OutboxLock;
        var staged = logger.Submit(logger.Prepare(Call(people[2].MarketoId), DateTimeOffset.UtcNow)).Activity;
        var held = logger.Submit(logger.Prepare(Sent(people[1].MarketoId), DateTimeOffset.UtcNow)).Activity;
        Assert.True(outboxLock.IsHeldLive(held.ActivityId));
        Assert.False(logger.IsLogged("crm-other"));
        var journal = JournalOf(settings.DatabasePath);
        session.Dispose(); // the database goes away under the caller: its last commit fails
        Assert.ThrowsAny<Exception>(logger.Close);
        Assert.Null(outboxLock.Staged(staged.ActivityId));
        Assert.Equal(0, outboxLock.LiveCount);
        Assert.True(File.Exists(journal));
        using var next = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None);
        await next.DeliverPendingActivitiesAsync(CancellationToken.None);
        Assert.Equal(DeliveryState.Delivered, Activity(next, staged.ActivityId).Marketo.State);
        Assert.False(File.Exists(journal));
    }
}
