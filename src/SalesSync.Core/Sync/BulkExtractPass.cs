using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// A full pass through Marketo's Bulk Lead Extract: one export job per window (a list, or createdAt windows of
/// at most 31 days). Its parts: the plan (<see cref="ExportPlan"/>), the jobs in Marketo (<see cref="ExportJobs"/>:
/// create, enqueue, poll, cancel), the download (<see cref="ExportDownload"/>: resumable, checksum) and the
/// apply (<see cref="ExportApplier"/>: the file streamed in batches into the run). This class runs them in
/// rounds and hands each applied batch on as it goes. Every step is a checkpoint: a stopped or killed run
/// resumes without exporting a finished window again, and reuses a completed job's file.
/// </summary>
internal sealed class BulkExtractPass(MarketoClient marketo, PeopleSync owner, ExportWindowStore windows, string databasePath)
{
    /// <summary>Our own jobs queued or processing at once: Marketo processes two per instance.</summary>
    internal const int MaxJobsInMarketo = ExportJobs.MaxJobsInMarketo;

    /// <summary>
    /// How long the pass waits, with nothing of its own in Marketo, for a queue that other integrations keep full
    /// (one enqueue attempt per status poll, so about 60 calls an hour at the default poll) before it stops resumably.
    /// </summary>
    internal TimeSpan QueueFullLimit { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Where the run is, for the message of a failure or stop.</summary>
    private string? _where;

    /// <summary>Why the rounds ended early without an exception (quota, cap, a full queue), for the iterator.</summary>
    private RunStop? _stop;

    /// <summary>
    /// Ends every bulk run before <paramref name="keepRunId"/>, as a new full pass (of any source) replaces them: cancels
    /// their jobs still queued or processing in Marketo (they hold places in a queue of ten shared with other
    /// integrations), deletes their export files and then their window records, and sweeps any other file of ours
    /// that no remaining window owns (a kill between a window's "applied" and its file's delete). Safe to repeat:
    /// a stop part-way (Ctrl+C, quota) leaves the rest for the next call.
    /// </summary>
    internal static async Task AbandonRunsBeforeAsync(MarketoClient marketo, ExportWindowStore windows, string databasePath, int keepRunId, CancellationToken ct)
    {
        await ExportJobs.CancelAbandonedAsync(new BulkLeadExport(marketo), windows, keepRunId, ct).ConfigureAwait(false);
        foreach (var old in windows.ForRunsBefore(keepRunId).Where(ExportFiles.HoldsFile))
            ExportFiles.Delete(databasePath, old);
        windows.ForgetRunsBefore(keepRunId);
        ExportFiles.SweepStrays(databasePath, windows.All());
    }

    /// <summary>
    /// The pass: each applied batch's changes as they are written (when changes are reported), and a finished
    /// run only when it ended early. An exception from the rounds is classified here, outside the iterator that
    /// yields (C# cannot yield inside a try with a catch).
    /// </summary>
    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var rounds = RoundsAsync(state, options, ct).GetAsyncEnumerator(ct);
        try
        {
            while (true)
            {
                var more = false;
                RunStop? stop = null;
                try
                {
                    more = await rounds.MoveNextAsync().ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    stop = RunStop.Classify(e, _where ?? "in the bulk export", ct);
                    if (stop is null) throw;
                }
                stop ??= more ? null : _stop;
                if (stop is not null)
                {
                    yield return new SyncFinished(state.Stop(stop));
                    yield break;
                }
                if (!more) break;
                // Only the batch in hand is held: with changes not reported, it is dropped at once.
                if (!options.ReportChanges) continue;
                foreach (var write in rounds.Current)
                    if (write.Change != PersonChange.Unchanged) yield return PersonChanged.Of(write);
            }
        }
        finally
        {
            await rounds.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rounds until every window is applied: fill free job slots, then apply one finished window if there is one
    /// (so a freed slot is refilled before the next long apply), else wait for the next status poll and poll.
    /// Yields each applied batch; an early end without an exception is left in <see cref="_stop"/>.
    /// </summary>
    private async IAsyncEnumerable<IReadOnlyList<PersonWrite>> RoundsAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        _where = "while planning the export";
        var plan = await ExportPlan.ForRunAsync(marketo, windows, state.Run, options, ct).ConfigureAwait(false);
        // Every run ends the runs before it (a resumed run is the newest, so those are abandoned too), files and all.
        _where = "while ending the bulk runs this one replaces";
        await AbandonRunsBeforeAsync(marketo, windows, databasePath, state.Run.RunId, ct).ConfigureAwait(false);
        if (plan.Count == 0)
        {
            // -CreatedSince after the run's start (in the future): no window, nobody to export.
            observer.Verbose($"Bulk export: nobody can have been created between {options.CreatedSince:u} and the run's start ({state.Run.StartedAt:u}); nothing to export.");
            yield break;
        }
        observer.Verbose(plan.Count == 1
            ? $"Bulk export of {plan[0]}: one job."
            : $"Bulk export in {plan.Count} createdAt windows ({plan[0].StartAt:yyyy-MM-dd} to {plan[^1].EndAt:yyyy-MM-dd}), at most {MaxJobsInMarketo} jobs in Marketo at once.");

        var jobs = new ExportJobs(marketo, windows, databasePath, plan);
        var download = new ExportDownload(jobs, databasePath);
        var applier = new ExportApplier(owner, jobs, databasePath);
        var lastPoll = DateTimeOffset.MinValue;
        var queueFull = new QueueFullWait(QueueFullLimit);
        while (true)
        {
            var outcome = await jobs.FillSlotsAsync(state, options.MaxApiCalls, at => _where = at, ct).ConfigureAwait(false);
            switch (outcome)
            {
                case QueueOutcome.SmartListRefused:
                    await FallBackToCreatedAtAsync(state, jobs, options, ct).ConfigureAwait(false);
                    continue;
                case QueueOutcome.DailyQuotaSpent:
                    _stop = new RunStop(SyncRunStatus.Stopped,
                        $"Stopped: Marketo's daily export quota is spent; it resets at midnight US Central ({marketo.Gate.Budget.NextReset:u}).", null) { Reason = SyncStopReason.Quota };
                    yield break;
            }
            if (queueFull.Refused(outcome == QueueOutcome.QueueFull, jobs.AnyInFlight, jobs.Pending) is { } stop)
            {
                _stop = stop;
                yield break;
            }

            if (outcome != QueueOutcome.CapReached)
            {
                if (jobs.NextReady is { } ready)
                {
                    _where = $"while downloading and applying the export of {ready}";
                    var whole = ready.State == ExportWindowState.Downloaded ? ready : await download.FetchAsync(state, ready, ct).ConfigureAwait(false);
                    if (whole is not null)
                        await foreach (var batch in applier.ApplyAsync(state, whole, ct).ConfigureAwait(false))
                        {
                            yield return batch;
                            // A list's one window may be the whole population: progress moves with its batches, not only between windows.
                            var at = jobs[whole.Index];
                            Progress(state, jobs, $"applying {at}, row {at.RowsApplied:N0} of {at.Records?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "?"}");
                        }
                }
                else if (jobs.AnyQueued || outcome == QueueOutcome.QueueFull)
                {
                    var due = lastPoll + options.ExportPollInterval - DateTimeOffset.UtcNow;
                    if (due > TimeSpan.Zero) await Task.Delay(due, ct).ConfigureAwait(false);
                    lastPoll = DateTimeOffset.UtcNow;
                    await jobs.PollAsync(state, at => _where = at, ct).ConfigureAwait(false);
                }
            }

            if (jobs.AllApplied) break;
            if (state.CapReached(options.MaxApiCalls))
            {
                _stop = state.CapStop(options.MaxApiCalls, "with the export windows not yet applied");
                yield break;
            }
            Progress(state, jobs, jobs.Describe());
        }
        ExportFiles.RemoveFolderIfEmpty(databasePath);
    }

    private static void Progress(FullPassRun state, ExportJobs jobs, string detail)
    {
        var all = jobs.Windows.Count;
        state.Progress(all == 1 ? $"Full pass, bulk export of {jobs[0]}" : $"Full pass, bulk export in {all} createdAt windows",
            $"{jobs.Applied} of {all} windows applied; {detail}", (int)(100.0 * jobs.Applied / all));
    }

    /// <summary>
    /// Some subscriptions refuse smart-list exports (1035): the same people come from createdAt windows,
    /// with the eligibility rule applied here (it is what the smart list would select).
    /// </summary>
    private async Task FallBackToCreatedAtAsync(FullPassRun state, ExportJobs jobs, SyncOptions options, CancellationToken ct)
    {
        EngineObserver.Current.Warning("This Marketo subscription does not export smart lists (1035): exporting every person in createdAt windows instead and keeping the sales-owned ones.");
        _where = "while planning the export";
        jobs.ReplacePlan(state.Run.RunId, await ExportPlan.CreatedAtAsync(marketo, state.Run, options, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// The wait for a queue that other integrations keep full: bounded by time (and so by enqueue attempts, one
    /// per poll), counted only while none of our own jobs is in Marketo (while one is, the run is moving and the
    /// wait ends when it does). Past the limit the run stops resumably: nothing is lost, and the next Start-SalesSync
    /// tries the queue again.
    /// </summary>
    private sealed class QueueFullWait(TimeSpan limit)
    {
        private DateTimeOffset? _since;
        private int _refusals;

        public RunStop? Refused(bool full, bool oursInFlight, int pending)
        {
            if (!full)
            {
                (_since, _refusals) = (null, 0);
                return null;
            }
            var now = DateTimeOffset.UtcNow;
            // The wait counts only while none of our jobs is in Marketo: while ours run, a full queue is just our turn.
            if (oursInFlight) _since = now;
            _since ??= now;
            _refusals++;
            var waited = now - _since.Value;
            if (waited < limit || oursInFlight)
            {
                EngineObserver.Current.Verbose($"Marketo's export queue is full (other integrations' jobs too): waiting, {waited:hh\\:mm\\:ss} so far ({_refusals} enqueue attempt(s) refused; the wait ends after {limit:hh\\:mm\\:ss} with none of our jobs in Marketo).");
                return null;
            }
            return new RunStop(SyncRunStatus.Stopped,
                $"Stopped: Marketo's bulk export queue stayed full (other integrations' jobs) for {waited:hh\\:mm\\:ss}, {_refusals} enqueue attempts refused with 1029; nothing is lost, {pending} window(s) are not yet exported.", null) { Reason = SyncStopReason.ExportQueueFull };
        }
    }
}
