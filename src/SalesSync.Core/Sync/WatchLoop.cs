using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Reminders;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;
using SalesSync.Core.Unsubscribes;

namespace SalesSync.Core.Sync;

/// <summary>What Start-SalesSync -Watch asked for.</summary>
public sealed record WatchOptions
{
    /// <summary>Time from the start of one poll to the start of the next.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>No poll starts at or after this time (null: until cancelled).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Run the opt-out step (needs Salesforce).</summary>
    public bool OptOuts { get; init; } = true;

    /// <summary>Run the reminder step (reminder sync TwoWay, Salesforce connected).</summary>
    public bool Reminders { get; init; }

    /// <summary>Stream each person and opt-out change as the poll applies it, and each reminder pass that changed something.</summary>
    public bool ReportChanges { get; init; }
}

/// <summary>One poll of a watch: its incremental run (null when another sync of this database was running) and what it cost.</summary>
public sealed record WatchPoll(int Number, DateTimeOffset StartedAt, SyncRunResult? Run, long MarketoCalls, long SalesforceCalls, string SalesforceStep);

/// <summary>A poll ended (its run is recorded like any incremental run).</summary>
public sealed record WatchPolled(WatchPoll Poll) : SyncOutput;

/// <summary>An opt-out change made by a poll's opt-out step (failed ones are streamed whether or not changes are reported).</summary>
public sealed record WatchOptOutChanged(OptOutChange Change) : SyncOutput;

/// <summary>A poll's reminder pass that changed something.</summary>
public sealed record WatchRemindersSynced(ReminderSyncReport Report) : SyncOutput;

/// <summary>The watch ended (deadline reached); a cancelled watch ends by cancellation instead.</summary>
public sealed record WatchEnded(int Polls, int FailedPolls, long Added, long Updated, long Removed, long MarketoCalls, long SalesforceCalls, string Reason) : SyncOutput;

/// <summary>
/// Start-SalesSync -Watch: every interval, one incremental run of the people sync (a run record per poll, so
/// Get-SalesSyncRun and Get-SalesSyncStatus see each), then one Salesforce-side step, then pending activity deliveries.
/// An idle poll costs 3 Marketo calls: Marketo's three activity streams (lead changes, activities 21/23/32, deleted
/// leads), except the one poll a Marketo day that reads the instance's usage (only when neither this process nor a watch
/// of this database has read it that day). Under an hour's interval that poll reads usage instead of deleted leads, but
/// only right after a poll of this watch that read them (never a watch's first poll, never two in a row), so an idle
/// hour at 60 s is 60 x 3 = 180 Marketo calls, that read included; at an hour or more it reads all four (the hourly
/// bound does not bind there, and skipping would leave deletes unread for days). It spends at most 2 Salesforce calls: the Salesforce reads (opportunity refresh 2, opt-out step 2,
/// reminder step 1) take turns, one per poll, so a Salesforce-side change is local within as many intervals as there
/// are steps on. Every applied page moves its watermark, so a cancelled or killed watch resumes on the next start
/// (its last poll's run is resumed). Polling pauses before SalesSync's daily Marketo budget would run out (until the
/// next Marketo day) and backs off after a poll that failed (throttling storms, outages), bounded.
/// </summary>
internal sealed class WatchLoop(SalesSyncSession session, MarketoClient marketo, SalesforceClient? salesforce, SyncStore store, WatchOptions options)
{
    /// <summary>The Marketo calls an idle poll makes: one page of each activity stream (or of two, and the day's usage read).</summary>
    internal const int IdlePollMarketoCalls = 3;

    /// <summary>The longest wait after failed polls (or the interval, when longer).</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(15);

    internal enum SalesforceStep { Opportunities, OptOuts, Reminders }

    /// <summary>Refuses a watch that cannot poll incrementally: it never starts a full pass of its own.</summary>
    public static void CheckCanWatch(SyncStore store, DateTimeOffset now)
    {
        var latest = PeopleSync.DecisionBase(store.Runs);
        var start = PeopleSync.Decide(latest, new SyncOptions(), now);
        if (start is PeopleSync.Start.Incremental or PeopleSync.Start.ResumeIncremental) return;
        var why = latest switch
        {
            null => "this database has no sync run yet",
            { Status: not SyncRunStatus.Completed } => $"run {latest.RunId} ({PeopleSync.DescribeSource(latest)}) is unfinished",
            _ => $"the last completed run's activity watermark is older than the {PeopleSync.DeletedLeadRetention.TotalDays:0} days of deletes Marketo keeps",
        };
        throw new SyncException(SyncFailureReason.WatchNeedsCompletedRun,
            $"Start-SalesSync -Watch polls for changes since a completed sync, and {why}. Run Start-SalesSync (without -Watch) until it completes, then start the watch.");
    }

