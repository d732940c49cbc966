using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// The people sync over REST: pages a static list of the sales-owned people (300 per call), keeps the
/// eligible ones with their Salesforce opportunity, records a checkpoint after every page (the page
/// token), and at the end of a complete pass removes whoever it did not see. A stopped, failed or killed
/// run resumes from its last checkpoint; Ctrl+C stops between calls and leaves the run resumable.
/// </summary>
internal sealed class PeopleSync(MarketoClient marketo, SalesforceClient? salesforce, SyncStore store)
{
    private static readonly ConditionalWeakTable<SyncStore, SemaphoreSlim> Running = new();

    /// <summary>How long Marketo keeps Delete Lead activities (less a day of margin).</summary>
    internal static readonly TimeSpan DeletedLeadRetention = TimeSpan.FromDays(13);

    internal enum Start
    {
        ResumeIncremental,
        Incremental,
        ResumeFull,
        NewFull,
    }

    /// <summary>
    /// How the next run starts, from the newest run alone: an unfinished run resumes; after a completed run
    /// that left activity watermarks (younger than Marketo's delete retention) the run is incremental;
    /// otherwise, or with -Full, a new full pass. Used by the run itself and by -WhatIf, so both agree.
    /// </summary>
    internal static Start Decide(SyncRunResult? latest, SyncOptions options, long? listId, DateTimeOffset now)
    {
        if (options.Full) return Start.NewFull;
        if (latest is { Mode: "Incremental", Status: not SyncRunStatus.Completed }) return Start.ResumeIncremental;
        if (latest is { Status: SyncRunStatus.Completed, LeadChangesToken: not null } && !WatermarkTooOld(latest, now)) return Start.Incremental;
        if (latest is { Status: not SyncRunStatus.Completed } unfinished && unfinished.StaticListId == listId) return Start.ResumeFull;
        return Start.NewFull;
    }

    // Marketo prunes deleted-lead activities after 14 days (field changes after 90) without saying so:
    // a watermark that old would silently miss deletes, so a full pass is the only exact answer.
    private static bool WatermarkTooOld(SyncRunResult done, DateTimeOffset now) => done.EndedAt is { } ended && now - ended > DeletedLeadRetention;

    private readonly PeopleStore _people = store.People;
    private readonly SyncRunStore _runs = store.Runs;

