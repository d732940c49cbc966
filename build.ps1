<#
.SYNOPSIS
    SalesSync build script: build, test, demo, sandbox, bench, package, clean.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 test
.EXAMPLE
    dotnet pwsh ./build.ps1 sandbox --people 10000 --limits off
#>
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'sandbox', 'bench', 'package', 'clean')]
    [string] $Task = 'build',

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Extra arguments for the sandbox or benchmark task.
    [Parameter(ValueFromRemainingArguments)]
    [string[]] $Rest = @()
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$env:NO_COLOR = '1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$PSStyle.OutputRendering = 'PlainText'
$root = $PSScriptRoot
$solution = Join-Path $root 'SalesSync.PowerShell.sln'
$out = Join-Path $root 'out'
. (Join-Path $root 'tools/SandboxProcess.ps1')

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$File $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Pwsh {
    # Child pwsh from the same tool manifest, so help generation and Pester never share our session.
    param([string[]] $Arguments)
    & dotnet pwsh -NoProfile -NonInteractive @Arguments | Out-Host
    $LASTEXITCODE
}

function Invoke-Build {
    Write-Host "== build ($Configuration)"
    Invoke-Native dotnet @('build', $solution, '-c', $Configuration, '-nologo', '-v', 'quiet', '-clp:ErrorsOnly;Summary')
    $helpDir = Join-Path $root 'en-US'
    New-Item -ItemType Directory -Force $helpDir | Out-Null
    Copy-Item (Join-Path $root 'module/en-US/*') $helpDir -Force
    $code = Invoke-Pwsh @('-File', (Join-Path $root 'tools/New-MamlHelp.ps1'), '-ManifestPath', (Join-Path $root 'SalesSync.psd1'),
        '-HelpSource', (Join-Path $root 'module/help'), '-OutFile', (Join-Path $helpDir 'SalesSync.PowerShell.dll-Help.xml'))
    if ($code -ne 0) { throw 'Help generation failed.' }
}

