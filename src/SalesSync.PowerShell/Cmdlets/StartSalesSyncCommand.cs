using System.Management.Automation;
using SalesSync.Core.Sync;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Syncs the sales-owned Marketo people into the local database: a full pass over a static list by
/// REST, resumed from its checkpoint when a previous run stopped. Writes one run object.
/// </summary>
[Cmdlet(VerbsLifecycle.Start, "SalesSync", SupportsShouldProcess = true)]
[OutputType(typeof(SyncRun), typeof(SyncedPersonChange))]
public sealed class StartSalesSyncCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The static list that holds the sales-owned people.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, long.MaxValue)]
    public long StaticListId { get; set; }

    /// <summary>How people are read: Rest (300 per call).</summary>
    [Parameter]
    public SalesSync.SyncMethod Method { get; set; } = SalesSync.SyncMethod.Rest;

    /// <summary>Start a new full pass instead of resuming an unfinished run.</summary>
    [Parameter]
    public SwitchParameter Full { get; set; }

    /// <summary>Stop (resumably) after this many Marketo calls.</summary>
    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long? MaxApiCalls { get; set; }

    /// <summary>Also write each added, updated or removed person.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var options = new SyncOptions
        {
            Method = Method switch { _ => Core.Sync.SyncMethod.Rest },
            StaticListId = StaticListId,
            Full = Full,
            MaxApiCalls = MaxApiCalls,
            ReportChanges = PassThru,
        };
        if (!ShouldProcess(Session.DatabasePath, Session.DescribeSyncPlan(options))) return;

        SyncRunResult? finished = null;
        var failedEarlier = new List<SyncRunResult>(); // an incremental run that gave way to a full pass
        try
        {
            RunEngineStream(ct => Session.SyncPeopleAsync(options, ct), output => output switch
            {
                PersonChanged c => new SyncedPersonChange { Change = c.Change.ToString(), Person = SyncedPerson.From(c.Person) },
                SyncFinished f => SyncRun.From(Record(f.Run)),
                _ => null,
            });
        }
        catch (SyncException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, e.Reason == SyncFailureReason.AlreadyRunning ? "SyncAlreadyRunning" : "StaticListRequired",
                e.Reason == SyncFailureReason.AlreadyRunning ? ErrorCategory.ResourceBusy : ErrorCategory.InvalidArgument, Session.DatabasePath));
        }
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

        SyncRunResult Record(SyncRunResult run)
        {
            if (finished is { Status: not SyncRunStatus.Completed } previous) failedEarlier.Add(previous);
            return finished = run;
        }
    }
}
