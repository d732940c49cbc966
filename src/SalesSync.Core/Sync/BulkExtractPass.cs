using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// A full pass through Marketo's Bulk Lead Extract: one export job per window (a list, or createdAt
/// windows of at most 31 days), at most two of our jobs in Marketo's queue at once (the queue of ten is
/// shared with other integrations), status polled no faster than Marketo refreshes it, files downloaded
/// in byte ranges beside the database (a dropped connection resumes where it stopped), checked against
/// their sha256, then read row by row and applied in batches. Every step is a checkpoint: a stopped or
/// killed run resumes without exporting a finished window again, and reuses a completed job's file.
/// </summary>
internal sealed class BulkExtractPass(MarketoClient marketo, PeopleSync owner, ExportWindowStore windows, string databasePath)
{
    /// <summary>Our own jobs queued or processing at once: Marketo processes two per instance.</summary>
    internal const int MaxJobsInMarketo = 2;

    /// <summary>Rows written per transaction (and per opportunity lookup).</summary>
    private const int ApplyBatchSize = 1000;

    /// <summary>A window whose job fails, vanishes or whose file is corrupt this many times fails the run.</summary>
    private const int MaxAttemptsPerWindow = 3;

    /// <summary>Download attempts in a row that bring no new byte before the run fails (resumably).</summary>
    private const int MaxDownloadsWithoutProgress = 5;

    private readonly BulkLeadExport _export = new(marketo);

    public string ExportFolder => databasePath + ".exports";

    /// <summary>Plans the windows of a new run (or returns the saved plan of a resumed one).</summary>
    public async Task<IReadOnlyList<ExportWindow>> PlanAsync(SyncRunResult run, SyncOptions options, CancellationToken ct)
    {
        var saved = windows.ForRun(run.RunId);
        if (saved.Count > 0) return saved;
        IReadOnlyList<ExportWindow> plan;
        if (options.SmartListId is { } smart) plan = ExportPlan.ForLists(run.RunId, ExportWindowKind.SmartList, [smart]);
        else if (options.HasStaticLists) plan = ExportPlan.ForLists(run.RunId, ExportWindowKind.StaticList, options.StaticListIds);
        else plan = await CreatedAtPlanAsync(run, options, ct).ConfigureAwait(false);
        windows.SavePlan(plan);
        await CancelAbandonedJobsAsync(run.RunId, ct).ConfigureAwait(false);
        windows.ForgetRunsBefore(run.RunId);
        return plan;
    }

    /// <summary>
    /// A new full pass replaces an unfinished one (-Full, or other options): that run's jobs still queued or processing
    /// hold places in Marketo's queue of ten, shared with other integrations, so they are cancelled, not left to expire.
    /// </summary>
    private async Task CancelAbandonedJobsAsync(int runId, CancellationToken ct)
    {
        foreach (var old in windows.ForRunsBefore(runId).Where(w => w is { State: ExportWindowState.Enqueued, ExportId: not null }))
        {
            try
            {
                await _export.CancelAsync(old.ExportId!, ct).ConfigureAwait(false);
                EngineObserver.Current.Verbose($"Marketo: cancelled export job {old.ExportId}, left queued by run {old.RunId}.");
            }
            catch (SalesSyncApiException e) when (e.Kind is not (ApiFailureKind.QuotaExhausted or ApiFailureKind.Unauthorized))
            {
                // Finished or expired meanwhile: nothing holds a place any more.
                EngineObserver.Current.Verbose($"Marketo: export job {old.ExportId} of run {old.RunId} could not be cancelled ({e.ApiMessage}); it is left to finish or expire.");
            }
        }
    }

    private async Task<IReadOnlyList<ExportWindow>> CreatedAtPlanAsync(SyncRunResult run, SyncOptions options, CancellationToken ct)
    {
        var from = options.CreatedSince;
        if (from is null)
        {
            var oldest = await ExportPlan.OldestPersonCreatedAsync(marketo, ct).ConfigureAwait(false);
            if (oldest is null)
                EngineObserver.Current.Warning($"No person among the lowest Marketo ids is alive, so the oldest person is unknown: exporting from {ExportPlan.EarliestPossible:yyyy-MM-dd}. Give -CreatedSince to start later.");
            // A day of margin: ids follow creation only roughly (people created in the same minutes).
            from = oldest is { } o ? o.AddDays(-1) : ExportPlan.EarliestPossible;
        }
        return ExportPlan.ForCreatedAt(run.RunId, from.Value, run.StartedAt);
    }

