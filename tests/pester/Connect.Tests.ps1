# Connect-SalesSync / Disconnect-SalesSync against the sandbox, run as a child process.
BeforeDiscovery {
    # The help examples test reads the examples at discovery.
    Import-Module (Join-Path $PSScriptRoot '../../SalesSync.psd1') -Force
}

BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '300', '--seed', '21')
    $script:databaseDir = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $databaseDir 'sync.db'
    $script:envNames = 'SALESSYNC_MARKETO_URI', 'SALESSYNC_MARKETO_CLIENT_ID', 'SALESSYNC_MARKETO_CLIENT_SECRET',
        'SALESSYNC_SALESFORCE_URI', 'SALESSYNC_SALESFORCE_CLIENT_ID', 'SALESSYNC_SALESFORCE_CLIENT_SECRET', 'SALESSYNC_DATABASE', 'SALESSYNC_DATABASE_PASSWORD'
    function Clear-SalesSyncEnvironment { foreach ($n in $envNames) { Remove-Item "Env:$n" -ErrorAction SilentlyContinue } }
    function Set-SandboxEnvironment([string] $Database) {
        $env:SALESSYNC_MARKETO_URI = $sandbox.Marketo.uri
        $env:SALESSYNC_MARKETO_CLIENT_ID = $sandbox.Marketo.clientId
        $env:SALESSYNC_MARKETO_CLIENT_SECRET = $sandbox.Marketo.clientSecret
        $env:SALESSYNC_SALESFORCE_URI = $sandbox.Salesforce.uri
        $env:SALESSYNC_SALESFORCE_CLIENT_ID = $sandbox.Salesforce.clientId
        $env:SALESSYNC_SALESFORCE_CLIENT_SECRET = $sandbox.Salesforce.clientSecret
        $env:SALESSYNC_DATABASE = $Database
    }
    function Get-Failure([scriptblock] $Block) {
        try { & $Block; $null } catch { $_ }
    }
    # Without -Database each instance gets ~/.salessync/<host>_<port>.db; the salessync.db of earlier versions is used for
    # the instance it records and left alone for any other. HOME points at a temporary folder meanwhile (not on Windows,
    # whose profile folder does not follow an environment variable).
    function Test-DefaultDatabasePerInstance($second) {
        if ($IsWindows) { return }
        $realHome = $env:HOME
        $env:HOME = Join-Path $databaseDir 'home'
        New-Item -ItemType Directory $env:HOME -Force | Out-Null
        try {
            $folder = Join-Path $env:HOME '.salessync'
            $legacy = Join-Path $folder 'salessync.db'
            Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $legacy
            Disconnect-SalesSync
            $verbose = Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Verbose 4>&1 | Out-String
            (Get-SalesSyncConnection).Database | Should -Be $legacy
            $verbose | Should -Match 'default database of earlier SalesSync versions'
            Disconnect-SalesSync
            $before = (Get-FileHash $legacy).Hash
            $port = ([uri]$second.Marketo.uri).Port
            $verbose = Connect-SalesSync -MarketoUri $second.Marketo.uri -MarketoCredential $second.MarketoCredential -Verbose 4>&1 | Out-String
            (Get-SalesSyncConnection).Database | Should -Be (Join-Path $folder "127.0.0.1_$port.db")
            $verbose | Should -Match 'it was left alone'
            Disconnect-SalesSync
            (Get-FileHash $legacy).Hash | Should -Be $before
            # Whose the old file is cannot be told while another process holds it: an error naming -Database, no new file.
            Remove-Item (Join-Path $folder "127.0.0.1_$port.db*")
            $held = [System.IO.File]::Open("$legacy.lock", 'OpenOrCreate', 'ReadWrite', 'None')
            try {
                $failure = Get-Failure { Connect-SalesSync -MarketoUri $second.Marketo.uri -MarketoCredential $second.MarketoCredential }
            } finally { $held.Dispose() }
            $failure.FullyQualifiedErrorId | Should -BeLike 'LegacyDatabaseUndetermined,*'
            $failure.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $failure.TargetObject | Should -Be $legacy
            $failure.Exception.Message | Should -Match '-Database'
            Test-Path (Join-Path $folder "127.0.0.1_$port.db") | Should -BeFalse
            (Get-FileHash $legacy).Hash | Should -Be $before
        } finally {
            Disconnect-SalesSync
            $env:HOME = $realHome
        }
    }
}

