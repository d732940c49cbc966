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
        if (ActivityId is not null) _ids.AddRange(ActivityId.Where(id => !string.IsNullOrWhiteSpace(id)).Select(id => id.Trim()));
    }

    protected override void EndProcessing()
    {
        if (_ids.Count > 0 && !RetryFailed)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ActivityId selects failed activities to send again; add -RetryFailed."),
                "ActivityIdWithoutRetryFailed", ErrorCategory.InvalidArgument, _ids.ToArray()));
        }
        // Ids of which none is logged send nothing again (each is an error); what is pending is still delivered.
        if (RetryFailed && (_ids.Count == 0 || CheckRetryIds()))
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
        var started = DateTimeOffset.UtcNow;
        var logger = Session.CreateActivityLogger();
        logger.Progress = new Core.Activities.ActivityProgress("Sync-SalesActivity");
        Core.Activities.DeliveryReport report;
        try
        {
            report = RunEngine(async ct =>
            {
                try
                {
                    return await logger.FlushAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    logger.Progress.Complete();
                }
            });
        }
        catch (Core.Activities.SalesActivityException e) when (e.Reason == Core.Activities.ActivityFailureReason.TypesNotInstalled)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ActivityTypesNotInstalled", ErrorCategory.NotInstalled, null)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Run Install-SalesActivityType, then Sync-SalesActivity again: the activities stay pending." },
            });
            return;
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "ActivityDeliveryRefused", ErrorCategory.PermissionDenied, null)
            {
                ErrorDetails = new ErrorDetails($"{e.Message} The activities stay pending.") { RecommendedAction = "Fix the credentials or permissions the message names, then run Sync-SalesActivity again." },
            });
            return;
        }
        if (report.StoppedBecause is { } why) WriteWarning($"{why} {report.StillPending} stay pending.");
        WriteObject(SalesActivityDelivery.From(report));
        var tally = new SendTally();
        var failed = report.MarketoFailed + report.SalesforceFailed > 0
            ? Session.GetActivities(new Core.Store.ActivityQuery { AnyState = Core.Activities.DeliveryState.Failed })
            : [];
        tally.Add(report, failed, started);
        WriteSummary(tally.Deliveries(report.StillPending));
    }

    /// <summary>
    /// -RetryFailed -ActivityId: an id that matches nothing is an error (ObjectNotFound) and one without a failed
    /// delivery a warning, so a typo never passes for "nothing to do"; false when none of the ids is there.
    /// </summary>
    private bool CheckRetryIds()
    {
        var found = Session.GetActivities(new Core.Store.ActivityQuery { ActivityIds = _ids }).ToDictionary(a => a.ActivityId, StringComparer.Ordinal);
        foreach (var id in _ids.Distinct(StringComparer.Ordinal))
        {
            if (!found.TryGetValue(id, out var activity))
                WriteError(new ErrorRecord(new ItemNotFoundException($"No activity has the ActivityId '{id}'; nothing to send again for it."), "SalesActivityNotFound", ErrorCategory.ObjectNotFound, id)
                {
                    ErrorDetails = new ErrorDetails($"No activity has the ActivityId '{id}'; nothing to send again for it.") { RecommendedAction = "Check the id: Get-SalesActivity -State Failed lists the failed ones." },
                });
            else if (activity.Marketo.State != Core.Activities.DeliveryState.Failed && activity.Salesforce.State != Core.Activities.DeliveryState.Failed)
                WriteWarning($"Activity {id} has no failed delivery (Marketo {activity.Marketo.State}, Salesforce {activity.Salesforce.State}); nothing to send again for it.");
        }
        return found.Count > 0;
    }
}