    /// <summary>
    /// Some subscriptions refuse smart-list exports (1035): the same people come from createdAt windows,
    /// with the eligibility rule applied here (it is what the smart list would select).
    /// </summary>
    private async Task FallBackToCreatedAtAsync(FullPassRun state, Dictionary<int, ExportWindow> all, SyncOptions options, string code, CancellationToken ct)
    {
        EngineObserver.Current.Warning($"This Marketo subscription does not export smart lists ({code}): exporting every person in createdAt windows instead and keeping the sales-owned ones.");
        var plan = await CreatedAtPlanAsync(state.Run, options, ct).ConfigureAwait(false);
        windows.ReplacePlan(state.Run.RunId, plan);
        all.Clear();
        foreach (var window in plan) all[window.Index] = window;
    }

    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        IReadOnlyList<ExportWindow> plan = [];
        PassStop? stop = null;
        try
        {
            plan = await PlanAsync(state.Run, options, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            stop = FullPassRun.Classify(e, "while planning the export", ct);
            if (stop is null) throw;
        }
        if (stop is not null)
        {
            yield return new SyncFinished(state.Stop(stop));
            yield break;
        }
        var all = plan.ToDictionary(w => w.Index);
        observer.Verbose(plan.Count == 1
            ? $"Bulk export of {plan[0]}: one job."
            : $"Bulk export in {plan.Count} createdAt windows ({plan[0].StartAt:yyyy-MM-dd} to {plan[^1].EndAt:yyyy-MM-dd}), at most {MaxJobsInMarketo} jobs in Marketo at once.");
        var lastPoll = DateTimeOffset.MinValue;
        var queueFullSince = (DateTimeOffset?)null;

        while (true)
        {
            var step = new Step();
            try
            {
                await StepAsync(state, all, options, step, lastPoll, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                stop = FullPassRun.Classify(e, step.Where ?? "in the bulk export", ct);
                if (stop is null) throw;
            }
            if (step.Polled) lastPoll = DateTimeOffset.UtcNow;
            if (step.QueueFull)
            {
                queueFullSince ??= DateTimeOffset.UtcNow;
                observer.Verbose($"Marketo's export queue is full (other integrations' jobs too): waiting, {DateTimeOffset.UtcNow - queueFullSince.Value:hh\\:mm\\:ss} so far.");
            }
            else queueFullSince = null;
            foreach (var (person, change) in step.Changes)
                if (options.ReportChanges && change != PersonChange.Unchanged) yield return new PersonChanged(person, change);
            stop ??= step.Stop;
            if (stop is not null)
            {
                yield return new SyncFinished(state.Stop(stop));
                yield break;
            }
            if (all.Values.All(w => w.State == ExportWindowState.Applied)) break;
            if (state.CapReached(options.MaxApiCalls))
            {
                yield return new SyncFinished(state.Stop(state.CapStop(options.MaxApiCalls, "with the export windows not yet applied")));
                yield break;
            }
            var applied = all.Values.Count(w => w.State == ExportWindowState.Applied);
            state.Progress(all.Count == 1 ? $"Full pass, bulk export of {all[0]}" : $"Full pass, bulk export in {all.Count} createdAt windows",
                $"{applied} of {all.Count} windows applied; {Describe(all.Values)}", all.Count == 0 ? -1 : (int)(100.0 * applied / all.Count));
        }
        TryRemoveEmptyFolder(ExportFolder);
    }

    /// <summary>What one step did, for the iterator (which may not yield inside a try with a catch).</summary>
    private sealed class Step
    {
        public List<(PersonRecord, PersonChange)> Changes { get; } = [];
        public bool Polled { get; set; }
        public bool QueueFull { get; set; }
        public PassStop? Stop { get; set; }
        public string? Where { get; set; }
    }

    /// <summary>
    /// One round: fill free job slots, then apply one finished window if there is one (so a freed slot
    /// is refilled before the next long apply), else wait for the next status poll and poll.
    /// </summary>
    private async Task StepAsync(FullPassRun state, Dictionary<int, ExportWindow> all, SyncOptions options, Step step, DateTimeOffset lastPoll, CancellationToken ct)
    {
        foreach (var pending in all.Values.Where(w => w.State == ExportWindowState.Pending).OrderBy(w => w.Index).ToList())
        {
            if (all.Values.Count(w => w.State == ExportWindowState.Enqueued) >= MaxJobsInMarketo) break;
            step.Where = $"while queueing the export of {pending}";
            EnqueueRefusal refusal;
            try
            {
                refusal = await StartJobAsync(state, all, pending, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Code == "1035" && pending.Kind == ExportWindowKind.SmartList)
            {
                await FallBackToCreatedAtAsync(state, all, options, e.Code, ct).ConfigureAwait(false);
                return;
            }
            if (refusal == EnqueueRefusal.QueueFull) { step.QueueFull = true; break; }
            if (refusal == EnqueueRefusal.DailyQuotaExceeded)
            {
                var resets = marketo.Gate.Budget.NextReset;
                step.Stop = new PassStop(SyncRunStatus.Stopped,
                    $"Stopped: Marketo's daily export quota is spent; it resets at midnight US Central ({resets:u}). The next Start-SalesSync resumes with the windows not yet exported.", null);
                return;
            }
            if (state.CapReached(options.MaxApiCalls)) return;
        }

        var ready = all.Values.Where(w => w.State is ExportWindowState.Completed or ExportWindowState.Downloaded).OrderBy(w => w.Index).FirstOrDefault();
        if (ready is not null)
        {
            step.Where = $"while downloading and applying the export of {ready}";
            await FinishWindowAsync(state, all, ready, step, ct).ConfigureAwait(false);
            return;
        }

        var waiting = all.Values.Where(w => w.State == ExportWindowState.Enqueued).OrderBy(w => w.Index).ToList();
        if (waiting.Count == 0 && !step.QueueFull) return;
        var due = lastPoll + options.ExportPollInterval - DateTimeOffset.UtcNow;
        if (due > TimeSpan.Zero) await Task.Delay(due, ct).ConfigureAwait(false);
        step.Polled = true;
        foreach (var window in waiting)
        {
            step.Where = $"while checking the export of {window}";
            await PollAsync(state, all, window, ct).ConfigureAwait(false);
        }
    }

    private async Task<EnqueueRefusal> StartJobAsync(FullPassRun state, Dictionary<int, ExportWindow> all, ExportWindow window, CancellationToken ct)
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
            window = Save(all, window with { ExportId = job.ExportId });
            EngineObserver.Current.Verbose($"Export job {job.ExportId} created for {window}.");
        }
        var refusal = await _export.EnqueueAsync(window.ExportId!, ct).ConfigureAwait(false);
        if (refusal is EnqueueRefusal.None or EnqueueRefusal.AlreadyQueued)
        {
            Save(all, window with { State = ExportWindowState.Enqueued });
            EngineObserver.Current.Verbose($"Export job {window.ExportId} queued ({window}).");
        }
        state.Checkpoint(r => r);
        return refusal is EnqueueRefusal.AlreadyQueued ? EnqueueRefusal.None : refusal;
    }

