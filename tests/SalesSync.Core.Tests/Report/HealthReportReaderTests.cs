using LiteDB;
using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.Core.Report;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>
/// The health report's numbers against counts recomputed from the raw rows of a small database written through the
/// stores (the paths the sync, Send-SalesActivity and the opt-out step use): every figure the reader returns from an
/// aggregate (the delivery tally, the email index, runs back to Since) equals what the rows say.
/// </summary>
public sealed class HealthReportReaderTests : IDisposable
{
    private static readonly CallCounters Counters = new(12, 10_000, null, true, null, null, 0.9);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);

    private readonly TempFolder _temp = new();
    private StoreLease _lease;

    public HealthReportReaderTests() => _lease = Open();

    private StoreLease Open() => StoreRegistry.Open(_temp.File("report.db"), "123-abc-456.mktorest.com", null);

    private SyncStore Store => _lease.Store;

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private HealthReport Read(DateTimeOffset since) => HealthReportReader.Read(Store, Counters, since, Now);

    private static PersonRecord Person(long id, string? email, string? contact = null) => new()
    {
        MarketoId = id,
        Email = email,
        SalesforceType = contact is null ? "Lead" : "Contact",
        SalesforceLeadId = contact is null ? $"00Q5g0000000{id:000}AAA" : null,
        SalesforceContactId = contact,
        SalesOwnerId = "005000000000001AAA",
        SyncedAt = Now.AddDays(-1),
    };

    private static SalesActivity Activity(SalesActivityKind kind, long person, DateTimeOffset logged, Delivery marketo, Delivery? salesforce = null) => new()
    {
        ActivityId = SalesActivity.NewId(),
        Kind = kind,
        MarketoId = person,
        Email = $"p{person}@example.com",
        SalesOwnerId = "005000000000001AAA",
        OccurredAt = logged.AddMinutes(-1),
        LoggedAt = logged,
        Marketo = marketo,
        Salesforce = salesforce ?? Delivery.NotRequired,
    };

    private static Delivery Refused(string errorId) => new(DeliveryState.Refused, null, $"{errorId}: the sales email is refused", 0, Now);

    /// <summary>A mix of kinds and states, then some state changes (delivered, failed, requeued) through Save and RequeueFailed.</summary>
    private void LogActivities()
    {
        var activities = new List<SalesActivity>
        {
            Activity(SalesActivityKind.EmailSent, 1, Now.AddHours(-5), Delivery.Pending, Delivery.Pending),
            Activity(SalesActivityKind.EmailSent, 2, Now.AddHours(-4), new Delivery(DeliveryState.Held), new Delivery(DeliveryState.Held)),
            Activity(SalesActivityKind.EmailSent, 3, Now.AddDays(-2), Refused("Unsubscribed"), Refused("Unsubscribed")),
            Activity(SalesActivityKind.EmailSent, 4, Now.AddDays(-3), Refused("OptedOutInSalesforce")),
            Activity(SalesActivityKind.EmailSent, 5, Now.AddDays(-40), Refused("Unsubscribed")),
            Activity(SalesActivityKind.EmailSent, 6, Now.AddDays(-1), Refused("NoEmailToCheck")),
            Activity(SalesActivityKind.EmailOpened, 1, Now.AddDays(-1), Delivery.Pending),
            Activity(SalesActivityKind.CallReceived, 2, Now.AddDays(-1).AddMinutes(-2), Delivery.Pending, Delivery.Pending),
            Activity(SalesActivityKind.AddedToCampaign, 3, Now.AddDays(-1).AddMinutes(-1), new Delivery(DeliveryState.Sending, At: Now.AddDays(-1))),
        };
        Store.Activities.Add(activities);
        var opened = activities[6];
        var call = activities[7];
        Store.Activities.Save([
            opened with { Marketo = new Delivery(DeliveryState.Delivered, "m1", null, 1, Now) },
            call with { Marketo = new Delivery(DeliveryState.Failed, null, "1003: invalid", 1, Now), Salesforce = new Delivery(DeliveryState.Failed, null, "INACTIVE_OWNER_OR_USER: inactive", 1, Now) },
        ]);
        Store.Activities.Add([Activity(SalesActivityKind.EmailClicked, 4, Now.AddDays(-1).AddMinutes(-3), new Delivery(DeliveryState.Failed, null, "1003: invalid", 1, Now))]);
        Store.Activities.RequeueFailed(null);
        Store.Activities.Save([Store.Activities.Find(call.ActivityId)! with { Marketo = new Delivery(DeliveryState.Failed, null, "1003: invalid", 1, Now) }]);
    }

    /// <summary>Deliveries per kind, destination and state counted from the raw documents.</summary>
    private List<DeliveryRow> RawDeliveryRows()
    {
        var rows = new List<DeliveryRow>();
        var docs = Store.Database.GetCollection("activities").FindAll().ToList();
        foreach (var kind in Enum.GetValues<SalesActivityKind>())
            foreach (var destination in new[] { "Marketo", "Salesforce" })
            {
                var states = docs.Where(d => d["kind"].AsString == kind.ToString()).Select(d => d[destination.ToLowerInvariant()]["state"].AsString).ToList();
                long N(DeliveryState s) => states.Count(x => x == s.ToString());
                if (states.All(s => s == nameof(DeliveryState.NotRequired))) continue;
                rows.Add(new DeliveryRow(kind.ToString(), destination, N(DeliveryState.Pending), N(DeliveryState.Held), N(DeliveryState.Sending),
                    N(DeliveryState.Delivered), N(DeliveryState.Failed), N(DeliveryState.Refused)));
            }
        return rows;
    }

    [Fact]
    public void DeliveryRowsReasonsAndOldestEqualTheRawRows()
    {
        LogActivities();
        var report = Read(Now.AddDays(-30));
        Assert.Equal(RawDeliveryRows(), report.Delivery.Rows);
        var docs = Store.Database.GetCollection("activities").FindAll().ToList();
        Assert.Equal(docs.Count, report.Delivery.TotalActivities);

        // Failed and refused by reason: each activity once, under Marketo's reason when Marketo is in the state.
        List<ReasonCount> Reasons(DeliveryState state) => docs
            .Where(d => d["marketo"]["state"].AsString == state.ToString() || d["salesforce"]["state"].AsString == state.ToString())
            .Select(d => StatusText.ReasonKey((d["marketo"]["state"].AsString == state.ToString() ? d["marketo"] : d["salesforce"])["reason"].AsString))
            .GroupBy(r => r).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => new ReasonCount(g.Key, g.Count())).ToList();
        Assert.Equal(Reasons(DeliveryState.Failed), report.Delivery.FailedByReason);
        Assert.Equal(Reasons(DeliveryState.Refused), report.Delivery.RefusedByReason);
        Assert.Equal([new ReasonCount("1003", 1)], report.Delivery.FailedByReason);

        var unsettled = docs.Where(d => new[] { "marketo", "salesforce" }.Any(s => d[s]["state"].AsString is "Pending" or "Sending" or "Held"))
            .OrderBy(d => d["loggedAt"].AsDateTime).First();
        Assert.Equal(unsettled["_id"].AsString, report.Delivery.OldestPendingActivityId);
        Assert.Equal(Bson.Utc(unsettled["loggedAt"]), report.Delivery.OldestPendingAt);

        // The headline is Get-SalesSyncStatus's: the same facts, findings and verdict.
        var status = SyncStatusReport.Of(StatusReader.Read(Store, Counters, Now));
        Assert.Equal(status.Health, report.State);
        Assert.Equal(status.Findings.Select(f => f.Message), report.Findings.Select(f => f.Message));
        Assert.Equal((status.Facts.Marketo, status.Facts.Salesforce, status.Facts.ActivitiesPending), (report.Facts.Marketo, report.Facts.Salesforce, report.Facts.ActivitiesPending));
    }

    [Fact]
    public void TallyOfAnOlderDatabaseIsCountedOnceFromItsRows()
    {
        LogActivities();
        var expected = RawDeliveryRows();
        // A database from before the tally: no tally collection. The next open counts the rows once.
        Store.Database.DropCollection("activity_tally");
        _lease.Dispose();
        _lease = Open();
        Assert.Equal(expected, Read(Now.AddDays(-30)).Delivery.Rows);
        Store.Activities.Add([Activity(SalesActivityKind.EmailOpened, 9, Now, Delivery.Pending)]);
        Assert.Equal(RawDeliveryRows(), Read(Now.AddDays(-30)).Delivery.Rows);
    }

    [Fact]
    public void RefusedSendsAreTheUnsubscribedAndOptedOutSentEmailsSinceNewestFirst()
    {
        LogActivities();
        var since = Now.AddDays(-30);
        var compliance = Read(since).Compliance;
        var expected = Store.Database.GetCollection("activities").FindAll()
            .Where(d => d["kind"].AsString == nameof(SalesActivityKind.EmailSent) && d["marketo"]["state"].AsString == nameof(DeliveryState.Refused)
                        && StatusText.ReasonKey(d["marketo"]["reason"].AsString) is "Unsubscribed" or "OptedOutInSalesforce" && Bson.Utc(d["loggedAt"]) >= since)
            .OrderByDescending(d => d["loggedAt"].AsDateTime).ToList();
        Assert.Equal(2, expected.Count); // the one logged 40 days ago and the one without an email to check are not listed
        Assert.Equal(expected.Count, compliance.RefusedSendsTotal);
        Assert.Equal(expected.Select(d => d["_id"].AsString), compliance.RefusedSends.Select(r => r.ActivityId));
        Assert.Equal(["Unsubscribed", "OptedOutInSalesforce"], compliance.RefusedSends.Select(r => r.Reason));
        Assert.All(compliance.RefusedSends, r => Assert.Equal(OwnerDirectory.NameOf(Store, r.SalesOwnerId!), r.SellerName));
        Assert.All(compliance.RefusedSends, r => Assert.Equal("005000000000001AAA", r.SalesOwnerId));
        Assert.True(compliance.GuardOn);
        Assert.Equal(3, Read(Now.AddDays(-60)).Compliance.RefusedSendsTotal);
    }

    [Fact]
    public void OptOutsPushedSinceCarryThePersonTheirIdMapsTo()
    {
        const string contact = "0035g000000ABCDAAA";
        Store.People.Upsert([Person(1, "ana@example.com", contact), Person(2, "ben@example.com")], runId: 1);
        Store.OptOuts.Save([
            new SalesforceOptOut { Id = contact, Type = "Contact", OptedOut = true, EverOptedOut = true, PushedAt = Now.AddDays(-2), SeenAt = Now },
            new SalesforceOptOut { Id = "00Q5g0000000999AAA", Type = "Lead", OptedOut = true, EverOptedOut = true, PushedAt = Now.AddDays(-1), SeenAt = Now },
            new SalesforceOptOut { Id = "00Q5g0000000002AAA", Type = "Lead", OptedOut = true, EverOptedOut = true, PushedAt = Now.AddDays(-45), SeenAt = Now },
            new SalesforceOptOut { Id = "00Q5g0000000003AAA", Type = "Lead", OptedOut = true, EverOptedOut = true, SeenAt = Now },
        ]);
        var compliance = Read(Now.AddDays(-30)).Compliance;
        Assert.Equal(2, compliance.OptOutsPushedTotal);
        Assert.Equal([
            new OptOutPush("00Q5g0000000999AAA", "Lead", null, null, Now.AddDays(-1)),
            new OptOutPush(contact, "Contact", 1, "ana@example.com", Now.AddDays(-2)),
        ], compliance.OptOutsPushed);
        Assert.Equal(3, Read(Now.AddDays(-60)).Compliance.OptOutsPushedTotal);
    }

    [Fact]
    public void DuplicatesAndPeopleWithoutEmailEqualTheRawRows()
    {
        string?[] emails = ["a@example.com", "A@Example.com", "a@example.com", "b@example.com", "b@example.com", "c@example.com", null, "", "d@example.com", null];
        Store.People.Upsert(emails.Select((e, i) => Person(i + 1, e)).ToList(), runId: 1);
        var quality = Read(Now.AddDays(-30)).Quality;
        var people = Store.Database.GetCollection("people").FindAll().Select(d => Bson.Text(d, "email")).ToList();
        var groups = people.Where(e => !string.IsNullOrEmpty(e)).GroupBy(e => e!.ToLowerInvariant()).Where(g => g.Count() > 1).ToList();
        Assert.Equal(people.Count, quality.People);
        Assert.Equal(people.Count(string.IsNullOrEmpty), quality.WithoutEmail);
        Assert.Equal(groups.Count, quality.DuplicateEmails);
        Assert.Equal(groups.Sum(g => g.Count()), quality.PeopleSharingAnEmail);
        Assert.Equal([(3L, "1,2,3"), (2L, "4,5")], quality.TopDuplicates.Select(d => (d.People, d.MarketoIds)));
        Assert.Equal("b@example.com", quality.TopDuplicates[1].Email);
        Assert.Equal((3L, 2L, 5L), (quality.WithoutEmail, quality.DuplicateEmails, quality.PeopleSharingAnEmail));
    }

    [Fact]
    public void RunsPerMarketoDayCountWatchPollsAndStopAtSince()
    {
        // Marketo's day is US Central: 03:00Z on Dec 6 is still Dec 5 there.
        var starts = new (DateTimeOffset At, bool Watch, SyncRunStatus Status)[]
        {
            (Now.AddDays(-40), false, SyncRunStatus.Completed),
            (new(2026, 12, 6, 3, 0, 0, TimeSpan.Zero), false, SyncRunStatus.Completed),
            (new(2026, 12, 6, 3, 5, 0, TimeSpan.Zero), true, SyncRunStatus.Completed),
            (new(2026, 12, 6, 18, 0, 0, TimeSpan.Zero), true, SyncRunStatus.Failed),
            (new(2026, 12, 7, 14, 0, 0, TimeSpan.Zero), false, SyncRunStatus.Stopped),
        };
        foreach (var (at, watch, status) in starts)
            Store.Runs.Save(Store.Runs.Start("Incremental", "Rest", []) with
            {
                StartedAt = at, Watch = watch, Status = status, EndedAt = at.AddMinutes(watch ? 1 : 10), Added = 2, Updated = 3, MarketoCalls = 5, SalesforceCalls = 1,
            });
        var runs = Read(Now.AddDays(-30)).Runs;
        Assert.Equal((2, 2, 1), (runs.TotalRuns, runs.TotalWatchPolls, runs.TotalFailed));
        Assert.Equal([5, 2], runs.Latest.Select(r => r.RunId));
        Assert.Equal(TimeSpan.FromMinutes(10), runs.Latest[0].Duration);
        Assert.Equal([
            new RunDay(new DateOnly(2026, 12, 5), 1, 1, 0, 0, 4, 6, 0, 10, 2, 0, TimeSpan.FromMinutes(10)),
            new RunDay(new DateOnly(2026, 12, 6), 0, 1, 1, 0, 2, 3, 0, 5, 1, 0, TimeSpan.FromMinutes(1)),
            new RunDay(new DateOnly(2026, 12, 7), 1, 0, 0, 1, 2, 3, 0, 5, 1, 0, TimeSpan.FromMinutes(10)),
        ], runs.Days);
        Assert.Equal(3, Read(Now.AddDays(-60)).Runs.TotalRuns);
    }

    [Fact]
    public void RemindersAreLeftOutWhileReminderSyncIsOffAndCountedWhenOn()
    {
        Assert.Null(Read(Now.AddDays(-30)).Reminders);
        Store.Settings.SaveActivities(Store.Settings.Activities with { ReminderSync = ReminderSyncMode.TwoWay });
        var values = new ReminderValues("Call Ana back", ReminderStatus.Complete, ReminderPriority.Normal, new DateOnly(2026, 12, 1), null);
        var done = new ReminderRecord
        {
            Id = ReminderRecord.NewId(), MarketoId = 1, WhoId = "003000000000001AAA", OwnerId = "005000000000001AAA", Values = values, Base = values,
            Origin = ReminderOrigin.Local, CreatedAt = Now.AddDays(-3), ModifiedAt = Now.AddDays(-3), PushEligible = true,
        };
        ReminderConflict Conflict(DateTimeOffset at) => new()
        {
            ConflictId = 0, ReminderId = done.Id, MarketoId = 1, ResolvedAt = at, Kind = "SameField", Fields = "Subject", Winner = "Salesforce",
            LocalSubject = "Call Ana back", SalesforceSubject = "Call Ana",
        };
        Store.Reminders.Save([done], [Conflict(Now.AddDays(-2)), Conflict(Now.AddDays(-1)), Conflict(Now.AddDays(-50))], new ReminderSyncCursor { LastPassAt = Now.AddHours(-1) });
        var reminders = Read(Now.AddDays(-30)).Reminders!;
        Assert.Equal((1L, 0L, 2L), (reminders.Completed, reminders.Open, reminders.ConflictsSince));
        Assert.Equal([Now.AddDays(-1), Now.AddDays(-2)], reminders.Conflicts.Select(c => c.ResolvedAt));
        Assert.Equal(("Subject", "Call Ana back", "Call Ana", "Salesforce"), (reminders.Conflicts[0].Field, reminders.Conflicts[0].LocalValue, reminders.Conflicts[0].SalesforceValue, reminders.Conflicts[0].Kept));
        Assert.Equal(Now.AddHours(-1), reminders.LastPassAt);
    }
}
