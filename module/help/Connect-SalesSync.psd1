@{
    Synopsis    = 'Connects this PowerShell session to Marketo Engage and, optionally, Salesforce.'
    Description = @(
        'Connect-SalesSync proves a connection works before it keeps it: it fetches an access token from Marketo''s Identity service (and from the Salesforce token endpoint when -SalesforceUri is given) and checks that the local database file can be written. The connection is kept in memory for the later SalesSync cmdlets of this PowerShell session; nothing about it, and never a secret, is written to disk, logs, verbose output or error records.'
        'Credentials are PSCredential objects: the user name is the client id and the password is the client secret (for Salesforce, the consumer key and consumer secret of an app enabled for the client credentials flow). In runbooks, -FromEnvironment reads the documented SALESSYNC_* environment variables instead, and nothing ever prompts in a non-interactive host.'
        'Remote services must use HTTPS; plain http:// is accepted only for loopback addresses such as the SalesSync sandbox. Marketo allows 100 calls per 20 seconds and 10 calls in flight per instance, shared by every integration, so SalesSync takes 50 and 5 by default; -MarketoCallsPerWindow and -MarketoConcurrentCalls raise or lower that share up to the documented maxima.'
        'Failures are terminating errors with stable ErrorIds: BadCredentials, ServiceUnreachable, InsecureUri, InvalidUri, DatabaseNotWritable, EnvironmentVariableMissing, SalesforceParametersIncomplete and DailyQuotaExhausted.'
    )
    Parameters  = @{
        MarketoUri             = 'Base URI of the Marketo instance, for example https://123-ABC-456.mktorest.com (the REST and Identity endpoints are below it).'
        MarketoCredential      = 'PSCredential whose user name is the Marketo client id and whose password is the client secret of the custom service (Admin > Integration > LaunchPoint).'
        SalesforceUri          = 'The Salesforce org''s My Domain, for example https://acme.my.salesforce.com. Give it together with -SalesforceCredential; without both, SalesSync connects to Marketo only.'
        SalesforceCredential   = 'PSCredential whose user name is the consumer key and whose password is the consumer secret of a Salesforce app with the client credentials flow enabled and a Run As user.'
        FromEnvironment        = 'Reads the connection from environment variables instead of parameters: SALESSYNC_MARKETO_URI, SALESSYNC_MARKETO_CLIENT_ID, SALESSYNC_MARKETO_CLIENT_SECRET, and optionally SALESSYNC_SALESFORCE_URI, SALESSYNC_SALESFORCE_CLIENT_ID, SALESSYNC_SALESFORCE_CLIENT_SECRET and SALESSYNC_DATABASE. A missing required variable is a terminating EnvironmentVariableMissing error.'
        Database               = 'Path of the local LiteDB database file. Default: SALESSYNC_DATABASE if set, else ~/.salessync/salessync.db. The folder is created if needed; a path that cannot be written fails with DatabaseNotWritable.'
        SalesforceApiVersion   = 'Salesforce REST API version to use, in the form v66.0. Default v66.0.'
        MarketoCallsPerWindow  = 'How many Marketo calls this session may start in any 20-second window (1 to 100). The instance limit of 100 is shared with every other integration; default 50.'
        MarketoConcurrentCalls = 'How many Marketo calls may be in flight at once (1 to 10). The instance limit of 10 is shared; default 5.'
        MarketoDailyCallBudget = 'How many Marketo calls this process may make per Marketo day (which ends at midnight US Central). 0 means no client-side budget; the instance''s own daily quota (error 607) still stops calls. Default 10000.'
        MaxRetries             = 'How many times a call is retried after a transient failure or throttling (0 to 10, default 5). Every retry is announced with -Verbose and every wait ends at once on Ctrl+C.'
    }
    Inputs      = 'None. You cannot pipe objects to Connect-SalesSync.'
    Outputs     = @{
        Type        = 'SalesSync.PowerShell.Models.SalesSyncConnectionInfo'
        Description = 'Where the session is connected: URIs, client ids, token expiry, limits and database path. It never contains a secret.'
    }
    Notes       = @(
        'The connection belongs to the current PowerShell session (runspace). Connecting again replaces it. Use Disconnect-SalesSync to forget it and Get-SalesSyncConnection to show it.'
    )
    Examples    = @(
        @{
            Code    = '$marketo = Get-Credential -Message ''Marketo client id / secret''
Connect-SalesSync -MarketoUri https://123-ABC-456.mktorest.com -MarketoCredential $marketo'
            Remarks = 'Connects to a Marketo instance only, prompting interactively for the client id and secret. The local database goes to ~/.salessync/salessync.db.'
        }
        @{
            Code    = 'Connect-SalesSync -MarketoUri https://123-ABC-456.mktorest.com -MarketoCredential $marketo `
    -SalesforceUri https://acme.my.salesforce.com -SalesforceCredential $salesforce `
    -Database ./sales.db -MarketoCallsPerWindow 30 -Verbose'
            Remarks = 'Connects to both services with a smaller share of the Marketo rate limit, a database in the current folder, and verbose output showing each step.'
        }
        @{
            Code    = '$env:SALESSYNC_MARKETO_URI = ''https://123-ABC-456.mktorest.com''
$env:SALESSYNC_MARKETO_CLIENT_ID = $clientId
$env:SALESSYNC_MARKETO_CLIENT_SECRET = $clientSecret
Connect-SalesSync -FromEnvironment'
            Remarks = 'In an automation runbook or CI job: reads everything from environment variables and never prompts.'
        }
    )
    Links       = @('Disconnect-SalesSync', 'Get-SalesSyncConnection')
}
