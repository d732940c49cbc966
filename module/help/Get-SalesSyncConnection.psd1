@{
    Synopsis    = 'Shows the SalesSync connection in effect.'
    Description = @(
        'Get-SalesSyncConnection returns the object Connect-SalesSync returned, refreshed: the Marketo and Salesforce URIs and client ids, when the Marketo token expires, the session''s share of the Marketo limits, the calls made today and the database path. It never shows a secret.'
        'The object reads the token expiry, the call count and the limits live, so one kept in a variable stays current; IsActive turns false once the connection is replaced or disconnected. Scope says whether the connection serves the whole process or this runspace only.'
        'Without a connection it writes nothing (and says so with -Verbose), so `if (-not (Get-SalesSyncConnection)) { Connect-SalesSync ... }` works in scripts.'
    )
    Parameters  = @{}
    Inputs      = 'None. You cannot pipe objects to Get-SalesSyncConnection.'
    Outputs     = @{ Type = 'SalesSync.PowerShell.Models.SalesSyncConnectionInfo'; Description = 'The current connection, without secrets.' }
    Notes       = @('Use it in scripts to check that Connect-SalesSync ran before doing work.')
    Examples    = @(
        @{ Code = 'Get-SalesSyncConnection'; Remarks = 'Shows where this session is connected.' }
        @{ Code = '(Get-SalesSyncConnection).MarketoCallsToday'; Remarks = 'How many Marketo calls this process has made today against its daily budget.' }
    )
    Links       = @('Connect-SalesSync', 'Disconnect-SalesSync')
}