    public async IAsyncEnumerable<SyncOutput> RunAsync([EnumeratorCancellation] CancellationToken ct)
    {
        CheckCanWatch(store, DateTimeOffset.UtcNow);
        // One watch per database per process, and none beside a running sync: their polls would double the calls and count
        // each other's in their summaries (walk 17 M2). The cross-process file lock does not see another runspace.
        if (!store.TryStartWatch($"A watch (Start-SalesSync -Watch, started {DateTimeOffset.UtcNow:u}, every {options.Interval})"))
            throw new SyncException(SyncFailureReason.WatchAlreadyRunning, $"{store.RunningWatch} is already running on '{store.Path}' in this process; a second watch would poll beside it. Stop that one first (Ctrl+C in its console, Stop-Job for a thread job).");
        if (store.PeopleSyncLock.CurrentCount == 0)
        {
            store.EndWatch();
            throw new SyncException(SyncFailureReason.AlreadyRunning, $"A Start-SalesSync is running on '{store.Path}' in this process; start the watch when it ends.");
        }
        try
        {
            await foreach (var output in WatchAsync(ct).ConfigureAwait(false)) yield return output;
        }
        finally
        {
            store.EndWatch();
        }
    }

    private async IAsyncEnumerable<SyncOutput> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        var steps = new List<SalesforceStep>();
        if (salesforce is not null)
        {
            steps.Add(SalesforceStep.Opportunities);
            if (options.OptOuts) steps.Add(SalesforceStep.OptOuts);
            if (options.Reminders) steps.Add(SalesforceStep.Reminders);
        }
        observer.Verbose($"Watching every {options.Interval}{(options.Until is { } u ? $" until {u:u}" : " until stopped")}: Marketo's three activity streams each poll"
            + (steps.Count > 0 ? $"; Salesforce in turns: {string.Join(", ", steps)}." : "; no Salesforce connection."));
        var (polls, failures, failedPolls) = (0, 0, 0);
        var (added, updated, removed) = (0L, 0L, 0L);
        var marketoAtStart = marketo.CallsMade;
        var salesforceAtStart = salesforce?.CallsMade ?? 0;
        var pausedForBudget = false;
        WatchPoll? lastPoll = null;
        SyncRunResult? lastRun = null;
        // The instance's usage (every integration's calls) is read at most once a Marketo day per database: the day of
        // the last read is stored, so a watch restarted by a scheduler does not read it again; nor when this process has.
        var usageReadOn = store.Settings.MarketoUsageReadOn;
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            if (options.Until is { } until && now >= until) break;
            var budget = marketo.Gate.Budget;
            var (readUsage, skipDeletes) = UsageRead(usageReadOn != budget.Day && budget.InstanceUsedToday is null, lastRun);
            if (budget.Limit > 0 && budget.Used + IdlePollMarketoCalls + (readUsage && !skipDeletes ? 1 : 0) > budget.Limit)
            {
                // Before the poll that would spend past SalesSync's daily share, not after: the next Marketo day resumes it.
                if (!pausedForBudget)
                    observer.Warning($"The watch stops polling: SalesSync has used {budget.Used:N0} of its {budget.Limit:N0} Marketo calls for today. It polls again when the Marketo day turns ({budget.NextReset:u}).");
                pausedForBudget = true;
                Report(lastPoll, lastRun, budget.NextReset, "paused for SalesSync's daily Marketo budget");
                if (!await WaitUntilAsync(budget.NextReset.AddSeconds(1), ct).ConfigureAwait(false)) break;
                continue;
            }
            if (pausedForBudget) observer.Verbose("A new Marketo day: the watch polls again.");
            pausedForBudget = false;

