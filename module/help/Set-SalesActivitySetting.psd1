@{
    Synopsis    = 'Chooses which kinds of sales activity are logged to Salesforce.'
    Description = @('Set-SalesActivitySetting stores in the database the kinds that Send-SalesActivity logs to Salesforce as completed Tasks; every kind always goes to Marketo. Activities already logged keep their destinations. -WhatIf shows the change without making it.')
    Parameters  = @{
        SalesforceKinds = 'The kinds to log to Salesforce; an empty array (@()) logs none.'
        PassThru        = 'Writes the settings after the change.'
    }
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivitySetting'; Description = 'With -PassThru, the settings after the change.' }
    Notes       = @('The setting belongs to the database, so every runbook using it follows the same rule.')
    Examples    = @(
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailReplied, CallReceived, EmailBounced -PassThru'; Remarks = 'Also logs bounces to Salesforce.' }
        @{ Code = 'Set-SalesActivitySetting -SalesforceKinds @() -WhatIf'; Remarks = 'Shows what turning off Salesforce logging would change.' }
    )
    Links       = @('Get-SalesActivitySetting', 'Send-SalesActivity')
}