function Invoke-Package {
    Write-Host '== package'
    $target = Join-Path $out 'SalesSync'
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Force $target | Out-Null
    Get-ChildItem (Join-Path $out 'module') -File | Where-Object Extension -NotIn '.pdb' | Copy-Item -Destination $target
    # The engine and its libraries stay in Dependencies/: they load in the module's own AssemblyLoadContext.
    $dependencies = New-Item -ItemType Directory -Force (Join-Path $target 'Dependencies')
    Get-ChildItem (Join-Path $out 'module/Dependencies') -File | Where-Object Extension -NotIn '.pdb' | Copy-Item -Destination $dependencies
    # The chart library's native code (SkiaSharp, HarfBuzz) per platform, for Export-SalesSyncReport.
    $native = Join-Path $out 'module/Dependencies/runtimes'
    if (Test-Path $native) { Copy-Item $native (Join-Path $dependencies 'runtimes') -Recurse }
    Copy-Item (Join-Path $root 'en-US') (Join-Path $target 'en-US') -Recurse
    Copy-Item (Join-Path $root 'module/SalesSync.Format.ps1xml') $target
    Copy-Item (Join-Path $root 'LICENSE') $target
    Copy-Item (Join-Path $root 'THIRD-PARTY-NOTICES.md') $target   # the report's embedded font's licence
    $manifest = Import-PowerShellDataFile (Join-Path $root 'SalesSync.psd1')
    $exported = & dotnet pwsh -NoProfile -NonInteractive -Command "(Import-Module '$(Join-Path $root 'SalesSync.psd1')' -PassThru).ExportedCmdlets.Keys | Sort-Object"
    $declared = $manifest.CmdletsToExport | Sort-Object
    if (Compare-Object $declared $exported) { throw "SalesSync.psd1 CmdletsToExport ($declared) differs from the cmdlets in the dll ($exported)." }
    $data = $manifest.PrivateData.PSData
    $uris = @{}
    foreach ($key in 'LicenseUri', 'ProjectUri') { if ($data[$key]) { $uris[$key] = $data[$key] } }
    New-ModuleManifest -Path (Join-Path $target 'SalesSync.psd1') -RootModule 'SalesSync.PowerShell.dll' `
        -ModuleVersion $manifest.ModuleVersion -Guid $manifest.GUID -Author $manifest.Author -CompanyName $manifest.CompanyName `
        -Copyright $manifest.Copyright -Description $manifest.Description -PowerShellVersion $manifest.PowerShellVersion `
        -CompatiblePSEditions $manifest.CompatiblePSEditions -FormatsToProcess 'SalesSync.Format.ps1xml' `
        -CmdletsToExport $declared -FunctionsToExport @() -AliasesToExport @() -VariablesToExport @() `
        -Tags $data.Tags -ReleaseNotes $data.ReleaseNotes @uris
    Write-Host "Packaged $($declared.Count) cmdlets into $target"
}

function Get-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    [pscustomobject]@{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted }
}

function Start-ChromiumInstall {
    # The browser test needs Debian's chromium; on a fresh root machine start apt-get now, so it overlaps the build
    # (the test itself installs it too, waiting on apt's lock, so a run without this step still passes).
    if (-not $IsLinux -or (Get-Command chromium -ErrorAction Ignore) -or -not (Get-Command apt-get -ErrorAction Ignore)) { return $null }
    if ((& id -u) -ne '0') { return $null }
    $log = Join-Path $out 'chromium-install.log'
    New-Item -ItemType Directory -Force $out | Out-Null
    $script = Join-Path $out 'install-chromium.sh'
    Set-Content $script -Value @(
        "exec >'$log' 2>&1"
        'export DEBIAN_FRONTEND=noninteractive'
        'o="-o DPkg::Lock::Timeout=600 -y --no-install-recommends"'
        'apt-get install $o chromium || { apt-get update -o DPkg::Lock::Timeout=600 && apt-get install $o chromium; }')
    Write-Host "== chromium is missing: installing it with apt-get in the background (log: $log)"
    Start-Process bash -ArgumentList $script -PassThru
}

function Invoke-Test {
    $chromiumInstall = Start-ChromiumInstall
    Invoke-Build
    Invoke-Package
    $results = Join-Path $out 'test-results'
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    New-Item -ItemType Directory -Force $results | Out-Null
    # Pester runs in its own pwsh beside the xunit projects (most of its time is child processes and sandboxes
    # waiting); its output is printed after theirs, whole.
    Write-Host '== Pester (started beside xunit; its output follows)'
    $pesterResult = Join-Path $results 'pester.json'
    $pesterLog = Join-Path $results 'pester.log'
    $pester = Start-Process dotnet -PassThru -RedirectStandardOutput $pesterLog -RedirectStandardError "$pesterLog.err" -ArgumentList @(
        'pwsh', '-NoProfile', '-NonInteractive', '-File', (Join-Path $root 'tests/run-pester.ps1'), '-ResultFile', $pesterResult)
    $passed = 0; $failed = 0
    foreach ($project in 'SalesSync.Core.Tests', 'SalesSync.PowerShell.Tests') {
        Write-Host "== xunit: $project"
        $trx = Join-Path $results "$project.trx"
        & dotnet test (Join-Path $root "tests/$project/$project.csproj") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal' --results-directory $results
        $exit = $LASTEXITCODE
        if (Test-Path $trx) {
            $counts = Get-TrxCounts $trx
            $passed += $counts.Passed; $failed += $counts.Failed
            if ($exit -ne 0 -and $counts.Failed -eq 0) { $failed++ }
        } else {
            Write-Host "No test results from $project (exit code $exit)."
            $failed++
        }
    }
    Write-Host '== Pester'
    $pester.WaitForExit()
    Get-Content $pesterLog, "$pesterLog.err" -ErrorAction Ignore | Out-Host
    if (Test-Path $pesterResult) {
        $p = Get-Content $pesterResult -Raw | ConvertFrom-Json
        $passed += $p.passed; $failed += $p.failed
    } else {
        Write-Host 'Pester wrote no results.'
        $failed++
    }
    if ($chromiumInstall -and -not $chromiumInstall.HasExited) { $chromiumInstall.WaitForExit() }
    Write-Host "Total: $passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Write-Host '== demo: the sandbox stands in for Marketo and Salesforce'
    # A year of history and export jobs that finish in a moment (Marketo: minutes, status every 60 s), so the demo is quick.
    $sandbox = Start-SandboxProcess -Arguments @('--people', '2000', '--seed', '7', '--history-years', '1', '--bulk-processing-seconds', '0.2', '--bulk-status-refresh-seconds', '0.5', '--feed-activities')
    try {
        $script = @'
param($MarketoUri, $MarketoId, $MarketoSecret, $SalesforceUri, $SalesforceId, $SalesforceSecret, $Control, $Database)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module ./SalesSync.psd1
$marketo = [pscredential]::new($MarketoId, (ConvertTo-SecureString $MarketoSecret -AsPlainText -Force))
$salesforce = [pscredential]::new($SalesforceId, (ConvertTo-SecureString $SalesforceSecret -AsPlainText -Force))

Write-Host "`n> Connect-SalesSync -MarketoUri $MarketoUri -MarketoCredential `$marketo -SalesforceUri $SalesforceUri -SalesforceCredential `$salesforce -Verbose"
$connection = Connect-SalesSync -MarketoUri $MarketoUri -MarketoCredential $marketo -SalesforceUri $SalesforceUri -SalesforceCredential $salesforce -Database $Database -PassThru -Verbose 4>&1 |
    ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { Write-Host "VERBOSE: $($_.Message)" } else { $_ } }
$connection | Format-List | Out-String | Write-Host

