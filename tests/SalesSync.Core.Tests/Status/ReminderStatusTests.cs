using SalesSync.Core.Activities;
using SalesSync.Core.Reminders;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Status;

/// <summary>
/// Get-SalesSyncStatus's reminder facts, lines and rules (ReminderPushFailed, ReminderPassStale) on a database prepared
/// in the test: reminders, conflicts and the cursor written through ReminderStore, the setting through SettingsStore.
/// The setting stamps its enable with the real clock, so each test's "now" is placed relative to that stamp.
/// </summary>
public sealed class ReminderStatusTests : IDisposable
{
    private static readonly CallCounters Quiet = new(0, 10_000, null, true, null, null, 0.9);

    private readonly TempFolder _temp = new();
    private readonly StoreLease _lease;

    public ReminderStatusTests() => _lease = StoreRegistry.Open(_temp.File("reminder-status.db"), "123-abc-456.mktorest.com", null);

    private SyncStore Store => _lease.Store;

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private DateTimeOffset TurnOn() => Store.Settings.SaveActivities(Store.Settings.Activities with { ReminderSync = ReminderSyncMode.TwoWay }).ReminderSyncEnabledAt!.Value;

    private SyncStatusReport Report(DateTimeOffset now) => SyncStatusReport.Of(StatusReader.Read(Store, Quiet, now));

    private static IEnumerable<HealthFinding> ReminderFindings(SyncStatusReport report) =>
        report.Findings.Where(f => f.Rule is HealthRules.ReminderPushFailed or HealthRules.ReminderPassStale);

    /// <summary>The report's only reminder finding is this rule's, NeedsAttention, with this message.</summary>
    private static void OnlyFinding(SyncStatusReport report, string rule, string message)
    {
        var finding = Assert.Single(ReminderFindings(report));
        Assert.Equal((rule, HealthState.NeedsAttention, message), (finding.Rule, finding.State, finding.Message));
    }

    private static DateOnly Today(DateTimeOffset now) => DateOnly.FromDateTime(now.LocalDateTime);

    /// <summary>A reminder whose Task agrees with it (Synced), due <paramref name="dueInDays"/> from today; <paramref name="change"/> makes it otherwise.</summary>
    private static ReminderRecord Reminder(DateTimeOffset now, ReminderStatus status, int dueInDays, Func<ReminderRecord, ReminderRecord>? change = null)
    {
        var values = new ReminderValues("Call Ana back", status, ReminderPriority.Normal, Today(now).AddDays(dueInDays), null);
        var synced = new ReminderRecord
        {
            Id = ReminderRecord.NewId(),
            MarketoId = 1,
            WhoId = "003000000000001AAA",
            OwnerId = "005000000000001AAA",
            Values = values,
            Base = values,
            Origin = ReminderOrigin.Local,
            CreatedAt = now.AddDays(-3),
            ModifiedAt = now.AddDays(-3),
            PushEligible = true,
            SalesforceTaskId = "00T" + Guid.NewGuid().ToString("N")[..15],
        };
        return change?.Invoke(synced) ?? synced;
    }

    private static ReminderConflict Conflict(ReminderRecord r, DateTimeOffset at) => new()
    {
        ConflictId = 0,
        ReminderId = r.Id,
        MarketoId = r.MarketoId,
        SalesforceTaskId = r.SalesforceTaskId,
        ResolvedAt = at,
        Kind = "SameField",
        Fields = "DueDate",
        Winner = "Salesforce",
    };

    [Fact]
    public void WhileReminderSyncIsOffNothingIsReadAndNoRuleFinds()
    {
        var now = DateTimeOffset.UtcNow.AddDays(5);
        var refused = Reminder(now, ReminderStatus.Open, -2, r => r with { Values = r.Values with { Subject = "Edited" }, LastError = "UNABLE_TO_LOCK_ROW: busy" });
        Store.Reminders.Save([refused], [Conflict(refused, now.AddHours(-1))], new ReminderSyncCursor { LastPassAt = now.AddDays(-4) });

        var report = Report(now);
        Assert.Empty(ReminderFindings(report));
        Assert.Equal(ReminderSyncMode.Off, report.Facts.ReminderSync);
        Assert.Equal((0, 0, 0, 0, 0), (report.Facts.RemindersOpen, report.Facts.RemindersOverdue, report.Facts.RemindersPending, report.Facts.RemindersFailed, report.Facts.ReminderConflictsRecent));
        Assert.Null(report.Facts.ReminderLastPassAt);
        Assert.Equal("off (Set-SalesActivitySetting -ReminderSync TwoWay)", report.RemindersLine);
        Assert.Equal("", report.ReminderPassLine);
    }

