@{
    Synopsis    = 'Shows which kinds of sales activity are logged to Salesforce.'
    Description = @('Get-SalesActivitySetting reads the sales-activity settings stored in the database, shared by every shell and runbook that uses it: the kinds logged to Salesforce as Tasks (default: EmailSent, EmailReplied, CallReceived) and when they were last changed.')
    Parameters  = @{}
    Inputs      = 'None.'
    Outputs     = @{ Type = 'SalesSync.SalesActivitySetting'; Description = 'SalesforceKinds, ChangedAt (empty: the defaults apply) and Database.' }
    Notes       = @('Every kind always goes to Marketo.')
    Examples    = @(
        @{ Code = 'Get-SalesActivitySetting'; Remarks = 'The kinds logged to Salesforce.' }
        @{ Code = '(Get-SalesActivitySetting).SalesforceKinds -contains ''EmailOpened'''; Remarks = 'Whether opens become Salesforce Tasks.' }
    )
    Links       = @('Set-SalesActivitySetting', 'Send-SalesActivity')
}
