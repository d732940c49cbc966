using System.Text.Json;
using SalesSync.Core.Activities;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Status;

/// <summary>The connection's call counters as the status reads them (a test gives its own).</summary>
internal sealed record CallCounters(
    int MarketoCallsToday, int MarketoDailyCallBudget, int? MarketoInstanceCallsToday,
    bool HasSalesforce, int? SalesforceCallsToday, int? SalesforceDailyLimit, double SalesforceStopShare)
{
    public static CallCounters Of(MarketoClient marketo, SalesforceClient? salesforce) => new(
        marketo.Gate.Budget.Used, marketo.Gate.Settings.DailyCallBudget, marketo.InstanceCallsToday,
        salesforce is not null, salesforce?.Usage?.Used, salesforce?.Usage?.Max, salesforce?.MaxDailyUsageShare ?? 0.9);
}

/// <summary>
/// Reads the facts the health rules judge. Locally (the default) it reads only the database and the connection's
/// counters: no API call. Online it also asks Marketo (today's usage; a new full pass's plan, as -WhatIf shows it) and
/// Salesforce (its limits resource): one call each, plus the planner's survey when the next run is a new full pass.
/// </summary>
internal static class StatusReader
{
    public static async Task<StatusFacts> ReadAsync(SyncStore store, MarketoClient marketo, SalesforceClient? salesforce, bool online, CancellationToken ct)
    {
        if (!online) return Read(store, CallCounters.Of(marketo, salesforce), DateTimeOffset.UtcNow, cancellationToken: ct);
        var problems = new List<string>();
        string? plan = null;
        try
        {
            // The sync's own -WhatIf text: no call unless the next run is a new full pass (then the planner's survey).
            plan = await SyncPreview.DescribeAsync(store, marketo, salesforce, new SyncOptions(), ct).ConfigureAwait(false);
            if (marketo.InstanceCallsToday is null) await marketo.SeedDailyBudgetAsync(ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e)
        {
            problems.Add($"Marketo: {e.Message}");
        }
        int? sfUsed = null, sfMax = null;
        if (salesforce is not null)
        {
            try
            {
                (sfUsed, sfMax) = await ReadSalesforceLimitsAsync(salesforce, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e)
            {
                problems.Add($"Salesforce: {e.Message}");
            }
        }
        var counters = CallCounters.Of(marketo, salesforce);
        if (sfMax is not null) counters = counters with { SalesforceCallsToday = sfUsed, SalesforceDailyLimit = sfMax };
        return Read(store, counters, DateTimeOffset.UtcNow, cancellationToken: ct) with { Online = true, NextSyncPlan = plan, OnlineProblems = problems };
    }

    /// <summary>The org's DailyApiRequests from the limits resource (one call): used and allowed.</summary>
    private static async Task<(int? Used, int? Max)> ReadSalesforceLimitsAsync(SalesforceClient salesforce, CancellationToken ct)
    {
        using var limits = await salesforce.SendAsync(RestSharp.Method.Get, $"services/data/{salesforce.ApiVersion}/limits", [], ct).ConfigureAwait(false);
        if (limits.RootElement.ValueKind == JsonValueKind.Object && limits.RootElement.TryGetProperty("DailyApiRequests", out var daily)
            && daily.TryGetProperty("Max", out var max) && max.TryGetInt32(out var m)
            && daily.TryGetProperty("Remaining", out var remaining) && remaining.TryGetInt32(out var r))
            return (m - r, m);
        return (salesforce.Usage?.Used, salesforce.Usage?.Max); // not the documented shape: the header's reading
    }

    /// <summary>
    /// The local facts: the database (runs, activities, settings) and the counters; no API call. A caller that has
    /// just counted the people (the health report's walk over the email index) passes the count, so they are not counted twice.
    /// </summary>
    public static StatusFacts Read(SyncStore store, CallCounters counters, DateTimeOffset now, int? peopleStored = null, CancellationToken cancellationToken = default)
    {
        var latest = store.Runs.Latest;
        // The same decision Start-SalesSync makes, from the same run record.
        var decisionBase = PeopleSync.DecisionBase(store.Runs);
        var action = PeopleSync.Decide(decisionBase, new SyncOptions(), now) switch
        {
            PeopleSync.Start.ResumeIncremental => NextSyncAction.ResumeIncremental,
            PeopleSync.Start.Incremental => NextSyncAction.Incremental,
            PeopleSync.Start.ResumeFull => NextSyncAction.ResumeFull,
            _ => NextSyncAction.NewFull,
        };
        // A watch holds the people-sync lock only during its polls; between them it still owns the database's sync.
        var running = store.PeopleSyncLock.CurrentCount == 0 || store.RunningWatch is not null;
        var settings = store.Settings.Activities;
        var facts = new StatusFacts
        {
            CheckedAt = now,
            LatestRun = latest,
            SyncRunningNow = running,
            LastCompletedRun = latest is { Status: SyncRunStatus.Completed } ? latest : store.Runs.LatestCompleted,
            PeopleStored = peopleStored ?? store.PeopleCountIfAny,
            WatermarkAt = decisionBase is { LeadChangesToken: not null } ? PeopleSync.WatermarkTakenAt(decisionBase) : null,
            WatermarkRunId = decisionBase is { LeadChangesToken: not null } ? decisionBase.RunId : null,
            NextSync = action,
            // While this process syncs the database a second Start-SalesSync is refused (AlreadyRunning), whatever the record says.
            NextSyncText = store.RunningWatch is { } watch ? $"{watch} is running in this process (Start-SalesSync is refused until it ends)"
                : running && latest is not null ? $"run {latest.RunId} is running now (Start-SalesSync is refused until it ends)" : NextSyncText(action, decisionBase),
            GuardOn = settings.UnsubscribeGuard,
            GuardChangedAt = settings.GuardChangedAt,
            GuardChangedBy = settings.GuardChangedBy,
            MarketoCallsToday = counters.MarketoCallsToday,
            MarketoDailyCallBudget = counters.MarketoDailyCallBudget,
            MarketoInstanceCallsToday = counters.MarketoInstanceCallsToday,
            HasSalesforce = counters.HasSalesforce,
            SalesforceCallsToday = counters.SalesforceCallsToday,
            SalesforceDailyLimit = counters.SalesforceDailyLimit,
            SalesforceStopShare = counters.SalesforceStopShare,
            ReminderSync = settings.ReminderSync,
            ReminderSyncEnabledAt = settings.ReminderSyncEnabledAt,
        };
        if (facts.ReminderSyncOn) facts = WithReminders(facts, store.Reminders);
        // The first use of the activities may recount their tally: stoppable with the operation.
        return store.HasActivities ? WithDeliveries(facts, store.ActivitiesFor(cancellationToken)) : facts;
    }

    /// <summary>
    /// Reminder counts, the cursor, and the failures by reason: counts on the stored fields, and only the reminders
    /// with work built (through the store's index), so it stays cheap beside thousands of reminders.
    /// </summary>
    private static StatusFacts WithReminders(StatusFacts facts, ReminderStore reminders)
    {
        var (open, overdue) = reminders.CountOpen(DateOnly.FromDateTime(facts.CheckedAt.LocalDateTime));
        var pending = 0;
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in reminders.WithWork())
        {
            // A change Salesforce refused carries its error until a later pass sends it; everything else with work is waiting.
            if (r.LastError is null) { pending++; continue; }
            var key = StatusText.ReasonKey(r.LastError);
            reasons[key] = reasons.GetValueOrDefault(key) + 1;
        }
        var cursor = reminders.Cursor;
        return facts with
        {
            RemindersOpen = open,
            RemindersOverdue = overdue,
            RemindersPending = pending,
            RemindersFailed = reasons.Values.Sum(),
            ReminderFailedByReason = Ordered(reasons),
            ReminderConflictsRecent = reminders.ConflictCountSince(facts.CheckedAt - HealthThresholds.ReminderConflictWindow),
            ReminderLastPassAt = cursor.LastPassAt,
            ReminderWatermarkAt = cursor.Since,
        };
    }

    private static List<ReasonCount> Ordered(Dictionary<string, int> counts) =>
        counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Select(c => new ReasonCount(c.Key, c.Value)).ToList();

    private static string NextSyncText(NextSyncAction action, SyncRunResult? decisionBase) => (action, decisionBase) switch
    {
        (NextSyncAction.ResumeIncremental, { } b) => $"resume incremental run {b.RunId} from its saved activity tokens",
        (NextSyncAction.Incremental, { } b) => $"incremental, from run {b.RunId}'s activity watermark",
        (NextSyncAction.ResumeFull, { } b) => $"resume run {b.RunId}: {PeopleSync.DescribeSource(b)}",
        (_, null) => "a first full pass, from the source the planner picks",
        (_, { LeadChangesToken: null } b) => $"a full pass (run {b.RunId} left no activity watermark)",
        (_, { } b) => $"a full pass (run {b.RunId}'s watermark is past Marketo's delete history)",
    };

    /// <summary>
    /// Counts per destination and state, activities per state, the oldest waiting one, and failures and refusals by
    /// reason: from the store's delivery tally and its unsettled rows, so no activity is loaded however many there are.
    /// </summary>
    private static StatusFacts WithDeliveries(StatusFacts facts, ActivityStore activities)
    {
        var tally = activities.DeliveryTally();
        DeliveryCounts Counts(bool marketo)
        {
            int Of(DeliveryState state) => (int)tally.Where(t => (marketo ? t.Marketo : t.Salesforce) == state).Sum(t => t.Count);
            return new(Of(DeliveryState.Pending), Of(DeliveryState.Held), Of(DeliveryState.Sending), Of(DeliveryState.Delivered), Of(DeliveryState.Failed), Of(DeliveryState.Refused));
        }
        int AtEither(Func<DeliveryState, bool> state) => (int)tally.Where(t => state(t.Marketo) || state(t.Salesforce)).Sum(t => t.Count);
        var (failed, failedReasons) = ByReason(tally, DeliveryState.Failed);
        var (refused, refusedReasons) = ByReason(tally, DeliveryState.Refused);
        return facts with
        {
            Marketo = Counts(true),
            Salesforce = Counts(false),
            ActivitiesPending = AtEither(s => s is DeliveryState.Pending or DeliveryState.Sending),
            ActivitiesHeld = AtEither(s => s == DeliveryState.Held),
            ActivitiesFailed = failed,
            ActivitiesRefused = refused,
            OldestUnsettledAt = activities.OldestUnsettled()?.LoggedAt,
            FailedByReason = failedReasons,
            RefusedByReason = refusedReasons,
        };
    }

    /// <summary>Activities in a state at either destination, counted once each under the reason of the first destination in it (Marketo's, else Salesforce's).</summary>
    private static (int Count, IReadOnlyList<ReasonCount> Reasons) ByReason(IReadOnlyList<DeliveryTallyRow> tally, DeliveryState state)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in tally.Where(t => t.Marketo == state || t.Salesforce == state))
        {
            var key = (t.Marketo == state ? t.MarketoReason : t.SalesforceReason) ?? StatusText.ReasonKey(null);
            counts[key] = counts.GetValueOrDefault(key) + (int)t.Count;
        }
        return (counts.Values.Sum(), Ordered(counts));
    }
}
