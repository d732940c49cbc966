# Every example of the generated help runs as written against the sandbox, and Get-Help shows what the cmdlets take.
#
# The code of each example is read from the generated help (Get-Help <Cmdlet> -Examples, after ./build.ps1 build),
# never from module/help, and run in its own scope with the current location in an empty folder. It fails when it
# throws or writes an error; warnings and output are fine (output is formatted, so the views run too).
#
# What an example may count on (the world of an admin who followed the README):
# - The module is installed (on PSModulePath, so ForEach-Object -Parallel and thread jobs find it) and connected to
#   Marketo and Salesforce; the database holds a completed sync of every sales-owned person (among them Marketo id
#   1001, who may be emailed, and six people at Acme with @acme.com emails); the activity types are installed.
#   Whatever an example changes (a disconnect, another database, environment variables, the location) is put back
#   after it; data it writes stays, so examples run in order, cmdlets in alphabetical order.
# - Variables: $marketoUri, $marketoCredential (user name = client id, password = client secret),
#   $marketoClientId, $marketoClientSecret, $salesforceUri, $salesforceCredential, $salesforceClientId,
#   $salesforceClientSecret, and the SALESSYNC_* environment variables of Connect-SalesSync -FromEnvironment
#   (Marketo, Salesforce, SALESSYNC_DATABASE the connected database).
#   Short names as the Connect-SalesSync examples write them: $marketo and $salesforce (the credentials), $clientId
#   and $clientSecret (Marketo's).
# - Placeholders an admin replaces with their own are replaced with the sandbox's before the example runs: the Marketo
#   instance https://123-ABC-456.mktorest.com (also written without its scheme), the Salesforce org
#   https://acme.my.salesforce.com, the Salesforce user id 0055g00000AbCdE (an active user of the sandbox's org) and
#   the contact id 0035g00000AbCdE (a synced contact's, 15 characters).
# - Prompts are answered: Get-Credential gives $marketoCredential ($salesforceCredential when its -Message or
#   -Title mentions Salesforce), Read-Host gives 'help-example-input' (a SecureString with -AsSecureString).
# - Export jobs finish in a moment here, so Start-SalesSync polls every second ($PSDefaultParameterValues).
# - An example's Setup (module/help/<Cmdlet>.psd1, not shown in the help) runs first in the same scope: files the
#   example reads, people it names. Setup alone may also use $sandboxControl, the sandbox's control API
#   (src/SalesSync.Sandbox/README.md), to shape Marketo or Salesforce. An example with Skip = 'reason' is skipped
#   with that reason: only for examples that cannot run against a sandbox at all.
BeforeDiscovery {
    $root = Join-Path $PSScriptRoot '../..'
    $helpFile = Join-Path $root 'en-US/SalesSync.PowerShell.dll-Help.xml'
    if (-not (Test-Path $helpFile)) { throw "No generated help ($helpFile). Run ./build.ps1 build first." }
    $maml = [xml] (Get-Content $helpFile -Raw)
    $examples = foreach ($command in $maml.helpItems.command) {
        $name = $command.details.name.Trim()
        $source = Import-PowerShellDataFile (Join-Path $root "module/help/$name.psd1")
        $number = 0
        foreach ($example in @($command.examples.example)) {
            $number++
            $declared = @($source.Examples)[$number - 1]
            @{
                Cmdlet = $name
                Number = $number
                Setup  = if ($declared) { $declared['Setup'] } else { $null }
                Skip   = if ($declared) { $declared['Skip'] } else { $null }
            }
        }
    }
    $cmdlets = @($maml.helpItems.command | ForEach-Object { $_.details.name.Trim() })
}

BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    # Fast export jobs, so examples of bulk passes take a second or two; people with web, email and interesting-moment
    # activity, so Get-PersonActivity's examples show rows.
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '1001', '--seed', '15', '--history-years', '1',
        '--bulk-processing-seconds', '0.2', '--bulk-status-refresh-seconds', '0.1', '--feed-activities')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-help-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'examples.db'

    # "Installed": a manifest named SalesSync on PSModulePath that loads the built dll, so runspaces that autoload
    # (ForEach-Object -Parallel) find the module as they would after Install-Module.
    $installed = New-Item -ItemType Directory -Force (Join-Path $folder 'Modules/SalesSync')
    $manifest = Import-PowerShellDataFile (Join-Path $root 'SalesSync.psd1')
    $formats = ($manifest.FormatsToProcess | ForEach-Object { "'$(Join-Path $root $_)'" }) -join ', '
    $cmdletList = ($manifest.CmdletsToExport | ForEach-Object { "'$_'" }) -join ', '
    Set-Content (Join-Path $installed 'SalesSync.psd1') @"
@{ RootModule = '$(Join-Path $root $manifest.RootModule)'; ModuleVersion = '$($manifest.ModuleVersion)'; GUID = '$($manifest.GUID)'
   FormatsToProcess = @($formats); CmdletsToExport = @($cmdletList); FunctionsToExport = @(); AliasesToExport = @(); VariablesToExport = @() }