Write-Host '> Get-SalesSyncConnection | Select-Object MarketoClientId, SalesforceInstanceUrl, Database'
Get-SalesSyncConnection | Select-Object MarketoClientId, SalesforceInstanceUrl, Database | Format-List | Out-String | Write-Host

Write-Host '> Connect-SalesSync with a wrong secret fails with a clear, stable error:'
$wrong = [pscredential]::new($MarketoId, (ConvertTo-SecureString 'not-the-secret' -AsPlainText -Force))
try { Connect-SalesSync -MarketoUri $MarketoUri -MarketoCredential $wrong -Database $Database | Out-Null }
catch { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId)`n  Message: $($_.Exception.Message)" }

Write-Host "`n> Connect-SalesSync to a remote http:// URI is refused before anything is sent:"
try { Connect-SalesSync -MarketoUri 'http://marketo.example.com' -MarketoCredential $marketo -Database $Database | Out-Null }
catch { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId)`n  Message: $($_.Exception.Message)" }

Write-Host "`n> A -Database naming a file SalesSync did not create is refused; the file is left as it was:"
$notes = Join-Path (Split-Path $Database) 'notes.txt'
Set-Content -LiteralPath $notes -Value 'Call Bob on Monday.'
try { Connect-SalesSync -MarketoUri $MarketoUri -MarketoCredential $marketo -Database $notes | Out-Null }
catch { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId)`n  Message: $($_.Exception.Message)" }
Write-Host "  notes.txt still says: $(Get-Content -LiteralPath $notes)"

Write-Host "`n> ForEach-Object -Parallel runspaces use the process-wide connection without connecting again:"
$manifest = (Resolve-Path ./SalesSync.psd1).Path
1..3 | ForEach-Object -Parallel { Import-Module $using:manifest; "  runspace $_ sees $((Get-SalesSyncConnection).MarketoUri), database $((Get-SalesSyncConnection).Database | Split-Path -Leaf)" } | Write-Host

Write-Host "`n> A second process cannot open the database while this one has it open:"
$env:SALESSYNC_MARKETO_URI = $MarketoUri; $env:SALESSYNC_MARKETO_CLIENT_ID = $MarketoId; $env:SALESSYNC_MARKETO_CLIENT_SECRET = $MarketoSecret
$other = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "Import-Module '$manifest'; try { Connect-SalesSync -FromEnvironment -Database '$Database' | Out-Null; 'connected?!' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
Remove-Item Env:SALESSYNC_MARKETO_CLIENT_SECRET
Write-Host "  ErrorId: $($other[0])`n  Message: $($other[1])"

Write-Host "`n> Start-SalesSync -WhatIf   (a first run: the planner weighs each source it can use and says which runs, and why)"
Start-SalesSync -WhatIf
Write-Host "`n> Start-SalesSync -Verbose   (-Method Auto, the default: the fastest source within today's call budget)"
$verbose = $null
$run = Start-SalesSync -Verbose 4>&1 | Where-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { $verbose += @($_.Message); $false } else { $true } }
$verbose | Where-Object { $_ -notmatch '^(Marketo|Salesforce): (GET|POST) ' } | Select-Object -First 8 | ForEach-Object { Write-Host "VERBOSE: $_" }
Write-Host ("VERBOSE: ... {0} lines in all, {1} of them one per API call" -f $verbose.Count, @($verbose | Where-Object { $_ -match '^(Marketo|Salesforce): (GET|POST) ' }).Count)
$run | Format-Table | Out-String -Width 160 | Write-Host

Write-Host "> Start-SalesSync -Full -Method Bulk -ExportPollSeconds 1   (Bulk Lead Extract in createdAt windows, two jobs at a time; the sandbox refreshes export status every 0.5 s, Marketo every 60 s: the same people, so nothing added or removed)"
Start-SalesSync -Full -Method Bulk -ExportPollSeconds 1 | Format-Table | Out-String -Width 160 | Write-Host

Write-Host "> A stop and a resume: Start-SalesSync -Full -Method Rest -StaticListId 1001 -MaxApiCalls 3"
Start-SalesSync -Full -Method Rest -StaticListId 1001 -MaxApiCalls 3 -WarningVariable stopped -WarningAction SilentlyContinue | Out-Null
Write-Host "WARNING: $stopped"
Write-Host "> Start-SalesSync -WhatIf   (a plain run resumes the unfinished run exactly as it started)"
Start-SalesSync -WhatIf
Write-Host "> Start-SalesSync -Method Bulk   (other source parameters while a run is unfinished are refused, not guessed at)"
try { Start-SalesSync -Method Bulk } catch { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId.Split(',')[0])`n  Message: $($_.Exception.Message)" }
Write-Host "> Start-SalesSync -StaticListId 999999 -Full   (a list id Marketo does not know stops before anything is recorded)"
try { Start-SalesSync -StaticListId 999999 -Full } catch { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId.Split(',')[0])`n  Message: $($_.Exception.Message)" }
Write-Host "> Start-SalesSync"
Start-SalesSync | Format-Table | Out-String -Width 160 | Write-Host

