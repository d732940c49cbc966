using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Forgets the SalesSync connection in effect (tokens and clients are dropped from memory; the database
/// closes when no other connection uses it). Commands still running on it finish first.
/// </summary>
[Cmdlet(VerbsCommunications.Disconnect, "SalesSync")]
[OutputType(typeof(void))]
public sealed class DisconnectSalesSyncCommand : SalesSyncCmdlet
{
    /// <summary>Which connection to forget; by default the one in effect in this runspace.</summary>
    [Parameter]
    public ConnectionScope? Scope { get; set; }

    protected override void EndProcessing()
    {
        WriteVerbose(ConnectionRegistry.Remove(Scope)
            ? "Disconnected: the SalesSync connection is gone."
            : "There was no SalesSync connection to forget; nothing to do.");
    }
}
