using System.Management.Automation;
using SalesSync.PowerShell.Base;
using SalesSync.PowerShell.Models;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>Shows the current session's connection (never a secret).</summary>
[Cmdlet(VerbsCommon.Get, "SalesSyncConnection")]
[OutputType(typeof(SalesSyncConnectionInfo))]
public sealed class GetSalesSyncConnectionCommand : SalesSyncConnectedCmdlet
{
    protected override void EndProcessing() => WriteObject(SalesSyncConnectionInfo.From(Connection));
}