            var step = steps.Count > 0 ? steps[polls % steps.Count] : (SalesforceStep?)null;
            var (marketoBefore, salesforceBefore) = (marketo.CallsMade, salesforce?.CallsMade ?? 0);
            polls++;
            SyncRunResult? run = null;
            var poll = new SyncOptions
            {
                Watch = true, ReportChanges = options.ReportChanges, SkipUsageRead = !readUsage, SkipDeletedLeads = skipDeletes,
                SkipOpportunityRefresh = step is not SalesforceStep.Opportunities,
            };
            var sync = new PeopleSync(marketo, salesforce, store);
            var people = sync.RunAsync(poll, ct);
            var busy = false;
            await using (var e = people.GetAsyncEnumerator(ct))
            {
                while (true)
                {
                    try
                    {
                        if (!await e.MoveNextAsync().ConfigureAwait(false)) break;
                    }
                    catch (SyncException x) when (x.Reason == SyncFailureReason.AlreadyRunning)
                    {
                        // Another runspace runs Start-SalesSync on this database: its run does this poll's work.
                        observer.Verbose(x.Message + " This poll is skipped.");
                        busy = true;
                        break;
                    }
                    if (e.Current is SyncFinished f) run = f.Run;
                    else yield return e.Current;
                }
            }
            if (sync.UsageReadOn is { } readOn) usageReadOn = SaveUsageRead(readOn);
            var ok = busy || run is { Status: SyncRunStatus.Completed };
            if (run is not null)
            {
                (added, updated, removed) = (added + run.Added, updated + run.Updated, removed + run.Removed);
                if (!ok) observer.Verbose($"Poll {polls}: run {run.RunId} ended {run.Status}: {run.Message}");
            }
            // The Salesforce-side step and deliveries follow a people step that completed (as after a plain Start-SalesSync);
            // after one that failed they would only fail again.
            if (run is { Status: SyncRunStatus.Completed })
            {
                await foreach (var output in SalesforceSideAsync(step, ct).ConfigureAwait(false)) yield return output;
                await DeliverAsync(ct).ConfigureAwait(false);
            }
            var done = new WatchPoll(polls, now, run,
                marketo.CallsMade - marketoBefore, (salesforce?.CallsMade ?? 0) - salesforceBefore, step?.ToString() ?? "None");
            (lastPoll, lastRun) = (done, run);
            session.SaveMarketoDay();
            yield return new WatchPolled(done);