Write-Host "> Start-SalesSync -Full -Method Rest [-StaticListId 1001] -WhatIf   (the REST alternatives the planner weighs: a static list's pages, or Marketo ids in parallel blocks)"
Start-SalesSync -Full -Method Rest -StaticListId 1001 -WhatIf
Write-Host "`n> Start-SalesSync -Full -Method Rest -StaticListId 1011, 1012, 1013, 1014, 1015, 1016   (a list per sales region, paged side by side: the same people as the bulk pass, so nothing added or removed)"
Start-SalesSync -Full -Method Rest -StaticListId 1011, 1012, 1013, 1014, 1015, 1016 | Format-Table | Out-String -Width 160 | Write-Host

Write-Host '> Get-SyncedPerson -First 5'
Get-SyncedPerson -First 5 | Format-Table | Out-String -Width 160 | Write-Host

$someone = Get-SyncedPerson -First 1 -Skip 10
Write-Host "> In Marketo, $($someone.FirstName) $($someone.LastName) gets a new title, another person loses the Salesforce owner, a new lead with an owner arrives;"
Write-Host "  then Start-SalesSync -PassThru runs incrementally: it reads Marketo's activity log and fetches only the people it names:"
Invoke-RestMethod -Method Patch "$($Control)people/$($someone.MarketoId)" -ContentType 'application/json' -Body (@{ title = 'VP Sales, EMEA' } | ConvertTo-Json) | Out-Null
$leaving = Get-SyncedPerson -First 1 -Skip 20
Invoke-RestMethod -Method Patch "$($Control)people/$($leaving.MarketoId)" -ContentType 'application/json' -Body (@{ sfdcLeadOwnerId = $null } | ConvertTo-Json) | Out-Null
$newLead = @{ email = 'ines.new@example.com'; firstName = 'Ines'; lastName = 'New'; company = 'Initech'; sfdcType = 'Lead'; sfdcLeadId = '00Q5g00000DEMO01AAA'; sfdcLeadOwnerId = $someone.SalesOwnerId }
Invoke-RestMethod -Method Post "$($Control)people" -ContentType 'application/json' -Body ($newLead | ConvertTo-Json) | Out-Null
Start-SalesSync -PassThru | ForEach-Object {
    if ($_ -is [SalesSync.SyncedPersonChange]) { Write-Host ("  {0,-8} {1,6} {2}" -f $_.Change, $_.MarketoId, $_.Email) } else { $_ | Format-Table | Out-String -Width 160 | Write-Host }
}

Write-Host '> Get-SyncedPerson -Duplicate   (same-email records stay two records)'
Get-SyncedPerson -Duplicate | Sort-Object Email, MarketoId | Select-Object -First 6 | Format-Table | Out-String -Width 160 | Write-Host

Write-Host '> Get-SalesSyncRun'
Get-SalesSyncRun | Format-Table | Out-String -Width 160 | Write-Host

Write-Host '> Get-SalesSyncStatus   (health at a glance, from the database alone: no API call; fits 80 columns)'
Get-SalesSyncStatus | Out-String -Width 80 | Write-Host

Write-Host "> Install-SalesActivityType   (SalesSync's three custom activity types in Marketo; -WhatIf first)"
Install-SalesActivityType -WhatIf | Format-Table ApiName, Name, Action | Out-String -Width 160 | Write-Host
Install-SalesActivityType -Confirm:$false | Format-Table ApiName, MarketoTypeId, Status, Action | Out-String -Width 160 | Write-Host

Write-Host '> Get-SalesActivitySetting   (which kinds also become Salesforce Tasks; the unsubscribe guard is on by default)'
Get-SalesActivitySetting | Format-List SalesforceKinds, UnsubscribeGuard, ChangedAt | Out-String | Write-Host

Write-Host '> One activity of each kind for a synced contact, logged with -PassThru:'
$contact = Get-SyncedPerson | Where-Object { $_.SalesforceContactId -and -not $_.Unsubscribed } | Select-Object -First 1
$activities = @(
    @{ Kind = 'EmailSent'; Subject = 'Q3 pricing'; SentBy = 'ana@example.com'; TemplateName = 'Pricing follow-up' }
    @{ Kind = 'EmailOpened'; Subject = 'Q3 pricing' }
    @{ Kind = 'EmailClicked'; Subject = 'Q3 pricing'; Link = 'https://example.com/pricing' }
    @{ Kind = 'EmailReplied'; Subject = 'Q3 pricing'; ReceivedBy = 'ana@example.com' }
    @{ Kind = 'EmailBounced'; Subject = 'Old address'; BounceDetails = '550 mailbox unavailable' }
    @{ Kind = 'CallReceived'; CallStatus = 'completed'; CallOutcome = 'Demo booked'; DurationSeconds = '312'; PhoneNumber = '+1 555 0100' }
    @{ Kind = 'AddedToCampaign'; CampaignName = 'Q4 Outreach' }
    @{ Kind = 'RemovedFromCampaign'; CampaignName = 'Q4 Outreach' }
) | ForEach-Object { [pscustomobject]($_ + @{ MarketoId = $contact.MarketoId }) }
$activities | Send-SalesActivity -PassThru | Format-Table | Out-String -Width 200 | Write-Host

