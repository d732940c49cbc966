using System.Management.Automation;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>Forgets this session's SalesSync connection (tokens and clients are dropped from memory).</summary>
[Cmdlet(VerbsCommunications.Disconnect, "SalesSync")]
[OutputType(typeof(void))]
public sealed class DisconnectSalesSyncCommand : SalesSyncCmdlet
{
    protected override void EndProcessing()
    {
        WriteVerbose(SessionRegistry.Remove()
            ? "Disconnected: the SalesSync connection of this session is gone."
            : "There was no SalesSync connection in this session; nothing to do.");
    }
}