AfterAll {
    Disconnect-SalesSync
    Clear-SalesSyncEnvironment
    Stop-SandboxProcess $sandbox
    Remove-Item $databaseDir -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Connect-SalesSync' {
    AfterEach { Disconnect-SalesSync; Clear-SalesSyncEnvironment; Remove-Item Env:SALESSYNC_DATABASE_PASSWORD -ErrorAction SilentlyContinue }

    It 'connects to Marketo and Salesforce and returns a connection without secrets' {
        $connection = Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database -PassThru
        $connection.MarketoClientId | Should -Be $sandbox.Marketo.clientId
        $connection.SalesforceClientId | Should -Be $sandbox.Salesforce.clientId
        $connection.Database | Should -Be $database
        $connection.MarketoTokenExpiresAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)
        Test-Path $database | Should -BeTrue
        $text = ($connection | ConvertTo-Json -Depth 4) + ($connection | Format-List * | Out-String)
        $text | Should -Not -Match ([regex]::Escape($sandbox.Marketo.clientSecret))
        $text | Should -Not -Match ([regex]::Escape($sandbox.Salesforce.clientSecret))
        (Get-SalesSyncConnection).ConnectedAt | Should -Be $connection.ConnectedAt
    }

    It 'keeps secrets out of verbose and debug output' {
        $streams = Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database -Verbose -Debug *>&1 | Out-String
        $streams | Should -Match 'access token received'
        $streams | Should -Not -Match ([regex]::Escape($sandbox.Marketo.clientSecret))
        $streams | Should -Not -Match ([regex]::Escape($sandbox.Salesforce.clientSecret))
    }

    It 'fails clearly for bad Marketo credentials' {
        $bad = [pscredential]::new($sandbox.Marketo.clientId, (ConvertTo-SecureString 'wrong-secret-xyz' -AsPlainText -Force))
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $bad -Database $database }
        $failure.FullyQualifiedErrorId | Should -Be 'BadCredentials,SalesSync.PowerShell.Cmdlets.ConnectSalesSyncCommand'
        $failure.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $failure.Exception.Message | Should -Match 'refused the credentials'
        ($failure | Out-String) + $failure.Exception.ToString() | Should -Not -Match 'wrong-secret-xyz'
    }

    It 'fails clearly for bad Salesforce credentials' {
        $bad = [pscredential]::new($sandbox.Salesforce.clientId, (ConvertTo-SecureString 'nope' -AsPlainText -Force))
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $bad -Database $database }
        $failure.FullyQualifiedErrorId | Should -BeLike 'BadCredentials,*'
        $failure.Exception.Message | Should -Match 'Salesforce'
        $failure.TargetObject | Should -Be ([uri]$sandbox.Salesforce.uri)
    }

    It 'fails clearly for a wrong URI (nothing listening)' {
        $failure = Get-Failure { Connect-SalesSync -MarketoUri 'http://127.0.0.1:9/' -MarketoCredential $sandbox.MarketoCredential -Database $database -MaxRetries 0 }
        $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
        $failure.Exception.Message | Should -Match 'could not be reached'
    }

    It 'fails clearly for a URI that is not Marketo' {
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Control -MarketoCredential $sandbox.MarketoCredential -Database $database }
        $failure.FullyQualifiedErrorId | Should -BeLike 'ServiceUnreachable,*'
    }

    It 'refuses a non-HTTPS remote URI before sending anything' {
        $failure = Get-Failure { Connect-SalesSync -MarketoUri 'http://123-abc-456.mktorest.com' -MarketoCredential $sandbox.MarketoCredential -Database $database }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InsecureUri,*'
        $failure.CategoryInfo.Category | Should -Be 'SecurityError'
        $failure.Exception.Message | Should -Match 'https://'
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -SalesforceUri 'http://acme.my.salesforce.com' -SalesforceCredential $sandbox.SalesforceCredential -Database $database }
        $failure.FullyQualifiedErrorId | Should -BeLike 'InsecureUri,*'
    }

    It 'fails clearly when the database cannot be written' {
        $file = New-TemporaryFile
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database (Join-Path $file 'x.db') }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DatabaseNotWritable,*'
        Remove-Item $file
    }

    It 'needs the Salesforce URI and credential together' {
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -SalesforceUri $sandbox.Salesforce.uri -Database $database }
        $failure.FullyQualifiedErrorId | Should -BeLike 'SalesforceParametersIncomplete,*'
    }

    It 'rejects limits above the documented maxima' {
        { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MarketoCallsPerWindow 101 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SalesSync.PowerShell.Cmdlets.ConnectSalesSyncCommand'
        { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MarketoConcurrentCalls 11 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SalesSync.PowerShell.Cmdlets.ConnectSalesSyncCommand'
    }

    It 'connects from environment variables' {
        Set-SandboxEnvironment $database
        $connection = Connect-SalesSync -FromEnvironment -PassThru
        $connection.MarketoClientId | Should -Be $sandbox.Marketo.clientId
        $connection.SalesforceInstanceUrl | Should -Not -BeNullOrEmpty
        $connection.Database | Should -Be $database
    }

    It 'names a malformed environment variable with its own ErrorId, without its value' {
        $env:SALESSYNC_MARKETO_URI = 'not a uri at all'
        $env:SALESSYNC_MARKETO_CLIENT_ID = $sandbox.Marketo.clientId
        $env:SALESSYNC_MARKETO_CLIENT_SECRET = $sandbox.Marketo.clientSecret
        $failure = Get-Failure { Connect-SalesSync -FromEnvironment }
        $failure.FullyQualifiedErrorId | Should -BeLike 'EnvironmentVariableInvalid,*'
        $failure.TargetObject | Should -Be 'SALESSYNC_MARKETO_URI'
        $failure.Exception.Message | Should -Match 'SALESSYNC_MARKETO_URI'
        ($failure | Out-String) + $failure.Exception.ToString() | Should -Not -Match ([regex]::Escape($sandbox.Marketo.clientSecret))
    }

    It 'encrypts a new database with a password and needs it to open it again' {
        $encrypted = Join-Path $databaseDir 'encrypted.db'
        $password = ConvertTo-SecureString 'correct horse battery' -AsPlainText -Force
        $connection = Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $encrypted -DatabasePassword $password -PassThru
        $connection.DatabaseEncrypted | Should -BeTrue
        ($connection | Out-String) | Should -Match 'encrypted'
        Disconnect-SalesSync
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $encrypted }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DatabasePasswordRequired,*'
        $wrong = ConvertTo-SecureString 'wrong' -AsPlainText -Force
        $failure = Get-Failure { Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $encrypted -DatabasePassword $wrong }
        $failure.FullyQualifiedErrorId | Should -BeLike 'DatabasePasswordWrong,*'
        $env:SALESSYNC_DATABASE_PASSWORD = 'correct horse battery'
        (Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $encrypted -PassThru).DatabaseEncrypted | Should -BeTrue
    }

    It 'refuses a database of another Marketo instance' {
        $other = Join-Path $databaseDir 'instance.db'
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $other | Out-Null
        Disconnect-SalesSync
        $second = Start-SandboxProcess -Arguments @('--people', '20', '--seed', '22') # another instance (another port)
        try {
            $failure = Get-Failure { Connect-SalesSync -MarketoUri $second.Marketo.uri -MarketoCredential $second.MarketoCredential -Database $other }
            $failure.FullyQualifiedErrorId | Should -BeLike 'DatabaseWrongMarketoInstance,*' # trial row 27
            $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $failure.TargetObject | Should -Be $other
            $failure.Exception.Message | Should -Match ([regex]::Escape(([uri]$sandbox.Marketo.uri).Port))
            Test-DefaultDatabasePerInstance $second
        } finally { Stop-SandboxProcess $second }
    }

    It 'names the missing environment variable and does not prompt' {
        $env:SALESSYNC_MARKETO_URI = $sandbox.Marketo.uri
        $env:SALESSYNC_MARKETO_CLIENT_ID = $sandbox.Marketo.clientId
        $failure = Get-Failure { Connect-SalesSync -FromEnvironment }
        $failure.FullyQualifiedErrorId | Should -BeLike 'EnvironmentVariableMissing,*'
        $failure.Exception.Message | Should -Match 'SALESSYNC_MARKETO_CLIENT_SECRET'
    }

    It 'does not prompt for a missing credential in a non-interactive host' {
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "Import-Module '$(Join-Path $root 'SalesSync.psd1')'; Connect-SalesSync -MarketoUri '$($sandbox.Marketo.uri)'" 2>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'MarketoCredential'
    }
}

Describe 'Disconnect-SalesSync' {
    It 'forgets the connection and is safe to repeat' {
        $connection = Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $database -PassThru
        Disconnect-SalesSync
        Get-SalesSyncConnection | Should -BeNullOrEmpty
        $connection.IsActive | Should -BeFalse
        { Disconnect-SalesSync } | Should -Not -Throw
    }
}

Describe 'Get-SalesSyncConnection' {
    It 'writes nothing, and no error, when there is no connection' {
        Disconnect-SalesSync
        $output = Get-SalesSyncConnection -ErrorVariable problems
        $output | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
        $(if (-not (Get-SalesSyncConnection)) { 'usable in an if' }) | Should -Be 'usable in an if'
    }

    It 'is seen by ForEach-Object -Parallel runspaces (process scope)' {
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $database | Out-Null
        $manifest = Join-Path $root 'SalesSync.psd1'
        $seen = 1..3 | ForEach-Object -Parallel { Import-Module $using:manifest; (Get-SalesSyncConnection).Database }
        $seen | Should -Be @($database, $database, $database)
        Disconnect-SalesSync
    }
}
