using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Delivers the activities waiting in the outbox (left by Ctrl+C, a crash, an outage or a quota stop),
/// first finding out what arrived of any whose outcome was unknown, so nothing is logged twice.
/// </summary>
[Cmdlet(VerbsData.Sync, "SalesActivity", SupportsShouldProcess = true)]
[OutputType(typeof(SalesActivityDelivery))]
public sealed class SyncSalesActivityCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Also send again the deliveries that failed (after fixing their cause); with -ActivityId only those.</summary>
    [Parameter]
    public SwitchParameter RetryFailed { get; set; }

    /// <summary>With -RetryFailed: only these activities (from Get-SalesActivity -State Failed, by property name).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[]? ActivityId { get; set; }

    private readonly List<string> _ids = [];

    protected override void ProcessRecord()
    {
        if (ActivityId is not null) _ids.AddRange(ActivityId.Where(id => !string.IsNullOrWhiteSpace(id)));
    }

    protected override void EndProcessing()
    {
        if (_ids.Count > 0 && !RetryFailed)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ActivityId selects failed activities to send again; add -RetryFailed."),
                "ActivityIdWithoutRetryFailed", ErrorCategory.InvalidArgument, null));
        }
        if (RetryFailed)
        {
            var (marketoFailed, salesforceFailed) = Session.FailedActivityCount;
            var which = _ids.Count > 0 ? $"the failed deliveries of {_ids.Count} activities" : $"{marketoFailed} failed Marketo and {salesforceFailed} failed Salesforce deliveries";
            if (ShouldProcess(Session.DatabasePath, $"Send {which} again (an Unconfirmed one is looked up first and sent only if it did not arrive)"))
            {
                var (marketo, salesforce) = RunEngine(ct => Session.RequeueFailedActivitiesAsync(_ids.Count > 0 ? _ids : null, ct));
                WriteVerbose($"Back to pending: {marketo} Marketo and {salesforce} Salesforce deliveries.");
            }
            else if (WhatIfRequested) return;
        }
        // Counted through the state indexes, not by reading the activities.
        var pending = Session.PendingActivityCount;
        if (!ShouldProcess(Session.DatabasePath, $"Deliver {pending} unsettled activity deliveries (pending, or with an unknown outcome to check)")) return;
        Core.Activities.DeliveryReport report;
        try
        {
            report = RunEngine(ct => Session.DeliverPendingActivitiesAsync(ct));
        }
        catch (Core.Activities.SalesActivityException e) when (e.Reason == Core.Activities.ActivityFailureReason.TypesNotInstalled)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ActivityTypesNotInstalled", ErrorCategory.NotInstalled, null));
            return;
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ActivityDeliveryRefused", ErrorCategory.PermissionDenied, null));
            return;
        }
        if (report.StoppedBecause is { } why) WriteWarning($"{why} {report.StillPending} stay pending.");
        WriteObject(SalesActivityDelivery.From(report));
    }
}
