using System.Globalization;
using SalesSync.Core.Activities;
using SalesSync.Core.Reminders;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Report;

/// <summary>
/// Fills <see cref="HealthReport"/> from the database and the connection's counters: local reads only, no API call.
/// Every figure comes from an aggregate the store keeps or reads through an index (the delivery tally, the email
/// index's keys, the state indexes, runs back to Since), so a database of a million people and a million activities
/// reads in seconds without loading every row. The headline is Get-SalesSyncStatus's own facts and rules.
/// Delivery counts are every stored activity's current state (an unsettled or failed one needs attention whatever
/// its age); runs, refused sends, opt-outs pushed, guard changes and reminder conflicts are those since Since.
/// </summary>
internal static class HealthReportReader
{
    /// <summary>The refusals the compliance section lists: the person had unsubscribed or was opted out.</summary>
    private static readonly HashSet<string> ComplianceReasons = new(StringComparer.Ordinal) { "Unsubscribed", "OptedOutInSalesforce" };

    /// <summary>How many Marketo ids a shared email lists.</summary>
    private const int IdsPerDuplicate = 5;

    /// <summary>
    /// The whole report. <paramref name="cancellationToken"/> (Ctrl+C) is checked between sections and every few
    /// thousand keys of the index walks (and a recount of the activity tally), so a stop ends the read promptly.
    /// </summary>
    public static HealthReport Read(SyncStore store, CallCounters counters, DateTimeOffset since, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        T Section<T>(Func<T> read)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return read();
        }
        // Quality first: its walk over the email index counts the people, which the status would count again.
        var quality = Section(() => ReadQuality(store, cancellationToken));
        var facts = Section(() => StatusReader.Read(store, counters, now, (int)quality.People, cancellationToken));
        var findings = HealthRules.Evaluate(facts);
        var report = new HealthReport
        {
            GeneratedAt = now,
            Since = since,
            MarketoInstance = store.MarketoInstance,
            HasSalesforce = counters.HasSalesforce,
            Facts = facts,
            State = HealthRules.Verdict(findings),
            Findings = findings,
            Runs = Section(() => ReadRuns(store, since, now)),
            Budget = Section(() => ApiUsageLedger.ReadSection(store, counters, since)),
            Delivery = Section(() => ReadDelivery(store, facts)),
            Compliance = Section(() => ReadCompliance(store, facts, since)),
            Quality = quality,
            Reminders = facts.ReminderSyncOn ? Section(() => ReadReminders(store, facts, since)) : null,
        };
        cancellationToken.ThrowIfCancellationRequested();
        return report;
    }

    private static RunsSection ReadRuns(SyncStore store, DateTimeOffset since, DateTimeOffset now)
    {
        var runs = store.Runs.StartedSince(since).ToList();
        var byDay = runs.GroupBy(r => Marketo.DailyCallBudget.DayOf(r.StartedAt)).ToDictionary(g => g.Key, g => g.ToList());
        var rows = new List<RunDay>();
        if (byDay.Count > 0)
        {
            // Every day from the first run on, so a day without a run shows as a gap in the chart, not as nothing.
            for (var day = byDay.Keys.Min(); day <= Marketo.DailyCallBudget.DayOf(now); day = day.AddDays(1))
            {
                var list = byDay.GetValueOrDefault(day) ?? [];
                rows.Add(new RunDay(day,
                    Runs: list.Count(r => !r.Watch), WatchPolls: list.Count(r => r.Watch),
                    Failed: list.Count(r => r.Status == SyncRunStatus.Failed), Stopped: list.Count(r => r.Status == SyncRunStatus.Stopped),
                    list.Sum(r => r.Added), list.Sum(r => r.Updated), list.Sum(r => r.Removed),
                    list.Sum(r => r.MarketoCalls), list.Sum(r => r.SalesforceCalls), list.Sum(r => r.BulkBytes),
                    list.Select(r => Duration(r, now)).DefaultIfEmpty(TimeSpan.Zero).Max()));
            }
        }
        return new RunsSection
        {
            Days = rows,
            Latest = runs.Where(r => !r.Watch).Take(RunsSection.ListLimit).Select(r => new RunRow(
                r.RunId, r.StartedAt, r.EndedAt - r.StartedAt, r.Mode, r.Strategy, r.Status.ToString(),
                r.Added, r.Updated, r.Removed, r.MarketoCalls, r.SalesforceCalls, r.Message)).ToList(),
            TotalRuns = runs.Count(r => !r.Watch),
            TotalWatchPolls = runs.Count(r => r.Watch),
            TotalFailed = runs.Count(r => r.Status == SyncRunStatus.Failed),
        };
    }

    /// <summary>A run still running has lasted until now.</summary>
    private static TimeSpan Duration(SyncRunResult run, DateTimeOffset now) => (run.EndedAt ?? now) - run.StartedAt;

    private static DeliverySection ReadDelivery(SyncStore store, StatusFacts facts)
    {
        if (!store.HasActivities)
            return new DeliverySection { Rows = [], FailedByReason = facts.FailedByReason, RefusedByReason = facts.RefusedByReason };
        var tally = store.Activities.DeliveryTally();
        var rows = tally.SelectMany(t => new[] { (t.Kind, Marketo: true, State: t.Marketo, t.Count), (t.Kind, Marketo: false, State: t.Salesforce, t.Count) })
            .Where(t => t.State != DeliveryState.NotRequired)
            .GroupBy(t => (t.Kind, t.Marketo))
            .OrderBy(g => g.Key.Kind).ThenByDescending(g => g.Key.Marketo)
            .Select(g =>
            {
                long Of(DeliveryState state) => g.Where(t => t.State == state).Sum(t => t.Count);
                return new DeliveryRow(g.Key.Kind.ToString(), g.Key.Marketo ? "Marketo" : "Salesforce",
                    Of(DeliveryState.Pending), Of(DeliveryState.Held), Of(DeliveryState.Sending), Of(DeliveryState.Delivered), Of(DeliveryState.Failed), Of(DeliveryState.Refused));
            }).ToList();
        var oldest = store.Activities.OldestUnsettled();
        return new DeliverySection
        {
            Rows = rows,
            FailedByReason = facts.FailedByReason,
            RefusedByReason = facts.RefusedByReason,
            OldestPendingAt = oldest?.LoggedAt,
            OldestPendingActivityId = oldest?.ActivityId,
            TotalActivities = tally.Sum(t => t.Count),
        };
    }

    private static ComplianceSection ReadCompliance(SyncStore store, StatusFacts facts, DateTimeOffset since)
    {
        var refused = !store.HasActivities ? [] : store.Activities.InStateAnywhere(DeliveryState.Refused)
            .Where(a => a.Kind == SalesActivityKind.EmailSent && a.LoggedAt >= since)
            .Select(a => (Activity: a, Reason: StatusText.ReasonKey(a.Marketo.State == DeliveryState.Refused ? a.Marketo.Reason : a.Salesforce.Reason)))
            .Where(r => ComplianceReasons.Contains(r.Reason))
            .OrderByDescending(r => r.Activity.LoggedAt).ThenBy(r => r.Activity.ActivityId, StringComparer.Ordinal)
            .ToList();
        var sellers = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? Seller(string? ownerId) =>
            ownerId is null ? null : sellers.TryGetValue(ownerId, out var name) ? name : sellers[ownerId] = OwnerDirectory.NameOf(store, ownerId);

        // The person's company as synced now (one lookup by id per listed row; the list is at most ListLimit long).
        var hasPeople = store.Database.CollectionExists("people");
        string? CompanyOf(long marketoId) => hasPeople ? store.People.Find(marketoId)?.Company : null;

        var pushed = store.OptOuts.PushedSince(since).OrderByDescending(o => o.PushedAt).ThenBy(o => o.Id, StringComparer.Ordinal).ToList();
        var shown = pushed.Take(ComplianceSection.ListLimit).ToList();
        var people = store.Database.CollectionExists("people") && shown.Count > 0
            ? store.People.FindBySalesforceRecords(shown.Select(o => o.Id).ToList())
            : [];
        var bySalesforceId = new Dictionary<string, People.PersonRecord>(StringComparer.Ordinal);
        foreach (var p in people)
            foreach (var id in new[] { p.SalesforceContactId, p.SalesforceLeadId })
                if (People.SalesforceIds.To18(id) is { } id18) bySalesforceId.TryAdd(id18, p);

        return WithGuardOffSends(store, since, new ComplianceSection
        {
            RefusedSends = refused.Take(ComplianceSection.ListLimit).Select(r => new RefusedSend(
                r.Activity.ActivityId, r.Activity.MarketoId, r.Activity.Email, r.Activity.OccurredAt.ToUniversalTime(), r.Activity.LoggedAt,
                r.Activity.SalesOwnerId, Seller(r.Activity.SalesOwnerId), r.Reason, r.Activity.Attribute(SalesActivityCatalog.SentBy.ApiName)) { Company = CompanyOf(r.Activity.MarketoId) }).ToList(),
            RefusedSendsTotal = refused.Count,
            OptOutsPushed = shown.Select(o => bySalesforceId.GetValueOrDefault(o.Id) is { } p
                ? new OptOutPush(o.Id, o.Type, p.MarketoId, p.Email, o.PushedAt!.Value)
                : new OptOutPush(o.Id, o.Type, null, null, o.PushedAt!.Value)).ToList(),
            OptOutsPushedTotal = pushed.Count,
            GuardChanges = GuardHistory.Read(store, since),
            GuardOn = facts.GuardOn,
        });
    }

    /// <summary>
    /// The compliance section's sent-while-the-guard-was-off part: the rows since Since (newest first, at most ListLimit),
    /// each marked with the person's state now, and how many of all of them went to someone unsubscribed or opted out.
    /// </summary>
    private static ComplianceSection WithGuardOffSends(SyncStore store, DateTimeOffset since, ComplianceSection section)
    {
        var rows = GuardOffSendLog.Since(store.Database, since);
        var hasPeople = store.Database.CollectionExists("people");
        var states = new Dictionary<long, (bool Unsubscribed, bool OptedOut)>();
        (bool Unsubscribed, bool OptedOut) StateOf(long marketoId)
        {
            if (states.TryGetValue(marketoId, out var known)) return known;
            // Opted out as the guard judges it: the person's Salesforce contact or lead (or the contact a lead became).
            var person = hasPeople ? store.People.Find(marketoId) : null;
            return states[marketoId] = (person?.Unsubscribed == true,
                person is not null && store.OptOuts.AnyOptedOut(People.SalesforceIds.To18(person.SalesforceContactId), People.SalesforceIds.To18(person.SalesforceLeadId)));
        }
        var sends = rows.Select(r =>
        {
            var (unsubscribed, optedOut) = StateOf(r.MarketoId);
            return new GuardOffSend(r.ActivityId, r.MarketoId, r.Email, r.SentBy, r.LoggedAt, unsubscribed, optedOut);
        }).ToList();
        return section with
        {
            SentWhileGuardOff = sends.Take(ComplianceSection.ListLimit).ToList(),
            SentWhileGuardOffTotal = sends.Count,
            SentWhileGuardOffToUnsubscribed = sends.Count(x => x.Unsubscribed || x.OptedOut),
        };
    }

    private static DataQualitySection ReadQuality(SyncStore store, CancellationToken cancellationToken)
    {
        var owners = OwnerDirectory.ReadQuality(store);
        var emails = store.Database.CollectionExists("people")
            ? store.People.ReadEmailQuality(DataQualitySection.ListLimit, IdsPerDuplicate, cancellationToken)
            : new EmailQuality(0, 0, 0, 0, []);
        return new DataQualitySection
        {
            People = emails.People,
            DuplicateEmails = emails.SharedEmails,
            PeopleSharingAnEmail = emails.PeopleSharing,
            TopDuplicates = emails.Shared.Select(e => new DuplicateEmail(e.Email, e.People,
                string.Join(",", e.SomeMarketoIds.Select(i => i.ToString(CultureInfo.InvariantCulture))))).ToList(),
            WithoutEmail = emails.WithoutEmail,
            Owners = owners.Owners,
            OwnersInactive = owners.OwnersInactive,
            InactiveOwners = owners.InactiveOwners,
            OwnersCheckedAt = owners.CheckedAt,
        };
    }

    private static ReminderSection ReadReminders(SyncStore store, StatusFacts facts, DateTimeOffset since)
    {
        var reminders = store.Reminders;
        var conflicts = reminders.Conflicts(since).OrderByDescending(c => c.ResolvedAt).ThenByDescending(c => c.ConflictId).ToList();
        return new ReminderSection
        {
            Open = facts.RemindersOpen,
            Overdue = facts.RemindersOverdue,
            Completed = reminders.CountCompleted(),
            Pending = facts.RemindersPending,
            Failed = facts.RemindersFailed,
            FailedByReason = facts.ReminderFailedByReason,
            ConflictsSince = conflicts.Count,
            Conflicts = conflicts.Take(ReminderSection.ListLimit).Select(c => new ReminderConflictRow(
                c.ReminderId, c.MarketoId, c.Fields, Values(c, local: true), Values(c, local: false), c.Winner, c.ResolvedAt)).ToList(),
            LastPassAt = facts.ReminderLastPassAt,
        };
    }

    /// <summary>One side's values of the conflict's fields ("DueDate=2026-12-09; Subject=Call"), or "(deleted)".</summary>
    private static string? Values(ReminderConflict c, bool local)
    {
        if (local ? c.LocalDeleted : c.SalesforceDeleted) return "(deleted)";
        var values = c.Fields.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(field => (field, value: field switch
        {
            nameof(ReminderFields.Subject) => local ? c.LocalSubject : c.SalesforceSubject,
            nameof(ReminderFields.Status) => local ? c.LocalStatus : c.SalesforceStatus,
            nameof(ReminderFields.Priority) => local ? c.LocalPriority : c.SalesforcePriority,
            nameof(ReminderFields.DueDate) => (local ? c.LocalDueDate : c.SalesforceDueDate)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            nameof(ReminderFields.Details) => local ? c.LocalDetails : c.SalesforceDetails,
            _ => null,
        })).ToList();
        return values.Count == 1 ? values[0].value : string.Join("; ", values.Select(v => $"{v.field}={v.value}"));
    }
}
