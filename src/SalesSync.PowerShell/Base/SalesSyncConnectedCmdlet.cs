using System.Management.Automation;
using SalesSync.Core;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// Base of cmdlets that need Connect-SalesSync first. The connection in effect is taken once, in
/// BeginProcessing, and held (leased) until the command ends, so a reconnect or Disconnect in another
/// runspace never closes it under a running command.
/// </summary>
public abstract class SalesSyncConnectedCmdlet : SalesSyncCmdlet
{
    private IDisposable? _lease;
    private SalesSyncSession? _session;

    /// <summary>The connection this command runs on.</summary>
    internal SalesSyncSession Session => _session ?? throw new InvalidOperationException("BeginProcessing has not run.");

    protected override void BeginProcessing()
    {
        // A reconnect elsewhere can retire the session between reading and leasing it: read again.
        SalesSyncSession? session = null;
        for (var attempt = 0; attempt < 5 && _lease is null; attempt++)
        {
            session = ConnectionRegistry.Current;
            if (session is null) break;
            _lease = session.Use();
        }
        if (_lease is null)
        {
            ThrowTerminatingError(new ErrorRecord(
                new InvalidOperationException("There is no SalesSync connection in this session. Run Connect-SalesSync first."),
                "NotConnected", ErrorCategory.ConnectionError, null)
            {
                ErrorDetails = new ErrorDetails("There is no SalesSync connection in this session.")
                {
                    RecommendedAction = "Run Connect-SalesSync -MarketoUri <uri> -MarketoCredential <credential>, or Connect-SalesSync -FromEnvironment.",
                },
            });
        }
        _session = session;
    }

    /// <summary>The stable ErrorId and category of a service failure that stops a whole command (never the exception's type name).</summary>
    protected static (string ErrorId, ErrorCategory Category) ApiFailureIdentity(Core.Http.SalesSyncApiException e) => (e.Service, e.Kind) switch
    {
        (_, Core.Http.ApiFailureKind.QuotaExhausted) => ($"{e.Service}QuotaExhausted", ErrorCategory.QuotaExceeded),
        (_, Core.Http.ApiFailureKind.Unauthorized) => ($"{e.Service}AccessDenied", ErrorCategory.PermissionDenied),
        (_, Core.Http.ApiFailureKind.InvalidRequest) => ($"{e.Service}RequestRefused", ErrorCategory.InvalidOperation),
        _ => ($"{e.Service}Unavailable", ErrorCategory.ConnectionError),
    };