Write-Host '> Bad items are per-item errors (stable ErrorIds); the good ones still land:'
@(
    [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = 99999999; Subject = 'Hello' }
    [pscustomobject]@{ Kind = 'EmailClicked'; MarketoId = $contact.MarketoId; Subject = 'No link' }
    [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $contact.MarketoId; Subject = 'Checking in' }
) | Send-SalesActivity -PassThru -ErrorVariable refused -ErrorAction SilentlyContinue | Format-Table | Out-String -Width 200 | Write-Host
$refused | ForEach-Object { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId.Split(',')[0])   $($_.Exception.Message)" }

Write-Host "`n> Unsubscribes, checked live in Marketo (300 emails per call; an email is unsubscribed when any record with it is):"
$team = @(Get-SyncedPerson | Where-Object { $_.Email -and $_.SalesforceContactId } | Select-Object -First 40)
Write-Host "> `$team | Test-MarketoUnsubscribe | Where-Object Unsubscribed   ($($team.Count) synced contacts)"
$team | Test-MarketoUnsubscribe | Where-Object Unsubscribed | Format-Table | Out-String -Width 200 | Write-Host
$leaver = $team | Where-Object { -not $_.Unsubscribed } | Select-Object -Last 1
Write-Host "> In Marketo, $($leaver.FirstName) $($leaver.LastName) <$($leaver.Email)> unsubscribes just now (the local database does not know yet)."
Invoke-RestMethod -Method Patch "$($Control)people/$($leaver.MarketoId)" -ContentType 'application/json' -Body '{"unsubscribed":true,"unsubscribedReason":"Clicked unsubscribe in a newsletter"}' | Out-Null
Write-Host "> `$team | Test-MarketoUnsubscribe -SafeOnly | Send-SalesActivity -Kind EmailSent -Subject 'Webinar invite' -PassThru"
$invited = @($team | Test-MarketoUnsubscribe -SafeOnly | Send-SalesActivity -Kind EmailSent -Subject 'Webinar invite' -PassThru)
Write-Host ("  {0} of {1} logged; {2} filtered out before anything was logged, {3} among them: {4}" -f $invited.Count, $team.Count, ($team.Count - $invited.Count),
    "$($leaver.FirstName) $($leaver.LastName)", $(if ($invited.MarketoId -contains $leaver.MarketoId) { 'LOGGED?!' } else { 'not logged' }))
Write-Host "`n> Without the filter, the send guard refuses it per item (checked live, batched with the activities):"
Send-SalesActivity -Kind EmailSent -MarketoId $leaver.MarketoId -Subject 'Webinar invite' -ErrorVariable guarded -ErrorAction SilentlyContinue
$guarded | ForEach-Object { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId.Split(',')[0])   $($_.Exception.Message)" }
Write-Host "`n> Test-MarketoUnsubscribe -Email $($leaver.Email.ToUpperInvariant()), nobody@nowhere.example.com, not-an-email   (any case; not found is not unsubscribed; invalid is an error and costs no call)"
Test-MarketoUnsubscribe -Email $leaver.Email.ToUpperInvariant(), 'nobody@nowhere.example.com', 'not-an-email' -ErrorVariable invalid -ErrorAction SilentlyContinue |
    Format-Table | Out-String -Width 200 | Write-Host
$invalid | ForEach-Object { Write-Host "  ErrorId: $($_.FullyQualifiedErrorId.Split(',')[0])   $($_.Exception.Message)" }
Write-Host "`n> Start-SalesSync -PassThru   (incremental: the unsubscribe comes in, then the opt-out step sets Email Opt Out on the Salesforce contact, Sforce-Auto-Assign: FALSE)"
Start-SalesSync -PassThru | ForEach-Object {
    if ($_ -is [SalesSync.OptOutChange]) { Write-Host ("  opt-out  {0} {1} {2} {3} -> Email Opt Out {4} ({5})" -f $_.Direction, $_.Outcome, $_.SalesforceType, $_.SalesforceId, $_.OptedOut, $_.Email) }
    elseif ($_ -is [SalesSync.SyncedPersonChange]) { Write-Host ("  person   {0,-8} {1,6} {2} (Unsubscribed: {3})" -f $_.Change, $_.MarketoId, $_.Email, $_.Unsubscribed) }
}
$record = Invoke-RestMethod "$($Control)salesforce/Contact/$($leaver.SalesforceContactId)"
Write-Host ("  Salesforce Contact {0}: HasOptedOutOfEmail = {1}, OwnerId = {2} (unchanged: {3}); the step makes no Marketo call" -f $record.Id, $record.HasOptedOutOfEmail, $record.OwnerId, ($record.OwnerId -eq $leaver.SalesOwnerId))
Write-Host "`n> Sync-SalesOptOut -WhatIf   (nothing left to change)"
Sync-SalesOptOut -WhatIf -Verbose 4>&1 | ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Opt-out step*') { Write-Host "VERBOSE: $($_.Message)" } }

