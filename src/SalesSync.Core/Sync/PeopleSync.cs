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
    /// How the next run starts, from the newest run alone (used by the run itself and by -WhatIf, so both agree):
    /// <list type="bullet">
    /// <item>-Full: a new full pass (an unfinished run is abandoned).</item>
    /// <item>An unfinished run resumes exactly as it started (method, lists, smart list, CreatedSince are read from its
    /// record) when no source parameter is given or the same ones are; other source parameters are refused
    /// (<see cref="SyncFailureReason.UnfinishedRunDiffers"/>): guessing which the admin meant could sweep or abandon.</item>
    /// <item>After a completed run whose activity watermark is younger than Marketo's delete retention: incremental
    /// (source parameters shape full passes only), unless -CreatedSince asks for a partial re-export.</item>
    /// <item>Otherwise a new full pass.</item>
    /// </list>
    /// </summary>
    internal static Start Decide(SyncRunResult? latest, SyncOptions options, DateTimeOffset now)
    {
        if (options.Full) return Start.NewFull;
        if (latest is { Status: not SyncRunStatus.Completed } unfinished)
        {
            if (unfinished.Mode == "Incremental")
            {
                if (options.CreatedSince is not null) throw Differs(unfinished, options);
                // L1: a stopped incremental run whose tokens are older than Marketo's delete history would miss deletes.
                return WatermarkTooOld(unfinished, now) ? Start.NewFull : Start.ResumeIncremental;
            }
            if (!SourceGiven(options) || SameSource(unfinished, options)) return Start.ResumeFull;
            throw Differs(unfinished, options);
        }
        if (latest is { Status: SyncRunStatus.Completed, LeadChangesToken: not null } && !WatermarkTooOld(latest, now))
            return options.CreatedSince is null ? Start.Incremental : Start.NewFull;
        return Start.NewFull;
    }

    /// <summary>Whether the invocation names a source (a method other than Auto, lists, a smart list, -CreatedSince).</summary>
    internal static bool SourceGiven(SyncOptions options) =>
        options.Method != SyncMethod.Auto || options.HasStaticLists || options.SmartListId is not null || options.CreatedSince is not null;

    /// <summary>The given source parameters match the unfinished run's (the same lists in any order; Auto matches any method).</summary>
    private static bool SameSource(SyncRunResult run, SyncOptions options) =>
        options.Method == SyncMethod.Auto && run.Planned
            // The planner may have read another source than the lists named (say the id scan): the same command still resumes.
            ? run.AskedStaticListIds.ToHashSet().SetEquals(options.StaticListIds) && run.AskedSmartListId == options.SmartListId
              && SameInstant(run.CreatedSince, options.CreatedSince)
            : (options.Method == SyncMethod.Auto || run.Strategy == StrategyOf(options))
              && run.StaticListIds.ToHashSet().SetEquals(options.StaticListIds) && run.SmartListId == options.SmartListId
              && SameInstant(run.CreatedSince, options.CreatedSince);

    private static bool SameInstant(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b is null : b is not null && Math.Abs((a.Value - b.Value).TotalSeconds) < 1;

    private static SyncException Differs(SyncRunResult unfinished, SyncOptions options) => new(SyncFailureReason.UnfinishedRunDiffers,
        $"Run {unfinished.RunId} ({DescribeSource(unfinished)}, {unfinished.Status} {unfinished.EndedAt ?? unfinished.StartedAt:u}) is unfinished, and this Start-SalesSync asks for {DescribeSource(options)}. " +
        $"Run Start-SalesSync without -Method, -StaticListId, -SmartListId or -CreatedSince to resume run {unfinished.RunId} as it started, " +
        $"or add -Full to abandon it (its export jobs are cancelled and its files deleted) and start a new full pass.");

    internal static string StrategyOf(SyncOptions options) => options.Method == SyncMethod.Rest ? "Rest" : "Bulk";

    /// <summary>A full pass's source in words, from its run record.</summary>
    internal static string DescribeSource(SyncRunResult run) => run.Mode == "Incremental"
        ? "an incremental run"
        : DescribeSource(ResumeOptions(run, new SyncOptions()));

    internal static string DescribeSource(SyncOptions o) => o switch
    {
        { Method: SyncMethod.Rest, StaticListIds: [var list] } => $"a full pass over static list {list} by REST",
        { Method: SyncMethod.Rest, HasStaticLists: true } => $"a full pass over static lists {string.Join(", ", o.StaticListIds)} by REST",
        { Method: SyncMethod.Rest } => "a full pass scanning Marketo ids by REST",
        { SmartListId: { } smart } => $"a full pass exporting smart list {smart}{(o.Method == SyncMethod.Auto ? "" : " (bulk)")}",
        { StaticListIds: [var list] } => $"a full pass over static list {list}{(o.Method == SyncMethod.Auto ? "" : " (bulk)")}",
        { HasStaticLists: true } => $"a full pass over static lists {string.Join(", ", o.StaticListIds)}{(o.Method == SyncMethod.Auto ? "" : " (bulk)")}",
        { CreatedSince: { } since } => $"a partial pass exporting people created since {since:yyyy-MM-dd HH:mm}Z (bulk)",
        { Method: SyncMethod.Bulk } => "a full pass exporting everyone in createdAt windows (bulk)",
        _ => "a full pass from the fastest source",
    };

    /// <summary>The options an unfinished full run resumes with: its source from its record, the invocation's own limits.</summary>
    internal static SyncOptions ResumeOptions(SyncRunResult run, SyncOptions invocation) => invocation with
    {
        Method = run.Strategy == "Rest" ? SyncMethod.Rest : SyncMethod.Bulk,
        StaticListIds = run.StaticListIds,
        SmartListId = run.SmartListId,
        CreatedSince = run.CreatedSince,
    };

    // Marketo prunes deleted-lead activities after 14 days (field changes after 90) without saying so:
    // a watermark that old would silently miss deletes, so a full pass is the only exact answer.
    // A completed incremental run read the log to its end after it started, the deleted-leads stream only up to
    // DeletesReadAt when it skipped that stream (review H1: deletes are the stream Marketo forgets first); any other
    // run's tokens are as old as when they were taken (a full pass takes them as it starts, a partial pass keeps the
    // last complete run's).
    private static bool WatermarkTooOld(SyncRunResult run, DateTimeOffset now) => now - WatermarkTakenAt(run) > DeletedLeadRetention;

    internal static DateTimeOffset WatermarkTakenAt(SyncRunResult run) =>
        run is { Mode: "Incremental", Status: SyncRunStatus.Completed }
            ? run.DeletesReadAt is { } deletes && deletes < run.StartedAt ? deletes : run.StartedAt
            : run.WatermarkAt ?? run.StartedAt;

    /// <summary>
    /// What the next plain Start-SalesSync does after this unfinished run, in the words every stop message and
    /// RecommendedAction uses (a test holds them to Start-SalesSync -WhatIf).
    /// </summary>
    internal static string NextStep(SyncRunResult run) => run.Mode == "Incremental"
        ? $"The next Start-SalesSync resumes incremental run {run.RunId} from its saved activity tokens."
        : $"The next Start-SalesSync resumes run {run.RunId} ({DescribeSource(run)}) where it stopped; Start-SalesSync -Full abandons it and starts a new pass.";

    private readonly PeopleStore _people = store.People;
    private readonly SyncRunStore _runs = store.Runs;

    /// <summary>This run's reader of owner names (none without Salesforce: the names kept stay as they were).</summary>
    private readonly SalesOwnerReader? _owners = salesforce is null ? null : new SalesOwnerReader(salesforce, store.People);

    /// <summary>How far ahead of this machine's clock -CreatedSince may be (clocks differ) before it is refused as in the future.</summary>
    internal static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Refuses source parameters that cannot work, before anything is called or recorded (new-user D1: a bad
    /// parameter once left a run "Running" for good).
    /// </summary>
    internal static void CheckParameters(SyncOptions options, DateTimeOffset now)
    {
        if (options.Method == SyncMethod.Rest && options.SmartListId is not null)
            throw new SyncException(SyncFailureReason.SmartListNeedsBulk,
                "A smart list can only be exported (-Method Bulk or Auto); the REST method pages static lists (-StaticListId) or scans Marketo ids.");
        if (options.HasStaticLists && options.SmartListId is not null)
            throw new SyncException(SyncFailureReason.SmartListNeedsBulk, "Give a static list or a smart list, not both.");
        if (options.CreatedSince is { } since)
        {
            if (since > now + ClockSkew)
                throw new SyncException(SyncFailureReason.CreatedSinceInFuture,
                    $"-CreatedSince {since:u} is in the future: nobody was created after it. Give a past date, for example (Get-Date).AddDays(-30).");
            if (options.Method == SyncMethod.Rest)
                throw new SyncException(SyncFailureReason.CreatedSinceNeedsBulk,
                    "-CreatedSince limits bulk export windows; the REST sources read every person. Use -Method Bulk or Auto with -CreatedSince.");
            if (options.HasStaticLists || options.SmartListId is not null)
                throw new SyncException(SyncFailureReason.CreatedSinceNeedsBulk, "-CreatedSince limits createdAt windows; it cannot be combined with a list.");
        }
    }

    public async IAsyncEnumerable<SyncOutput> RunAsync(SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        CheckParameters(options, DateTimeOffset.UtcNow);
        // Between a watch's polls the lock is free, but the watch's next poll would sync beside this run; named before the
        // lock so the message says a watch runs, whether or not it is polling right now.
        if (!options.Watch && store.RunningWatch is { } watch)
            throw new SyncException(SyncFailureReason.WatchAlreadyRunning, $"{watch} is running on '{store.Path}' in this process, and its polls keep the people current. Stop it (Ctrl+C in its console, Stop-Job for a thread job) before running Start-SalesSync.");
        var gate = store.PeopleSyncLock;
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
        var invocationCalls = marketo.CallsMade; // -MaxApiCalls counts every call of this invocation, list checks included
        var latest = DecisionBase(_runs);
        var start = Decide(latest, options, DateTimeOffset.UtcNow);
        // A list id is checked whenever one is given, also when the run is incremental: a typo in a scheduled
        // command must fail today, not turn a later run into a full pass that fails.
        if (options.HasStaticLists || options.SmartListId is not null) await CheckListsExistAsync(marketo, options, ct).ConfigureAwait(false);
        if (start == Start.NewFull && latest is { Mode: "Incremental", Status: not SyncRunStatus.Completed } && !options.Full)
            observer.Warning($"Incremental run {latest.RunId} stopped more than {DeletedLeadRetention.TotalDays:0} days ago, past the history Marketo keeps of deleted leads: running a full pass instead of resuming it.");
        if (start is Start.Incremental or Start.ResumeIncremental)
        {
            var callsBefore = invocationCalls;
            var incremental = IncrementalStart(start, latest!, options.Watch, out var note);
            observer.Verbose(note);
            if (start == Start.Incremental && SourceGiven(options))
            {
                // Said on the run, not as a warning: a scheduled command with its lists gets here every day, rightly.
                const string ignored = "The source parameters given (-Method, -StaticListId, -SmartListId) shape full passes only; this run is incremental.";
                observer.Verbose(ignored);
                incremental = incremental with { Message = ignored };
                _runs.Save(incremental);
            }
            RunStop? early = null;
            var restoredChanges = new List<PersonChanged>();
            try
            {
                if (!options.SkipUsageRead) await SeedBudgetAsync(ct).ConfigureAwait(false);
                (incremental, restoredChanges) = await RestoreUnreadOpportunitiesAsync(incremental, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                early = RunStop.ClassifyOrFail(e, "before reading the activity log", ct);
            }
            if (early is not null)
            {
                yield return new SyncFinished(Finish(incremental, early));
                if (early.Rethrow is { } rethrow) ExceptionDispatchRethrow(rethrow);
                yield break;
            }
            foreach (var change in restoredChanges)
                if (options.ReportChanges) yield return change;
            var pass = new IncrementalPass(marketo, salesforce, _people, _runs, this, store.OptOuts) { RefreshOpportunities = !options.SkipOpportunityRefresh, SkipDeletedLeads = options.SkipDeletedLeads };
            await foreach (var output in Guarded(pass.RunAsync(incremental, options.ReportChanges, callsBefore, options.MaxApiCalls, ct),
                () => _runs.Latest, stop => Finish(_runs.Latest!, stop with { Then = null }), ct).ConfigureAwait(false))
                yield return output;
            if (!pass.WatermarkExpired) yield break;
            observer.Warning("The activity watermark is older than the history Marketo keeps: running a full pass, which also removes people no longer eligible.");
            options = options with { Full = true, ReplacesExpiredRun = true };
            latest = _runs.Latest; // the expired incremental run, abandoned by the full pass
            start = Start.NewFull;
        }

        var (run, effective, facts) = await StartOrResumeAsync(start, latest, options, ct).ConfigureAwait(false);
        var state = new FullPassRun(this, marketo, salesforce, _people, _runs, run) { InvocationCallsBefore = invocationCalls };
        RunStop? ending = null;
        try
        {
            // Whatever the source, the bulk runs this one replaces end here: their jobs still queued in Marketo are cancelled
            // (they hold places in the queue of ten other integrations share) and their export files deleted (review M5).
            await BulkExtractPass.AbandonRunsBeforeAsync(marketo, store.ExportWindows, store.Path, run.RunId, ct).ConfigureAwait(false);
            // The planner's survey read today's usage already.
            var seeded = facts is not null ? facts.InstanceCallsToday : await SeedBudgetAsync(ct).ConfigureAwait(false);
            if (seeded is { } used) observer.Verbose($"Marketo reports {used:N0} API calls used today on this instance (every integration's); SalesSync's own daily cap counts only its own calls.");
            // A partial pass never takes new tokens: older people's changes since the last complete run are still to be read.
            // The watermark is no later than the survey: people created after it found the id scan's end are the next run's.
            if (run.LeadChangesToken is null && run.Sweeps) await WithWatermarksAsync(state, facts?.Now, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            ending = RunStop.ClassifyOrFail(e, "before reading people", ct);
        }
        if (ending is not null)
        {
            yield return new SyncFinished(state.Stop(ending));
            if (ending.Rethrow is { } e) ExceptionDispatchRethrow(e);
            yield break;
        }

        var source = effective switch
        {
            { Method: SyncMethod.Rest, HasStaticLists: true } => new RestListPass(marketo, this, effective.StaticListIds).RunAsync(state, effective, ct),
            { Method: SyncMethod.Rest } => new IdRangePass(marketo, this, _people.HighestMarketoId,
                facts?.HighestId is { Complete: true } found ? found : run.ScanEndId is { } end ? new HighestIdEvidence(end, null, 0, Complete: true) : null).RunAsync(state, effective, ct),
            _ => new BulkExtractPass(marketo, this, store.ExportWindows, store.Path).RunAsync(state, effective, ct),
        };
        // A crash the source did not classify is recorded through state.Stop, so the code below sees it stopped (and rethrows)
        // instead of sweeping after a pass that never finished.
        await foreach (var output in Guarded(source, () => state.Stopped is null ? state.Run : null, state.Stop, ct).ConfigureAwait(false))
        {
            yield return output;
            if (output is SyncFinished) break;
        }
        if (state.Stopped is { } stopped)
        {
            if (stopped.Rethrow is { } e) ExceptionDispatchRethrow(e);
            yield break;
        }

        // A complete pass saw every eligible person: whoever it did not see has left. Whether it may sweep is read from
        // the run record (review C1), never from the invocation that resumed it. The checkpoint first takes in the calls
        // made after the last batch was applied (the id scan's last probe).
        state.Checkpoint(r => r);
        run = state.Run;
        if (!run.Sweeps)
        {
            run = run with
            {
                Message = run.ScopeUnknown
                    ? "This run was recorded by an earlier SalesSync that did not keep whether -CreatedSince limited it, so nobody was removed; a full pass (Start-SalesSync -Full) removes people who left."
                    : $"Exported people created since {run.CreatedSince:yyyy-MM-dd HH:mm}Z only (a partial pass), so nobody was removed; a full pass (Start-SalesSync -Full) removes people who left.",
            };
        }
        else if (RefusedSweep(run, options) is { } refusal)
        {
            // A source that yields nobody, or leaves out a large share of the people stored (an empty, wrong or partial
            // list, a filter Marketo answered with too little), would remove people it never looked at: nothing is removed,
            // and the run does not block the schedule (the next run goes on from the last completed one).
            run = Finish(run, SyncRunStatus.Refused, refusal, then: AfterRefusal(run));
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

    /// <summary>A complete pass may not remove more than this share of the stored people without -AllowLargeRemoval ...</summary>
    internal const double LargeRemovalShare = 0.2;

    /// <summary>... and more than this many (small databases change by more than a share in a day).</summary>
    internal const int LargeRemovalFloor = 100;

    /// <summary>Why a complete pass must not remove the people it did not see, or null when it may.</summary>
    private string? RefusedSweep(SyncRunResult run, SyncOptions options)
    {
        var stored = _people.Count;
        if (stored == 0) return null;
        var lists = run.StaticListIds.Count > 0 ? $" in static list(s) {string.Join(", ", run.StaticListIds)}" : run.SmartListId is { } smart ? $" in smart list {smart}" : "";
        var seen = _people.CountStampedBy(run.RunId);
        if (seen == 0)
            return $"The full pass found no sales-owned person{lists}, yet the database holds {stored:N0}; nothing was removed. Check the list ids and the connection's permissions.";
        var unseen = stored - seen;
        if (options.AllowLargeRemoval || unseen <= LargeRemovalFloor || unseen <= stored * LargeRemovalShare) return null;
        return $"The full pass{lists} did not see {unseen:N0} of the {stored:N0} people stored ({(double)unseen / stored:P0}), more than a complete pass removes without -AllowLargeRemoval; nothing was removed. "
               + (run.StaticListIds.Count > 0 || run.SmartListId is not null ? "A list must hold every sales-owned person: check the list ids. " : "")
               + "If those people did leave, run Start-SalesSync -Full -AllowLargeRemoval.";
    }

    /// <summary>What the next plain Start-SalesSync does after a refused run: it goes on from the last completed run.</summary>
    private string AfterRefusal(SyncRunResult refused) =>
        _runs.LatestCompleted is { } done && Decide(done, new SyncOptions(), DateTimeOffset.UtcNow) == Start.Incremental
            ? $"The next Start-SalesSync does not resume run {refused.RunId}: it runs incrementally from run {done.RunId}, the last completed one; Start-SalesSync -Full starts a new pass."
            : $"The next Start-SalesSync does not resume run {refused.RunId}: it starts a new full pass (from the source the planner picks).";

    /// <summary>
    /// The run the next start is decided from: the newest, unless it was refused or abandoned (never resumed), then the
    /// last completed one.
    /// </summary>
    internal static SyncRunResult? DecisionBase(SyncRunStore runs) =>
        runs.Latest is { Status: SyncRunStatus.Refused or SyncRunStatus.Abandoned } ? runs.LatestCompleted : runs.Latest;

    /// <summary>Every list id given exists in Marketo (one call per list); an unknown one stops the run before anything is recorded.</summary>
    internal static async Task CheckListsExistAsync(MarketoClient marketo, SyncOptions options, CancellationToken ct)
    {
        foreach (var list in options.StaticListIds)
            if (await KnownAsync(() => marketo.GetStaticListNameAsync(list, ct), $"static list {list}").ConfigureAwait(false) is false)
                throw new SyncException(SyncFailureReason.ListNotFound, $"Marketo has no static list {list} (1013). Check the id in Marketo (it is in the list's URL); nothing was started.");
        if (options.SmartListId is { } smart && await KnownAsync(() => marketo.GetSmartListNameAsync(smart, ct), $"smart list {smart}").ConfigureAwait(false) is false)
            throw new SyncException(SyncFailureReason.ListNotFound, $"Marketo has no smart list {smart}. Check the id in Marketo (the smart list's URL); nothing was started.");

        // Only a definite "not found" stops the run: a user without Asset API permission (603), or a refusal of
        // another kind, cannot verify the id, and the export or paging itself will say whether the list exists.
        static async Task<bool?> KnownAsync(Func<Task<string?>> read, string what)
        {
            try
            {
                return await read().ConfigureAwait(false) is not null;
            }
            catch (SalesSyncApiException e) when (e.Kind is ApiFailureKind.Unauthorized or ApiFailureKind.InvalidRequest)
            {
                EngineObserver.Current.Warning($"Could not check that {what} exists ({e.Code}: {e.ApiMessage}); going on without the check.");
                return null;
            }
        }
    }

    /// <summary>The Marketo day on which this run read the instance's usage (the day the read started); null: not read.</summary>
    internal DateOnly? UsageReadOn { get; private set; }

    /// <summary>One call to stats/usage.json; a failure here only loses the figure, never the run.</summary>
    private async Task<int?> SeedBudgetAsync(CancellationToken ct)
    {
        try
        {
            // Taken before the call (review L1): a read that straddles midnight counts for the old day, so the new day reads again.
            // A failed read counts as made too: a watch retrying it every day-long poll would only spend more calls.
            UsageReadOn = marketo.Gate.Budget.Day;
            return await marketo.SeedDailyBudgetAsync(ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e)
        {
            // A spent quota (607) is remembered by the budget: the first page then stops the run cleanly.
            EngineObserver.Current.Warning($"Could not read today's Marketo API use ({e.Code}); the instance's use today is unknown.");
            return null;
        }
    }

    /// <summary>
    /// Each contact's opportunity when Salesforce is connected (and the owners' names, kept beside the people). Without Salesforce nothing is read, so nothing is
    /// erased (review H3): a contact keeps the opportunity stored for the same contact id; one whose contact is new
    /// or changed is marked unread, and the next run with Salesforce reads it.
    /// </summary>
    internal async Task<List<PersonRecord>> WithOpportunitiesAsync(IReadOnlyList<PersonRecord> people, CancellationToken ct)
    {
        static bool IsContact(PersonRecord p) => string.Equals(p.SalesforceType, "Contact", StringComparison.OrdinalIgnoreCase) && p.SalesforceContactId is not null;
        if (salesforce is null)
        {
            var stored = _people.FindMany(people.Where(IsContact).Select(p => p.MarketoId));
            return people.Select(p =>
            {
                if (!IsContact(p)) return p with { SalesforceOpportunityId = null, OpportunityUnread = false };
                return stored.TryGetValue(p.MarketoId, out var before) && before.SalesforceContactId == p.SalesforceContactId && !before.OpportunityUnread
                    ? p with { SalesforceOpportunityId = before.SalesforceOpportunityId, OpportunityUnread = false }
                    : p with { SalesforceOpportunityId = null, OpportunityUnread = true };
            }).ToList();
        }
        await _owners!.ReadAsync(people.Select(p => p.SalesOwnerId), ct).ConfigureAwait(false);
        var opportunities = await OpportunityResolver.ForContactsAsync(salesforce, people.Where(IsContact).Select(p => p.SalesforceContactId!), ct).ConfigureAwait(false);
        return people.Select(p => p with
        {
            SalesforceOpportunityId = IsContact(p) && opportunities.TryGetValue(SalesforceIds.To18(p.SalesforceContactId)!, out var opp) ? opp : null,
            OpportunityUnread = false,
        }).ToList();
    }

    /// <summary>
    /// Contacts written while Salesforce was not connected get their opportunity now that it is (review H3); counted
    /// as updates of this run. Nothing happens without Salesforce or when none is marked.
    /// </summary>
    private async Task<(SyncRunResult Run, List<PersonChanged> Changes)> RestoreUnreadOpportunitiesAsync(SyncRunResult run, CancellationToken ct)
    {
        var changes = new List<PersonChanged>();
        if (salesforce is null) return (run, changes);
        var unread = _people.WithUnreadOpportunity();
        if (unread.Count == 0) return (run, changes);
        try
        {
            foreach (var chunk in unread.Chunk(MarketoClient.MaxBatchSize))
            {
                var refreshed = await WithOpportunitiesAsync(chunk, ct).ConfigureAwait(false);
                foreach (var write in _people.Upsert(refreshed, run.RunId))
                {
                    if (write.Change == PersonChange.Unchanged) continue;
                    run = run with { Updated = run.Updated + 1 };
                    changes.Add(PersonChanged.Of(write));
                }
            }
            EngineObserver.Current.Verbose($"Read the opportunities of {unread.Count} contact(s) synced while Salesforce was not connected.");
        }
        catch (SalesSyncApiException e)
        {
            EngineObserver.Current.Warning($"The opportunities of {unread.Count} contact(s) synced without Salesforce could not be read ({e.Message}); the next run reads them.");
        }
        _runs.Save(run);
        return (run, changes);
    }

    /// <summary>The incremental run to continue (an unfinished one) or to start after the latest completed run.</summary>
    private SyncRunResult IncrementalStart(Start start, SyncRunResult latest, bool watch, out string note)
    {
        if (start == Start.ResumeIncremental)
        {
            note = $"Resuming incremental run {latest.RunId} ({latest.Status}) from its saved activity tokens.";
            // Marked by what resumes it (review L9): a plain Start-SalesSync that finishes a killed poll's run is no watch poll.
            var resumed = latest with { Status = SyncRunStatus.Running, EndedAt = null, Message = null, Watch = watch };
            _runs.Save(resumed);
            return resumed;
        }
        var run = _runs.Start("Incremental", "Activities", []) with
        {
            LeadChangesToken = latest.LeadChangesToken,
            MergesToken = latest.MergesToken,
            DeletesToken = latest.DeletesToken,
            SalesforceSince = latest.SalesforceSince,
            WatermarkAt = WatermarkTakenAt(latest),
            DeletesReadAt = WatermarkTakenAt(latest),
            Watch = watch,
        };
        _runs.Save(run);
        note = $"Sync run {run.RunId}: incremental, from the activity log since run {latest.RunId} (lead changes; conversions, owner changes and merges; deletes), touched people fetched by id.";
        return run;
    }

    /// <summary>
    /// A new full pass takes Marketo's paging token for a little before it starts: the next, incremental
    /// run reads every change from there (a change seen twice is applied twice, harmlessly).
    /// </summary>
    private async Task WithWatermarksAsync(FullPassRun state, DateTimeOffset? notAfter, CancellationToken ct)
    {
        var taken = notAfter is { } survey && survey < state.Run.StartedAt ? survey : state.Run.StartedAt;
        var since = (marketo.ServerClock.ToServerTime(taken) ?? taken) - TimeSpan.FromMinutes(10);
        try
        {
            var token = await ActivityStreams.TokenSinceAsync(marketo, since, ct).ConfigureAwait(false);
            if (token is null) return;
            state.Checkpoint(r => r with { LeadChangesToken = token, MergesToken = token, DeletesToken = token, SalesforceSince = since, WatermarkAt = since });
        }
        catch (SalesSyncApiException e)
        {
            EngineObserver.Current.Warning($"Could not read Marketo's activity paging token ({e.Code}): the next run will be a full pass again.");
        }
    }

    /// <summary>
    /// The full pass to run: the unfinished one resumed with the source on its record, or a new one (abandoning an
    /// unfinished run) whose source the invocation names or the planner picks; lists are checked before it is recorded.
    /// </summary>
    private async Task<(SyncRunResult Run, SyncOptions Effective, SourceFacts? Facts)> StartOrResumeAsync(Start start, SyncRunResult? latest, SyncOptions options, CancellationToken ct)
    {
        var observer = EngineObserver.Current;
        if (start == Start.ResumeFull && latest is { } unfinished)
        {
            var effective = ResumeOptions(unfinished, options);
            var where = unfinished.Strategy == "Rest"
                ? unfinished.StaticListIds.Count > 0
                    ? $"where each of static list(s) {string.Join(", ", unfinished.StaticListIds)} stopped ({unfinished.PagesDone} page(s) applied)"
                    : $"at Marketo id {unfinished.PagesDone * MarketoClient.MaxBatchSize + 1}"
                : "with the export windows not yet applied";
            var note = $"Resuming sync run {unfinished.RunId} ({unfinished.Status}): {DescribeSource(unfinished)}, {where}.";
            observer.Verbose(note);
            // The stop message is no longer true once the run goes on; the run's end writes its own.
            var resumed = unfinished with { Status = SyncRunStatus.Running, EndedAt = null, Message = null };
            _runs.Save(resumed);
            return (resumed, effective, null);
        }
        var callsBeforePlan = marketo.CallsMade;
        var planStarted = DateTimeOffset.UtcNow;
        var (chosen, plan, facts) = await ChooseSourceAsync(options, ct).ConfigureAwait(false);
        if (plan is not null) observer.Verbose($"Source planner ({facts!.SurveyCalls} Marketo call(s) to survey):{Environment.NewLine}{plan.RenderTable()}");
        if (latest is { Status: not SyncRunStatus.Completed } abandoned) Abandon(abandoned, options.Full && !options.ReplacesExpiredRun ? "Start-SalesSync -Full started a new full pass" : "its activity watermark was older than the history Marketo keeps, so a full pass replaced it");
        var previous = _runs.LatestCompleted;
        var incrementalAsked = !options.Full && previous is not null;
        var run = _runs.Start("Full", StrategyOf(chosen), chosen.StaticListIds) with
        {
            MarketoCalls = marketo.CallsMade - callsBeforePlan, // the planner's survey is the run's (its time and calls)
            StartedAt = planStarted,
            SmartListId = chosen.SmartListId,
            Planned = plan is not null,
            AskedStaticListIds = options.StaticListIds,
            AskedSmartListId = options.SmartListId,
            CreatedSince = chosen.CreatedSince,
            Message = string.Join(" ", new[]
            {
                plan is null ? null : $"Source: {plan.Chosen.Name}, chosen by the planner (estimated {plan.Chosen.EstimatedMinutes:0.#} min, {plan.Chosen.MarketoCalls:N0} Marketo calls).",
                incrementalAsked && chosen.CreatedSince is null ? "The last run left no usable activity watermark, so this run is a full pass (removals included)." : null,
            }.OfType<string>()) is { Length: > 0 } runNote ? runNote : null,
        };
        // A partial pass keeps the last complete run's watermark: the next incremental run still reads every change
        // made to older people since then. A first-ever partial pass leaves none, so the next run is a full pass.
        if (run.CreatedSince is not null && previous is { LeadChangesToken: not null })
            run = run with
            {
                LeadChangesToken = previous.LeadChangesToken, MergesToken = previous.MergesToken, DeletesToken = previous.DeletesToken,
                SalesforceSince = previous.SalesforceSince, WatermarkAt = WatermarkTakenAt(previous),
            };
        _runs.Save(run);
        observer.Verbose(chosen switch
        {
            { Method: SyncMethod.Rest, StaticListIds: [var list] } => $"Sync run {run.RunId}: full pass over static list {list} (REST, {MarketoClient.MaxBatchSize} per call).",
            { Method: SyncMethod.Rest, HasStaticLists: true } => $"Sync run {run.RunId}: full pass over static lists {string.Join(", ", chosen.StaticListIds)} (REST, {MarketoClient.MaxBatchSize} per call, the lists paged side by side).",
            { Method: SyncMethod.Rest } => $"Sync run {run.RunId}: full pass over Marketo ids (REST, blocks of {MarketoClient.MaxBatchSize} ids, {marketo.Gate.Settings.ConcurrentCalls} in flight).",
            { SmartListId: { } smart } => $"Sync run {run.RunId}: full pass, bulk export of smart list {smart}.",
            { HasStaticLists: true } => $"Sync run {run.RunId}: full pass, bulk export of static list(s) {string.Join(", ", chosen.StaticListIds)} (one job per list).",
            { CreatedSince: { } since } => $"Sync run {run.RunId}: partial pass, bulk export of people created since {since:u} (removes nobody).",
            _ => $"Sync run {run.RunId}: full pass, bulk export in createdAt windows of at most {ExportPlan.MaxWindow.TotalDays:0} days.",
        });
        return (run, chosen, facts);
    }

    /// <summary>
    /// The concrete source of a new full pass: what the invocation names, else what the planner finds fastest within the
    /// run's call budget (<see cref="SourcePlanner"/>; its survey costs a handful of calls and also reads today's usage).
    /// </summary>
    internal async Task<(SyncOptions Chosen, SourcePlan? Plan, SourceFacts? Facts)> ChooseSourceAsync(SyncOptions options, CancellationToken ct)
    {
        if (options.Method != SyncMethod.Auto) return (options, null, null);
        var (plan, facts) = await SourcePlanner.PlanAsync(marketo, salesforce, store, options, ct).ConfigureAwait(false);
        return (plan.ApplyTo(options), plan, facts);
    }

    /// <summary>An unfinished run given up for a new full pass: recorded as such (and why), so no message promises to resume it.</summary>
    private void Abandon(SyncRunResult abandoned, string why)
    {
        var before = NextStepSentence.Replace(abandoned.Message ?? "", "").Trim();
        _runs.Save(abandoned with { Status = SyncRunStatus.Abandoned, Message = $"Abandoned ({abandoned.Status}): {why}. {before}".TrimEnd() });
        EngineObserver.Current.Verbose($"Run {abandoned.RunId} ({DescribeSource(abandoned)}, {abandoned.Status}) is abandoned: {why}.");
    }

    /// <summary>
    /// A source's stream, with any exception no source classified (a bug, a LiteDB failure) recorded on the run as
    /// Failed through <paramref name="record"/>, so no run is ever left "Running" without a message; the exception
    /// propagates after the finished run is yielded (<paramref name="running"/> gives the run while it is still running).
    /// </summary>
    private static async IAsyncEnumerable<SyncOutput> Guarded(IAsyncEnumerable<SyncOutput> source, Func<SyncRunResult?> running, Func<RunStop, SyncRunResult> record, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var items = source.GetAsyncEnumerator(ct);
        while (true)
        {
            RunStop? crash = null;
            bool more;
            try
            {
                more = await items.MoveNextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (running() is { Status: SyncRunStatus.Running })
            {
                crash = RunStop.ClassifyOrFail(e, "while reading people", ct);
                more = false;
            }
            if (crash is not null)
            {
                yield return new SyncFinished(record(crash));
                if (crash.Rethrow is { } rethrow) ExceptionDispatchRethrow(rethrow);
                yield break;
            }
            if (!more) yield break;
            yield return items.Current;
        }
    }

    /// <summary>The closing sentence <see cref="Finish"/> gave a run that did not complete (taken off when it is abandoned).</summary>
    private static readonly System.Text.RegularExpressions.Regex NextStepSentence =
        new(@"\s*[;.]?\s*[Tt]he next Start-SalesSync [^.]*\.", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Records the end of a run. A run that did not complete gets one closing sentence saying exactly what the
    /// next plain Start-SalesSync does (<see cref="NextStep"/>); sources say only what happened.
    /// </summary>
    /// <param name="then">What happens next when it is not the usual resume (a full pass already replacing the run, say).</param>
    internal SyncRunResult Finish(SyncRunResult run, RunStop stop) => Finish(run, stop.Status, stop.Message, stop.Then, stop.Reason);

    /// <param name="reason">Why a Stopped run stopped (Failed and Refused runs need none).</param>
    internal SyncRunResult Finish(SyncRunResult run, SyncRunStatus status, string? message, string? then = null, SyncStopReason? reason = null)
    {
        if (status != SyncRunStatus.Completed)
        {
            var what = (message ?? "").Trim();
            if (what.Length > 0 && !what.EndsWith('.')) what += ".";
            message = $"{what} {then ?? NextStep(run)}".Trim();
        }
        var done = run with
        {
            Status = status, EndedAt = DateTimeOffset.UtcNow, Message = message,
            StopReason = status switch
            {
                SyncRunStatus.Completed => null,
                SyncRunStatus.Failed => SyncStopReason.Failure,
                SyncRunStatus.Refused => SyncStopReason.Refused,
                _ => reason,
            },
        };
        _runs.Save(done);
        return done;
    }

    internal static void ExceptionDispatchRethrow(Exception e) => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();

    /// <summary>The recorded runs, newest first.</summary>
    public IReadOnlyList<SyncRunResult> History(int? last) => _runs.History(last).ToList();
}
