# Idle calls per hour of Start-SalesSync -Watch at the sandbox's realistic response times (a figure, never pass/fail).
# Run after ./build.ps1 build: dotnet pwsh -NoProfile -File tests/bench/Measure-WatchIdle.ps1 [-Seconds 60] [-IntervalSeconds 5]
param([int] $Seconds = 60, [int] $IntervalSeconds = 5, [int] $People = 2000)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
. (Join-Path $root 'tools/SandboxProcess.ps1')
Import-Module (Join-Path $root 'SalesSync.psd1') -Force
$sandbox = Start-SandboxProcess -Arguments @('--people', "$People", '--seed', '91', '--response-times', 'realistic')
$folder = Join-Path ([IO.Path]::GetTempPath()) ("salessync-watch-bench-" + [guid]::NewGuid().ToString('N'))
try {
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database (Join-Path $folder 'bench.db') | Out-Null
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    Set-SalesActivitySetting -ReminderSync TwoWay -Confirm:$false | Out-Null
    Start-SalesSync | Out-Null   # the first opt-out step and reminder pass (first-run reads) happen here, not in the watch
    $stats = { Invoke-RestMethod "$($sandbox.Control)stats" }
    $before = & $stats
    $runsBefore = @(Get-SalesSyncRun -All).Count
    Start-SalesSync -Watch -Interval ([TimeSpan]::FromSeconds($IntervalSeconds)) -For ([TimeSpan]::FromSeconds($Seconds)) -InformationAction SilentlyContinue
    $after = & $stats
    $runs = @(Get-SalesSyncRun -Last (@(Get-SalesSyncRun -All).Count - $runsBefore))
    $polls = $runs.Count
    $marketo = $after.marketo.totalCalls - $before.marketo.totalCalls
    $salesforce = $after.salesforce.totalCalls - $before.salesforce.totalCalls
    $durations = ($runs | Measure-Object DurationSeconds -Average -Maximum)
    [pscustomobject]@{
        Polls                      = $polls
        MarketoCallsPerPoll        = [math]::Round($marketo / $polls, 2)
        SalesforceCallsPerPoll     = [math]::Round($salesforce / $polls, 2)
        PeopleStepSecondsMean      = [math]::Round($durations.Average, 2)
        PeopleStepSecondsMax       = [math]::Round($durations.Maximum, 2)
        MarketoCallsPerHourAt60s   = [math]::Round(60 * $marketo / $polls)
        SalesforceCallsPerHourAt60s = [math]::Round(60 * $salesforce / $polls)
    } | Format-List
}
finally {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}
