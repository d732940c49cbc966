using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Creates SalesSync's three custom activity types in Marketo (sales email, sales call, sales campaign) with
/// their attributes, and approves them; idempotent: reports what exists and adds only what is missing.
/// </summary>
[Cmdlet(VerbsLifecycle.Install, "SalesActivityType", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(SalesActivityType))]
public sealed class InstallSalesActivityTypeCommand : SalesSyncConnectedCmdlet
{
    protected override void EndProcessing()
    {
        // The plan first (reads only), then one confirmation for the changes it lists.
        var plan = RunEngine(ct => Session.InstallActivityTypesAsync(whatIf: true, ct));
        var changes = plan.Where(p => p.Action != "Exists").ToList();
        if (changes.Count == 0 || !ShouldProcess(Session.MarketoUri.Authority,
                string.Join("; ", changes.Select(c => $"{c.Action} {c.ApiName}{(c.AddedAttributes.Count > 0 ? $" ({string.Join(", ", c.AddedAttributes)})" : "")}"))))
        {
            foreach (var status in plan) WriteObject(SalesActivityType.From(status));
            return;
        }
        foreach (var status in RunEngine(ct => Session.InstallActivityTypesAsync(whatIf: false, ct))) WriteObject(SalesActivityType.From(status));
    }
}