"@
    # The environment the examples see; AfterAll puts the old values back. HOME is where a connection without
    # -Database puts its database (~/.salessync on Linux and macOS), so it is a folder of this test's own.
    $names = @('PSModulePath', 'HOME') + @(Get-ChildItem Env:SALESSYNC_* | ForEach-Object Name)
    $script:savedEnvironment = @{}
    foreach ($n in $names) { $savedEnvironment[$n] = [Environment]::GetEnvironmentVariable($n) }
    $env:PSModulePath = (Join-Path $folder 'Modules') + [IO.Path]::PathSeparator + $env:PSModulePath
    $env:HOME = (New-Item -ItemType Directory -Force (Join-Path $folder 'home')).FullName
    $script:work = (New-Item -ItemType Directory -Force (Join-Path $folder 'work')).FullName

    # The prelude's variables (see the top of this file).
    $script:marketoUri = [string] $sandbox.Marketo.uri
    $script:marketoCredential = $sandbox.MarketoCredential
    $script:marketoClientId = [string] $sandbox.Marketo.clientId
    $script:marketoClientSecret = [string] $sandbox.Marketo.clientSecret
    $script:salesforceUri = [string] $sandbox.Salesforce.uri
    $script:salesforceCredential = $sandbox.SalesforceCredential
    $script:salesforceClientId = [string] $sandbox.Salesforce.clientId
    $script:salesforceClientSecret = [string] $sandbox.Salesforce.clientSecret
    $script:sandboxControl = [string] $sandbox.Control
    $script:environment = @{
        SALESSYNC_MARKETO_URI              = $marketoUri
        SALESSYNC_MARKETO_CLIENT_ID        = $marketoClientId
        SALESSYNC_MARKETO_CLIENT_SECRET    = $marketoClientSecret
        SALESSYNC_SALESFORCE_URI           = $salesforceUri
        SALESSYNC_SALESFORCE_CLIENT_ID     = $salesforceClientId
        SALESSYNC_SALESFORCE_CLIENT_SECRET = $salesforceClientSecret
        SALESSYNC_DATABASE                 = $database
    }
    $users = (Invoke-WebRequest "$($sandbox.Control)salesforce/User").Content
    $users = if ($users -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($users) } else { $users }
    $activeUser = $users -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object IsActive | Select-Object -First 1
    # The placeholders of the help (see the top of this file), longest first so the bare host never splits a URI.
    $script:placeholders = [ordered]@{
        'https://123-ABC-456.mktorest.com' = $marketoUri.TrimEnd('/')
        '123-ABC-456.mktorest.com'         = $marketoUri.TrimEnd('/')
        'https://acme.my.salesforce.com'   = $salesforceUri.TrimEnd('/')
        '0055g00000AbCdE'                  = [string] $activeUser.Id
    }
    # Runs in the example's own scope, before its Setup.
    $script:prelude = {
        $marketo = $marketoCredential
        $salesforce = $salesforceCredential
        $clientId = $marketoClientId
        $clientSecret = $marketoClientSecret
        $PSDefaultParameterValues = @{ 'Start-SalesSync:ExportPollSeconds' = 1 }
        function Get-Credential {
            param([Parameter(Position = 0)] $UserName, [string] $Message, [string] $Title)
            if ("$Message $Title" -match 'Salesforce') { $salesforceCredential } else { $marketoCredential }
        }
        function Read-Host {
            param([Parameter(Position = 0, ValueFromRemainingArguments)] $Prompt, [switch] $AsSecureString, [switch] $MaskInput)
            if ($AsSecureString) { ConvertTo-SecureString 'help-example-input' -AsPlainText -Force } else { 'help-example-input' }
        }
    }

    # Sets the environment and the connection back to the world above. The connection takes the whole of Marketo's
    # rate limit (the sandbox has no other integration), so examples wait less for the rate gate.
    function Restore-World {
        Get-ChildItem Env:SALESSYNC_* | Where-Object Name -NotIn $environment.Keys | Remove-Item
        foreach ($key in $environment.Keys) { [Environment]::SetEnvironmentVariable($key, $environment[$key]) }
        Disconnect-SalesSync -Scope Runspace
        $connection = Get-SalesSyncConnection
        if (-not $connection -or $connection.Database -ne $database -or -not $connection.SalesforceUri -or $connection.MarketoCallsPerWindow -ne 100) {
            Connect-SalesSync -MarketoUri $marketoUri -MarketoCredential $marketoCredential -SalesforceUri $salesforceUri `
                -SalesforceCredential $salesforceCredential -Database $database -MarketoCallsPerWindow 100 -MarketoConcurrentCalls 10 -WarningAction SilentlyContinue | Out-Null
        }
    }

    # Examples name Acme (the company of the help's examples): six sales-owned people work there, with @acme.com emails.
    $acme = 0
    for ($id = 11; $acme -lt 6; $id++) {
        $person = Invoke-RestMethod "$($sandbox.Control)people/$id"
        if (-not $person.sfdcLeadOwnerId) { continue }
        $name = "$($person.firstName)" -replace '[^A-Za-z]', ''
        $email = "$(if ($name) { $name } else { 'person' }).$id@acme.com".ToLowerInvariant()
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$id" -ContentType 'application/json' `
            -Body (@{ company = 'Acme'; email = $email } | ConvertTo-Json) | Out-Null
        $acme++
    }
    Restore-World
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    Install-SalesActivityType -Confirm:$false | Out-Null
    # The help's contact id placeholder: a synced contact's id in its 15-character form.
    $placeholders['0035g00000AbCdE'] = (Get-SyncedPerson | Where-Object SalesforceContactId | Select-Object -First 1).SalesforceContactId.Substring(0, 15)
    # What the examples take for granted; a new seed or generator that breaks it fails here, not in an example.
    @(Get-SyncedPerson -Company Acme).Count | Should -Be 6
    $emailable = Get-SyncedPerson -MarketoId 1001 -ErrorAction SilentlyContinue
    $emailable | Should -Not -BeNullOrEmpty -Because 'examples name Marketo id 1001'
    $emailable.Unsubscribed | Should -BeFalse -Because 'examples log sales emails for Marketo id 1001'
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Get-ChildItem Env:SALESSYNC_* | Where-Object Name -NotIn $savedEnvironment.Keys | Remove-Item
    foreach ($n in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($n, $savedEnvironment[$n]) }
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Help examples' {
    It '<Cmdlet> example <Number>' -ForEach $examples {
        if ($Skip) {
            Set-ItResult -Skipped -Because $Skip
            return
        }
        $shown = @((Get-Help $Cmdlet -Examples).examples.example)
        $code = $shown[$Number - 1].code
        $code | Should -Not -BeNullOrEmpty
        foreach ($placeholder in $placeholders.Keys) { $code = $code.Replace($placeholder, $placeholders[$placeholder]) }
        $setupBlock = if ($Setup) { [scriptblock]::Create($Setup) } else { {} }
        $exampleBlock = [scriptblock]::Create($code)
        Push-Location $work
        try {
            # One child scope for the prelude, the setup and the example; every stream is captured.
            $records = & {
                param($__prelude, $__setup, $__example)
                . $__prelude
                . $__setup | Out-Null
                . $__example
            } $prelude $setupBlock $exampleBlock *>&1
            $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $objects = @($records | Where-Object {
                    $_ -isnot [System.Management.Automation.ErrorRecord] -and $_ -isnot [System.Management.Automation.WarningRecord] -and
                    $_ -isnot [System.Management.Automation.VerboseRecord] -and $_ -isnot [System.Management.Automation.DebugRecord] -and
                    $_ -isnot [System.Management.Automation.InformationRecord] })
            $null = $objects | Out-String -Width 200
            if ($errors) {
                $text = ($errors | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" }) -join "`n"
                throw "$Cmdlet example $Number wrote $($errors.Count) error(s):`n$text"
            }
        }
        finally {
            Set-Location $work
            Pop-Location
            Restore-World
        }
    }
}

Describe 'Generated help of <_>' -ForEach $cmdlets {
    BeforeAll {
        $script:command = Get-Command $_
        $script:full = Get-Help $_ -Full
        $script:text = $full | Out-String -Width 500
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $script:hidden = @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow } } | ForEach-Object Name)
        $script:shown = @($command.Parameters.Values | Where-Object { $common -notcontains $_.Name -and $hidden -notcontains $_.Name }) +
            @($command.Parameters.Values | Where-Object Name -In 'WhatIf', 'Confirm')
        # A syntax line with every <Type> resolved, so Get-Command's "long" and the help's "Int64" compare equal.
        function script:Normalize([string] $line) {
            [regex]::Replace($line.Trim(), '<([^>]+)>', {
                    param($m)
                    $type = $m.Groups[1].Value -as [type]
                    if ($type) { "<$($type.FullName)>" } else { $m.Value.ToLowerInvariant() }
                }).ToLowerInvariant() -replace '\s+', ' '
        }
    }

    It 'has the syntax Get-Command -Syntax shows (hidden parameters left out)' {
        $expected = foreach ($set in $command.ParameterSets) {
            $line = "$($command.Name) $set"
            foreach ($h in $hidden) { $line = $line -replace "\[-$h <[^>]+>\] ?", '' -replace "-$h <[^>]+> ?", '' }
            Normalize $line
        }
        $actual = ($full.syntax | Out-String -Width 5000) -split '\r?\n' | Where-Object { $_.Trim() } | ForEach-Object { Normalize $_ }
        @($actual) | Should -Be @($expected)
    }

    It 'names real types, takes wildcards where the parameter does, and shows the pipeline input each parameter takes' {
        $text | Should -Not -Match '`\d'
        foreach ($p in $shown) {
            $entry = $full.parameters.parameter | Where-Object name -EQ $p.Name
            $entry | Should -Not -BeNullOrEmpty -Because "-$($p.Name) is shown"
            $wildcards = [bool]($p.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
            $entry.globbing | Should -Be $wildcards.ToString().ToLowerInvariant() -Because "-$($p.Name)"
            $sets = @($p.ParameterSets.Values)
            $kinds = @(if ($sets | Where-Object ValueFromPipeline) { 'ByValue' }; if ($sets | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' })
            $entry.pipelineInput | Should -Be $(if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }) -Because "-$($p.Name)"
            $entry.aliases | Should -Be $(if ($p.Aliases.Count) { $p.Aliases -join ', ' } else { 'none' }) -Because "-$($p.Name)"
        }
        foreach ($h in $hidden) { $text | Should -Not -Match "-$h\b" -Because "-$h is [Parameter(DontShow)]" }
    }
}
