using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Sync health at a glance: a verdict (Healthy, NeedsAttention, Failing) with its reasons, from the named rules in
/// SalesSync.Core.Status. Local by default (the database and the connection's counters: no API call); -Online asks
/// Marketo and Salesforce too.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SalesSyncStatus")]
[OutputType(typeof(SalesSyncStatus))]
public sealed class GetSalesSyncStatusCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The type name that selects the view with the numbers behind each line.</summary>
    internal const string DetailedTypeName = "SalesSync.SalesSyncStatus#Detailed";

    /// <summary>Shows the numbers behind each line (the object carries them either way).</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>Also asks Marketo (today's usage; a new full pass's plan) and Salesforce (its limits).</summary>
    [Parameter]
    public SwitchParameter Online { get; set; }

    protected override void EndProcessing()
    {
        var online = Online.IsPresent;
        var status = SalesSyncStatus.From(RunEngine(ct => Session.GetStatusAsync(online, ct)));
        if (!Detailed)
        {
            WriteObject(status);
            return;
        }
        var shown = PSObject.AsPSObject(status);
        shown.TypeNames.Insert(0, DetailedTypeName);
        WriteObject(shown);
    }
}