    /// <summary>-WhatIf given here, or inherited through $WhatIfPreference from a calling script or function.</summary>
    protected bool WhatIfRequested =>
        MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w)
            ? w is SwitchParameter { IsPresent: true }
            : SessionState.PSVariable.GetValue("WhatIfPreference") is true or SwitchParameter { IsPresent: true };

    /// <summary>
    /// The opt-out step (Sync-SalesOptOut, and Start-SalesSync after its people step). Asks once for the
    /// step; under -WhatIf it reads Salesforce and prints a What if line per change, writing nothing. Changes
    /// are written as objects when <paramref name="writeChanges"/>; failures are errors either way.
    /// </summary>
    protected Core.Unsubscribes.OptOutReport? RunOptOutStep(bool writeChanges)
    {
        const string Action = "Read Salesforce Email Opt Out changes into SalesSync; set Email Opt Out on the Salesforce leads and contacts of people unsubscribed in Marketo (nothing is written to Marketo)";
        var whatIf = WhatIfRequested;
        if (!ShouldProcess(Session.DatabasePath, Action) && !whatIf) return null;
        Core.Unsubscribes.OptOutReport? report = null;
        RunEngineStream(ct => Session.SyncOptOutsAsync(whatIf, ct), (Action<Core.Unsubscribes.OptOutOutput>)(output =>
        {
            switch (output)
            {
                case Core.Unsubscribes.OptOutReport r:
                    report = r;
                    break;
                case Core.Unsubscribes.OptOutChange { Outcome: Core.Unsubscribes.OptOutOutcome.WouldApply } c:
                    ShouldProcess($"Salesforce {c.SalesforceType} {c.SalesforceId} (Marketo person {string.Join(", ", c.MarketoIds)}, {c.Email})",
                        c.Direction == Core.Unsubscribes.OptOutDirection.MarketoToSalesforce
                            ? "Set Email Opt Out (HasOptedOutOfEmail = true), unsubscribed in Marketo"
                            : $"Record in SalesSync that Salesforce has Email Opt Out {(c.OptedOut ? "on" : "off")}");
                    break;
                case Core.Unsubscribes.OptOutChange { Outcome: Core.Unsubscribes.OptOutOutcome.Failed } c:
                    WriteError(OptOutRefused(c));
                    break;
                case Core.Unsubscribes.OptOutChange c:
                    if (writeChanges) WriteObject(SalesSync.OptOutChange.From(c));
                    break;
            }
        }));
        if (report is { } done) // a stop was already a warning from the engine
        {
            WriteVerbose($"Opt-out step{(done.WhatIf ? " (what if)" : "")}: {done.SalesforceRecordsRead} Salesforce records read, {done.MarkedLocally} opt-out change(s) for synced people recorded, {done.SetInSalesforce} Email Opt Out set in Salesforce, {done.Failed} failed; {done.SalesforceCalls} Salesforce calls, no Marketo calls.");
        }
        return report;
    }

    /// <summary>An Email Opt Out Salesforce refused, with the change as target (the opt-out step's per-record error).</summary>
    protected static ErrorRecord OptOutRefused(Core.Unsubscribes.OptOutChange c) =>
        new(new InvalidOperationException($"Salesforce refused Email Opt Out on {c.SalesforceType} {c.SalesforceId} (Marketo person {string.Join(", ", c.MarketoIds)}): {c.Reason}"),
            "OptOutRefusedBySalesforce", ErrorCategory.InvalidData, SalesSync.OptOutChange.From(c));

    /// <summary>What the reminder step does, for What if and Confirm.</summary>
    protected const string ReminderStepAction = "Reminder step: read Salesforce Task changes into SalesSync's reminders and send local reminder changes to Salesforce (conflicts resolved and recorded; nothing is written to Marketo)";

    /// <summary>
    /// The reminder step (Sync-SalesReminder, and Start-SalesSync after the opt-out step when reminder sync is TwoWay).
    /// Asks once for the step; under -WhatIf the pass reads Salesforce and reports what it would change, writing nothing.
    /// Conflicts and a stop are warnings from the engine; the report is returned for the caller to write.
    /// </summary>
    protected Core.Reminders.ReminderSyncReport? RunReminderStep(bool includeExisting)
    {
        var whatIf = WhatIfRequested;
        if (!ShouldProcess(Session.DatabasePath, ReminderStepAction) && !whatIf) return null;
        // Refusals of THIS pass only (a reminder refused earlier and not tried again is not reported twice): one error record each, as the report counts them.
        var failedQuery = new Core.Reminders.ReminderQuery { SyncStates = [Core.Reminders.ReminderSyncState.Failed] };
        var before = Session.Reminders.Query(failedQuery).ToDictionary(r => r.ReminderId, r => r.SyncAttempts, StringComparer.Ordinal);
        var report = RunEngine(ct => Session.SyncRemindersAsync(new Core.Reminders.ReminderSyncOptions { IncludeExisting = includeExisting, WhatIf = whatIf }, ct));
        if (report.Failed > 0)
        {
            // Per reminder, as the opt-out step reports refused records: the reminder (with Salesforce's message) is the target.
            foreach (var failed in Session.Reminders.Query(failedQuery).Where(r => !before.TryGetValue(r.ReminderId, out var attempts) || attempts != r.SyncAttempts))
            {
                var passing = Core.Reminders.ReminderBook.RetriedByItself(failed.SyncNote);
                WriteError(new ErrorRecord(new InvalidOperationException($"Salesforce refused reminder {failed.ReminderId} ('{failed.Subject}', Marketo person {failed.MarketoId}): {failed.SyncNote} Later passes try it again."),
                    "ReminderRefusedBySalesforce", passing ? ErrorCategory.ResourceBusy : ErrorCategory.InvalidData, failed)
                {
                    ErrorDetails = new ErrorDetails($"Salesforce refused reminder {failed.ReminderId} ('{failed.Subject}'): {failed.SyncNote}")
                    {
                        RecommendedAction = passing
                            ? "Nothing to do: this refusal passes by itself (a record locked by another user, a busy server, a converted lead's contact not yet found), and the next pass sends the reminder again."
                            : "Fix what Salesforce's message names (an inactive owner, a deleted contact), or change the reminder; later passes send it again.",
                    },
                });
            }
        }
        WriteVerbose($"Reminder step{(report.WhatIf ? " (what if)" : "")}: {report.TasksRead} Salesforce Tasks read, {report.Imported} imported, {report.UpdatedLocally} updated and {report.DeletedLocally} deleted here, {report.CreatedInSalesforce} created, {report.UpdatedInSalesforce} updated and {report.DeletedInSalesforce} deleted in Salesforce, {report.Failed} failed, {report.Conflicts} conflicts; {report.SalesforceCalls} Salesforce calls, no Marketo calls.");
        return report;
    }

    protected override void Dispose(bool disposing)
    {
        _lease?.Dispose();
        _lease = null;
    }
}
