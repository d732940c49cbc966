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
    internal static Start Decide(SyncRunResult? latest, SyncOptions options, DateTimeOffset now)
    {
        if (options.Full) return Start.NewFull;
        if (latest is { Mode: "Incremental", Status: not SyncRunStatus.Completed }) return Start.ResumeIncremental;
        if (latest is { Status: SyncRunStatus.Completed, LeadChangesToken: not null } && !WatermarkTooOld(latest, now)) return Start.Incremental;
        if (latest is { Status: not SyncRunStatus.Completed } unfinished && SameSource(unfinished, options)) return Start.ResumeFull;
        return Start.NewFull;
    }

    /// <summary>A run resumes only with the method and lists it started with (the same lists in any order).</summary>
    private static bool SameSource(SyncRunResult run, SyncOptions options) =>
        run.Strategy == StrategyOf(options) && run.StaticListIds.ToHashSet().SetEquals(options.StaticListIds) && run.SmartListId == options.SmartListId;

    internal static string StrategyOf(SyncOptions options) => options.Method == SyncMethod.Rest ? "Rest" : "Bulk";

    // Marketo prunes deleted-lead activities after 14 days (field changes after 90) without saying so:
    // a watermark that old would silently miss deletes, so a full pass is the only exact answer.
    // The watermark is as old as the run that took it (a full pass takes it as it starts; an incremental run
    // moves it while it reads), not as the run's end: a full pass that took two weeks to finish is already stale.
    private static bool WatermarkTooOld(SyncRunResult done, DateTimeOffset now) => now - done.StartedAt > DeletedLeadRetention;

    private readonly PeopleStore _people = store.People;
    private readonly SyncRunStore _runs = store.Runs;

    public async IAsyncEnumerable<SyncOutput> RunAsync(SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        if (options.Method == SyncMethod.Rest && options.SmartListId is not null)
            throw new SyncException(SyncFailureReason.SmartListNeedsBulk,
                "A smart list can only be exported (-Method Bulk); the REST method pages a static list (-StaticListId) or scans Marketo ids.");
        if (options.HasStaticLists && options.SmartListId is not null)
            throw new SyncException(SyncFailureReason.SmartListNeedsBulk, "Give a static list or a smart list, not both.");
        var gate = Running.GetValue(store, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(0, ct).ConfigureAwait(false))
            throw new SyncException(SyncFailureReason.AlreadyRunning, $"A sync is already running on '{store.Path}' in this process; wait for it to end.");
        try
        {
            await foreach (var output in RunLockedAsync(options, ct).ConfigureAwait(false)) yield return output;
        }
        finally
        {
            gate.Release();
        }
    }

    private async IAsyncEnumerable<SyncOutput> RunLockedAsync(SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        if (IncrementalStart(options, out var note) is { } incremental)
        {
            observer.Verbose(note);
            var callsBefore = marketo.CallsMade;
            await SeedBudgetAsync(ct).ConfigureAwait(false);
            var pass = new IncrementalPass(marketo, salesforce, _people, _runs, this, store.OptOuts);
            await foreach (var output in pass.RunAsync(incremental, options.ReportChanges, callsBefore, options.MaxApiCalls, ct).ConfigureAwait(false))
                yield return output;
            if (!pass.WatermarkExpired) yield break;
            observer.Warning("The activity watermark is older than the history Marketo keeps: running a full pass, which also removes people no longer eligible.");
            options = options with { Full = true };
        }
        var invocationCalls = marketo.CallsMade;
        var run = StartOrResume(options, out note);
        observer.Verbose(note);
        var state = new FullPassRun(this, marketo, salesforce, _people, _runs, run) { InvocationCallsBefore = invocationCalls };
        var seeded = await SeedBudgetAsync(ct).ConfigureAwait(false);
        if (seeded is { } used) observer.Verbose($"Marketo reports {used} API calls used today on this instance; the daily budget counts from there.");
        if (run.LeadChangesToken is null) await WithWatermarksAsync(state, ct).ConfigureAwait(false);

        var source = options switch
        {
            { Method: SyncMethod.Rest, HasStaticLists: true } => new RestListPass(marketo, this, options.StaticListIds).RunAsync(state, options, ct),
            { Method: SyncMethod.Rest } => new IdRangePass(marketo, this, _people.HighestMarketoId).RunAsync(state, options, ct),
            _ => new BulkExtractPass(marketo, this, store.ExportWindows, store.Path).RunAsync(state, options, ct),
        };
        await foreach (var output in source.ConfigureAwait(false))
        {
            yield return output;
            if (output is SyncFinished) break;
        }
        if (state.Stopped is { } stopped)
        {
            if (stopped.Rethrow is { } e) ExceptionDispatchRethrow(e);
            yield break;
        }

        // A complete pass saw every eligible person: whoever it did not see has left. A pass limited by
        // -CreatedSince did not look at older people, so it removes nobody. The checkpoint first takes in the calls
        // made after the last batch was applied (the id scan's last probe).
        state.Checkpoint(r => r);
        run = state.Run;
        if (options is { Method: SyncMethod.Bulk, CreatedSince: not null, SmartListId: null, HasStaticLists: false })
        {
            run = run with { Message = $"Exported people created since {options.CreatedSince:yyyy-MM-dd} only, so nobody was removed; a full pass without -CreatedSince removes people who left." };
        }
        else if (!state.SawAnyone && _people.Count > 0)
        {
            // A source that yields nobody (an empty or wrong list, a filter Marketo answered with nothing) would
            // remove everyone; an instance does not empty itself, so the database is left as it is.
            run = Finish(run, SyncRunStatus.Failed, $"The full pass found no sales-owned person{(options.HasStaticLists ? $" in static list(s) {string.Join(", ", options.StaticListIds)}" : "")}, yet the database holds {_people.Count:N0}; nothing was removed. Check the list ids and the connection's permissions, or run Start-SalesSync -Full with another source.");
            observer.Warning(run.Message!);
            yield return new SyncFinished(run);
            yield break;
        }
        else
        {
            foreach (var removed in _people.RemoveNotSeenIn(run.RunId))
            {
                run = run with { Removed = run.Removed + 1 };
                if (options.ReportChanges) yield return new PersonChanged(removed, PersonChange.Removed);
            }
        }
        run = Finish(run, SyncRunStatus.Completed, run.Message);
        observer.Verbose($"Sync run {run.RunId} completed: {run.Added} added, {run.Updated} updated, {run.Removed} removed, {run.Unchanged} unchanged; {run.MarketoCalls} Marketo and {run.SalesforceCalls} Salesforce calls.");
        yield return new SyncFinished(run);
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
    private SyncRunResult? IncrementalStart(SyncOptions options, out string note)
    {
        note = "";
        var latest = _runs.Latest;
        var start = Decide(latest, options, DateTimeOffset.UtcNow);
        if (start == Start.ResumeIncremental && latest is { } unfinished)
        {
            note = $"Resuming incremental run {unfinished.RunId} ({unfinished.Status}) from its saved activity tokens.";
            var resumed = unfinished with { Status = SyncRunStatus.Running, EndedAt = null, Message = null };
            _runs.Save(resumed);
            return resumed;
        }
        if (start != Start.Incremental || latest is not { } done)
        {
            if (!options.Full && latest is { Status: SyncRunStatus.Completed, LeadChangesToken: not null })
                EngineObserver.Current.Warning($"The last run started {(DateTimeOffset.UtcNow - latest.StartedAt).TotalDays:0} days ago, past the {DeletedLeadRetention.TotalDays:0} days Marketo keeps deleted leads: running a full pass.");
            return null;
        }
        var run = _runs.Start("Incremental", "Activities", []) with
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
    private async Task WithWatermarksAsync(FullPassRun state, CancellationToken ct)
    {
        var since = (marketo.ServerClock.ToServerTime(state.Run.StartedAt) ?? state.Run.StartedAt) - TimeSpan.FromMinutes(10);
        try
        {
            var token = await ActivityStreams.TokenSinceAsync(marketo, since, ct).ConfigureAwait(false);
            if (token is null) return;
            state.Checkpoint(r => r with { LeadChangesToken = token, MergesToken = token, DeletesToken = token, SalesforceSince = since });
        }
        catch (SalesSyncApiException e)
        {
            EngineObserver.Current.Warning($"Could not read Marketo's activity paging token ({e.Code}): the next run will be a full pass again.");
        }
    }

    private SyncRunResult StartOrResume(SyncOptions options, out string note)
    {
        var latest = _runs.Latest;
        if (Decide(latest, options, DateTimeOffset.UtcNow) == Start.ResumeFull && latest is { } unfinished)
        {
            note = unfinished.Strategy == "Rest"
                ? unfinished.StaticListIds.Count > 0
                    ? $"Resuming sync run {unfinished.RunId} ({unfinished.Status}) where each of static list(s) {string.Join(", ", unfinished.StaticListIds)} stopped ({unfinished.PagesDone} page(s) applied)."
                    : $"Resuming sync run {unfinished.RunId} ({unfinished.Status}) at Marketo id {unfinished.PagesDone * MarketoClient.MaxBatchSize + 1}."
                : $"Resuming sync run {unfinished.RunId} ({unfinished.Status}): export windows already applied are not exported again.";
            var resumed = unfinished with { Status = SyncRunStatus.Running, EndedAt = null, Message = note };
            _runs.Save(resumed);
            return resumed;
        }
        var incrementalAsked = !options.Full && _runs.LatestCompleted is not null;
        var run = _runs.Start("Full", StrategyOf(options), options.StaticListIds) with
        {
            SmartListId = options.SmartListId,
            Message = incrementalAsked
                ? "The last run left no activity watermark, so this run is a full pass (removals included)."
                : null,
        };
        _runs.Save(run);
        note = options switch
        {
            { Method: SyncMethod.Rest, StaticListIds: [var list] } => $"Sync run {run.RunId}: full pass over static list {list} (REST, {MarketoClient.MaxBatchSize} per call).",
            { Method: SyncMethod.Rest, HasStaticLists: true } => $"Sync run {run.RunId}: full pass over static lists {string.Join(", ", options.StaticListIds)} (REST, {MarketoClient.MaxBatchSize} per call, the lists paged side by side).",
            { Method: SyncMethod.Rest } => $"Sync run {run.RunId}: full pass over Marketo ids (REST, blocks of {MarketoClient.MaxBatchSize} ids, {marketo.Gate.Settings.ConcurrentCalls} in flight).",
            { SmartListId: { } smart } => $"Sync run {run.RunId}: full pass, bulk export of smart list {smart}.",
            { HasStaticLists: true } => $"Sync run {run.RunId}: full pass, bulk export of static list(s) {string.Join(", ", options.StaticListIds)} (one job per list).",
            _ => $"Sync run {run.RunId}: full pass, bulk export in createdAt windows of at most {ExportPlan.MaxWindow.TotalDays:0} days.",
        };
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
