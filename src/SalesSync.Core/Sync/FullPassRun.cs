using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// How a run (full or incremental) ended early: its status and message; a cancellation is rethrown once recorded.
/// The one way every source stops or fails a run: <see cref="Classify"/> reads the exception, and
/// <see cref="PeopleSync.Finish"/> records it with what the next Start-SalesSync does.
/// </summary>
internal sealed record RunStop(SyncRunStatus Status, string Message, Exception? Rethrow)
{
    /// <summary>What happens next when it is not the usual resume (see <see cref="PeopleSync.Finish"/>).</summary>
    public string? Then { get; init; }

    /// <summary>Why, for the cmdlet (a stop it asked for with -MaxApiCalls is only a warning); Failed runs default to Failure.</summary>
    public SyncStopReason? Reason { get; init; }

    /// <summary>
    /// <see cref="Classify"/>, and for anything it does not know (a bug, a database failure) a Failed run whose
    /// exception propagates once the run is recorded.
    /// </summary>
    public static RunStop ClassifyOrFail(Exception e, string where, CancellationToken ct) =>
        Classify(e, where, ct) ?? new RunStop(SyncRunStatus.Failed, $"Failed {where}: {e.Message}", e);

    /// <summary>
    /// What an exception means for the run (<see cref="PeopleSync.Finish"/> adds what the next Start-SalesSync does),
    /// <paramref name="where"/> naming the place ("at page 12"):
    /// Ctrl+C and a spent quota stop it resumably, an API failure fails it resumably; anything else is a bug and propagates.
    /// </summary>
    public static RunStop? Classify(Exception e, string where, CancellationToken ct) => e switch
    {
        OperationCanceledException when ct.IsCancellationRequested =>
            new RunStop(SyncRunStatus.Stopped, $"Stopped by the user {where}.", e) { Reason = SyncStopReason.Cancelled },
        SalesSyncApiException { Kind: ApiFailureKind.QuotaExhausted } quota =>
            new RunStop(SyncRunStatus.Stopped, $"Stopped {where}: {quota.Message}", null) { Reason = SyncStopReason.Quota },
        SalesSyncApiException api =>
            new RunStop(SyncRunStatus.Failed, $"Failed {where}: {api.Message}", null),
        // Local trouble (disk full, a file locked by another program) and a malformed answer end the run resumably too.
        IOException or UnauthorizedAccessException or System.Text.Json.JsonException =>
            new RunStop(SyncRunStatus.Failed, $"Failed {where}: {e.Message}", null),
        _ => null,
    };
}

/// <summary>
/// The live record of one full pass, shared by its sources (REST list paging, bulk export): applies
/// batches of people, keeps the run's counters and call counts, and saves the run as its checkpoint.
/// </summary>
internal sealed class FullPassRun(PeopleSync owner, MarketoClient marketo, SalesforceClient? salesforce, PeopleStore people, SyncRunStore runs, SyncRunResult run)
{
    private readonly long _marketoAtStart = marketo.CallsMade - run.MarketoCalls;
    private readonly long _salesforceAtStart = (salesforce?.CallsMade ?? 0) - run.SalesforceCalls;

    /// <summary>Marketo calls before this invocation's first call (its usage seed included), for -MaxApiCalls.</summary>
    public long InvocationCallsBefore { get; init; } = marketo.CallsMade;

    public SyncRunResult Run { get; private set; } = run;

    /// <summary>Set when the pass ended early; the run is then recorded as stopped or failed.</summary>
    public RunStop? Stopped { get; private set; }

    public long InvocationCalls => marketo.CallsMade - InvocationCallsBefore;

    /// <summary>Writes a batch (with opportunities already resolved), moves the checkpoint with it, and says how each person changed.</summary>
    public IReadOnlyList<PersonWrite> Apply(IReadOnlyList<PersonRecord> batch, Func<SyncRunResult, SyncRunResult> checkpoint)
    {
        var changes = people.Upsert(batch, Run.RunId);
        Checkpoint(r => checkpoint(r) with
        {
            Added = r.Added + changes.Count(c => c.Change == PersonChange.Added),
            Updated = r.Updated + changes.Count(c => c.Change == PersonChange.Updated),
            Unchanged = r.Unchanged + changes.Count(c => c.Change == PersonChange.Unchanged),
        });
        return changes;
    }

    /// <summary>Whether this run has written or stamped anyone (the counters can miss people re-applied after a crash).</summary>
    public bool SawAnyone => people.AnyStampedBy(Run.RunId);

    /// <summary>Saves the run (with the calls made so far) after changing it.</summary>
    public void Checkpoint(Func<SyncRunResult, SyncRunResult> change)
    {
        Run = change(Run) with
        {
            MarketoCalls = marketo.CallsMade - _marketoAtStart,
            SalesforceCalls = (salesforce?.CallsMade ?? 0) - _salesforceAtStart,
        };
        runs.Save(Run);
    }

    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly long _personsBefore = run.Added + run.Updated + run.Unchanged;

    /// <summary>
    /// Two nested progress records: the phase (persons and persons/s this invocation, Marketo calls against
    /// today's budget) and under it the detail of the current window or page.
    /// </summary>
    public void Progress(string phase, string detail, int percent = -1)
    {
        var persons = Run.Added + Run.Updated + Run.Unchanged - _personsBefore;
        var rate = persons / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var budget = marketo.Gate.Budget;
        var own = budget.Limit > 0 ? $"SalesSync {budget.Used:N0} of its {budget.Limit:N0} today" : $"SalesSync {budget.Used:N0} today";
        var today = budget.InstanceUsedToday is { } instance ? $"{own}, the instance ~{instance:N0}" : own;
        var observer = Diagnostics.EngineObserver.Current;
        observer.Progress(new Diagnostics.EngineProgress("Start-SalesSync", string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{phase}: {persons:N0} persons ({rate:N0}/s); Marketo calls {InvocationCalls:N0} this run, {today}; Salesforce calls {Run.SalesforceCalls:N0}"), percent));
        observer.Progress(new Diagnostics.EngineProgress(phase, detail, -1, 2) { ParentActivityId = 1 });
    }

    public bool CapReached(long? maxApiCalls) => maxApiCalls is { } cap && InvocationCalls >= cap;

    /// <summary>Records an early end; the caller yields the finished run and stops.</summary>
    public SyncRunResult Stop(RunStop stop)
    {
        Stopped = stop;
        Checkpoint(r => r);
        Run = owner.Finish(Run, stop);
        return Run;
    }

    public RunStop CapStop(long? maxApiCalls, string resumesAt) =>
        new(SyncRunStatus.Stopped, $"Stopped after {InvocationCalls} Marketo calls in this invocation (-MaxApiCalls {maxApiCalls}); it resumes {resumesAt}.", null) { Reason = SyncStopReason.MaxApiCalls };
}