    private async Task PollAsync(FullPassRun state, Dictionary<int, ExportWindow> all, ExportWindow window, CancellationToken ct)
    {
        ExportJob job;
        try
        {
            job = await _export.StatusAsync(window.ExportId!, ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.InvalidRequest)
        {
            // The job is unknown to Marketo (expired after 7 days, or another user's): export the window again.
            Retry(all, window, $"Marketo no longer knows export job {window.ExportId} ({e.Code})");
            return;
        }
        state.Checkpoint(r => r);
        if (job.IsCompleted)
        {
            DatabaseFile.EnsureFolder(Path.Combine(ExportFolder, "file"));
            // Created here, before the state says Completed: a resumed run only ever reopens a file SalesSync made.
            if (!File.Exists(FilePath(window)) && !DatabaseFile.TryCreateOwnerOnly(FilePath(window)))
                throw new IOException($"Could not create '{FilePath(window)}'.");
            Save(all, window with { State = ExportWindowState.Completed, FileSize = job.FileSize, Checksum = job.FileChecksum, Records = job.NumberOfRecords });
            EngineObserver.Current.Verbose($"Export job {job.ExportId} completed: {job.NumberOfRecords?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} records, {job.FileSize?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes ({window}).");
        }
        else if (job.IsFailed || job.IsCancelled)
            Retry(all, window, $"Export job {job.ExportId} ended {job.Status}{(job.ErrorMessage is { Length: > 0 } m ? $" ({m})" : "")}");
        else if (job.Status.Equals("Created", StringComparison.OrdinalIgnoreCase))
            Save(all, window with { State = ExportWindowState.Pending }); // our enqueue did not take: queue it again
    }

    /// <summary>Downloads (resuming), verifies and applies one finished window, then deletes its file.</summary>
    private async Task FinishWindowAsync(FullPassRun state, Dictionary<int, ExportWindow> all, ExportWindow window, Step step, CancellationToken ct)
    {
        var path = FilePath(window);
        if (window.State == ExportWindowState.Completed)
        {
            if (!await DownloadAsync(state, all, window, path, ct).ConfigureAwait(false)) return;
            if (!Verify(all, all[window.Index], path)) return;
            window = Save(all, all[window.Index] with { State = ExportWindowState.Downloaded });
        }
        else if (!File.Exists(path))
        {
            Retry(all, window, $"The downloaded file of export job {window.ExportId} is gone");
            return;
        }

        var syncedAt = DateTimeOffset.UtcNow;
        try
        {
            window = await ApplyFileAsync(state, all, window, path, syncedAt, step, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or CsvHelper.CsvHelperException)
        {
            // The file passed its checksum yet cannot be read: export the window again (bounded).
            Retry(all, all[window.Index], $"The file of export job {window.ExportId} cannot be read ({e.Message})");
            return;
        }

        // Applied is saved before the file goes: a kill in between leaves a stray file, never a window exported again.
        Save(all, window with { State = ExportWindowState.Applied });
        File.Delete(path); // ours: created when the job completed
        EngineObserver.Current.Verbose($"Applied {window.RowsApplied:N0} rows of export job {window.ExportId} ({window}).");
    }

    /// <summary>Applies the file's rows from the saved row on, 1,000 per transaction, saving the row reached after each batch.</summary>
    private async Task<ExportWindow> ApplyFileAsync(FullPassRun state, Dictionary<int, ExportWindow> all, ExportWindow window, string path, DateTimeOffset syncedAt, Step step, CancellationToken ct)
    {
        using var rows = ExportFileReader.Read(path, window.RowsApplied, syncedAt).GetEnumerator();
        while (true)
        {
            var batch = new List<PersonRecord>(ApplyBatchSize);
            var lastRow = window.RowsApplied;
            while (batch.Count < ApplyBatchSize && rows.MoveNext())
            {
                lastRow = rows.Current.Row;
                if (rows.Current.Person is { } person && MarketoPersonFields.IsEligible(person)) batch.Add(person);
            }
            if (lastRow == window.RowsApplied) break;
            var withOpportunities = await owner.WithOpportunitiesAsync(batch, ct).ConfigureAwait(false);
            step.Changes.AddRange(state.Apply(withOpportunities, r => r));
            window = Save(all, window with { RowsApplied = lastRow });
            ct.ThrowIfCancellationRequested();
        }
        return window;
    }

    /// <summary>Downloads until the file is whole; false when the window has to be exported again.</summary>
    private async Task<bool> DownloadAsync(FullPassRun state, Dictionary<int, ExportWindow> all, ExportWindow window, string path, CancellationToken ct)
    {
        var withoutProgress = 0;
        await using var file = DatabaseFile.OpenOwnerOnly(path, FileMode.OpenOrCreate, FileShare.None);
        while (true)
        {
            var before = file.Length;
            var result = await _export.DownloadAsync(window.ExportId!, file, ct).ConfigureAwait(false);
            var arrived = Math.Max(0, result.BytesOnDisk - before);
            state.Checkpoint(r => r with { BulkBytes = r.BulkBytes + arrived });
            switch (result.Outcome)
            {
                case FileDownloadOutcome.Complete:
                    return true;
                case FileDownloadOutcome.NotAvailable:
                    await file.DisposeAsync().ConfigureAwait(false);
                    File.Delete(path);
                    Retry(all, window, $"The file of export job {window.ExportId} is not served (expired or gone)");
                    return false;
            }
            withoutProgress = result.BytesOnDisk > before ? 0 : withoutProgress + 1;
            EngineObserver.Current.Verbose($"Download of export job {window.ExportId} interrupted at {result.BytesOnDisk:N0} of {result.TotalSize?.ToString("N0", CultureInfo.InvariantCulture) ?? "?"} bytes ({result.Problem}); continuing from there.");
            if (withoutProgress >= MaxDownloadsWithoutProgress)
                throw new SalesSyncApiException(MarketoClient.ServiceName, "NETWORK",
                    $"The download of export job {window.ExportId} made no progress in {withoutProgress} attempts ({result.Problem})", ApiFailureKind.Transient);
        }
    }

    /// <summary>Checks the whole file against the job's sha256; a mismatch downloads it again (bounded).</summary>
    private bool Verify(Dictionary<int, ExportWindow> all, ExportWindow window, string path)
    {
        if (window.Checksum is not { } expected || !expected.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase))
        {
            EngineObserver.Current.Warning($"Export job {window.ExportId} gave no sha256 checksum; its file is used unchecked.");
            return true;
        }
        string actual;
        using (var stream = File.OpenRead(path)) actual = Convert.ToHexString(SHA256.HashData(stream));
        if (actual.Equals(expected["sha256:".Length..], StringComparison.OrdinalIgnoreCase)) return true;
        File.Delete(path);
        if (window.Attempts + 1 >= MaxAttemptsPerWindow)
            throw new SalesSyncApiException(MarketoClient.ServiceName, "CHECKSUM",
                $"The file of export job {window.ExportId} failed its sha256 check {MaxAttemptsPerWindow} times", ApiFailureKind.Transient);
        EngineObserver.Current.Warning($"The file of export job {window.ExportId} does not match its sha256 checksum; downloading it again.");
        DatabaseFile.TryCreateOwnerOnly(path);
        Save(all, window with { Attempts = window.Attempts + 1 });
        return false;
    }

    /// <summary>The window's job is lost: export it again, unless that has happened too often.</summary>
    private void Retry(Dictionary<int, ExportWindow> all, ExportWindow window, string why)
    {
        if (window.Attempts + 1 >= MaxAttemptsPerWindow)
            throw new SalesSyncApiException(MarketoClient.ServiceName, "EXPORT_FAILED", $"{why}; {window} failed {MaxAttemptsPerWindow} times", ApiFailureKind.InvalidRequest);
        EngineObserver.Current.Warning($"{why}: exporting {window} again.");
        if (File.Exists(FilePath(window)) && window.State is ExportWindowState.Completed or ExportWindowState.Downloaded) File.Delete(FilePath(window));
        Save(all, window with { State = ExportWindowState.Pending, ExportId = null, RowsApplied = 0, Attempts = window.Attempts + 1 });
    }

    private static string Describe(IEnumerable<ExportWindow> windows)
    {
        var jobs = windows.Where(w => w.State is ExportWindowState.Enqueued or ExportWindowState.Completed or ExportWindowState.Downloaded).OrderBy(w => w.Index)
            .Select(w => $"{(w.StartAt is { } s ? s.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : w.ToString())} {w.State switch { ExportWindowState.Enqueued => "in Marketo's queue", ExportWindowState.Completed => "downloading", _ => "applying" }}");
        return string.Join(", ", jobs) is { Length: > 0 } text ? text : "no job running";
    }

    private ExportWindow Save(Dictionary<int, ExportWindow> all, ExportWindow window)
    {
        windows.Save(window);
        all[window.Index] = window;
        return window;
    }

    private string FilePath(ExportWindow window) => Path.Combine(ExportFolder, $"{window.RunId}-{window.Index}-{window.ExportId}.csv");

    private static void TryRemoveEmptyFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
