@{
    Synopsis    = 'Connects this PowerShell session to Marketo Engage and, optionally, Salesforce.'
    Description = @(
        'Connect-SalesSync proves a connection works before it keeps it: it fetches an access token from Marketo''s Identity service (and from the Salesforce token endpoint when -SalesforceUri is given) and opens the local database. The connection is kept in memory for the later SalesSync cmdlets of the whole process (every runspace, ForEach-Object -Parallel and thread jobs included), or of this runspace only with -Scope Runspace; nothing about it, and never a secret, is written to disk, logs, verbose output or error records.'
        'Credentials are PSCredential objects: the user name is the client id and the password is the client secret (for Salesforce, the consumer key and consumer secret of an app enabled for the client credentials flow). In runbooks, -FromEnvironment reads the documented SALESSYNC_* environment variables instead, and nothing ever prompts in a non-interactive host.'
        'Remote services must use HTTPS; plain http:// is accepted only for loopback addresses such as the SalesSync sandbox. A URI is the instance''s base URI: a bare host (123-ABC-456.mktorest.com) gets https:// added, as PnP.PowerShell does; the /rest, /rest/v1 or /identity ending that Marketo''s Admin > Web Services page shows is accepted and dropped (-Verbose says so); an empty value, any other path, a query string or a fragment is refused (InvalidUri). https:// to a port that speaks plain HTTP fails with TlsHandshakeFailed, naming that cause. With Salesforce, the API version is checked at connect against the versions the org lists (GET /services/data/): one it does not serve fails with SalesforceApiVersionNotServed, naming the newest it serves. Marketo allows 100 calls per 20 seconds and 10 calls in flight per instance, shared by every integration, so SalesSync takes 50 and 5 by default; -MarketoCallsPerWindow and -MarketoConcurrentCalls raise or lower that share up to the documented maxima.'
        'The default database is per Marketo instance: ~/.salessync/<instance host>.db (for example ~/.salessync/123-abc-456.mktorest.com.db; a non-default port is part of the name, so the sandbox at http://127.0.0.1:47100 gets 127.0.0.1_47100.db), so a sandbox and production never share a file. The file is named after the host as typed: http://localhost:47100 gets localhost_47100.db, a different file from 127.0.0.1_47100.db, although both name the same loopback instance (the database records it as loopback:47100, so either URI can open either file with -Database). Use one spelling, or give -Database. ~/.salessync/salessync.db, the single default of earlier versions, is still used when it records the instance being connected (or no instance yet) and the instance has no file of its own yet (-Verbose says so; it is checked read-only, under its lock); a salessync.db of another instance is never touched. When whose it is cannot be told (open in another process, encrypted without the password, unreadable) Connect-SalesSync stops with LegacyDatabaseUndetermined and creates nothing: give -Database, its path to use it or a new path for this instance.'
        'The database belongs to one Marketo instance and to one process at a time: SalesSync refuses a path that names a file it did not create (the file is left untouched), a database of another instance, and a database another process has open. New database files are readable by the current user only, and are encrypted with LiteDB''s own encryption when a database password is given.'
        'On success Connect-SalesSync writes nothing, as Connect-PnPOnline does without -ReturnConnection, so runbooks need no | Out-Null; -PassThru writes the connection object (Get-SalesSyncConnection returns it at any time).'
        'Failures are terminating errors with stable ErrorIds, the offending value as TargetObject and a RecommendedAction: BadCredentials, ServiceUnreachable, TlsHandshakeFailed, InsecureUri, InvalidUri, SalesforceApiVersionNotServed, InvalidSalesforceApiVersion, EnvironmentVariableMissing, EnvironmentVariableInvalid, SalesforceParametersIncomplete, DailyQuotaExhausted, InvalidConnectionSettings, and for the database DatabaseNotWritable, DatabaseNotSalesSync, DatabaseInUse, DatabaseWrongMarketoInstance, DatabasePasswordRequired, DatabasePasswordWrong, DatabaseNotEncrypted and DatabaseSchemaTooNew; LegacyDatabaseUndetermined when no -Database was given and the owner of ~/.salessync/salessync.db cannot be told.'
    )
    Parameters  = @{
        MarketoUri             = 'Base URI of the Marketo instance, for example https://123-ABC-456.mktorest.com (the REST and Identity endpoints are below it). Without a scheme https:// is added; the REST endpoint (.../rest) or Identity endpoint (.../identity) as Admin > Web Services shows them are accepted and reduced to the base URI. Another path, a query string or a fragment is refused (InvalidUri).'
        MarketoCredential      = 'PSCredential whose user name is the Marketo client id and whose password is the client secret of the custom service (Admin > Integration > LaunchPoint).'
        SalesforceUri          = 'The Salesforce org''s My Domain, for example https://acme.my.salesforce.com (without a scheme https:// is added; a path, query string or fragment is refused). Give it together with -SalesforceCredential; without both, SalesSync connects to Marketo only.'
        SalesforceCredential   = 'PSCredential whose user name is the consumer key and whose password is the consumer secret of a Salesforce app with the client credentials flow enabled and a Run As user.'
        FromEnvironment        = 'Reads the connection from environment variables instead of parameters: SALESSYNC_MARKETO_URI, SALESSYNC_MARKETO_CLIENT_ID, SALESSYNC_MARKETO_CLIENT_SECRET, and optionally SALESSYNC_SALESFORCE_URI, SALESSYNC_SALESFORCE_CLIENT_ID, SALESSYNC_SALESFORCE_CLIENT_SECRET, SALESSYNC_DATABASE and SALESSYNC_DATABASE_PASSWORD. A missing required variable is a terminating EnvironmentVariableMissing error; a malformed one (a URI the rules of -MarketoUri refuse, or SALESSYNC_DATABASE set to spaces only) is EnvironmentVariableInvalid. The error names the variable, never its value.'
        Database               = 'Path of the local LiteDB database file; a relative path is resolved against the current PowerShell location. Default: SALESSYNC_DATABASE if set (spaces only is an error, not the default), else the instance''s own ~/.salessync/<instance host>.db (see the description for an existing ~/.salessync/salessync.db). The folder is created if needed (readable by the current user only). An existing file that is not a SalesSync database is refused with DatabaseNotSalesSync and left untouched; a path that cannot be written fails with DatabaseNotWritable.'
        DatabasePassword       = 'A SecureString password that encrypts a new database and opens an encrypted one (LiteDB''s own encryption). Default: SALESSYNC_DATABASE_PASSWORD if set; otherwise the database is not encrypted. It stays in memory only.'
        Scope                  = 'Process (the default) makes the connection serve every runspace of the process, so ForEach-Object -Parallel, thread jobs and other runspaces use it without connecting again. Runspace keeps it to the current runspace, where it takes precedence over a process-wide connection and is dropped when the runspace closes.'
        SalesforceApiVersion   = 'Salesforce REST API version to use, in the form v66.0 (V66.0, 66.0 and 66 mean the same; spaces around are ignored; anything else fails with InvalidSalesforceApiVersion naming the value). Default v66.0. Checked at connect: a version the org does not serve fails with SalesforceApiVersionNotServed, which names the newest it serves.'
        MarketoCallsPerWindow  = 'How many Marketo calls this session may start in any 20-second window (1 to 100). The instance limit of 100 is shared with every other integration; default 50.'
        MarketoConcurrentCalls = 'How many Marketo calls may be in flight at once (1 to 10). The instance limit of 10 is shared; default 5.'
        MarketoDailyCallBudget = 'SalesSync''s own cap: how many Marketo calls this process may make per Marketo day (which ends at midnight US Central). It counts SalesSync''s calls only. The instance''s calls today are a different figure: every integration''s calls, shared with SalesSync, read from Marketo (stats/usage.json) at each Start-SalesSync and shown by Get-SalesSyncConnection (MarketoInstanceCallsToday) and in the sync''s progress; the planner of -Method Auto keeps a run within a share of what is left of it, and Marketo itself stops every integration at the instance''s quota (error 607). 0 means no cap of SalesSync''s own. Default 10000.'
        PassThru               = 'Writes the connection object (SalesSync.PowerShell.Models.SalesSyncConnectionInfo). Without it Connect-SalesSync writes nothing on success, as PnP.PowerShell''s Connect-PnPOnline does without -ReturnConnection.'
        MaxRetries             = 'How many times a call is retried after a transient failure or throttling (0 to 10, default 5). Every retry is announced with -Verbose and every wait ends at once on Ctrl+C.'
    }
    Inputs      = 'None. You cannot pipe objects to Connect-SalesSync.'
    Outputs     = @{
        Type        = 'SalesSync.PowerShell.Models.SalesSyncConnectionInfo'
        Description = 'With -PassThru only: where the session is connected (URIs, client ids, token expiry, limits, database path), flat, with Scope as a string. It never contains a secret. Without -PassThru nothing is written.'
    }
    Notes       = @(
        'Connecting again replaces the connection of the same scope; commands still running on the old one finish first. Use Disconnect-SalesSync to forget it and Get-SalesSyncConnection to show it.'
        'The Marketo limits are per instance for the whole process: every connection to one instance shares one limiter and one daily count, and the settings of the latest successful Connect-SalesSync apply to all of them.'
    )
    Examples    = @(
        @{
            Code    = '$marketo = Get-Credential -Message ''Marketo client id / secret''
Connect-SalesSync -MarketoUri https://123-ABC-456.mktorest.com -MarketoCredential $marketo'
            Remarks = 'Connects to a Marketo instance only, prompting interactively for the client id and secret. The local database goes to ~/.salessync/123-abc-456.mktorest.com.db. Nothing is written on success.'
        }
        @{
            Code    = 'Connect-SalesSync -MarketoUri https://123-ABC-456.mktorest.com -MarketoCredential $marketo `
    -SalesforceUri https://acme.my.salesforce.com -SalesforceCredential $salesforce `
    -Database ./sales.db -MarketoCallsPerWindow 30 -PassThru -Verbose'
            Remarks = 'Connects to both services with a smaller share of the Marketo rate limit, a database in the current folder, and verbose output showing each step; -PassThru shows the connection.'
        }
        @{
            Code    = '$env:SALESSYNC_MARKETO_URI = ''https://123-ABC-456.mktorest.com''
$env:SALESSYNC_MARKETO_CLIENT_ID = $clientId
$env:SALESSYNC_MARKETO_CLIENT_SECRET = $clientSecret
Connect-SalesSync -FromEnvironment'
            Remarks = 'In an automation runbook or CI job: reads everything from environment variables and never prompts.'
        }
        @{
            Code    = 'Connect-SalesSync -MarketoUri https://123-ABC-456.mktorest.com -MarketoCredential $marketo -Database ./acme.db `
    -DatabasePassword (Read-Host -AsSecureString ''Database password'')
$module = Join-Path (Get-Module SalesSync).ModuleBase SalesSync.psd1
1..4 | ForEach-Object -Parallel { Import-Module $using:module; (Get-SalesSyncConnection).Database }'
            Remarks = 'Opens (or creates) an encrypted database. The connection has the default Process scope, so the parallel runspaces see it without connecting again. Each runspace imports the module from the manifest this session loaded, so the example works whether the module was imported by path or from PSModulePath.'
        }
        @{
            Code    = 'Connect-SalesSync -MarketoUri 123-ABC-456.mktorest.com/rest -MarketoCredential $marketo -Verbose'
            Remarks = 'The REST endpoint as Marketo''s Admin > Web Services page shows it, pasted without a scheme: -Verbose says https:// was added and /rest dropped, and the connection is made to https://123-ABC-456.mktorest.com/.'
        }
    )
    Links       = @('Disconnect-SalesSync', 'Get-SalesSyncConnection', 'about_SalesSync')
}