    public async IAsyncEnumerable<SyncOutput> RunAsync(SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        if (options.StaticListId is not { } listId)
            throw new SyncException(SyncFailureReason.StaticListRequired,
                "The REST method pages a static list of the sales-owned people: give -StaticListId.");
        var gate = Running.GetValue(store, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, ct).ConfigureAwait(false))
            throw new SyncException(SyncFailureReason.AlreadyRunning, $"A sync is already running on '{store.Path}' in this process; wait for it to end.");
        try
        {
            await foreach (var output in RunLockedAsync(options, listId, ct).ConfigureAwait(false)) yield return output;
        }
        finally
        {
            gate.Release();
        }
    }

    private async IAsyncEnumerable<SyncOutput> RunLockedAsync(SyncOptions options, long listId, [EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        if (IncrementalStart(options, listId, out var note) is { } incremental)
        {
            observer.Verbose(note);
            var callsBefore = marketo.CallsMade;
            await SeedBudgetAsync(ct).ConfigureAwait(false);
            var pass = new IncrementalPass(marketo, salesforce, _people, _runs, this);
            await foreach (var output in pass.RunAsync(incremental, options.ReportChanges, callsBefore, options.MaxApiCalls, ct).ConfigureAwait(false))
                yield return output;
            if (!pass.WatermarkExpired) yield break;
            observer.Warning("The activity watermark is older than the history Marketo keeps: running a full pass, which also removes people no longer eligible.");
            options = options with { Full = true };
        }
        var invocationCalls = marketo.CallsMade;
        var run = StartOrResume(options, listId, out note);
        observer.Verbose(note);
        var marketoAtStart = marketo.CallsMade - run.MarketoCalls;
        var salesforceAtStart = (salesforce?.CallsMade ?? 0) - run.SalesforceCalls;
        var seeded = await SeedBudgetAsync(ct).ConfigureAwait(false);
        if (seeded is { } used) observer.Verbose($"Marketo reports {used} API calls used today on this instance; the daily budget counts from there.");
        if (run.LeadChangesToken is null) run = await WithWatermarksAsync(run, ct).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        long persons = 0;
        var token = run.NextPageToken;
        var page = run.PagesDone;
        // A resumed run whose last page is saved (no next token) only has the sweep left.
        var listDone = page > 0 && token is null;

        while (!listDone)
        {
            var step = await NextPageAsync(listId, token, page, ct).ConfigureAwait(false);
            if (step.Failure is { } failure)
            {
                run = Finish(run, failure.Status, failure.Message);
                yield return new SyncFinished(run);
                if (failure.Rethrow is { } e) ExceptionDispatchRethrow(e);
                yield break;
            }
            var changes = _people.Upsert(step.People, run.RunId);
            page++;
            persons += step.People.Count;
            token = step.NextPageToken;
            run = run with
            {
                Added = run.Added + changes.Count(c => c.Change == PersonChange.Added),
                Updated = run.Updated + changes.Count(c => c.Change == PersonChange.Updated),
                Unchanged = run.Unchanged + changes.Count(c => c.Change == PersonChange.Unchanged),
                PagesDone = page,
                NextPageToken = token,
                MarketoCalls = marketo.CallsMade - marketoAtStart,
                SalesforceCalls = (salesforce?.CallsMade ?? 0) - salesforceAtStart,
            };
            _runs.Save(run); // the checkpoint: a next run resumes after this page
            if (options.ReportChanges)
                foreach (var (person, change) in changes)
                    if (change != PersonChange.Unchanged) yield return new PersonChanged(person, change);
            var rate = persons / Math.Max(clock.Elapsed.TotalSeconds, 0.001);
            observer.Progress(new EngineProgress("Start-SalesSync", string.Create(CultureInfo.InvariantCulture,
                $"Static list {listId}, page {page}: {persons:N0} persons this run ({rate:N0}/s), {run.MarketoCalls} Marketo and {run.SalesforceCalls} Salesforce calls")));
            if (token is null) break;
            if (options.MaxApiCalls is { } cap && marketo.CallsMade - invocationCalls >= cap)
            {
                run = Finish(run, SyncRunStatus.Stopped, $"Stopped after {marketo.CallsMade - invocationCalls} Marketo calls in this invocation (-MaxApiCalls {cap}); the next Start-SalesSync resumes at page {page + 1}.");
                yield return new SyncFinished(run);
                yield break;
            }
        }

        // A complete pass saw every eligible member: whoever it did not see has left.
        foreach (var removed in _people.RemoveNotSeenIn(run.RunId))
        {
            run = run with { Removed = run.Removed + 1 };
            if (options.ReportChanges) yield return new PersonChanged(removed, PersonChange.Removed);
        }
        run = Finish(run, SyncRunStatus.Completed, run.Message);
        observer.Verbose($"Sync run {run.RunId} completed: {run.Added} added, {run.Updated} updated, {run.Removed} removed, {run.Unchanged} unchanged; {run.MarketoCalls} Marketo and {run.SalesforceCalls} Salesforce calls.");
        yield return new SyncFinished(run);
    }

    private sealed record PageStep(IReadOnlyList<PersonRecord> People, string? NextPageToken, StepFailure? Failure);

    /// <summary>How a run ended early; only a cancellation is rethrown (the caller is stopping), the rest is the run's status.</summary>
    private sealed record StepFailure(SyncRunStatus Status, string Message, Exception? Rethrow);

    /// <summary>Fetches and maps one page; a stop (Ctrl+C, quota) or failure becomes a recorded, resumable end of the run.</summary>
    private async Task<PageStep> NextPageAsync(long listId, string? token, long page, CancellationToken ct)
    {
        try
        {
            MarketoResponse response;
            try
            {
                response = await marketo.GetStaticListPageAsync(listId, MarketoPersonFields.RestNames, token, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (token is not null && e.Kind == ApiFailureKind.InvalidRequest && e.Code is "1001" or "1003")
            {
                // The saved page token is no longer valid: page the list again from the start (the run's stamps stay valid).
                EngineObserver.Current.Warning($"The saved paging token of static list {listId} was refused ({e.Code}); paging the list again from its first page.");
                response = await marketo.GetStaticListPageAsync(listId, MarketoPersonFields.RestNames, null, ct).ConfigureAwait(false);
            }
            var now = DateTimeOffset.UtcNow;
            var people = response.Result.Select(lead => MarketoPersonFields.FromRest(lead, now)).OfType<PersonRecord>().Where(MarketoPersonFields.IsEligible).ToList();
            people = await WithOpportunitiesAsync(people, ct).ConfigureAwait(false);
            return new PageStep(people, response.ContinuationToken, null);
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            return new PageStep([], token, new StepFailure(SyncRunStatus.Stopped, $"Stopped by the user before page {page + 1}; the next Start-SalesSync resumes there.", e));
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.QuotaExhausted)
        {
            var when = e.ResumesAt is { } at ? $" Calls resume after {at:u} (midnight US Central)." : "";
            return new PageStep([], token, new StepFailure(SyncRunStatus.Stopped, $"Stopped: {e.Message}.{when} The next Start-SalesSync resumes at page {page + 1}.", null));
        }
        catch (SalesSyncApiException e)
        {
            return new PageStep([], token, new StepFailure(SyncRunStatus.Failed, $"Failed at page {page + 1}: {e.Message} The next Start-SalesSync resumes there.", null));
        }
    }

    /// <summary>One call to stats/usage.json; a failure here only loses the head start, never the run.</summary>
    private async Task<int?> SeedBudgetAsync(CancellationToken ct)
    {
        try
        {
            return await marketo.SeedDailyBudgetAsync(ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e)
        {
            // A spent quota (607) is remembered by the budget: the first page then stops the run cleanly.
            EngineObserver.Current.Warning($"Could not read today's Marketo API use ({e.Code}); the daily budget counts this process's calls only.");
            return null;
        }
    }

    /// <summary>Each contact's opportunity (when Salesforce is connected); leads and contacts without a role keep none.</summary>
    internal async Task<List<PersonRecord>> WithOpportunitiesAsync(IReadOnlyList<PersonRecord> people, CancellationToken ct)
    {
        if (salesforce is null) return people.ToList();
        static bool IsContact(PersonRecord p) => string.Equals(p.SalesforceType, "Contact", StringComparison.OrdinalIgnoreCase) && p.SalesforceContactId is not null;
        var opportunities = await OpportunityResolver.ForContactsAsync(salesforce, people.Where(IsContact).Select(p => p.SalesforceContactId!), ct).ConfigureAwait(false);
        return people.Select(p => p with
        {
            SalesforceOpportunityId = IsContact(p) && opportunities.TryGetValue(SalesforceIds.To18(p.SalesforceContactId)!, out var opp) ? opp : null,
        }).ToList();
    }

    /// <summary>
    /// The run to continue incrementally: an unfinished incremental run, or a new one after a completed run
    /// that left activity watermarks. Null means a full pass.
    /// </summary>
    private SyncRunResult? IncrementalStart(SyncOptions options, long listId, out string note)
    {
        note = "";
        var latest = _runs.Latest;
        var start = Decide(latest, options, listId, DateTimeOffset.UtcNow);
        if (start == Start.ResumeIncremental && latest is { } unfinished)
        {
            note = $"Resuming incremental run {unfinished.RunId} ({unfinished.Status}) from its saved activity tokens.";
            var resumed = unfinished with { Status = SyncRunStatus.Running, EndedAt = null, Message = null };
            _runs.Save(resumed);
            return resumed;
        }
        if (start != Start.Incremental || latest is not { } done)
        {
            if (!options.Full && latest is { Status: SyncRunStatus.Completed, LeadChangesToken: not null, EndedAt: { } ended })
                EngineObserver.Current.Warning($"The last run ended {(DateTimeOffset.UtcNow - ended).TotalDays:0} days ago, past the {DeletedLeadRetention.TotalDays:0} days Marketo keeps deleted leads: running a full pass.");
            return null;
        }
        var run = _runs.Start("Incremental", "Activities", listId) with
        {
            LeadChangesToken = done.LeadChangesToken,
            MergesToken = done.MergesToken,
            DeletesToken = done.DeletesToken,
            SalesforceSince = done.SalesforceSince,
        };
        _runs.Save(run);
        note = $"Sync run {run.RunId}: incremental, from the activity log since run {done.RunId} (lead changes, merges, deletes), touched people fetched by id.";
        return run;
    }

    /// <summary>
    /// A new full pass takes Marketo's paging token for a little before it starts: the next, incremental
    /// run reads every change from there (a change seen twice is applied twice, harmlessly).
    /// </summary>
    private async Task<SyncRunResult> WithWatermarksAsync(SyncRunResult run, CancellationToken ct)
    {
        var since = run.StartedAt - TimeSpan.FromMinutes(10);
        try
        {
            var token = await ActivityStreams.TokenSinceAsync(marketo, since, ct).ConfigureAwait(false);
            if (token is null) return run;
            run = run with { LeadChangesToken = token, MergesToken = token, DeletesToken = token, SalesforceSince = since };
            _runs.Save(run);
            return run;
        }
        catch (SalesSyncApiException e)
        {
            EngineObserver.Current.Warning($"Could not read Marketo's activity paging token ({e.Code}): the next run will be a full pass again.");
            return run;
        }
    }

    private SyncRunResult StartOrResume(SyncOptions options, long listId, out string note)
    {
        var latest = _runs.Latest;
        if (Decide(latest, options, listId, DateTimeOffset.UtcNow) == Start.ResumeFull && latest is { } unfinished)
        {
            note = $"Resuming sync run {unfinished.RunId} ({unfinished.Status}) at page {unfinished.PagesDone + 1} of static list {listId}.";
            var resumed = unfinished with { Status = SyncRunStatus.Running, EndedAt = null, Message = note };
            _runs.Save(resumed);
            return resumed;
        }
        var incrementalAsked = !options.Full && _runs.LatestCompleted is not null;
        var run = _runs.Start("Full", "Rest", listId) with
        {
            Message = incrementalAsked
                ? "The last run left no activity watermark, so this run is a full pass over the list (removals included)."
                : null,
        };
        _runs.Save(run);
        note = $"Sync run {run.RunId}: full pass over static list {listId} (REST, {MarketoClient.MaxBatchSize} per call).";
        return run;
    }

    internal SyncRunResult Finish(SyncRunResult run, SyncRunStatus status, string? message)
    {
        var done = run with { Status = status, EndedAt = DateTimeOffset.UtcNow, Message = message };
        _runs.Save(done);
        return done;
    }

    internal static void ExceptionDispatchRethrow(Exception e) => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();

    /// <summary>The recorded runs, newest first.</summary>
    public IReadOnlyList<SyncRunResult> History(int? last) => _runs.History(last).ToList();
}
