@{
    Synopsis    = 'Forgets the SalesSync connection of this PowerShell session.'
    Description = @(
        'Disconnect-SalesSync drops the current session''s connection: the Marketo and Salesforce clients, their access tokens and the in-memory copies of the client secrets are released. Later SalesSync cmdlets fail with NotConnected until Connect-SalesSync runs again.'
        'It is safe to call when there is no connection: it then does nothing and says so with -Verbose, so cleanup blocks in scripts can call it unconditionally.'
    )
    Parameters  = @{}
    Inputs      = 'None. You cannot pipe objects to Disconnect-SalesSync.'
    Outputs     = @{ Type = 'None'; Description = 'Disconnect-SalesSync writes no objects.' }
    Notes       = @('Other PowerShell sessions (runspaces) keep their own connections.')
    Examples    = @(
        @{ Code = 'Disconnect-SalesSync'; Remarks = 'Forgets the current connection.' }
        @{
            Code    = 'try {
    Connect-SalesSync -FromEnvironment
    Get-SalesSyncConnection
} finally {
    Disconnect-SalesSync -Verbose
}'
            Remarks = 'A runbook pattern: the connection is always dropped when the script ends, even after an error.'
        }
    )
    Links       = @('Connect-SalesSync', 'Get-SalesSyncConnection')
}
