@{
    Synopsis    = 'Forgets the SalesSync connection in effect.'
    Description = @(
        'Disconnect-SalesSync drops the connection in effect in this runspace (its own -Scope Runspace connection if it has one, else the process-wide one): the Marketo and Salesforce clients, their access tokens and the in-memory copies of the client secrets are released, and the database closes when no other connection uses it. Commands still running on the connection finish first. Later SalesSync cmdlets fail with NotConnected until Connect-SalesSync runs again.'
        'It is safe to call when there is no connection: it then does nothing and says so with -Verbose, so cleanup blocks in scripts can call it unconditionally.'
    )
    Parameters  = @{
        Scope = 'Which connection to forget: Process (the process-wide one) or Runspace (this runspace''s own). By default, the one in effect here.'
    }
    Defaults    = @{ Scope = 'The connection in effect here' }
    Inputs      = 'None. You cannot pipe objects to Disconnect-SalesSync.'
    Outputs     = @{ Type = 'None'; Description = 'Disconnect-SalesSync writes no objects.' }
    Notes       = @('Other runspaces keep their own -Scope Runspace connections.')
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
