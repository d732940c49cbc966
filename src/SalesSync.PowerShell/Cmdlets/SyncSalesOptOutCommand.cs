using System.Management.Automation;
using SalesSync.Core.Unsubscribes;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// The opt-out step alone (Start-SalesSync runs it after the people step): reads Salesforce Email Opt Out
/// changes into SalesSync (incrementally, by SystemModstamp) and sets Email Opt Out on the Salesforce lead or
/// contact of every synced person unsubscribed in Marketo (200 per call, Sforce-Auto-Assign: FALSE). Nothing is
/// ever written to Marketo. -WhatIf reads Salesforce and reports what would change, writing nothing anywhere.
/// </summary>
[Cmdlet(VerbsData.Sync, "SalesOptOut", SupportsShouldProcess = true)]
[OutputType(typeof(OptOutChange))]
public sealed class SyncSalesOptOutCommand : SalesSyncConnectedCmdlet
{
    protected override void EndProcessing()
    {
        if (!Session.HasSalesforce)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("The opt-out step needs a Salesforce connection: run Connect-SalesSync with -SalesforceUri and -SalesforceCredential."),
                "SalesforceNotConnected", ErrorCategory.ConnectionError, null));
        }
        RunOptOutStep(writeChanges: true);
    }
}

