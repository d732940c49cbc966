using System.Management.Automation;
using SalesSync.Core.Sync;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Syncs the sales-owned Marketo people into the local database: a full pass by bulk export (createdAt
/// windows, or one job per smart or static list) or by REST over static lists, resumed from its
/// checkpoint when a previous run stopped; incremental from the activity log after a completed run.
/// Writes one run object.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SalesSync", SupportsShouldProcess = true, DefaultParameterSetName = AllPeople)]
[OutputType(typeof(SyncRun), typeof(SyncedPersonChange), typeof(OptOutChange), typeof(Core.Reminders.ReminderSyncReport))]
public sealed class StartSalesSyncCommand : SalesSyncConnectedCmdlet
{
    private const string AllPeople = "AllPeople";
    private const string StaticList = "StaticList";
    private const string SmartList = "SmartList";
    private const string PipedLists = "PipedLists";

    /// <summary>
    /// The static list(s) that together hold the sales-owned people. Rest pages several lists side by side;
    /// Bulk exports one job per list.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StaticList)]
    [ValidateRange(1, long.MaxValue)]
    [ValidateCount(1, 100)]
    public long[] StaticListId { get; set; } = [];

    /// <summary>
    /// SalesSync.MarketoList objects from Get-MarketoList: static lists become -StaticListId, one smart list -SmartListId.
    /// Anything else piped is refused before anything runs (walk P2: it used to run a full scan of the instance).
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = PipedLists, DontShow = true)]
    public PSObject? InputObject { get; set; }

    private readonly List<MarketoList> _piped = [];
    private string? _pipedSet;

    /// <summary>The parameter set, with piped lists read as the set they stand for.</summary>
    private string Set => _pipedSet ?? ParameterSetName;

    /// <summary>A smart list of the sales-owned people: one bulk export job.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SmartList)]
    [ValidateRange(1, long.MaxValue)]
    public long SmartListId { get; set; }

    /// <summary>How people are read: Auto (the default: the planner picks the fastest source within the call budget), Bulk (export jobs) or Rest (300 per call).</summary>
    [Parameter]
    public SalesSync.SyncMethod Method { get; set; } = SalesSync.SyncMethod.Auto;

    /// <summary>Bulk windows start at this time instead of at the oldest person. In every parameter set so that, with a list, it
    /// is refused with a message of its own (walk P17) rather than PowerShell's AmbiguousParameterSet.</summary>
    [Parameter]
    public DateTime? CreatedSince { get; set; }

    /// <summary>Seconds between export status reads (Marketo refreshes status at most every 60 s).</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int ExportPollSeconds { get; set; } = 60;

    /// <summary>Start a new full pass instead of resuming an unfinished run.</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>Stop (resumably) after this many Marketo calls.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxApiCalls { get; set; }

    /// <summary>Let a complete full pass remove more than a fifth of the stored people (more than 100); without it such a pass removes nobody.</summary>
    [Parameter]
    public SwitchParameter AllowLargeRemoval { get; set; }

    /// <summary>Skip the opt-out step that otherwise follows the people step when Salesforce is connected.</summary>
    [Parameter]
    public SwitchParameter SkipOptOut { get; set; }

    /// <summary>Skip the reminder step that otherwise follows the opt-out step when reminder sync is TwoWay and Salesforce is connected.</summary>
    [Parameter]
    public SwitchParameter SkipReminders { get; set; }

    /// <summary>Also write each added, updated or removed person, each opt-out change, and the reminder step's report.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Keep polling: an incremental sync every -Interval (with the opt-out and reminder steps in turns and pending deliveries)
    /// until -Until, -For or Ctrl+C. In every parameter set, not mandatory, and read by IsPresent: -Watch:$false is a plain
    /// run, -Interval without -Watch is an error of its own (not a prompt for -Watch), and -Watch with a list is refused by
    /// name rather than as an ambiguous parameter set.
    /// </summary>
    [Parameter]
    public SwitchParameter Watch { get; set; }

    /// <summary>Time from the start of one poll to the start of the next (1 second to 1 day).</summary>
    [Parameter]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>No poll starts at or after this time; the watch then ends.</summary>
    [Parameter]
    public DateTime? Until { get; set; }

    /// <summary>The watch ends this long after it starts (instead of -Until).</summary>
    [Parameter]
    public TimeSpan? For { get; set; }

    /// <summary>The watch-only parameters given (bound explicitly, whatever their value).</summary>
    private string[] WatchOnlyGiven => new[] { nameof(Interval), nameof(Until), nameof(For) }.Where(MyInvocation.BoundParameters.ContainsKey).ToArray();

    protected override void ProcessRecord()
    {
        if (Set != PipedLists || InputObject is null) return;
        if (InputObject.BaseObject is MarketoList list) { _piped.Add(list); return; }
        ThrowTerminatingError(new ErrorRecord(
            new ArgumentException($"Start-SalesSync takes only Marketo lists (SalesSync.MarketoList, from Get-MarketoList) from the pipeline, not {InputObject.BaseObject.GetType().FullName}. Nothing was synced."),
            "PipelineInputNotAList", ErrorCategory.InvalidArgument, InputObject));
    }

    /// <summary>Piped lists as -StaticListId or -SmartListId; none, several smart lists or a mix cannot be one run.</summary>
    private void TakePipedLists()
    {
        var smart = _piped.Where(l => l.Type == "Smart").Select(l => l.Id).Distinct().ToArray();
        var statics = _piped.Where(l => l.Type != "Smart").Select(l => l.Id).Distinct().ToArray();
        string? problem = null;
        if (_piped.Count == 0) problem = "No Marketo list came down the pipeline (did Get-MarketoList find none?), so nothing was synced; a sync of every person needs Start-SalesSync without input.";
        else if (smart.Length > 0 && statics.Length > 0) problem = $"Static lists ({string.Join(",", statics)}) and smart lists ({string.Join(",", smart)}) came down the pipeline: a run reads static lists, or one smart list, not both. Nothing was synced.";
        else if (smart.Length > 1) problem = $"{smart.Length} smart lists ({string.Join(",", smart)}) came down the pipeline: a run reads one smart list (or several static lists). Nothing was synced.";
        else if (statics.Length > 100) problem = $"{statics.Length} static lists came down the pipeline; a run reads at most 100. Nothing was synced.";
        if (problem is not null)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException(problem), "PipedListsNotOneSource", ErrorCategory.InvalidArgument, _piped.Select(l => l.Id).ToArray()));
        if (smart.Length == 1) { SmartListId = smart[0]; _pipedSet = SmartList; }
        else { StaticListId = statics; _pipedSet = StaticList; }
        WriteVerbose($"Lists from the pipeline: {(_pipedSet == SmartList ? $"-SmartListId {SmartListId}" : $"-StaticListId {string.Join(",", StaticListId)}")}.");
    }

    protected override void EndProcessing()
    {
        if (Watch.IsPresent)
        {
            RunWatch();
            return;
        }
        if (WatchOnlyGiven is { Length: > 0 } watchOnly)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"-{string.Join(", -", watchOnly)} {(watchOnly.Length == 1 ? "needs" : "need")} -Watch: {(watchOnly.Length == 1 ? "it shapes" : "they shape")} a watch, and without -Watch Start-SalesSync runs once. Add -Watch (Start-SalesSync -Watch -{watchOnly[0]} ...), or leave {(watchOnly.Length == 1 ? "it" : "them")} out for one run."),
                "WatchParameterNeedsWatch", ErrorCategory.InvalidArgument, watchOnly));
        // An empty pipeline (Get-MarketoList found nothing) binds no list: it must not fall back to syncing every person.
        if (Set == PipedLists || (MyInvocation.ExpectingInput && Set == AllPeople)) TakePipedLists();
        if (CreatedSince is not null && Set != AllPeople)
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-CreatedSince limits a pass over every person to those created since then (bulk createdAt windows); it does not combine with -StaticListId, -SmartListId or piped lists, which are read whole. Give one or the other."),
                "CreatedSinceWithList", ErrorCategory.InvalidArgument, CreatedSince));
        var options = new SyncOptions
        {
            Method = Enum.Parse<Core.Sync.SyncMethod>(Method.ToString()), // by name: the two enums are not ordered alike by contract
            StaticListIds = Set == StaticList ? StaticListId.Distinct().ToArray() : [],
            SmartListId = Set == SmartList ? SmartListId : null,
            CreatedSince = LocalTime.ToOffset(CreatedSince),
            ExportPollInterval = TimeSpan.FromSeconds(ExportPollSeconds),
            Full = Full,
            MaxApiCalls = MaxApiCalls,
            AllowLargeRemoval = AllowLargeRemoval,
            ReportChanges = PassThru,
        };
        SyncRunResult? finished = null;
        var failedEarlier = new List<SyncRunResult>(); // an incremental run that gave way to a full pass
        try
        {
            // The plan text is built only when someone reads it (-WhatIf, -Confirm): it may cost planner calls.
            var plan = WhatIfRequested || ConfirmWanted ? RunEngine(ct => Session.DescribeSyncPlanAsync(options, ct)) : "Sync the sales-owned Marketo people into this database";
            if (!ShouldProcess(Session.DatabasePath, plan))
            {
                if (WhatIfRequested && Session.HasSalesforce && !SkipOptOut)
                    ShouldProcess(Session.DatabasePath, "Then the opt-out step: read Salesforce Email Opt Out changes, set Email Opt Out in Salesforce for people unsubscribed in Marketo (Sync-SalesOptOut -WhatIf lists each change)");
                if (WhatIfRequested && RemindersDue)
                    ShouldProcess(Session.DatabasePath, "Then the reminder step: read Salesforce Task changes into SalesSync's reminders, send local reminder changes to Salesforce (Sync-SalesReminder -WhatIf reports what it would change)");
                return;
            }
            // Person changes stream as they happen; the run objects come last, after the opt-out step and deliveries.
            RunEngineStream(ct => Session.SyncPeopleAsync(options, ct), (Action<SyncOutput>)(output =>
            {
                if (output is PersonChanged c) WriteObject(Changed(c));
                else if (output is SyncFinished f) Record(f.Run);
            }));
        }
        catch (PipelineStoppedException)
        {
            // Ctrl+C: the pipeline takes no more writes, but the console can still say what the next run does.
            TellTheConsoleHowTheRunStopped();
            throw;
        }
        catch (SyncException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, e.Reason == SyncFailureReason.AlreadyRunning ? "SyncAlreadyRunning" : e.Reason.ToString(), CategoryOf(e.Reason), e.Reason switch
            {
                SyncFailureReason.CreatedSinceInFuture or SyncFailureReason.CreatedSinceNeedsBulk => CreatedSince,
                SyncFailureReason.ListNotFound or SyncFailureReason.SmartListNeedsBulk => Set == SmartList ? SmartListId : StaticListId,
                _ => Session.DatabasePath,
            }));
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            // Before a run was recorded (the planner's survey, a list check): nothing was started.
            var (id, category) = ApiFailureIdentity(e);
            ThrowTerminatingError(new ErrorRecord(e, id, category, Session.DatabasePath)
            {
                ErrorDetails = new ErrorDetails($"Start-SalesSync could not start the run: {e.Message}")
                {
                    RecommendedAction = e.Kind == Core.Http.ApiFailureKind.QuotaExhausted
                        ? "Run Start-SalesSync again after the daily quota resets (midnight US Central)."
                        : "Run Start-SalesSync again once the service answers.",
                },
            });
        }
        var peopleFailed = finished is { Status: SyncRunStatus.Failed };
        if (peopleFailed)
        {
            // D16: the services the people step could not reach would only fail again (each after its retries).
            WriteVerbose("The opt-out step and pending activity deliveries are skipped because the people step failed; the next Start-SalesSync runs them.");
        }
        else
        {
            if (Session.HasSalesforce && !SkipOptOut) RunOptOutStep(writeChanges: PassThru);
            RunReminderStepAfterOptOut();
            DeliverPendingActivities();
        }
        foreach (var run in failedEarlier.Append(finished).OfType<SyncRunResult>()) WriteObject(SyncRun.From(run));
        if (finished is { Mode: "Incremental" } && ListsNewToThisDatabase() is { } lists)
            WriteWarning($"{lists} was not read: after a completed run Start-SalesSync reads only the changes since (incremental), and the lists shape full passes only. To read it now, run Start-SalesSync {lists} -Full.");
        foreach (var earlier in failedEarlier)
            WriteWarning($"Run {earlier.RunId} ({earlier.Mode}) ended {earlier.Status}: {earlier.Message}");
        if (finished is { Status: SyncRunStatus.Stopped, StopReason: SyncStopReason.MaxApiCalls } stopped)
        {
            // The stop this invocation asked for (-MaxApiCalls: a run in daily chunks) is a warning, not a failure. The engine
            // says why the run stopped: the process's call counters are shared by runspaces and cannot tell a quota stop apart.
            WriteWarning(stopped.Message ?? Core.SalesSyncSession.NextStepAfter(stopped));
        }
        else if (finished is { Status: not SyncRunStatus.Completed } unfinished)
        {
            // Every other run that did not complete is a terminating error, after the run object was written, so a
            // runbook (pwsh -File) exits non-zero and try/catch sees the run as the error's TargetObject.
            ThrowTerminatingError(RunDidNotComplete(unfinished));
        }

        void Record(SyncRunResult run)
        {
            if (finished is { Status: not SyncRunStatus.Completed } previous) failedEarlier.Add(previous);
            finished = run;
        }
    }

    /// <summary>
    /// -Watch: the loop is the engine's (<see cref="Core.Sync.WatchLoop"/>); this writes what it streams. Without -PassThru
    /// nothing goes down the pipeline: each poll is a run record (Get-SalesSyncRun) and a verbose line, and the end a summary.
    /// </summary>
    private void RunWatch()
    {
        // -ExportPollSeconds is let through: it changes no meaning (a watch never exports), and a session may set it by default.
        // -Method Auto is what a watch does anyway (it polls incrementally), so a splatted default is let through.
        var notForWatch = new[] { nameof(Method), nameof(CreatedSince), nameof(Full), nameof(MaxApiCalls), nameof(AllowLargeRemoval), nameof(StaticListId), nameof(SmartListId) }
            .Where(MyInvocation.BoundParameters.ContainsKey).Where(p => p != nameof(Method) || Method != SalesSync.SyncMethod.Auto)
            .Select(p => "-" + p).ToList();
        if (MyInvocation.ExpectingInput) notForWatch.Add("lists from the pipeline");
        if (notForWatch.Count > 0)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException($"{string.Join(", ", notForWatch)} {(notForWatch.Count == 1 ? "shapes" : "shape")} one run, not a watch (which polls incrementally for the people of the last completed run). Run Start-SalesSync with {(notForWatch.Count == 1 ? "it" : "them")} first, then Start-SalesSync -Watch."),
                "WatchParameterNotApplicable", ErrorCategory.InvalidArgument, notForWatch.ToArray()));
        if (Interval < TimeSpan.FromSeconds(1) || Interval > TimeSpan.FromDays(1))
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Interval), $"-Interval {Interval} is outside 00:00:01 to 1.00:00:00 (a bare number such as -Interval 60 is read as ticks). Give, for example, -Interval 00:01:00 (each idle poll costs 3 Marketo calls)."),
                "WatchIntervalOutOfRange", ErrorCategory.InvalidArgument, Interval));
        if (Until is not null && For is not null)
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -Until or -For, not both: each says when the watch ends."), "WatchUntilAndFor", ErrorCategory.InvalidArgument, For));
        // A bare number binds as ticks (-For 10 is a microsecond): anything under a second is a mistake, said as one.
        if (For is { } span && span < TimeSpan.FromSeconds(1))
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(For), $"-For {span} is shorter than a second (a bare number such as -For 10 is read as ticks). Give a time span, for example -For 01:00:00 or -For (New-TimeSpan -Minutes 10)."), "WatchForNotPositive", ErrorCategory.InvalidArgument, span));
        if (For is { } tooLong && tooLong > TimeSpan.FromDays(3650))
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(For), $"-For {tooLong} is longer than ten years; leave -For and -Until out to watch until Ctrl+C."), "WatchForTooLong", ErrorCategory.InvalidArgument, tooLong));
        var until = For is { } f ? DateTimeOffset.UtcNow + f : LocalTime.ToOffset(Until);
        if (until is { } u && u <= DateTimeOffset.UtcNow)
            ThrowTerminatingError(new ErrorRecord(new ArgumentOutOfRangeException(nameof(Until), $"-Until {At(u)} has passed: the watch would not poll once. Give a later time, for example (Get-Date).AddHours(1)."),
                "WatchUntilInPast", ErrorCategory.InvalidArgument, Until));
        try
        {
            Session.CheckCanWatch();
        }
        catch (SyncException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, e.Reason.ToString(), ErrorCategory.InvalidOperation, Session.DatabasePath)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Run Start-SalesSync until a run completes (Get-SalesSyncRun -Last 1 shows Completed), then Start-SalesSync -Watch." },
            });
        }
        var optOuts = Session.HasSalesforce && !SkipOptOut;
        var steps = (optOuts ? ", the opt-out step" : "") + (RemindersDue ? ", the reminder step" : "");
        if (!ShouldProcess(Session.DatabasePath, $"Watch: an incremental sync every {Interval}{steps} and pending deliveries, {(until is { } end ? $"until {At(end)}" : "until Ctrl+C")}"))
            return;
        var options = new WatchOptions { Interval = Interval, Until = until, OptOuts = optOuts, Reminders = RemindersDue, ReportChanges = PassThru };
        try
        {
            RunEngineStream(ct => Session.WatchAsync(options, ct), (Action<SyncOutput>)(output =>
            {
                switch (output)
                {
                    case PersonChanged c:
                        WriteObject(Changed(c));
                        break;
                    case WatchOptOutChanged { Change.Outcome: Core.Unsubscribes.OptOutOutcome.Failed } o:
                        WriteError(OptOutRefused(o.Change));
                        break;
                    case WatchOptOutChanged o:
                        WriteObject(SalesSync.OptOutChange.From(o.Change));
                        break;
                    case WatchRemindersSynced r:
                        WriteObject(r.Report);
                        break;
                    case WatchPolled { Poll: var p }:
                        _owners.Clear(); // a later poll may have read an owner's new name
                        WriteVerbose(p.Run is { } run
                            ? $"Poll {p.Number} at {p.StartedAt.ToLocalTime():HH:mm:ss}: run {run.RunId} {run.Status}, {run.Added} added, {run.Updated} updated, {run.Removed} removed; {p.MarketoCalls} Marketo and {p.SalesforceCalls} Salesforce calls (Salesforce step: {p.SalesforceStep})."
                            : $"Poll {p.Number} at {p.StartedAt.ToLocalTime():HH:mm:ss}: skipped, another sync of this database was running.");
                        break;
                    case WatchEnded e:
                        // Failed polls are named (walk 17 L10); calls count every request sent, a failed poll's retries included.
                        WriteSummary($"Watch ended ({e.Reason}): {e.Polls} polls{(e.FailedPolls > 0 ? $" ({e.FailedPolls} failed)" : "")}, {e.Added} added, {e.Updated} updated, {e.Removed} removed; {e.MarketoCalls} Marketo and {e.SalesforceCalls} Salesforce calls (every request sent, retries included).");
                        break;
                }
            }));
        }
        catch (PipelineStoppedException)
        {
            TellTheConsoleHowTheRunStopped();
            throw;
        }
        catch (SyncException e) when (e.Reason is SyncFailureReason.AlreadyRunning or SyncFailureReason.WatchAlreadyRunning)
        {
            // Another sync or watch of this database in this process (a thread job, a second runspace): polling beside it doubles the calls.
            ThrowTerminatingError(new ErrorRecord(e, e.Reason == SyncFailureReason.AlreadyRunning ? "SyncAlreadyRunning" : e.Reason.ToString(), ErrorCategory.ResourceBusy, Session.DatabasePath)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Let the running sync or watch end (or stop it: Ctrl+C in its console, Stop-Job for a job), then start the watch." },
            });
        }
    }

    private readonly Dictionary<string, Core.People.SalesOwner?> _owners = new(StringComparer.Ordinal);

    /// <summary>A -PassThru change with its owner filled as Get-SyncedPerson fills it: one lookup per distinct owner, cached for the run (a poll).</summary>
    private SyncedPersonChange Changed(PersonChanged c)
    {
        Core.People.SalesOwner? owner = null;
        if (c.Person.SalesOwnerId is { } id && !_owners.TryGetValue(id, out owner)) _owners[id] = owner = Session.FindSalesOwner(id);
        return SyncedPersonChange.From(c, owner);
    }

    /// <summary>A point in time as the admin's clock shows it, with its offset (a local time labelled Z misled, walk 17).</summary>
    private static string At(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss zzz", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The lists given, as parameters, when the last full pass read other people than they name (walk P7: a list given
    /// after a completed run is otherwise silently not read); null when none were given or a scheduled command repeats
    /// the lists of its full pass (it rightly runs incremental every day).
    /// </summary>
    private string? ListsNewToThisDatabase()
    {
        if (Set == AllPeople) return null;
        var lastFull = Session.GetSyncRuns().FirstOrDefault(r => r.Mode != "Incremental" && r.Status == SyncRunStatus.Completed);
        if (Set == SmartList)
            return lastFull?.SmartListId == SmartListId ? null : $"-SmartListId {SmartListId}";
        var given = StaticListId.Distinct().Order().ToArray();
        return lastFull is not null && lastFull.StaticListIds.Order().SequenceEqual(given) ? null : $"-StaticListId {string.Join(",", given)}";
    }

    /// <summary>SyncFailed, SyncRefused or SyncStopped, with the run as TargetObject and what the next run does.</summary>
    private static ErrorRecord RunDidNotComplete(SyncRunResult run)
    {
        var (id, category, action) = run.Status switch
        {
            SyncRunStatus.Failed => ("SyncFailed", ErrorCategory.OperationStopped, Core.SalesSyncSession.NextStepAfter(run)),
            // A pass that saw nobody never removes anyone; one that saw too few may, when the admin says so.
            SyncRunStatus.Refused => ("SyncRefused", ErrorCategory.InvalidData,
                run.Message?.Contains("found no sales-owned person", StringComparison.Ordinal) == true
                    ? "Check the list ids and the connection's permissions; a pass that sees nobody never removes anyone."
                    : "Check the list ids (a list must hold every sales-owned person); if the people did leave, run Start-SalesSync -Full -AllowLargeRemoval."),
            _ => ("SyncStopped", ErrorCategory.LimitsExceeded, Core.SalesSyncSession.NextStepAfter(run)),
        };
        var message = run.Message ?? $"Sync run {run.RunId} ended {run.Status}.";
        return new ErrorRecord(new InvalidOperationException(message), id, category, SyncRun.From(run))
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = action },
        };
    }

    /// <summary>After Ctrl+C, the stopped run's message (what the next plain Start-SalesSync does) on the console, as a warning would show it.</summary>
    private void TellTheConsoleHowTheRunStopped()
    {
        try
        {
            if (Session.GetSyncRuns(1).FirstOrDefault() is { Status: SyncRunStatus.Stopped, Message: { } message })
                Host.UI.WriteWarningLine(message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A host that cannot write now (or a database already closed) loses only this courtesy; the run's record keeps it.
        }
    }

    private bool ConfirmWanted =>
        MyInvocation.BoundParameters.TryGetValue("Confirm", out var c) ? c is SwitchParameter { IsPresent: true }
            : SessionState.PSVariable.GetValue("ConfirmPreference") is ConfirmImpact impact && impact <= ConfirmImpact.Medium;

    private static ErrorCategory CategoryOf(SyncFailureReason reason) => reason switch
    {
        SyncFailureReason.AlreadyRunning or SyncFailureReason.WatchAlreadyRunning => ErrorCategory.ResourceBusy,
        SyncFailureReason.UnfinishedRunDiffers => ErrorCategory.InvalidOperation,
        SyncFailureReason.ListNotFound => ErrorCategory.ObjectNotFound,
        _ => ErrorCategory.InvalidArgument,
    };

    protected override string LocalFailureAdvice =>
        "Fix the disk or file problem (space, permissions, another program holding the file), then run Start-SalesSync again: it resumes the unfinished run from its last checkpoint.";

    /// <summary>Reminder sync is on, Salesforce connected, and -SkipReminders not given.</summary>
    private bool RemindersDue =>
        Session.HasSalesforce && !SkipReminders && Session.ActivitySettings.ReminderSync == Core.Reminders.ReminderSyncMode.TwoWay;

    /// <summary>
    /// The reminder step after the opt-out step, as Sync-SalesReminder runs it (no earlier reminders: -IncludeExisting is
    /// Sync-SalesReminder's); its report goes down the pipeline with -PassThru, as the opt-out step's changes do.
    /// </summary>
    private bool _warnedNoSalesforce;

    private void RunReminderStepAfterOptOut()
    {
        if (!RemindersDue)
        {
            if (Session.HasSalesforce && !SkipReminders) WriteVerbose("The reminder step is skipped: reminder sync is Off (Set-SalesActivitySetting -ReminderSync TwoWay turns it on).");
            // Turned on but unreachable: said once per command, not silently skipped.
            else if (!SkipReminders && !_warnedNoSalesforce && Session.ActivitySettings.ReminderSync == Core.Reminders.ReminderSyncMode.TwoWay)
            {
                _warnedNoSalesforce = true;
                WriteWarning("Reminder sync is TwoWay, but this connection has no Salesforce: reminders are not synced. Connect-SalesSync with -SalesforceUri and -SalesforceCredential to sync them (or -SkipReminders to skip the step quietly).");
            }
            return;
        }
        try
        {
            if (RunReminderStep(includeExisting: false) is { } report && PassThru) WriteObject(report);
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            // The people step succeeded; what the pass did is saved and the next run continues.
            WriteWarning($"The reminder step stopped: {e.Message} The next Start-SalesSync (or Sync-SalesReminder) continues.");
        }
    }

    /// <summary>After the people step, activities left pending by earlier runs are delivered (their people are current now).</summary>
    private void DeliverPendingActivities()
    {
        var pending = Session.PendingActivityCount;
        if (pending == 0) return;
        try
        {
            var report = RunEngine(ct => Session.DeliverPendingActivitiesAsync(ct));
            WriteVerbose($"Pending sales activities: Marketo {report.MarketoDelivered} delivered, {report.MarketoFailed} failed; Salesforce {report.SalesforceDelivered} delivered, {report.SalesforceFailed} failed; {report.StillPending} still pending.");
            if (report.StoppedBecause is { } why) WriteWarning($"{why} {report.StillPending} sales activities stay pending.");
        }
        catch (Exception e) when (e is Core.Activities.SalesActivityException or Core.Http.SalesSyncApiException)
        {
            // The people step succeeded; activities stay pending for the next delivery.
            WriteWarning($"{pending} sales activities are pending but could not be sent now: {e.Message}");
        }
    }
}
