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
    protected override void EndProcessing()
    {
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
