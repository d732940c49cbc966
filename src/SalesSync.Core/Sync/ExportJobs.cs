using System.Globalization;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>What filling the free job slots came to.</summary>
internal enum QueueOutcome
{
    /// <summary>Every free slot is filled, or nothing is left to queue.</summary>
    Done,

    /// <summary>Marketo's queue of ten (shared with other integrations) refused an enqueue with 1029.</summary>
    QueueFull,

    /// <summary>The day's export allocation is spent (1029): nothing more can be exported today.</summary>
    DailyQuotaSpent,

    /// <summary>-MaxApiCalls is reached.</summary>
    CapReached,

    /// <summary>This subscription does not export smart lists (1035).</summary>
    SmartListRefused,
}

/// <summary>
/// The export jobs of one bulk run and the run's windows as saved: creates and queues a job per pending window
/// (at most <see cref="MaxJobsInMarketo"/> of ours at once: Marketo processes two per instance and its queue
/// of ten is shared with other integrations), polls their status, and takes a completed job's file into its
/// window. A window whose job is lost is exported again, a bounded number of times. Every change is saved
/// before the next step, so a stopped or killed run resumes from it.
/// </summary>
internal sealed class ExportJobs(MarketoClient marketo, ExportWindowStore store, string databasePath, IEnumerable<ExportWindow> plan)
{
    /// <summary>Our own jobs queued or processing at once: Marketo processes two per instance.</summary>
    internal const int MaxJobsInMarketo = 2;

    /// <summary>A window whose job fails, vanishes or whose file is corrupt this many times fails the run.</summary>
    internal const int MaxAttemptsPerWindow = 3;

    private readonly BulkLeadExport _export = new(marketo);
    private readonly Dictionary<int, ExportWindow> _all = plan.ToDictionary(w => w.Index);

    public BulkLeadExport Export => _export;

    public ExportWindow this[int index] => _all[index];

    public IReadOnlyCollection<ExportWindow> Windows => _all.Values;

    public int Applied => _all.Values.Count(w => w.State == ExportWindowState.Applied);

    public bool AllApplied => _all.Values.All(w => w.State == ExportWindowState.Applied);

    /// <summary>Whether a job of ours is queued, processing, or its file not yet applied: the run is moving.</summary>
    public bool AnyInFlight => _all.Values.Any(w => w.State is ExportWindowState.Enqueued or ExportWindowState.Completed or ExportWindowState.Downloaded);

    public int Pending => _all.Values.Count(w => w.State == ExportWindowState.Pending);

    /// <summary>The first window whose job has completed (its file to download or apply), if any.</summary>
    public ExportWindow? NextReady => _all.Values.Where(w => w.State is ExportWindowState.Completed or ExportWindowState.Downloaded).MinBy(w => w.Index);

    /// <summary>A smart list refused with 1035 becomes createdAt windows.</summary>
    public void ReplacePlan(int runId, IReadOnlyList<ExportWindow> plan)
    {
        store.ReplacePlan(runId, plan);
        _all.Clear();
        foreach (var window in plan) _all[window.Index] = window;
    }

