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
        var pending = Session.GetActivities(new Core.Store.ActivityQuery { MarketoState = Core.Activities.DeliveryState.Pending }).Count()
                      + Session.GetActivities(new Core.Store.ActivityQuery { SalesforceState = Core.Activities.DeliveryState.Pending }).Count();
        if (!ShouldProcess(Session.DatabasePath, $"Deliver {pending} pending activity deliveries (and check any with an unknown outcome)")) return;
        var report = RunEngine(ct => Session.DeliverPendingActivitiesAsync(ct));
        if (report.StoppedBecause is { } why) WriteWarning($"{why} {report.StillPending} stay pending.");
        WriteObject(SalesActivityDelivery.From(report));
    }
}
