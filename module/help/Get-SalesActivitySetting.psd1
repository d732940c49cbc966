@{
    Synopsis    = 'Shows which kinds of sales activity are logged to Salesforce, and whether the unsubscribe guard is on.'
    Description = @('Get-SalesActivitySetting reads the sales-activity settings stored in the database, shared by every shell and runbook that uses it: the kinds logged to Salesforce as Tasks (default: EmailSent, EmailReplied, CallReceived), whether the unsubscribe guard checks sent emails (on by default), whether reminders are kept in step with Salesforce Tasks (ReminderSync: Off by default, or TwoWay; ReminderSyncEnabledAt is when it was last turned on, which the first pass imports from, and ReminderSyncChangedBy who last turned it on or off), and when and by whom they were last changed.')
    Parameters  = @{}
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivitySetting'; Description = 'SalesforceKinds, UnsubscribeGuard, GuardChangedAt and GuardChangedBy (when and by whom the guard was last turned on or off), ReminderSync (Off or TwoWay), ReminderSyncEnabledAt and ReminderSyncChangedBy, ChangedAt and ChangedBy (any change; empty: the defaults apply) and Database.' }
    Notes       = @('Every kind always goes to Marketo.')
    Examples    = @(
        @{ Code = 'Get-SalesActivitySetting'; Remarks = 'The kinds logged to Salesforce and the unsubscribe guard.' }
        @{ Code = 'if (-not (Get-SalesActivitySetting).UnsubscribeGuard) { Write-Warning ''The unsubscribe guard is off'' }'; Remarks = 'A runbook check that the guard was not turned off.' }
        @{ Code = 'Get-SalesActivitySetting | Select-Object ReminderSync, ReminderSyncEnabledAt, ReminderSyncChangedBy'; Remarks = 'Whether reminders are kept in step with Salesforce, since when and who turned it on or off.' }
        @{ Code = '(Get-SalesActivitySetting).SalesforceKinds -contains ''EmailOpened'''; Remarks = 'Whether opens become Salesforce Tasks.' }
    )
    Links       = @('Set-SalesActivitySetting', 'Send-SalesActivity')
}