    [Fact]
    public void RemindersAreCountedOpenOverduePendingFailedAndConflictsOfTheLastSevenDays()
    {
        var now = TurnOn().AddHours(5);
        ReminderRecord[] records =
        [
            Reminder(now, ReminderStatus.Open, -1),                                    // overdue, synced
            Reminder(now, ReminderStatus.Open, 0),                                     // due today: not overdue
            Reminder(now, ReminderStatus.Complete, -7),                                // done: neither
            Reminder(now, ReminderStatus.Open, -3, r => r with { Deleted = true, DeletedAt = now, DeletedIn = ReminderOrigin.Salesforce, SalesforceDeleted = true }),
            Reminder(now, ReminderStatus.Open, 2, r => r with { SalesforceTaskId = null, Base = null }),               // a create to send: pending
            Reminder(now, ReminderStatus.Open, 2, r => r with { SalesforceTaskId = null, Base = null, SendingSince = now.AddMinutes(-1) }), // a create in doubt: pending
            Reminder(now, ReminderStatus.Open, 3, r => r with { SalesforceTaskId = null, Base = null, PushEligible = false }),             // made while off: stays local
            Reminder(now, ReminderStatus.Open, 4, r => r with { Values = r.Values with { Priority = ReminderPriority.High }, LastError = "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record" }),
            Reminder(now, ReminderStatus.Open, 4, r => r with { Values = r.Values with { Details = "Ask about Q3" }, LastError = "FIELD_CUSTOM_VALIDATION_EXCEPTION: Description is locked" }),
            Reminder(now, ReminderStatus.Open, 5, r => r with { Values = r.Values with { Details = "Ask about Q4" }, LastError = "UNABLE_TO_LOCK_ROW: again" }),
            Reminder(now, ReminderStatus.Open, 1, r => r with { Deleted = true, DeletedAt = now, DeletedIn = ReminderOrigin.Local }),            // a delete to send: pending
        ];
        Store.Reminders.Save(records,
            [Conflict(records[0], now.AddDays(-2)), Conflict(records[1], now.AddDays(-8)), Conflict(records[1], now.AddMinutes(-5))],
            new ReminderSyncCursor { EnabledAt = now.AddHours(-5), LastPassAt = now.AddHours(-2), Since = now.AddHours(-3) });

        var report = Report(now);
        var f = report.Facts;
        Assert.Equal(ReminderSyncMode.TwoWay, f.ReminderSync);
        Assert.Equal((8, 1), (f.RemindersOpen, f.RemindersOverdue));
        Assert.Equal((3, 3), (f.RemindersPending, f.RemindersFailed));
        Assert.Equal("UNABLE_TO_LOCK_ROW=2; FIELD_CUSTOM_VALIDATION_EXCEPTION=1", StatusText.AllReasons(f.ReminderFailedByReason));
        Assert.Equal(2, f.ReminderConflictsRecent);
        Assert.Equal("8 open, 1 overdue; 3 pending, 3 failed; 2 conflicts in 7 d", report.RemindersLine);
        Assert.Equal("2 h ago; watermark 3 h old", report.ReminderPassLine);

        OnlyFinding(report, HealthRules.ReminderPushFailed, "3 reminders refused by Salesforce: 2 UNABLE_TO_LOCK_ROW, 1 other");
    }

    [Fact]
    public void APassOlderThanADayIsStaleWhileOn()
    {
        var on = TurnOn();
        var now = on.AddDays(3);
        Store.Reminders.Save([], cursor: new ReminderSyncCursor { EnabledAt = on, LastPassAt = now.AddHours(-23), Since = now.AddDays(-2) });
        Assert.Empty(ReminderFindings(Report(now)));
        Assert.Equal("23 h ago; watermark 2 d old", Report(now).ReminderPassLine); // an idle org: the watermark does not move, and that is not stale

        Store.Reminders.Save([], cursor: new ReminderSyncCursor { EnabledAt = on, LastPassAt = now.AddHours(-36), Since = now.AddDays(-2) });
        OnlyFinding(Report(now), HealthRules.ReminderPassStale, "last reminder pass 1.5 d ago; run Sync-SalesReminder or Start-SalesSync");
    }

    [Fact]
    public void NoPassYetIsCountedFromTheEnableAndAReEnableStartsTheClockAgain()
    {
        var on = TurnOn();
        Assert.Empty(ReminderFindings(Report(on.AddHours(23))));
        Assert.StartsWith("none yet (on since ", Report(on.AddHours(23)).ReminderPassLine);
        OnlyFinding(Report(on.AddHours(30)), HealthRules.ReminderPassStale, "no reminder pass since reminder sync was turned on 1.3 d ago; run Sync-SalesReminder");

        // A pass of an earlier enable, days before this one: judged from the enable, not from that pass.
        Store.Reminders.Save([], cursor: new ReminderSyncCursor { EnabledAt = on.AddDays(-10), LastPassAt = on.AddDays(-3), Since = on.AddDays(-3) });
        Assert.Empty(ReminderFindings(Report(on.AddHours(2))));
        Assert.Contains("turned on", Assert.Single(ReminderFindings(Report(on.AddDays(2)))).Message);
    }

    [Fact]
    public void TurningItOffSilencesItsRules()
    {
        var on = TurnOn();
        Store.Reminders.Save([Reminder(on, ReminderStatus.Open, 1, r => r with { Values = r.Values with { Subject = "Edited" }, LastError = "UNABLE_TO_LOCK_ROW: busy" })],
            cursor: new ReminderSyncCursor { EnabledAt = on, LastPassAt = on });
        Assert.Equal(2, ReminderFindings(Report(on.AddDays(2))).Count());
        Store.Settings.SaveActivities(Store.Settings.Activities with { ReminderSync = ReminderSyncMode.Off });
        Assert.Empty(ReminderFindings(Report(on.AddDays(2))));
    }
}
