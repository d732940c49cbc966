using System.Management.Automation;
using SalesSync.PowerShell.Base;
using SalesSync.PowerShell.Models;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Shows the connection in effect in this runspace (never a secret). Writes nothing when there is none,
/// as Get-MgContext does, so scripts can test it with an if.
/// </summary>
[Cmdlet(VerbsCommon.Get, "SalesSyncConnection")]
[OutputType(typeof(SalesSyncConnectionInfo))]
public sealed class GetSalesSyncConnectionCommand : SalesSyncCmdlet
{
    protected override void EndProcessing()
    {
        var session = ConnectionRegistry.Find(out var scope);
        if (session is null)
        {
            WriteVerbose("There is no SalesSync connection in this session.");
            return;
        }
        WriteObject(new SalesSyncConnectionInfo(session, scope));
    }
}
