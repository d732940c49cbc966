using System.Globalization;
using System.Management.Automation;
using SalesSync.Core.Reminders;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// One reminder pass on its own (Start-SalesSync runs it after the opt-out step when reminder sync is TwoWay): Salesforce
/// Task changes in, local changes out, conflicts resolved, recorded and warned about. Writes the pass's report and a
/// one-line summary on the Information stream. -WhatIf reads Salesforce and reports what would change, writing nothing.
/// </summary>
[Cmdlet(VerbsData.Sync, "SalesReminder", SupportsShouldProcess = true)]
[OutputType(typeof(ReminderSyncReport))]
public sealed class SyncSalesReminderCommand : SalesSyncConnectedCmdlet
{
    /// <summary>Also send the reminders made while reminder sync was off (after a duplicate check against Salesforce).</summary>
    [Parameter]
    public SwitchParameter IncludeExisting { get; set; }

    protected override void EndProcessing()
    {
        if (!Session.HasSalesforce)
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("Reminder sync needs a Salesforce connection: run Connect-SalesSync with -SalesforceUri and -SalesforceCredential."),
                "SalesforceNotConnected", ErrorCategory.ConnectionError, null));
        if (Session.ActivitySettings.ReminderSync != ReminderSyncMode.TwoWay)
        {
            const string message = "Reminder sync is Off for this database (the default, as in Adobe's product), so nothing was read or sent. Turn it on with Set-SalesActivitySetting -ReminderSync TwoWay: "
                + "the first pass then imports the Salesforce Tasks changed in the 24 hours before and sends no reminder made earlier (Sync-SalesReminder -IncludeExisting sends those too).";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "ReminderSyncOff", ErrorCategory.InvalidOperation, Session.DatabasePath)
            {
                ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Run Set-SalesActivitySetting -ReminderSync TwoWay, then Sync-SalesReminder." },
            });
        }
        ReminderSyncReport? report = null;
        try
        {
            report = RunReminderStep(IncludeExisting);
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            var (id, category) = ApiFailureIdentity(e);
            ThrowTerminatingError(new ErrorRecord(e, id, category, Session.DatabasePath)
            {
                ErrorDetails = new ErrorDetails($"The reminder pass stopped: {e.Message} What it did is saved; the next Sync-SalesReminder continues."),
            });
        }
        if (report is null) return;
        WriteObject(report);
        WriteSummary(string.Create(CultureInfo.InvariantCulture,
            $"{(report.WhatIf ? "What if (nothing written): " : "")}{report.TasksRead:N0} Salesforce Tasks read: {report.Imported:N0} imported, {report.UpdatedLocally:N0} updated and {report.DeletedLocally:N0} deleted here; {report.CreatedInSalesforce:N0} created, {report.UpdatedInSalesforce:N0} updated and {report.DeletedInSalesforce:N0} deleted in Salesforce; {report.Failed:N0} failed, {report.Conflicts:N0} conflicts; {report.SalesforceCalls:N0} Salesforce calls, no Marketo calls{(report.StoppedBecause is null ? "" : " (stopped early: the next pass continues)")}"));
    }
}
