@{
    Synopsis    = 'Chooses which kinds of sales activity are logged to Salesforce, and turns the unsubscribe guard on or off.'
    Description = @(
        'Set-SalesActivitySetting stores in the database the kinds that Send-SalesActivity logs to Salesforce as completed Tasks; every kind always goes to Marketo. Activities already logged keep their destinations. -WhatIf shows the change without making it.'
        'The unsubscribe guard (on by default) makes Send-SalesActivity check each sent sales email (EmailSent) first and refuse it when the person is unsubscribed in Marketo or opted out in Salesforce. Turning it off is an explicit choice: it asks for confirmation (unless -Force), it is recorded with the time and the user (Get-SalesActivitySetting shows GuardChangedAt and GuardChangedBy, which later changes of other settings leave alone), a warning says so, and every Send-SalesActivity that logs a sent email while it is off warns again.'
    )
    Parameters  = @{
        SalesforceKinds = 'The kinds to log to Salesforce; an empty array (@()) logs none.'
        UnsubscribeGuard = '$true turns the send guard on (the default); $false turns it off after a confirmation (or with -Force), recorded with the time and the user (GuardChangedAt, GuardChangedBy).'
        Force            = 'Turns the unsubscribe guard off without the confirmation question (for runbooks); it is still recorded and warned about.'
        PassThru        = 'Writes the settings after the change.'
    }
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivitySetting'; Description = 'With -PassThru, the settings after the change.' }
    Notes       = @('The setting belongs to the database, so every runbook using it follows the same rule.')
    Examples    = @(
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailReplied, CallReceived, EmailBounced -PassThru'; Remarks = 'Also logs bounces to Salesforce.' }
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds @() -WhatIf'; Remarks = 'Shows what turning off Salesforce logging would change.' }
        @{ Code = 'Set-SalesActivitySetting -UnsubscribeGuard $true -PassThru'; Remarks = 'Turns the unsubscribe guard back on.' }
    )
    Links       = @('Get-SalesActivitySetting', 'Send-SalesActivity')
}
