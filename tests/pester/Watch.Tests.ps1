# Start-SalesSync -Watch against the sandbox: a short watch, -PassThru streaming a change made during it, a stopped
# pipeline, and the refused parameters.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '300', '--seed', '81')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-watch-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'watch.db'
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
    # A change through the control API after a delay, from a thread job (the watch holds this pipeline).
    function Start-DelayedChange([long] $id, [string] $title, [double] $afterSeconds) {
        Start-ThreadJob -ArgumentList "$($sandbox.Control)people/$id", $title, $afterSeconds -ScriptBlock {
            param($uri, $title, $after)
            Start-Sleep -Seconds $after
            Invoke-RestMethod -Method Patch -Uri $uri -ContentType 'application/json' -Body (@{ title = $title } | ConvertTo-Json) | Out-Null
        }
    }
}

AfterAll {
    Get-Job | Remove-Job -Force -ErrorAction SilentlyContinue
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-SalesSync -Watch' {
    It 'refuses to watch before a sync has completed, running nothing' {
        { Start-SalesSync -Watch -For 00:00:05 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchNeedsCompletedRun*' -ExpectedMessage '*Run Start-SalesSync (without -Watch) until it completes*'
        @(Get-SalesSyncRun).Count | Should -Be 0
        Start-SalesSync -Method Rest -StaticListId 1001 | Select-Object -ExpandProperty Status | Should -Be 'Completed'
    }

    It 'refuses parameters that do not make a watch' {
        { Start-SalesSync -Watch -Full -ErrorAction Stop } | Should -Throw -ErrorId 'WatchParameterNotApplicable*'
        { Start-SalesSync -Watch -Until (Get-Date).AddMinutes(1) -For 00:01:00 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchUntilAndFor*'
        { Start-SalesSync -Watch -Interval 00:00:00 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchIntervalOutOfRange*'
        { Start-SalesSync -Watch -Until (Get-Date).AddMinutes(-1) -ErrorAction Stop } | Should -Throw -ErrorId 'WatchUntilInPast*'
        # A bare number binds as ticks: said as such, not as "-Until has passed"; a span too long is refused, not a crash.
        { Start-SalesSync -Watch -For 10 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchForNotPositive*' -ExpectedMessage '*ticks*'
        { Start-SalesSync -Watch -For ([timespan]::MaxValue) -ErrorAction Stop } | Should -Throw -ErrorId 'WatchForNotPositive*'
    }

    It 'watches for -For, streams a change made during it with -PassThru, and records each poll as a run' {
        $person = Get-SyncedPerson | Select-Object -First 1
        $runsBefore = @(Get-SalesSyncRun -All).Count
        $job = Start-DelayedChange $person.MarketoId 'Changed during the watch' 1.5
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $changes = @(Start-SalesSync -Watch -Interval 00:00:01 -For 00:00:05 -PassThru -InformationVariable info -InformationAction SilentlyContinue)
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 9
        $job | Wait-Job | Receive-Job -ErrorAction Stop
        $changed = @($changes | Where-Object MarketoId -EQ $person.MarketoId)
        $changed.Count | Should -Be 1
        $changed[0].Change | Should -Be 'Updated'
        $changed[0].Title | Should -Be 'Changed during the watch'
        (Get-SyncedPerson -MarketoId $person.MarketoId).Title | Should -Be 'Changed during the watch'
        $polls = @(Get-SalesSyncRun -All).Count - $runsBefore
        $polls | Should -BeGreaterOrEqual 4
        (Get-SalesSyncRun -Last 1).Mode | Should -Be 'Incremental'
        # Each poll's run is marked as a watch poll; the full pass before it is not.
        @(Get-SalesSyncRun -Last $polls | Where-Object Watch -NE $true).Count | Should -Be 0
        @(Get-SalesSyncRun -All)[-1].Watch | Should -BeFalse
        "$info" | Should -BeLike "Watch ended (end time * reached): $polls polls, 0 added, 1 updated, 0 removed;*"
    }

    It 'lists at most the newest 20 runs by default, every run with -All, and leaves watch polls out with -ExcludeWatch' {
        $all = @(Get-SalesSyncRun -All)
        $runs = @(Get-SalesSyncRun)
        $runs.Count | Should -Be ([math]::Min(20, $all.Count))
        $runs.RunId | Should -Be ($all | Select-Object -First $runs.Count).RunId
        @(Get-SalesSyncRun -Last 3).Count | Should -Be 3
        $manual = @(Get-SalesSyncRun -All -ExcludeWatch)
        $manual.Count | Should -Be @($all | Where-Object Watch -EQ $false).Count
        $manual.Count | Should -BeLessThan $all.Count
        @($manual | Where-Object Watch).Count | Should -Be 0
        { Get-SalesSyncRun -All -Last 5 -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }

    It 'ends when the pipeline stops, and the next start goes on from there' {
        $person = Get-SyncedPerson | Select-Object -Skip 1 -First 1
        $job = Start-DelayedChange $person.MarketoId 'First change seen' 1
        $first = Start-SalesSync -Watch -Interval 00:00:01 -PassThru | Select-Object -First 1
        $job | Wait-Job | Receive-Job -ErrorAction Stop
        $first.MarketoId | Should -Be $person.MarketoId
        Start-SalesSync | Select-Object -ExpandProperty Status | Should -Be 'Completed'
        (Get-SyncedPerson -MarketoId $person.MarketoId).Title | Should -Be 'First change seen'
    }
}