Write-Host "`n> Where they landed: Marketo's activity log and Salesforce's Tasks, as the sandbox holds them"
$tasks = (Invoke-WebRequest "$($Control)salesforce/Task").Content
$tasks = if ($tasks -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($tasks) } else { $tasks }
$taskList = @($tasks -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json -AsHashtable })
$taskList | Select-Object -First 6 | ForEach-Object { Write-Host ("  Task {0}  {1,-9} {2}" -f $_.Id, $_.TaskSubtype, $_.Subject) }
Write-Host "  ... $($taskList.Count) Tasks in all"
Get-SalesActivity | Group-Object Kind, MarketoState | ForEach-Object { Write-Host ("  SalesSync's log: {0,-32} {1} activit{2}" -f $_.Name, $_.Count, $(if ($_.Count -eq 1) { 'y' } else { 'ies' })) }
Get-SalesActivity -State Refused | Select-Object -First 3 | ForEach-Object { Write-Host "  Refused (kept on record, never delivered): $($_.ActivityId) $($_.Kind) to $($_.Email): $($_.MarketoReason)" }

Write-Host "`n> Get-SalesSyncStatus   (after the sends: deliveries by state and reason, the guard, today's calls)"
Get-SalesSyncStatus | Out-String -Width 80 | Write-Host
Write-Host "> if ((Get-SalesSyncStatus).Health -ne 'Healthy') { ... }   (a runbook's check: Health is $((Get-SalesSyncStatus).Health))"

Write-Host "`n> Reminders kept in step with Salesforce Tasks, both ways: Set-SalesActivitySetting -ReminderSync TwoWay   (Off by default; turning it on records when)"
Set-SalesActivitySetting -ReminderSync TwoWay
# A synced contact whose owner is an active seller (Salesforce refuses a Task owned by an inactive user).
$buyer = Get-SyncedPerson | Where-Object { $_.SalesforceContactId -and $_.SalesOwnerId -and -not $_.Unsubscribed } |
    Where-Object { (Invoke-RestMethod "$($Control)salesforce/User/$($_.SalesOwnerId)").IsActive } | Select-Object -First 1
$due = (Get-Date).Date.AddDays(3)
Write-Host "> New-SalesReminder -MarketoId $($buyer.MarketoId) -Subject 'Call back about the renewal' -DueDate $($due.ToString('yyyy-MM-dd')) -Priority High -PassThru"
$reminder = New-SalesReminder -MarketoId $buyer.MarketoId -Subject 'Call back about the renewal' -DueDate $due -Priority High -Details 'Asked for the three-year price.' -PassThru
$reminder | Format-Table | Out-String -Width 160 | Write-Host
Write-Host '> Sync-SalesReminder   (the first pass after turning it on: the new reminder becomes a Task; the Tasks SalesSync logged for activities are not reminders)'
$null = Sync-SalesReminder
$reminder = Get-SalesReminder -ReminderId $reminder.ReminderId
Write-Host ("  Task {0} for {1} (owner {2}): {3}" -f $reminder.SalesforceTaskId, $buyer.Email, $reminder.OwnerId, $reminder.SyncState)

Write-Host "`n> In Salesforce, the seller completes the Task (the sandbox's control API: POST salesforce/Task/$($reminder.SalesforceTaskId)/complete); then Sync-SalesReminder:"
Invoke-RestMethod -Method Post "$($Control)salesforce/Task/$($reminder.SalesforceTaskId)/complete" | Out-Null
$null = Sync-SalesReminder
Write-Host "> Get-SalesReminder -ReminderId $($reminder.ReminderId)"
$done = Get-SalesReminder -ReminderId $reminder.ReminderId
$done | Format-Table | Out-String -Width 160 | Write-Host
if ($done.Status -ne 'Complete') { throw "The reminder completed in Salesforce is $($done.Status) in SalesSync." }

