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
[OutputType(typeof(SyncRun), typeof(SyncedPersonChange), typeof(OptOutChange))]
public sealed class StartSalesSyncCommand : SalesSyncConnectedCmdlet
{
    private const string AllPeople = "AllPeople";
    private const string StaticList = "StaticList";
    private const string SmartList = "SmartList";

    /// <summary>
    /// The static list(s) that together hold the sales-owned people. Rest pages several lists side by side;
    /// Bulk exports one job per list.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = StaticList)]
    [ValidateRange(1, long.MaxValue)]
    [ValidateCount(1, 100)]
    public long[] StaticListId { get; set; } = [];

    /// <summary>A smart list of the sales-owned people: one bulk export job.</summary>
    [Parameter(Mandatory = true, ParameterSetName = SmartList)]
    [ValidateRange(1, long.MaxValue)]
    public long SmartListId { get; set; }

    /// <summary>How people are read: Bulk (export jobs, the default) or Rest (300 per call; needs -StaticListId).</summary>
    [Parameter]
    public SalesSync.SyncMethod Method { get; set; } = SalesSync.SyncMethod.Bulk;

    /// <summary>Bulk windows start at this time instead of at the oldest person.</summary>
    [Parameter(ParameterSetName = AllPeople)]
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

    /// <summary>Skip the opt-out step that otherwise follows the people step when Salesforce is connected.</summary>
    [Parameter]
    public SwitchParameter SkipOptOut { get; set; }

    /// <summary>Also write each added, updated or removed person, and each opt-out change.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var options = new SyncOptions
        {
            Method = Method == SalesSync.SyncMethod.Rest ? Core.Sync.SyncMethod.Rest : Core.Sync.SyncMethod.Bulk,
            StaticListIds = ParameterSetName == StaticList ? StaticListId.Distinct().ToArray() : [],
            SmartListId = ParameterSetName == SmartList ? SmartListId : null,
            CreatedSince = LocalTime.ToOffset(CreatedSince),
            ExportPollInterval = TimeSpan.FromSeconds(ExportPollSeconds),
            Full = Full,
            MaxApiCalls = MaxApiCalls,
            ReportChanges = PassThru,
        };
        if (!ShouldProcess(Session.DatabasePath, Session.DescribeSyncPlan(options)))
        {
            if (WhatIfRequested && Session.HasSalesforce && !SkipOptOut)
                ShouldProcess(Session.DatabasePath, "Then the opt-out step: read Salesforce Email Opt Out changes, set Email Opt Out in Salesforce for people unsubscribed in Marketo (Sync-SalesOptOut -WhatIf lists each change)");
            return;
        }

        SyncRunResult? finished = null;
        var failedEarlier = new List<SyncRunResult>(); // an incremental run that gave way to a full pass
        try
        {
            // Person changes stream as they happen; the run objects come last, after the opt-out step and deliveries.
            RunEngineStream(ct => Session.SyncPeopleAsync(options, ct), (Action<SyncOutput>)(output =>
            {
                if (output is PersonChanged c) WriteObject(new SyncedPersonChange { Change = c.Change.ToString(), Person = SyncedPerson.From(c.Person) });
                else if (output is SyncFinished f) Record(f.Run);
            }));
        }
        catch (SyncException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, e.Reason == SyncFailureReason.AlreadyRunning ? "SyncAlreadyRunning" : e.Reason.ToString(),
                e.Reason == SyncFailureReason.AlreadyRunning ? ErrorCategory.ResourceBusy : ErrorCategory.InvalidArgument, Session.DatabasePath));
        }
        if (Session.HasSalesforce && !SkipOptOut) RunOptOutStep(writeChanges: PassThru);
        DeliverPendingActivities();
        foreach (var run in failedEarlier.Append(finished).OfType<SyncRunResult>()) WriteObject(SyncRun.From(run));
        foreach (var earlier in failedEarlier)
            WriteWarning($"Run {earlier.RunId} ({earlier.Mode}) ended {earlier.Status}: {earlier.Message}");
        if (finished is { Status: SyncRunStatus.Failed } failed)
        {
            WriteError(new ErrorRecord(new InvalidOperationException(failed.Message), "SyncFailed", ErrorCategory.OperationStopped, SyncRun.From(failed))
            {
                ErrorDetails = new ErrorDetails(failed.Message) { RecommendedAction = "Run Start-SalesSync again: it resumes where this run stopped." },
            });
        }
        else if (finished is { Status: SyncRunStatus.Stopped } stopped)
        {
            WriteWarning(stopped.Message ?? "The sync stopped before the end; the next Start-SalesSync resumes it.");
        }

        void Record(SyncRunResult run)
        {
            if (finished is { Status: not SyncRunStatus.Completed } previous) failedEarlier.Add(previous);
            finished = run;
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
