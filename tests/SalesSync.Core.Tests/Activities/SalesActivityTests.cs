using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Activities;
using SalesSync.Core.Connection;
using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Activities;

/// <summary>
/// Sales activities end to end against the sandbox: the custom types, batching (Marketo 300, Salesforce 200 per
/// call), exactly-once delivery under faults and unknown outcomes, and per-item errors for bad input.
/// </summary>
public class SalesActivityTests
{
    private static async Task<(RunningSandbox Sandbox, TempFolder Temp, SalesSyncSession Session)> SyncedAsync(int people, int seed, OutcomeGrace? grace = null)
    {
        var sb = await RunningSandbox.StartAsync("--people", people.ToString(System.Globalization.CultureInfo.InvariantCulture), "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var temp = new TempFolder();
        // The sandbox commits at once: what is not there after an unknown outcome never will be (no grace needed).
        var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true) with { UnknownOutcomeGrace = grace ?? OutcomeGrace.None }, CancellationToken.None);
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        return (sb, temp, session);
    }

    private static async Task<List<JsonNode>> DumpAsync(RunningSandbox sb, string path)
    {
        var text = await sb.Http.GetStringAsync(new Uri(sb.Control, path));
        if (text.TrimStart().StartsWith('[')) return JsonNode.Parse(text)!.AsArray().Select(n => n!).ToList();
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private static async Task<int> CallsAsync(RunningSandbox sb, string service, string key) =>
        (await sb.StatsAsync())[service]!["calls"]![key]?.GetValue<int>() ?? 0;

    /// <summary>Activities of every kind for the synced people, cycling through them.</summary>
    private static List<ActivityRequest> Requests(IReadOnlyList<PersonRecord> people, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var kind = (SalesActivityKind)(i % 8);
            var attributes = new Dictionary<string, string?>
            {
                ["subject"] = kind is SalesActivityKind.CallReceived or SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign ? null : $"Pricing, \"Q{i % 4 + 1}\" 東京 #{i}",
                ["link"] = kind == SalesActivityKind.EmailClicked ? $"https://example.com/offer/{i}" : null,
                ["callStatus"] = kind == SalesActivityKind.CallReceived ? "completed" : null,
                ["callOutcome"] = kind == SalesActivityKind.CallReceived ? "Booked a demo" : null,
                ["durationSeconds"] = kind == SalesActivityKind.CallReceived ? "312" : null,
                ["campaignName"] = kind is SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign ? "Q4 Outreach" : null,
                ["sentBy"] = "rep@example.com",
            };
            return new ActivityRequest { Kind = kind, MarketoId = people[i % people.Count].MarketoId, Attributes = attributes, OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-i) };
        }).ToList();

    private static async Task<List<SalesActivity>> LogAsync(SalesSyncSession session, IEnumerable<ActivityRequest> requests)
    {
        var logger = session.CreateActivityLogger();
        var prepared = requests.Select(r => logger.Prepare(r, DateTimeOffset.UtcNow)).ToList();
        foreach (var chunk in prepared.Chunk(ActivityLogger.BatchSize)) await logger.AddAsync(chunk, CancellationToken.None);
        await logger.FlushAsync(CancellationToken.None);
        return prepared;
    }

    [Fact]
    public async Task TypesAreInstalledOnceAndSendingWithoutThemSaysWhatToRun()
    {
        var (sb, temp, session) = await SyncedAsync(300, 41);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;

        var logger = session.CreateActivityLogger();
        var missing = await Assert.ThrowsAsync<SalesActivityException>(() => logger.EnsureTypesAsync(CancellationToken.None));
        Assert.Equal(ActivityFailureReason.TypesNotInstalled, missing.Reason);
        Assert.Contains("Install-SalesActivityType", missing.Message);

        var plan = await session.InstallActivityTypesAsync(whatIf: true, CancellationToken.None);
        Assert.All(plan, p => Assert.Equal("WouldCreate", p.Action));
        Assert.Empty(await DumpAsync(sb, "custom-activity-types"));

        var installed = await session.InstallActivityTypesAsync(whatIf: false, CancellationToken.None);
        Assert.Equal(3, installed.Count);
        Assert.All(installed, p => Assert.Equal(("Created", "approved"), (p.Action, p.State)));
        var again = await session.InstallActivityTypesAsync(whatIf: false, CancellationToken.None);
        Assert.All(again, p => Assert.Equal("Exists", p.Action));
        await session.CreateActivityLogger().EnsureTypesAsync(CancellationToken.None);
    }

    [Fact]
    public async Task ActivitiesArriveOnceInBatchesOf300And200()
    {
        var (sb, temp, session) = await SyncedAsync(2000, 42);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).Where(p => p.SalesforceContactId is not null || p.SalesforceLeadId is not null).ToList();

        var logged = await LogAsync(session, Requests(people, 1000));
        var toSalesforce = logged.Count(a => a.Salesforce.State == DeliveryState.Pending);
        Assert.Equal(3 * 125, toSalesforce); // the default kinds: sent, replied, call

        Assert.Equal((1000 + 299) / 300, await CallsAsync(sb, "marketo", "POST /rest/v1/activities/external.json"));
        Assert.Equal((toSalesforce + 199) / 200, await CallsAsync(sb, "salesforce", "POST /services/data/vXX.X/composite/sobjects"));
        var stored = session.GetActivities(new Core.Store.ActivityQuery()).ToList();
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Marketo.State));
        Assert.All(stored, a => Assert.True(a.Salesforce.State is DeliveryState.Delivered or DeliveryState.NotRequired, $"{a.ActivityId}: {a.Salesforce}"));
        await AssertExactlyOnceAsync(sb, stored);

        // What a Task looks like.
        var tasks = await DumpAsync(sb, "salesforce/Task");
        var call = stored.First(a => a.Kind == SalesActivityKind.CallReceived);
        var task = tasks.Single(t => t["Id"]!.GetValue<string>() == call.Salesforce.RemoteId);
        Assert.Equal($"Call: Booked a demo [{call.ActivityId}]", task["Subject"]!.GetValue<string>());
        Assert.Equal(("Completed", "Call", "Call"), (task["Status"]!.GetValue<string>(), task["TaskSubtype"]!.GetValue<string>(), task["Type"]!.GetValue<string>()));
        Assert.Equal(call.SalesOwnerId, task["OwnerId"]!.GetValue<string>());
        Assert.Equal(312, task["CallDurationInSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task UnknownOutcomesAndFaultsOnBothServicesStillDeliverEachActivityExactlyOnce()
    {
        var (sb, temp, session) = await SyncedAsync(2000, 43);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).ToList();
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new object[]
        {
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "commitThenDrop", count = 1 },
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "error", code = "606", count = 1 },
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "error", code = "602", count = 1 },
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "http", status = 503, count = 1 },
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "error", code = "615", count = 1 },
            new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "reset", count = 1 },
            new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "error", code = "INVALID_SESSION_ID", status = 401, count = 1 },
            new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "reset", count = 1 },
            new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "commitThenDrop", count = 1 },
            new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "recordError", count = 3 },
            new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "http", status = 503, count = 1 },
        })).EnsureSuccessStatusCode();

        var logger = session.CreateActivityLogger();
        var prepared = Requests(people, 700).Select(r => logger.Prepare(r, DateTimeOffset.UtcNow)).ToList();
        foreach (var chunk in prepared.Chunk(ActivityLogger.BatchSize)) await logger.AddAsync(chunk, CancellationToken.None);
        // Each unknown outcome stops a flush (the rest stays pending); later flushes look up what arrived and send the rest.
        for (var i = 0; i < 10 && (await logger.FlushAsync(CancellationToken.None)).StillPending > 0; i++) { }

        var stored = session.GetActivities(new Core.Store.ActivityQuery()).ToList();
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Marketo.State));
        Assert.All(stored, a => Assert.True(a.Salesforce.State is DeliveryState.Delivered or DeliveryState.NotRequired, $"{a.ActivityId}: {a.Salesforce}"));
        await AssertExactlyOnceAsync(sb, stored);
        var stats = await sb.StatsAsync();
        foreach (var (service, code) in new[] { ("marketo", "commitThenDrop"), ("marketo", "606"), ("marketo", "615"), ("marketo", "602"), ("marketo", "503"), ("marketo", "reset"),
                     ("salesforce", "commitThenDrop"), ("salesforce", "INVALID_SESSION_ID"), ("salesforce", "503"), ("salesforce", "reset"), ("salesforce", "UNABLE_TO_LOCK_ROW") })
            Assert.True(stats[service]!["errors"]![code]?.GetValue<int>() > 0, $"{service} never met {code}: {stats[service]!["errors"]!.ToJsonString()}");
    }

    [Fact]
    public async Task AnUnknownOutcomeIsNotSentAgainWhileItMayStillLand()
    {
        var grace = TimeSpan.FromSeconds(2);
        var (sb, temp, session) = await SyncedAsync(500, 45, new OutcomeGrace(grace, grace));
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).ToList();
        // The connection drops before Marketo handles the call: nothing lands, but the client cannot know that.
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "reset", count = 1 })).EnsureSuccessStatusCode();
        var logger = session.CreateActivityLogger();
        var prepared = Requests(people, 50).Select(r => logger.Prepare(r, DateTimeOffset.UtcNow)).ToList();
        await logger.AddAsync(prepared, CancellationToken.None);
        var first = await logger.FlushAsync(CancellationToken.None);
        Assert.Contains("may still arrive", first.StoppedBecause);
        // Within the grace period: looked up, not sent again; activities logged meanwhile go on regardless.
        var later = Requests(people, 10).Select(r => logger.Prepare(r, DateTimeOffset.UtcNow)).ToList();
        await logger.AddAsync(later, CancellationToken.None);
        var again = await logger.FlushAsync(CancellationToken.None);
        Assert.Contains("may still arrive", again.StoppedBecause);
        Assert.Equal(10, again.MarketoDelivered);
        Assert.All(session.GetActivities(new Core.Store.ActivityQuery { ActivityIds = prepared.Select(a => a.ActivityId).ToList() }), a => Assert.Equal(DeliveryState.Sending, a.Marketo.State));
        Assert.Equal(2, await CallsAsync(sb, "marketo", "POST /rest/v1/activities/external.json"));

        await Task.Delay(grace + TimeSpan.FromMilliseconds(200));
        var last = await logger.FlushAsync(CancellationToken.None);
        Assert.Null(last.StoppedBecause);
        var stored = session.GetActivities(new Core.Store.ActivityQuery()).ToList();
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Marketo.State));
        await AssertExactlyOnceAsync(sb, stored);
    }

    [Fact]
    public async Task AnOutcomeNoLookupCanConfirmIsFailedAsUnconfirmedAndCanBeRetried()
    {
        // Give up at once (the default is a day) once the lookup cannot be made.
        var (sb, temp, session) = await SyncedAsync(300, 47, OutcomeGrace.None with { GiveUpAfter = TimeSpan.Zero });
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).ToList();
        // The send drops before Marketo handles it (unknown outcome), and the activity log cannot be read to check.
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "reset", count = 1 })).EnsureSuccessStatusCode();
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "faults"), new { service = "marketo", path = "/rest/v1/activities/pagingtoken.json", kind = "error", code = "1003", count = 1 })).EnsureSuccessStatusCode();
        var logger = session.CreateActivityLogger();
        var prepared = Requests(people, 20).Select(r => logger.Prepare(r, DateTimeOffset.UtcNow)).ToList();
        await logger.AddAsync(prepared, CancellationToken.None);
        var first = await logger.FlushAsync(CancellationToken.None);
        Assert.Contains("marked Failed (unconfirmed)", first.StoppedBecause);
        var failed = session.GetActivities(new Core.Store.ActivityQuery { ActivityIds = prepared.Select(a => a.ActivityId).ToList() }).ToList();
        Assert.All(failed, a =>
        {
            Assert.Equal(DeliveryState.Failed, a.Marketo.State);
            Assert.StartsWith(ActivityOutbox.UnconfirmedPrefix, a.Marketo.Reason);
        });
        // Nothing was resent blind; after checking (nothing arrived), the admin retries them: each lands once.
        Assert.Equal(1, await CallsAsync(sb, "marketo", "POST /rest/v1/activities/external.json"));
        Assert.Equal((20, 0), await session.RequeueFailedActivitiesAsync(null, CancellationToken.None));
        var retried = await logger.FlushAsync(CancellationToken.None);
        Assert.Null(retried.StoppedBecause);
        var stored = session.GetActivities(new Core.Store.ActivityQuery()).ToList();
        Assert.All(stored, a => Assert.Equal(DeliveryState.Delivered, a.Marketo.State));
        await AssertExactlyOnceAsync(sb, stored);
    }

    [Fact]
    public async Task HeldSendsReleasedUncheckedBecauseTheGuardWasTurnedOffAreOnTheGuardOffList()
    {
        var (sb, temp, session) = await SyncedAsync(200, 49);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var unsubscribed = session.GetPeople(PersonQuery.All).Where(p => p.Email is not null && p.Unsubscribed).Take(2).ToList();
        Assert.Equal(2, unsubscribed.Count);
        // Held for their check while the guard was on, then the sender stopped; the admin turns the guard off.
        var sender = session.CreateActivityLogger();
        var held = unsubscribed.Select(p => sender.Prepare(new ActivityRequest
        {
            Kind = SalesActivityKind.EmailSent, MarketoId = p.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "Held", ["sentBy"] = "rep@example.com" },
        }, DateTimeOffset.UtcNow)).ToList();
        foreach (var a in held) sender.Hold(a);
        sender.Abandon(held.Select(a => a.ActivityId).ToList());
        session.Store.Settings.SaveActivities(session.Store.Settings.Activities with { UnsubscribeGuard = false });

        var report = await session.DeliverPendingActivitiesAsync(CancellationToken.None);
        Assert.Equal(2, report.MarketoDelivered); // released without a check: the guard is off
        var listed = GuardOffSendLog.Since(session.Store.Database, DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(held.Select(a => a.ActivityId).Order(), listed.Select(r => r.ActivityId).Order());
        Assert.All(listed, r => Assert.Equal("rep@example.com", r.SentBy));
    }

    [Fact]
    public async Task SentEmailsHeldForTheirCheckWhenTheSenderStoppedAreCheckedBeforeTheNextDelivery()
    {
        var (sb, temp, session) = await SyncedAsync(400, 48);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).Where(p => p.Email is not null).ToList();
        var unsubscribed = people.Where(p => p.Unsubscribed).Take(3).ToList();
        var subscribed = people.Where(p => !p.Unsubscribed).Take(5).ToList();
        Assert.Equal(3, unsubscribed.Count);
        // A sender held these for their check, then stopped (Ctrl+C or a crash) before the check answered.
        var sender = session.CreateActivityLogger();
        var held = unsubscribed.Concat(subscribed).Select(p => sender.Prepare(new ActivityRequest
        {
            Kind = SalesActivityKind.EmailSent, MarketoId = p.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "Held" },
        }, DateTimeOffset.UtcNow)).ToList();
        foreach (var a in held) sender.Hold(a);
        sender.Abandon(held.Select(a => a.ActivityId).ToList());
        Assert.All(session.GetActivities(new Core.Store.ActivityQuery()), a => Assert.Equal(DeliveryState.Held, a.Marketo.State));
        Assert.True(session.PendingActivityCount >= held.Count); // deliveries: Marketo and, for most, Salesforce

        var report = await session.DeliverPendingActivitiesAsync(CancellationToken.None);
        Assert.Equal(subscribed.Count, report.MarketoDelivered);
        var stored = session.GetActivities(new Core.Store.ActivityQuery()).ToList();
        var delivered = stored.Where(a => a.Marketo.State == DeliveryState.Delivered).ToList();
        Assert.Equal(subscribed.Select(p => p.MarketoId).Order(), delivered.Select(a => a.MarketoId).Order());
        // The unsubscribed ones are never delivered, and kept on record as Refused with the reason (review D1).
        var refused = stored.Where(a => a.Marketo.State == DeliveryState.Refused).ToList();
        Assert.Equal(unsubscribed.Select(p => p.MarketoId).Order(), refused.Select(a => a.MarketoId).Order());
        Assert.All(refused, a => Assert.StartsWith("Unsubscribed:", a.Marketo.Reason));
        await AssertExactlyOnceAsync(sb, delivered);
    }

    [Fact]
    public async Task APersonDeletedInMarketoAfterTheSyncIsRefusedPerRecordAndTheOthersLand()
    {
        var (sb, temp, session) = await SyncedAsync(300, 46);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        await session.InstallActivityTypesAsync(false, CancellationToken.None);
        var people = session.GetPeople(PersonQuery.All).Take(3).ToList();
        (await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{people[1].MarketoId}"))).EnsureSuccessStatusCode();

        var logged = await LogAsync(session, people.Select(p => new ActivityRequest
        {
            Kind = SalesActivityKind.EmailOpened, MarketoId = p.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "Hello" },
        }));
        var stored = session.GetActivities(new Core.Store.ActivityQuery { ActivityIds = logged.Select(a => a.ActivityId).ToList() }).ToDictionary(a => a.MarketoId);
        Assert.Equal(DeliveryState.Failed, stored[people[1].MarketoId].Marketo.State);
        Assert.StartsWith("1004", stored[people[1].MarketoId].Marketo.Reason);
        Assert.Equal(DeliveryState.Delivered, stored[people[0].MarketoId].Marketo.State);
        Assert.Equal(DeliveryState.Delivered, stored[people[2].MarketoId].Marketo.State);
    }

    [Fact]
    public async Task BadRequestsAreClearPerItemErrors()
    {
        var (sb, temp, session) = await SyncedAsync(1500, 44);
        await using var _ = sb;
        using var __ = temp;
        using var ___ = session;
        var logger = session.CreateActivityLogger();
        var someone = session.GetPeople(PersonQuery.All).First();
        var duplicate = session.GetPeople(new PersonQuery { DuplicatesOnly = true }).First();
        SalesActivityException Fails(ActivityRequest r) => Assert.Throws<SalesActivityException>(() => logger.Prepare(r, DateTimeOffset.UtcNow));
        var subject = new Dictionary<string, string?> { ["subject"] = "Hello" };

        Assert.Equal(ActivityFailureReason.PersonNotSynced, Fails(new() { Kind = SalesActivityKind.EmailSent, MarketoId = 99_999_999, Attributes = subject }).Reason);
        Assert.Equal(ActivityFailureReason.PersonNotSynced, Fails(new() { Kind = SalesActivityKind.EmailSent, Email = "nobody@nowhere.example", Attributes = subject }).Reason);
        Assert.Equal(ActivityFailureReason.AmbiguousEmail, Fails(new() { Kind = SalesActivityKind.EmailSent, Email = duplicate.Email!.ToUpperInvariant(), Attributes = subject }).Reason);
        Assert.Equal(ActivityFailureReason.MissingPerson, Fails(new() { Kind = SalesActivityKind.EmailSent, Attributes = subject }).Reason);
        Assert.Equal(ActivityFailureReason.MissingAttribute, Fails(new() { Kind = SalesActivityKind.EmailClicked, MarketoId = someone.MarketoId, Attributes = subject }).Reason);
        Assert.Equal(ActivityFailureReason.ValueTooLong, Fails(new() { Kind = SalesActivityKind.EmailSent, MarketoId = someone.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = new string('x', 256) } }).Reason);
        Assert.Equal(ActivityFailureReason.InvalidValue, Fails(new() { Kind = SalesActivityKind.CallReceived, MarketoId = someone.MarketoId, Attributes = new Dictionary<string, string?> { ["callStatus"] = "completed", ["durationSeconds"] = "long" } }).Reason);
        Assert.Equal(ActivityFailureReason.UnknownAttribute, Fails(new() { Kind = SalesActivityKind.EmailSent, MarketoId = someone.MarketoId, Attributes = new Dictionary<string, string?> { ["subject"] = "Hi", ["callStatus"] = "completed" } }).Reason);
        Assert.Equal(ActivityFailureReason.InvalidValue, Fails(new() { Kind = SalesActivityKind.EmailSent, MarketoId = someone.MarketoId, Attributes = subject, OccurredAt = DateTimeOffset.UtcNow.AddDays(2) }).Reason);

        // The same email in another case, unique: found; an emoji at the cut of a long subject is never split in the Task subject.
        var unique = session.GetPeople(PersonQuery.All).First(p => p.Email is not null && session.GetPeople(new PersonQuery { Email = p.Email }).Count() == 1);
        var ok = logger.Prepare(new() { Kind = SalesActivityKind.EmailSent, Email = unique.Email!.ToUpperInvariant(), Attributes = new Dictionary<string, string?> { ["subject"] = new string('y', 230) + "🚀🚀🚀" } }, DateTimeOffset.UtcNow);
        Assert.Equal(unique.MarketoId, ok.MarketoId);
        var taskSubject = SalesforceTask.Subject(ok);
        Assert.True(taskSubject.Length <= 255 && taskSubject.EndsWith($" [{ok.ActivityId}]", StringComparison.Ordinal) && !char.IsHighSurrogate(taskSubject[^(ok.ActivityId.Length + 4)]), taskSubject);
    }

    /// <summary>Every stored activity is in Marketo exactly once (by its id attribute) and, where delivered, in Salesforce exactly once.</summary>
    private static async Task AssertExactlyOnceAsync(RunningSandbox sb, IReadOnlyList<SalesActivity> stored)
    {
        var types = await DumpAsync(sb, "custom-activity-types");
        var typeIds = string.Join(',', types.Select(t => t["id"]!.ToString()));
        var inMarketo = (await DumpAsync(sb, $"activities?typeId={typeIds}"))
            .Select(a => a["attributes"]!.AsArray().Single(x => x!["name"]!.GetValue<string>() == "SalesSync Activity ID")!["value"]!.GetValue<string>())
            .GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stored.Select(a => a.ActivityId).Order(), inMarketo.Keys.Order());
        Assert.All(inMarketo, p => Assert.Equal(1, p.Value));

        var tasks = await DumpAsync(sb, "salesforce/Task");
        var inSalesforce = tasks.Where(t => t["IsDeleted"]?.GetValue<bool>() != true).Select(t => t["Subject"]!.GetValue<string>())
            .Select(s => s[(s.LastIndexOf('[') + 1)..^1]).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(stored.Where(a => a.Salesforce.State == DeliveryState.Delivered).Select(a => a.ActivityId).Order(), inSalesforce.Keys.Order());
        Assert.All(inSalesforce, p => Assert.Equal(1, p.Value));
    }
}
