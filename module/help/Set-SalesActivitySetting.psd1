@{
    Synopsis    = 'Chooses which kinds of sales activity are logged to Salesforce, turns the unsubscribe guard on or off, and sets the fallback Task owner.'
    Description = @(
        'Set-SalesActivitySetting stores in the database the kinds that Send-SalesActivity logs to Salesforce as completed Tasks; every kind always goes to Marketo. Activities already logged keep their destinations. -WhatIf shows the change without making it.'
        'The unsubscribe guard (on by default) makes Send-SalesActivity check each sent sales email (EmailSent) first and refuse it when the person is unsubscribed in Marketo or opted out in Salesforce. Turning it off is an explicit choice: it asks for confirmation (unless -Force), it is recorded with the time and the user (Get-SalesActivitySetting shows GuardChangedAt and GuardChangedBy, which later changes of other settings leave alone), a warning says so, and every Send-SalesActivity that logs a sent email while it is off warns again.'
        'Salesforce refuses a Task owned by an inactive user. -FallbackTaskOwnerId names the active user who owns the Tasks of people whose sales owner is inactive (for example a sales manager or an integration user); the id is checked in Salesforce when it is set (15 or 18 characters, a User, active). Without one, such Tasks fail at once with a reason that says to set it; after setting it, Sync-SalesActivity -RetryFailed sends them. The Task date is the day the activity happened in the owner''s time zone (the User''s TimeZoneSidKey).'
        'Reminder sync (-ReminderSync): Off by default, as in Adobe''s product. TwoWay keeps reminders (New-SalesReminder) in step with Salesforce Tasks both ways, by Sync-SalesReminder and by Start-SalesSync after its opt-out step. Turning it on records when (Get-SalesActivitySetting shows ReminderSyncEnabledAt and ReminderSyncChangedBy): the first pass after it imports the in-scope Salesforce Tasks changed in the 24 hours before that time and sends none of the reminders made while it was off (Sync-SalesReminder -IncludeExisting sends those too, without duplicates). Turning it Off stops the passes; reminders stay, and turning it on again continues from where the last pass stopped. See Get-Help Sync-SalesReminder for the rules.'
    )
    Parameters  = @{
        SalesforceKinds = 'The kinds to log to Salesforce; an empty array (@()) logs none.'
        UnsubscribeGuard = '$true turns the send guard on (the default); $false turns it off after a confirmation (or with -Force), recorded with the time and the user (GuardChangedAt, GuardChangedBy).'
        FallbackTaskOwnerId = 'The id (15 or 18 characters) of an active Salesforce user who owns the Tasks of people whose sales owner is inactive; checked in Salesforce when set. An empty string removes it.'
        ReminderSync     = 'Off (the default) or TwoWay, by name: whether reminders are kept in step with Salesforce Tasks. Turning it on records the time (ReminderSyncEnabledAt), from which the first pass imports.'
        Force            = 'Turns the unsubscribe guard off without the confirmation question (for runbooks); it is still recorded and warned about. Without it, a host that cannot ask (pwsh -NonInteractive, a runbook) gets the terminating error GuardOffNeedsConfirmation naming -Force, and the guard stays on.'
        PassThru        = 'Writes the settings after the change.'
    }
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivitySetting'; Description = 'With -PassThru, the settings after the change (ReminderSync, ReminderSyncEnabledAt and ReminderSyncChangedBy among them).' }
    Notes       = @('The setting belongs to the database, so every runbook using it follows the same rule.')
    Examples    = @(
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailReplied, CallReceived, EmailBounced -PassThru'; Remarks = 'Also logs bounces to Salesforce.' }
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds @() -WhatIf'; Remarks = 'Shows what turning off Salesforce logging would change.' }
        @{ Code = 'Set-SalesActivitySetting -UnsubscribeGuard $true -PassThru'; Remarks = 'Turns the unsubscribe guard back on.' }
        @{ Code = 'Set-SalesActivitySetting -UnsubscribeGuard $false -Force -PassThru
Set-SalesActivitySetting -UnsubscribeGuard $true'; Remarks = 'In a runbook: turns the guard off without the question (recorded with who and when, and warned about), then on again.' }
        @{ Code = 'Set-SalesActivitySetting -ReminderSync TwoWay -WhatIf'; Remarks = 'Shows what turning reminder sync on would do (the first pass imports the Salesforce Tasks changed in the 24 hours before), without turning it on.' }
        @{ Code = 'Set-SalesActivitySetting -ReminderSync TwoWay -PassThru | Select-Object ReminderSync, ReminderSyncEnabledAt
Set-SalesActivitySetting -ReminderSync Off'; Remarks = 'Turns reminder sync on (recording when), shows the time, and turns it off again.' }
        @{ Code = "Set-SalesActivitySetting -FallbackTaskOwnerId 0055g00000AbCdE; Sync-SalesActivity -RetryFailed"; Remarks = 'Gives the Tasks of people whose owner left the company to that user, and sends the ones that failed for it again.' }
    )
    Links       = @('Get-SalesActivitySetting', 'Send-SalesActivity')
}
