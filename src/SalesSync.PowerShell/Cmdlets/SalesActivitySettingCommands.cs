using System.Management.Automation;
using SalesSync.Core.Activities;
using SalesSync.PowerShell.Base;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>Shows the sales-activity settings stored in the database (which kinds are logged to Salesforce).</summary>
[Cmdlet(VerbsCommon.Get, "SalesActivitySetting")]
[OutputType(typeof(SalesActivitySetting))]
public sealed class GetSalesActivitySettingCommand : SalesSyncConnectedCmdlet
{
    protected override void EndProcessing() => WriteObject(SalesActivitySetting.From(Session.ActivitySettings, Session.DatabasePath));
}

/// <summary>
/// Changes the sales-activity settings stored in the database for every runbook: which kinds are logged to
/// Salesforce as Tasks, and whether the send guard checks unsubscribes before a sent email is logged.
/// Turning the guard off is recorded (when and by whom) and warned about. Also turns reminder sync with Salesforce
/// on (TwoWay, recorded when: the first pass after it imports from then) or Off.
/// </summary>
[Cmdlet(VerbsCommon.Set, "SalesActivitySetting", SupportsShouldProcess = true)]
[OutputType(typeof(SalesActivitySetting))]
public sealed class SetSalesActivitySettingCommand : SalesSyncConnectedCmdlet
{
    /// <summary>The kinds to log to Salesforce; an empty list logs none.</summary>
    [Parameter(Position = 0)]
    [AllowEmptyCollection]
    public SalesActivityKind[]? SalesforceKinds { get; set; }

    /// <summary>$true (the default) checks each sent email against Marketo unsubscribes and Salesforce opt-outs; $false turns the check off.</summary>
    [Parameter]
    public bool? UnsubscribeGuard { get; set; }

    /// <summary>
    /// The active Salesforce user (15- or 18-character id) that owns the Tasks of people whose sales owner is
    /// inactive; checked in Salesforce when set. An empty string removes it.
    /// </summary>
    [Parameter]
    [AllowEmptyString]
    public string? FallbackTaskOwnerId { get; set; }

    /// <summary>Off (the default) or TwoWay: reminders kept in step with Salesforce Tasks; turning it on records when.</summary>
    [Parameter]
    [ValidateSet(nameof(Core.Reminders.ReminderSyncMode.Off), nameof(Core.Reminders.ReminderSyncMode.TwoWay))]
    public string? ReminderSync { get; set; }

