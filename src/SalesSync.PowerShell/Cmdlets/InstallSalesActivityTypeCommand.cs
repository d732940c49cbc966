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
        var plan = Install(whatIf: true);
        var changes = plan.Where(p => p.Action != "Exists").ToList();
        if (changes.Count == 0 || !ShouldProcess(Session.MarketoUri.Authority,
                string.Join("; ", changes.Select(c => $"{c.Action} {c.ApiName}{(c.AddedAttributes.Count > 0 ? $" ({string.Join(", ", c.AddedAttributes)})" : "")}"))))
        {
            foreach (var status in plan) WriteObject(SalesActivityType.From(status));
            return;
        }
        foreach (var status in Install(whatIf: false)) WriteObject(SalesActivityType.From(status));
    }

    /// <summary>Runs the install (or its plan); Marketo failing to answer is a terminating error with a stable id, never a .NET type name.</summary>
    private IReadOnlyList<Core.Activities.ActivityTypeStatus> Install(bool whatIf)
    {
        try
        {
            return RunEngine(ct => Session.InstallActivityTypesAsync(whatIf, ct));
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            var (id, category, action) = e.Kind switch
            {
                Core.Http.ApiFailureKind.Unauthorized => ("MarketoAccessDenied", ErrorCategory.PermissionDenied,
                    "Give the API user's role the Read-Write Activity and Read-Write Activity Metadata permissions, then run it again."),
                Core.Http.ApiFailureKind.QuotaExhausted => ("MarketoQuotaExhausted", ErrorCategory.QuotaExceeded, "Run it again after Marketo's daily quota resets (midnight US Central)."),
                Core.Http.ApiFailureKind.InvalidRequest => ("ActivityTypeInstallRefused", ErrorCategory.InvalidOperation, "See Marketo's message; the types may need a change in Marketo's Admin > Marketo Custom Activities."),
                _ => ("MarketoUnavailable", ErrorCategory.ConnectionError, "Run it again once Marketo answers; it is safe to repeat (it adds only what is missing)."),
            };
            ThrowTerminatingError(new ErrorRecord(e, id, category, Session.MarketoUri.Authority)
            {
                ErrorDetails = new ErrorDetails($"Install-SalesActivityType could not finish: {e.Message}") { RecommendedAction = action },
            });
            return []; // not reached: ThrowTerminatingError throws
        }
    }
}
