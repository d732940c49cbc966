using System.Globalization;
using System.Management.Automation;
using SalesSync.Core.Unsubscribes;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// The opt-out step alone (Start-SalesSync runs it after the people step): reads Salesforce Email Opt Out
/// changes into SalesSync (incrementally, by SystemModstamp) and sets Email Opt Out on the Salesforce lead or
/// contact of every synced person unsubscribed in Marketo (200 per call, Sforce-Auto-Assign: FALSE). Nothing is
/// ever written to Marketo. -WhatIf reads Salesforce and reports what would change, writing nothing anywhere.
/// Shows progress while it runs and ends with a one-line summary on the Information stream.
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
        if (RunOptOutStep(writeChanges: true) is not { } report) return;
        var set = report.WhatIf ? "would be set" : "set";
        WriteSummary(string.Create(CultureInfo.InvariantCulture,
            $"{report.SalesforceRecordsRead:N0} Salesforce records read: {report.MarkedLocally:N0} opt-outs of synced people recorded, {report.SetInSalesforce:N0} Email Opt Out {set} in Salesforce, {report.Failed:N0} failed; {report.SalesforceCalls:N0} Salesforce calls, no Marketo calls{(report.StoppedBecause is null ? "" : " (stopped early: the next run continues)")}"));
    }
}