            if (run is { Status: SyncRunStatus.Stopped, StopReason: SyncStopReason.Quota })
            {
                // A spent quota (Marketo's 607 or SalesSync's own cap) waits for the next Marketo day; the run resumes then.
                observer.Warning($"The watch stops polling until the Marketo day turns ({marketo.Gate.Budget.NextReset:u}): {run.Message}");
                Report(done, run, marketo.Gate.Budget.NextReset, "paused: quota");
                if (!await WaitUntilAsync(marketo.Gate.Budget.NextReset.AddSeconds(1), ct).ConfigureAwait(false)) break;
                continue;
            }
            failures = ok ? 0 : failures + 1;
            if (!ok) failedPolls++;
            var wait = failures == 0 ? options.Interval : Backoff(options.Interval, failures);
            if (failures == 1) observer.Warning($"Poll {polls} did not complete ({run?.Message}); the watch backs off and resumes it.");
            if (failures > 0) observer.Verbose($"Backing off after {failures} failed poll(s) in a row: next poll in {wait}.");
            // After a failure the wait counts from the poll's end: a failed poll spends its retries first, and counting
            // from its start would start the next one at once (the backoff would back off nothing).
            var next = failures == 0 ? now + wait : DateTimeOffset.UtcNow + wait;
            Report(done, run, next, null);
            if (!await WaitUntilAsync(next, ct).ConfigureAwait(false)) break;
        }
        observer.Progress(new EngineProgress("Start-SalesSync -Watch", "Ended", 100) { Completed = true });
        yield return new WatchEnded(polls, failedPolls, added, updated, removed, marketo.CallsMade - marketoAtStart, (salesforce?.CallsMade ?? 0) - salesforceAtStart,
            options.Until is { } end ? $"end time {end:u} reached" : "ended");
    }

    /// <summary>
    /// Whether this poll reads the day's usage, and whether it leaves the deleted-leads stream for it (review H1). Only
    /// under an hour's interval, where 3 calls a poll keeps an idle hour at 180, and only after a poll of this watch that
    /// read deleted leads: the stream is never skipped twice in a row nor by a watch's first poll (a day-long interval
    /// would otherwise never read it). When it may not skip, the read waits for the next poll (under an hour) or is a
    /// fourth call (an hour or more).
    /// </summary>
    internal (bool ReadUsage, bool SkipDeletes) UsageRead(bool usageDue, SyncRunResult? previousPoll)
    {
        if (!usageDue) return (false, false);
        if (options.Interval >= TimeSpan.FromHours(1)) return (true, false);
        var mayShare = previousPoll is { ReadDeletedLeads: true };
        return (mayShare, mayShare);
    }

    /// <summary>Stores the day of the usage read (a database that cannot take it now costs at most one more read).</summary>
    private DateOnly SaveUsageRead(DateOnly day)
    {
        try
        {
            store.Settings.SaveMarketoUsageRead(day);
        }
        catch (LiteDB.LiteException e)
        {
            EngineObserver.Current.Verbose($"The day of the usage read was not stored: {e.Message}");
        }
        return day;
    }

    /// <summary>Doubles per failed poll in a row, from the interval up to <see cref="MaxBackoff"/> (or the interval when longer).</summary>
    internal static TimeSpan Backoff(TimeSpan interval, int failures)
    {
        var cap = interval > MaxBackoff ? interval : MaxBackoff;
        var ticks = interval.Ticks * Math.Pow(2, Math.Min(failures, 20));
        return ticks >= cap.Ticks ? cap : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>Waits until <paramref name="at"/> or the deadline, whichever is first; false when the deadline is reached.</summary>
    private async Task<bool> WaitUntilAsync(DateTimeOffset at, CancellationToken ct)
    {
        var end = options.Until is { } until && until < at ? until : at;
        // A timer may fire a little early by the wall clock: wait again for what is left.
        for (var delay = end - DateTimeOffset.UtcNow; delay > TimeSpan.Zero; delay = end - DateTimeOffset.UtcNow)
            await Task.Delay(delay + TimeSpan.FromMilliseconds(1), ct).ConfigureAwait(false);
        return options.Until is not { } u || DateTimeOffset.UtcNow < u;
    }

    private async IAsyncEnumerable<SyncOutput> SalesforceSideAsync(SalesforceStep? step, [EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        if (step == SalesforceStep.OptOuts)
        {
            var stream = session.SyncOptOutsAsync(whatIf: false, ct);
            await foreach (var output in Guard(stream, "opt-out step", ct).ConfigureAwait(false))
                if (output is OptOutChange c && (options.ReportChanges || c.Outcome == OptOutOutcome.Failed)) yield return new WatchOptOutChanged(c);
        }
        else if (step == SalesforceStep.Reminders)
        {
            ReminderSyncReport? report = null;
            try
            {
                report = await session.SyncRemindersAsync(new ReminderSyncOptions(), ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e)
            {
                observer.Warning($"The reminder step stopped: {e.Message} A later poll continues.");
            }
            if (report is { Failed: > 0 })
                observer.Warning($"Salesforce refused {report.Failed} reminder(s); Get-SalesReminder shows them (SyncState Failed) with Salesforce's message. Later passes send them again.");
            if (report is not null && options.ReportChanges && report.Imported + report.UpdatedLocally + report.DeletedLocally + report.CreatedInSalesforce + report.UpdatedInSalesforce + report.DeletedInSalesforce > 0)
                yield return new WatchRemindersSynced(report);
        }
    }

    /// <summary>A Salesforce-side step's API failure is a warning: the people step succeeded and a later poll runs the step again.</summary>
    private static async IAsyncEnumerable<T> Guard<T>(IAsyncEnumerable<T> source, string what, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var e = source.GetAsyncEnumerator(ct);
        while (true)
        {
            try
            {
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
            }
            catch (SalesSyncApiException x)
            {
                EngineObserver.Current.Warning($"The {what} stopped: {x.Message} A later poll continues.");
                yield break;
            }
            yield return e.Current;
        }
    }

    /// <summary>Activities left pending (an outage, a stopped sender) are delivered; nothing is called when none are.</summary>
    private async Task DeliverAsync(CancellationToken ct)
    {
        if (session.PendingActivityCount == 0) return;
        try
        {
            var report = await session.DeliverPendingActivitiesAsync(ct).ConfigureAwait(false);
            EngineObserver.Current.Verbose($"Pending sales activities: Marketo {report.MarketoDelivered} delivered, {report.MarketoFailed} failed; Salesforce {report.SalesforceDelivered} delivered, {report.SalesforceFailed} failed; {report.StillPending} still pending.");
            if (report.StoppedBecause is { } why) EngineObserver.Current.Warning($"{why} {report.StillPending} sales activities stay pending for a later poll.");
        }
        catch (Exception e) when (e is Activities.SalesActivityException or SalesSyncApiException)
        {
            EngineObserver.Current.Warning($"Pending sales activities could not be sent now: {e.Message} A later poll tries again.");
        }
    }

    /// <summary>Progress: the last poll, the watermark's age, the calls used today, the next poll.</summary>
    private void Report(WatchPoll? poll, SyncRunResult? run, DateTimeOffset next, string? paused)
    {
        var watermark = store.Runs.LatestCompleted is { } done ? DateTimeOffset.UtcNow - PeopleSync.WatermarkTakenAt(done) : (TimeSpan?)null;
        var budget = marketo.Gate.Budget;
        var last = poll is null ? "no poll yet" : $"last poll {poll.StartedAt:HH:mm:ss}Z ({run?.Status.ToString() ?? "skipped"}, {run?.Added ?? 0} added, {run?.Updated ?? 0} updated, {run?.Removed ?? 0} removed)";
        EngineObserver.Current.Progress(new EngineProgress("Start-SalesSync -Watch",
            $"{last}; watermark age {(watermark is { } w ? $"{w.TotalSeconds:0} s" : "none")}; Marketo calls today {budget.Used:N0}{(budget.Limit > 0 ? $" of {budget.Limit:N0}" : "")}"
            + (salesforce is null ? "" : $", Salesforce calls this session {salesforce.CallsMade:N0}")
            + $"; {paused ?? "next poll"} {next.ToLocalTime():HH:mm:ss}"));
    }
}