    /// <summary>Creates and queues jobs for pending windows while fewer than two of ours are in Marketo; <paramref name="at"/> hears where the run is.</summary>
    public async Task<QueueOutcome> FillSlotsAsync(FullPassRun state, long? maxApiCalls, Action<string> at, CancellationToken ct)
    {
        foreach (var pending in _all.Values.Where(w => w.State == ExportWindowState.Pending).OrderBy(w => w.Index).ToList())
        {
            if (_all.Values.Count(w => w.State == ExportWindowState.Enqueued) >= MaxJobsInMarketo) break;
            at($"while queueing the export of {pending}");
            EnqueueRefusal refusal;
            try
            {
                refusal = await StartJobAsync(state, pending, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Code == "1035" && pending.Kind == ExportWindowKind.SmartList)
            {
                return QueueOutcome.SmartListRefused;
            }
            if (refusal == EnqueueRefusal.QueueFull) return QueueOutcome.QueueFull;
            if (refusal == EnqueueRefusal.DailyQuotaExceeded) return QueueOutcome.DailyQuotaSpent;
            if (state.CapReached(maxApiCalls)) return QueueOutcome.CapReached;
        }
        return QueueOutcome.Done;
    }

    private async Task<EnqueueRefusal> StartJobAsync(FullPassRun state, ExportWindow window, CancellationToken ct)
    {
        if (window.ExportId is null)
        {
            ExportJob job;
            try
            {
                job = await _export.CreateAsync(MarketoPersonFields.RestNames, window.Filter, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Code == "1029")
            {
                // Marketo refuses creates too once the day's export allocation is spent.
                return BulkLeadExport.ClassifyRefusal(e.ApiMessage);
            }
            window = Save(window with { ExportId = job.ExportId });
            EngineObserver.Current.Verbose($"Export job {job.ExportId} created for {window}.");
        }
        var refusal = await _export.EnqueueAsync(window.ExportId!, ct).ConfigureAwait(false);
        if (refusal is EnqueueRefusal.None or EnqueueRefusal.AlreadyQueued)
        {
            Save(window with { State = ExportWindowState.Enqueued });
            EngineObserver.Current.Verbose($"Export job {window.ExportId} queued ({window}).");
        }
        state.Checkpoint(r => r);
        return refusal is EnqueueRefusal.AlreadyQueued ? EnqueueRefusal.None : refusal;
    }

    /// <summary>Asks Marketo how each of our queued jobs stands.</summary>
    public async Task PollAsync(FullPassRun state, Action<string> at, CancellationToken ct)
    {
        foreach (var window in _all.Values.Where(w => w.State == ExportWindowState.Enqueued).OrderBy(w => w.Index).ToList())
        {
            at($"while checking the export of {window}");
            await PollAsync(state, window, ct).ConfigureAwait(false);
        }
    }

    public bool AnyQueued => _all.Values.Any(w => w.State == ExportWindowState.Enqueued);

    private async Task PollAsync(FullPassRun state, ExportWindow window, CancellationToken ct)
    {
        ExportJob job;
        try
        {
            job = await _export.StatusAsync(window.ExportId!, ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.InvalidRequest)
        {
            // The job is unknown to Marketo (expired after 7 days, or another user's): export the window again.
            Retry(window, $"Marketo no longer knows export job {window.ExportId} ({e.Code})");
            return;
        }
        state.Checkpoint(r => r);
        if (job.IsCompleted)
        {
            // Created here, before the state says Completed: a resumed run only ever reopens a file SalesSync made.
            ExportFiles.Create(databasePath, window);
            Save(window with { State = ExportWindowState.Completed, FileSize = job.FileSize, Checksum = job.FileChecksum, Records = job.NumberOfRecords });
            EngineObserver.Current.Verbose($"Export job {job.ExportId} completed: {job.NumberOfRecords?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} records, {job.FileSize?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes ({window}).");
        }
        else if (job.IsFailed || job.IsCancelled)
            Retry(window, $"Export job {job.ExportId} ended {job.Status}{(job.ErrorMessage is { Length: > 0 } m ? $" ({m})" : "")}");
        else if (job.Status.Equals("Created", StringComparison.OrdinalIgnoreCase))
            Save(window with { State = ExportWindowState.Pending }); // our enqueue did not take: queue it again
    }

    /// <summary>The window's job or file is lost: its file goes and the window is exported again, unless that has happened too often.</summary>
    public void Retry(ExportWindow window, string why)
    {
        if (window.Attempts + 1 >= MaxAttemptsPerWindow)
            throw new SalesSyncApiException(MarketoClient.ServiceName, "EXPORT_FAILED", $"{why}; {window} failed {MaxAttemptsPerWindow} times", ApiFailureKind.InvalidRequest);
        EngineObserver.Current.Warning($"{why}: exporting {window} again.");
        if (ExportFiles.HoldsFile(window)) ExportFiles.Delete(databasePath, window);
        Save(window with { State = ExportWindowState.Pending, ExportId = null, RowsApplied = 0, Attempts = window.Attempts + 1 });
    }

    public ExportWindow Save(ExportWindow window)
    {
        store.Save(window);
        _all[window.Index] = window;
        return window;
    }

    /// <summary>"2024-01-01 in Marketo's queue, 2024-02-01 downloading", for the progress line.</summary>
    public string Describe()
    {
        var jobs = _all.Values.Where(w => w.State is ExportWindowState.Enqueued or ExportWindowState.Completed or ExportWindowState.Downloaded).OrderBy(w => w.Index)
            .Select(w => $"{(w.StartAt is { } s ? s.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : w.ToString())} {w.State switch { ExportWindowState.Enqueued => "in Marketo's queue", ExportWindowState.Completed => "downloading", _ => "applying" }}");
        return string.Join(", ", jobs) is { Length: > 0 } text ? text : "no job running";
    }

    /// <summary>
    /// Cancels the jobs that windows of runs before <paramref name="runId"/> left queued or processing: they hold places
    /// in Marketo's queue of ten, shared with other integrations, so they are cancelled, not left to expire.
    /// </summary>
    public static async Task CancelAbandonedAsync(BulkLeadExport export, ExportWindowStore store, int runId, CancellationToken ct)
    {
        foreach (var old in store.ForRunsBefore(runId).Where(w => w is { State: ExportWindowState.Enqueued, ExportId: not null }))
        {
            try
            {
                await export.CancelAsync(old.ExportId!, ct).ConfigureAwait(false);
                EngineObserver.Current.Verbose($"Marketo: cancelled export job {old.ExportId}, left queued by run {old.RunId}.");
            }
            catch (SalesSyncApiException e) when (e.Kind is not (ApiFailureKind.QuotaExhausted or ApiFailureKind.Unauthorized))
            {
                // Finished or expired meanwhile: nothing holds a place any more.
                EngineObserver.Current.Verbose($"Marketo: export job {old.ExportId} of run {old.RunId} could not be cancelled ({e.ApiMessage}); it is left to finish or expire.");
            }
            // Saved as cancelled: a stop on the way (quota, Ctrl+C) does not ask again for this one.
            store.Save(old with { State = ExportWindowState.Pending });
        }
    }
}