Write-Host "> One conflict: an hour ago the seller moved the due date in Salesforce; just now someone moves it in SalesSync too, to another day."
Write-Host '  Same field on both sides: the later change wins (a tie goes to Salesforce), and the conflict is recorded with both versions.'
$task = $reminder.SalesforceTaskId
Invoke-RestMethod -Method Patch "$($Control)salesforce/Task/$task" -ContentType 'application/json' -Body (@{ ActivityDate = $due.AddDays(7).ToString('yyyy-MM-dd') } | ConvertTo-Json) | Out-Null
# Only the edit's time moves back an hour; SystemModstamp stays, so the pass still reads the change.
$hourAgo = [DateTimeOffset]::UtcNow.AddHours(-1)
Invoke-RestMethod -Method Post "$($Control)salesforce/Task/backdate" -ContentType 'application/json' -Body (@{ ids = @($task); createdDate = $hourAgo.AddMinutes(-5).ToString('o'); lastModifiedDate = $hourAgo.ToString('o') } | ConvertTo-Json) | Out-Null
Set-SalesReminder -ReminderId $reminder.ReminderId -DueDate $due.AddDays(1)
Write-Host "> Sync-SalesReminder"
$null = Sync-SalesReminder -WarningVariable conflictWarning -WarningAction SilentlyContinue
$conflictWarning | ForEach-Object { Write-Host "WARNING: $_" }
Write-Host '> Get-SalesReminderConflict | Format-List'
$conflicts = @(Get-SalesReminderConflict)
$conflicts | Format-List | Out-String -Width 120 | Write-Host
if ($conflicts.Count -ne 1) { throw "Expected one reminder conflict, found $($conflicts.Count)." }
# A Task has both "type" (the sandbox's record type) and "Type": a hashtable keeps both, as for the dump above.
$after = (Invoke-WebRequest "$($Control)salesforce/Task/$task").Content | ConvertFrom-Json -AsHashtable
Write-Host ("  Both sides now: SalesSync's DueDate {0:yyyy-MM-dd}, the Task's ActivityDate {1:yyyy-MM-dd} (Status {2})" -f
    (Get-SalesReminder -ReminderId $reminder.ReminderId).DueDate, $after.ActivityDate, $after.Status)
if (('{0:yyyy-MM-dd}' -f $after.ActivityDate) -ne $due.AddDays(1).ToString('yyyy-MM-dd')) { throw "The Task's ActivityDate is $($after.ActivityDate), not the winning local due date." }
Write-Host '> Get-SalesSyncStatus | Format-List Reminders, ReminderPass   (the status lines reminder sync adds while it is on)'
Get-SalesSyncStatus | Format-List Reminders, ReminderPass | Out-String -Width 80 | Write-Host

$account = Get-SyncedPerson | Where-Object SalesforceAccountId | Group-Object SalesforceAccountId | Sort-Object Count -Descending | Select-Object -First 1
Write-Host "`n> Get-PersonActivity -AccountId $($account.Name) -Summary Weekly   (what the account's $($account.Count) synced contacts did lately, read from Marketo: one row per person per ISO week, counts per category; the first 8)"
$weeks = @(Get-PersonActivity -AccountId $account.Name -Summary Weekly)
$weeks | Select-Object -First 8 | Format-Table | Out-String -Width 160 | Write-Host
if ($weeks.Count -eq 0) { throw "Get-PersonActivity -Summary Weekly returned nothing for account $($account.Name)." }
$busiest = $weeks | Group-Object MarketoId | Sort-Object { ($_.Group | Measure-Object Total -Sum).Sum } -Descending | Select-Object -First 1
Write-Host "> Get-PersonActivity -MarketoId $($busiest.Name) -First 10   (the account's most active contact: emails, web visits, interesting moments, sales activities, newest first)"
$feed = @(Get-PersonActivity -MarketoId $busiest.Name -First 10)
$feed | Format-Table | Out-String -Width 160 | Write-Host
if ($feed.Count -eq 0) { throw "Get-PersonActivity returned nothing for $($busiest.Name)." }

$watched = Get-SyncedPerson -First 1 -Skip 30
$watchedId = $watched.MarketoId
Write-Host "> Start-SalesSync -Watch -Interval 00:00:02 -For 00:00:12 -PassThru   (meanwhile, 3 s in, $($watched.FirstName) $($watched.LastName)'s title changes in Marketo)"
$change = Start-ThreadJob {
    Start-Sleep -Seconds 3
    Invoke-RestMethod -Method Patch "$($using:Control)people/$($using:watchedId)" -ContentType 'application/json' -Body (@{ title = 'Head of Procurement' } | ConvertTo-Json) | Out-Null
    [DateTimeOffset]::UtcNow
}
$started = [DateTimeOffset]::UtcNow
$streamed = @(Start-SalesSync -Watch -Interval 00:00:02 -For 00:00:12 -PassThru -InformationAction SilentlyContinue | ForEach-Object {
    if ($_ -is [SalesSync.SyncedPersonChange]) {
        Write-Host ("  {0,5:0.0} s  {1,-8} {2,6} {3}, {4}" -f ([DateTimeOffset]::UtcNow - $started).TotalSeconds, $_.Change, $_.MarketoId, $_.Email, $_.Title)
        $_
    }
})
$changedAt = Receive-Job $change -Wait -AutoRemoveJob
$seen = $streamed | Where-Object { $_.MarketoId -eq $watched.MarketoId -and $_.Title -eq 'Head of Procurement' }
if (-not $seen) { throw "The watch did not stream the title change of $($watched.MarketoId)." }
Write-Host ("  changed in Marketo at {0:0.0} s; the watch streamed it and the local database has it: {1}" -f ($changedAt - $started).TotalSeconds, (Get-SyncedPerson -MarketoId $watched.MarketoId).Title)
Write-Host '> Get-SalesSyncRun -Last 3   (each poll is an incremental run on record)'
Get-SalesSyncRun -Last 3 | Format-Table | Out-String -Width 160 | Write-Host