    /// <summary>Turns the unsubscribe guard off without asking (for runbooks); it is still recorded and warned about.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        if (SalesforceKinds is null && UnsubscribeGuard is null && FallbackTaskOwnerId is null && ReminderSync is null)
        {
            ThrowTerminatingError(new ErrorRecord(new ArgumentException("Give -SalesforceKinds, -UnsubscribeGuard, -FallbackTaskOwnerId, -ReminderSync, or several."),
                "NoSettingGiven", ErrorCategory.InvalidArgument, null));
        }
        var current = Session.ActivitySettings;
        var wanted = current;
        var changes = new List<string>();
        if (SalesforceKinds is not null)
        {
            var kinds = SalesforceKinds.Distinct().Select(SalesActivityKinds.ToEngine).ToList();
            wanted = wanted with { SalesforceKinds = kinds };
            changes.Add($"log to Salesforce: {(kinds.Count == 0 ? "none" : string.Join(", ", kinds))} (now: {string.Join(", ", current.SalesforceKinds)})");
        }
        if (UnsubscribeGuard is { } guard)
        {
            wanted = wanted with { UnsubscribeGuard = guard };
            changes.Add(guard
                ? $"turn the unsubscribe guard on (now: {(current.UnsubscribeGuard ? "on" : "off")})"
                : $"turn the unsubscribe guard OFF: sent emails would be logged without checking Marketo unsubscribes or Salesforce opt-outs (now: {(current.UnsubscribeGuard ? "on" : "off")})");
        }
        if (FallbackTaskOwnerId is { } fallback)
        {
            var owner = fallback.Trim().Length == 0 ? null : CheckTaskOwner(fallback);
            wanted = wanted with { FallbackTaskOwnerId = owner };
            changes.Add($"fallback Task owner for inactive owners: {owner ?? "none"} (now: {current.FallbackTaskOwnerId ?? "none"})");
        }
        if (ReminderSync is { } given)
        {
            var mode = Enum.Parse<Core.Reminders.ReminderSyncMode>(given, ignoreCase: true);
            wanted = wanted with { ReminderSync = mode };
            changes.Add(mode == current.ReminderSync ? $"reminder sync: {mode} (unchanged)"
                : mode == Core.Reminders.ReminderSyncMode.TwoWay
                    ? "turn reminder sync with Salesforce on (TwoWay): the next pass imports the Salesforce Tasks changed in the 24 hours before now and sends no reminder made earlier (now: Off)"
                    : "turn reminder sync Off: reminders stay in SalesSync and Salesforce Task changes are no longer read (now: TwoWay)");
        }
        if (!ShouldProcess(Session.DatabasePath, string.Join("; ", changes))) return;
        // Turning a safety check off is asked for explicitly, unless -Force says so.
        if (UnsubscribeGuard is false && current.UnsubscribeGuard && !Force && !ConfirmGuardOff()) return;
        var saved = Session.SaveActivitySettings(wanted);
        if (SalesforceKinds is not null)
            WriteVerbose("Kinds logged to Salesforce from now on: " + (saved.SalesforceKinds.Count == 0 ? "none" : string.Join(", ", saved.SalesforceKinds)) + ". Activities already logged keep their destinations.");
        if (UnsubscribeGuard is false)
            WriteWarning($"The unsubscribe guard is off for {Session.DatabasePath} (recorded: {saved.GuardChangedBy}, {saved.GuardChangedAt:u}). Send-SalesActivity logs sent emails without checking unsubscribes until it is turned on again.");
        if (ReminderSync is not null && saved.ReminderSync != current.ReminderSync)
            WriteVerbose(saved.ReminderSync == Core.Reminders.ReminderSyncMode.TwoWay
                ? $"Reminder sync is on since {saved.ReminderSyncEnabledAt:u}: Sync-SalesReminder (or Start-SalesSync) runs the first pass{(Session.HasSalesforce ? "" : " once this connection has Salesforce (Connect-SalesSync -SalesforceUri)")}."
                : "Reminder sync is off: reminders made from now on stay in SalesSync until it is turned on again and Sync-SalesReminder -IncludeExisting sends them.");
        if (PassThru) WriteObject(SalesActivitySetting.From(saved, Session.DatabasePath));
    }

    /// <summary>
    /// Asks before the guard goes off. A host that cannot ask (a runbook, -NonInteractive, no console) is told to use
    /// -Force with a stable ErrorId, never PowerShell's generic error or a host's exception; the guard stays on.
    /// </summary>
    private bool ConfirmGuardOff()
    {
        try
        {
            return ShouldContinue("Sellers' sent emails will be logged without checking Marketo unsubscribes or Salesforce opt-outs. Turn the unsubscribe guard off?", "Unsubscribe guard");
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            // The message itself names -Force: $_.Exception.Message is what a runbook's catch block logs (walk P20).
            const string message = "Turning the unsubscribe guard off must be confirmed, and this host cannot ask (a runbook or -NonInteractive). The guard stays on. Add -Force to turn it off without asking.";
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message, e), "GuardOffNeedsConfirmation", ErrorCategory.InvalidOperation, UnsubscribeGuard)
            {
                ErrorDetails = new ErrorDetails(message)
                {
                    RecommendedAction = "Run Set-SalesActivitySetting -UnsubscribeGuard $false -Force to turn it off without asking (recorded with who and when).",
                },
            });
            return false; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>The id checked in Salesforce as an active user (its 18-character form); a terminating error otherwise.</summary>
    private string CheckTaskOwner(string id)
    {
        if (!Session.HasSalesforce)
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("-FallbackTaskOwnerId is checked in Salesforce: connect with -SalesforceUri first."),
                "SalesforceNotConnected", ErrorCategory.ConnectionError, id));
        try
        {
            return RunEngine(ct => Session.CheckTaskOwnerAsync(id, ct));
        }
        catch (SalesActivityException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidTaskOwner", ErrorCategory.InvalidArgument, id)
            {
                ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = "Give the id of an active Salesforce user (Setup > Users), 15 or 18 characters." },
            });
        }
        catch (Core.Http.SalesSyncApiException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "TaskOwnerCheckFailed", ErrorCategory.ConnectionError, id)
            {
                ErrorDetails = new ErrorDetails($"Salesforce could not be asked whether {id} is an active user: {e.Message} Nothing was changed."),
            });
        }
        return null!; // not reached: ThrowTerminatingError throws
    }
}
