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
        { Start-SalesSync -Watch -For ([timespan]::MaxValue) -ErrorAction Stop } | Should -Throw -ErrorId 'WatchForTooLong*'
        # Walk 17: the -Until instant with its own offset (a local time was labelled Z); -Method Auto is a watch's own method.
        { Start-SalesSync -Watch -Method Auto -Until (Get-Date).AddMinutes(-1) -ErrorAction Stop } | Should -Throw -ErrorId 'WatchUntilInPast*' -ExpectedMessage '*:?? [+-]??:?? has passed*'
        { Start-SalesSync -Watch -Method Rest -ErrorAction Stop } | Should -Throw -ErrorId 'WatchParameterNotApplicable*' -ExpectedMessage '-Method shapes one run*'
        { Start-SalesSync -Watch -StaticListId 1001 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchParameterNotApplicable*' -ExpectedMessage '*-StaticListId shapes one run*'
        # The watch-only parameters without -Watch (or with -Watch:$false) are an error of their own, not a prompt for -Watch.
        { Start-SalesSync -Interval 00:00:05 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchParameterNeedsWatch*' -ExpectedMessage '-Interval needs -Watch*'
        { Start-SalesSync -Watch:$false -For 00:01:00 -Until (Get-Date).AddHours(1) -ErrorAction Stop } | Should -Throw -ErrorId 'WatchParameterNeedsWatch*' -ExpectedMessage '-Until, -For need -Watch*'
        @(Get-SalesSyncRun -All).Count | Should -Be 1
    }

    It 'runs once with -Watch:$false, as a runbook''s -Watch:$watchMode or a splatted Watch = $false asks' {
        $run = Start-SalesSync -Watch:$false
        ($run.Mode, $run.Status, $run.Watch) | Should -Be @('Incremental', 'Completed', $false)
        $splat = @{ Watch = $false }
        (Start-SalesSync @splat).Watch | Should -BeFalse
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
        $changed[0].ChangedFields | Should -Be 'Title;MarketoUpdatedAt'
        # The owner as Get-SyncedPerson shows it (walk 17 M3: the help says the changes come as Get-SyncedPerson writes them).
        $person.SalesOwnerName | Should -Not -BeNullOrEmpty
        ($changed[0].SalesOwnerName, $changed[0].SalesOwnerEmail, $changed[0].SalesOwnerIsActive) | Should -Be @($person.SalesOwnerName, $person.SalesOwnerEmail, $person.SalesOwnerIsActive)
        ($changed | Format-Table | Out-String -Width 80) | Should -Match "Updated +$($person.MarketoId) .+ Title"
        # The help's filter for one type of the mixed stream (person and opt-out changes) keeps the people's changes.
        @($changes | Where-Object { $_ -is [SalesSync.SyncedPersonChange] }).Count | Should -Be @($changes | Where-Object Change).Count
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

    It 'refuses a second watch, and a plain run, while a watch of this database runs in another runspace of this process' {
        $runsBefore = @(Get-SalesSyncRun -All).Count
        $job = Start-ThreadJob -ArgumentList $root, $sandbox, $database -ScriptBlock {
            param($root, $sandbox, $database)
            Import-Module (Join-Path $root 'SalesSync.psd1')
            Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
                -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
            Start-SalesSync -Watch -Interval 00:00:01 -For 00:00:05 -InformationAction SilentlyContinue | Out-Null
        }
        try {
            $deadline = (Get-Date).AddSeconds(15)
            while (@(Get-SalesSyncRun -All).Count -eq $runsBefore -and $job.State -in 'NotStarted', 'Running' -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $job.State | Should -Be 'Running' -Because ($job.ChildJobs[0].Error | Out-String)
            { Start-SalesSync -Watch -For 00:00:02 -ErrorAction Stop } | Should -Throw -ErrorId 'WatchAlreadyRunning*' -ExpectedMessage 'A watch (Start-SalesSync -Watch, started * every 00:00:01) is already running*'
            { Start-SalesSync -ErrorAction Stop } | Should -Throw -ErrorId 'WatchAlreadyRunning*' -ExpectedMessage 'A watch (Start-SalesSync -Watch, started*) is running on*Stop it*'
        }
        finally { $job | Wait-Job | Receive-Job -ErrorAction Stop }
        # Once it ended, a plain run goes ahead.
        (Start-SalesSync).Status | Should -Be 'Completed'
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

Describe 'Start-SalesSync -Watch after kill -9' {
    It 'a watch killed mid-poll, then started again in a new process, holds the exact ground truth' {
        function Get-Dump([string] $path) {
            $content = (Invoke-WebRequest "$($sandbox.Control)$path").Content
            $text = if ($content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($content) } else { $content }
            $text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json }
        }
        function Get-MarketoCalls([string] $key) { [int](Invoke-RestMethod "$($sandbox.Control)stats").marketo.calls.$key }
        # Its own database, synced in full (every eligible person, no list): the killed process holds it until it dies.
        $killDb = Join-Path $folder 'kill.db'
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $killDb | Out-Null
        Start-SalesSync -Method Rest -WarningAction SilentlyContinue | Select-Object -ExpandProperty Status | Should -Be 'Completed'
        $people = @(Get-SyncedPerson | Select-Object -First 60)
        Disconnect-SalesSync

        # The child connects from SALESSYNC_* variables (no secret in its script) and watches every second.
        $variables = @{
            SALESSYNC_MARKETO_URI = $sandbox.Marketo.uri; SALESSYNC_MARKETO_CLIENT_ID = $sandbox.MarketoCredential.UserName
            SALESSYNC_MARKETO_CLIENT_SECRET = $sandbox.MarketoCredential.GetNetworkCredential().Password
            SALESSYNC_SALESFORCE_URI = $sandbox.Salesforce.uri; SALESSYNC_SALESFORCE_CLIENT_ID = $sandbox.SalesforceCredential.UserName
            SALESSYNC_SALESFORCE_CLIENT_SECRET = $sandbox.SalesforceCredential.GetNetworkCredential().Password
            SALESSYNC_DATABASE = $killDb
        }
        $child = Join-Path $folder 'watch-child.ps1'
        @"
Import-Module '$(Join-Path $root 'SalesSync.psd1')'
Connect-SalesSync -FromEnvironment -WarningAction SilentlyContinue | Out-Null
Start-SalesSync -Watch -Interval 00:00:01 -WarningAction SilentlyContinue | Out-Null
"@ | Set-Content $child
        foreach ($name in $variables.Keys) { Set-Item "Env:$name" $variables[$name] }
        try {
            $process = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-File', $child -PassThru `
                -RedirectStandardOutput (Join-Path $folder 'watch-child.out') -RedirectStandardError (Join-Path $folder 'watch-child.err')
            try {
                # Two polls seen by the sandbox: the watch runs, and the first poll has fetched what earlier tests changed.
                $polled = Get-MarketoCalls 'GET /rest/v1/activities/leadchanges.json'
                $deadline = (Get-Date).AddSeconds(30)
                while ((Get-MarketoCalls 'GET /rest/v1/activities/leadchanges.json') -lt $polled + 2 -and -not $process.HasExited -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 100 }
                $process.HasExited | Should -BeFalse -Because (Get-Content (Join-Path $folder 'watch-child.err') -Raw)

                # Marketo holds the next fetch of changed people: the poll that reads these changes is killed mid-page.
                $fault = @{ service = 'marketo'; path = '/rest/v1/leads.json'; kind = 'delay'; delayMs = 60000; count = 1 } | ConvertTo-Json
                Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body $fault | Out-Null
                $i = 0
                foreach ($person in $people[0..49]) {
                    $change = @{ title = "Before kill $i" }
                    if ($i % 10 -eq 0) { $change.phone = "+1 555 000 $i" }
                    Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($person.MarketoId)" -ContentType 'application/json' -Body ($change | ConvertTo-Json) | Out-Null
                    $i++
                }
                Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($people[50].MarketoId)" -ContentType 'application/json' -Body '{"sfdcLeadOwnerId":null}' | Out-Null
                Invoke-RestMethod -Method Delete "$($sandbox.Control)people/$($people[51].MarketoId)" | Out-Null
                $deadline = (Get-Date).AddSeconds(30)
                do { Start-Sleep -Milliseconds 100 } until ((Invoke-RestMethod "$($sandbox.Control)faults").active -eq 0 -or $process.HasExited -or (Get-Date) -gt $deadline)
                $process.HasExited | Should -BeFalse -Because 'the fetch is held, so the poll is in flight'
                $process.Kill()
                $process.WaitForExit()
            }
            finally {
                if (-not $process.HasExited) { $process.Kill() }
                Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null
            }
            # A fresh process's connection, as the scheduler would start it.
            Connect-SalesSync -FromEnvironment -WarningAction SilentlyContinue | Out-Null
        }
        finally { foreach ($name in $variables.Keys) { Remove-Item "Env:$name" } }
        try {
            $killed = Get-SalesSyncRun -Last 1
            ($killed.Mode, $killed.Status, $killed.Watch) | Should -Be @('Incremental', 'Running', $true) -Because 'the killed poll could not record its end'

            Start-SalesSync -Watch -Interval 00:00:01 -For 00:00:02 -WarningAction SilentlyContinue 6>$null | Out-Null
            # The killed poll's run was resumed and completed; no run is left Running.
            (Get-SalesSyncRun -All | Where-Object RunId -EQ $killed.RunId).Status | Should -Be 'Completed'
            @(Get-SalesSyncRun -All | Where-Object Status -EQ 'Running').Count | Should -Be 0

            # Every eligible person (a Lead or Contact with an owner) equals Marketo's record, field by field; none lost, none twice.
            $truth = @(Get-Dump 'people' | Where-Object { $_.sfdcType -in 'Lead', 'Contact' -and $_.sfdcLeadOwnerId })
            $synced = @(Get-SyncedPerson)
            @($synced.MarketoId | Sort-Object) | Should -Be @($truth.id | Sort-Object)
            @($synced | Group-Object MarketoId | Where-Object Count -GT 1).Count | Should -Be 0
            $byId = @{}; foreach ($t in $truth) { $byId[[long]$t.id] = $t }
            $fields = [ordered]@{ FirstName = 'firstName'; LastName = 'lastName'; Email = 'email'; Company = 'company'; Title = 'title'; Phone = 'phone'
                Source = 'leadSource'; SalesforceType = 'sfdcType'; SalesforceLeadId = 'sfdcLeadId'; SalesforceContactId = 'sfdcContactId'
                SalesforceAccountId = 'sfdcAccountId'; SalesOwnerId = 'sfdcLeadOwnerId' }
            $differences = foreach ($p in $synced) {
                foreach ($f in $fields.Keys) {
                    $expected = $byId[$p.MarketoId].($fields[$f])
                    if ("$($p.$f)" -cne "$expected") { "$($p.MarketoId).$f '$($p.$f)' <> '$expected'" }
                }
            }
            @($differences) | Should -BeNullOrEmpty
            @($synced | Where-Object Title -Like 'Before kill *').Count | Should -Be 50
            $synced.MarketoId | Should -Not -Contain $people[50].MarketoId
            $synced.MarketoId | Should -Not -Contain $people[51].MarketoId
        }
        finally { Disconnect-SalesSync }
    }
}