Write-Host "`n> The sandbox's own counters (what the services saw):"
$stats = Invoke-RestMethod "$($Control)stats"
Write-Host ("  Marketo: {0} REST calls, errors {1}; Salesforce: {2} calls, API usage {3}/{4}" -f $stats.marketo.totalCalls,
    ($stats.marketo.errors | ConvertTo-Json -Compress), $stats.salesforce.totalCalls, $stats.salesforce.apiUsage, $stats.salesforce.dailyApiLimit)
Write-Host ("  Generated world: {0} Marketo people, {1} leads, {2} contacts, {3} opportunities, {4} sales users" -f $stats.world.people,
    $stats.world.leads, $stats.world.contacts, $stats.world.opportunities, $stats.world.users)

Write-Host "`n> Export-SalesSyncReport -Path <demo folder>/sync-health.html -PassThru   (one self-contained HTML page for people who will not open a shell)"
$report = Export-SalesSyncReport -Path (Join-Path (Split-Path $Database) 'sync-health.html') -PassThru
$report | Format-Table | Out-String -Width 160 | Write-Host
Write-Host "  The report: $($report.Path)"

Write-Host "`n> Disconnect-SalesSync -Verbose"
Disconnect-SalesSync -Verbose 4>&1 | ForEach-Object { Write-Host "VERBOSE: $($_.Message)" }
if (-not (Get-SalesSyncConnection)) { Write-Host '  Get-SalesSyncConnection now returns nothing: there is no connection.' }
'@
        # The demo's own database, made afresh each run (each sandbox run is a new Marketo instance).
        $database = Join-Path $out 'demo/salessync-demo.db'
        foreach ($file in $database, "$database.lock", ($database -replace '\.db$', '-log.db')) { if (Test-Path $file) { Remove-Item $file -Force } }
        $code = Invoke-Pwsh @('-Command', "& { $script } -MarketoUri '$($sandbox.Marketo.uri)' -MarketoId '$($sandbox.Marketo.clientId)' -MarketoSecret '$($sandbox.Marketo.clientSecret)' -SalesforceUri '$($sandbox.Salesforce.uri)' -SalesforceId '$($sandbox.Salesforce.clientId)' -SalesforceSecret '$($sandbox.Salesforce.clientSecret)' -Control '$($sandbox.Control)' -Database '$database'")
        if ($code -ne 0) { throw "The demo failed (exit code $code)." }
        Write-Host "`nDemo finished."
    } finally {
        Stop-SandboxProcess $sandbox
    }
}

function Invoke-Sandbox {
    # The sandbox's first stdout line is its JSON line (new-user D18): the build's own lines go to stderr.
    $log = & dotnet build (Join-Path $root 'src/SalesSync.Sandbox/SalesSync.Sandbox.csproj') -c Release -nologo -v quiet 2>&1
    $log | ForEach-Object { [Console]::Error.WriteLine($_) }
    if ($LASTEXITCODE -ne 0) { throw "Building the sandbox failed with exit code $LASTEXITCODE." }
    & dotnet (Get-SandboxDllPath) @Rest
}

function Invoke-Bench {
    Invoke-Native dotnet @('build', (Join-Path $root 'tests/SalesSync.Benchmarks/SalesSync.Benchmarks.csproj'), '-c', 'Release', '-nologo', '-v', 'quiet')
    $arguments = @((Join-Path $root 'tests/SalesSync.Benchmarks/bin/Release/net10.0/SalesSync.Benchmarks.dll')) + $Rest
    Invoke-Native dotnet $arguments
}

function Invoke-Clean {
    foreach ($path in @($out, (Join-Path $root 'en-US'))) { if (Test-Path $path) { Remove-Item $path -Recurse -Force } }
    Get-ChildItem $root -Directory -Recurse -Include bin, obj | Where-Object FullName -NotMatch '[\\/]\.git[\\/]' | Remove-Item -Recurse -Force
    Write-Host 'Cleaned.'
}

Push-Location $root
try {
    switch ($Task) {
        'build' { Invoke-Build }
        'package' { Invoke-Build; Invoke-Package }
        'test' { Invoke-Test }
        'demo' { Invoke-Demo }
        'sandbox' { Invoke-Sandbox }
        'bench' { Invoke-Bench }
        'clean' { Invoke-Clean }
    }
} finally {
    Pop-Location
}
