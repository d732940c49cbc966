# Get-PersonActivity against the sandbox's feed world (--feed-activities): people, pipeline, account, cache, weekly
# summary, the link to Get-SalesActivity, views, errors and tab completion.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '400', '--seed', '71', '--feed-activities')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-feed-" + [guid]::NewGuid().ToString('N'))
    function Get-Calls([string] $key) { $value = (Invoke-RestMethod "$($sandbox.Control)stats").marketo.calls.$key; if ($value) { $value } else { 0 } }
    function Get-FeedCalls { (Get-Calls 'GET /rest/v1/activities.json') + (Get-Calls 'POST /rest/v1/activities.json') + (Get-Calls 'GET /rest/v1/activities/pagingtoken.json') }
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database (Join-Path $folder 'feed.db') | Out-Null
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    Install-SalesActivityType -Confirm:$false | Out-Null
    $script:people = @(Get-SyncedPerson)
    $script:account = $people | Where-Object SalesforceAccountId | Group-Object SalesforceAccountId | Sort-Object Count -Descending | Select-Object -First 1
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-PersonActivity' {
    It 'reads a person newest first, flat, in a default view of at most 80 columns' {
        $person = $people | Select-Object -First 1
        $rows = @(Get-PersonActivity -MarketoId $person.MarketoId)
        $rows.Count | Should -BeGreaterThan 0
        $rows[0].PSObject.TypeNames[0] | Should -Be 'SalesSync.PersonActivity'
        $rows.MarketoId | Sort-Object -Unique | Should -Be $person.MarketoId
        $rows.Email | Sort-Object -Unique | Should -Be $person.Email
        $dates = $rows.Date
        for ($i = 1; $i -lt $dates.Count; $i++) { $dates[$i] | Should -BeLessOrEqual $dates[$i - 1] }
        $rows.Category | Should -Not -Contain $null
        $rows[0].Category | Should -BeOfType [string]
        ($rows | Format-Table | Out-String -Width 300) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
        ($rows | ConvertTo-Json -Depth 2 | ConvertFrom-Json)[0].ActivityId | Should -Be $rows[0].ActivityId
    }

    It 'answers the same question within minutes without a call to Marketo' {
        $ids = $people | Select-Object -Skip 1 -First 40 | ForEach-Object MarketoId
        $first = @(Get-PersonActivity -MarketoId $ids)
        $before = Get-FeedCalls
        $again = @(Get-PersonActivity -MarketoId $ids)
        Get-FeedCalls | Should -Be $before
        $again.ActivityId | Should -Be $first.ActivityId
    }

    It 'keeps the cache across a reconnect, says what came from it, and reads afresh with -NoCache' {
        $ids = $people | Select-Object -Skip 100 -First 10 | ForEach-Object MarketoId
        $first = @(Get-PersonActivity -MarketoId $ids)
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database (Join-Path $folder 'feed.db') | Out-Null
        $before = Get-FeedCalls
        $verbose = @(Get-PersonActivity -MarketoId $ids -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        Get-FeedCalls | Should -Be $before
        ($verbose.Message -match 'came from the cache') | Should -Not -BeNullOrEmpty
        $fresh = @(Get-PersonActivity -MarketoId $ids -NoCache)
        Get-FeedCalls | Should -Be ($before + 3)
        $fresh.ActivityId | Should -Be $first.ActivityId
    }

    It 'takes people from Get-SyncedPerson, keeps -First per person, and reads a whole account' {
        $five = @($people | Select-Object -Skip 50 -First 5)
        $rows = @($five | Get-PersonActivity -First 2)
        $rows.MarketoId | Sort-Object -Unique | ForEach-Object { $_ | Should -BeIn $five.MarketoId }
        $rows | Group-Object MarketoId | ForEach-Object { $_.Count | Should -BeLessOrEqual 2 }

        $accountRows = @(Get-PersonActivity -AccountId $account.Name -Category All)
        $accountRows.Count | Should -BeGreaterThan 0
        $accountRows.MarketoId | Sort-Object -Unique | ForEach-Object { $_ | Should -BeIn $account.Group.MarketoId }
    }

    It 'summarizes weekly in local time with counts equal to the rows it summarizes' {
        $some = @($people | Select-Object -Skip 100 -First 30)
        $raw = @($some | Get-PersonActivity)
        $weeks = @($some | Get-PersonActivity -Summary Weekly)
        $weeks[0].PSObject.TypeNames[0] | Should -Be 'SalesSync.PersonActivityWeek'
        ($weeks | Measure-Object Total -Sum).Sum | Should -Be $raw.Count
        $culture = [Globalization.CultureInfo]::InvariantCulture
        foreach ($w in $weeks) {
            $start = [datetime]::ParseExact($w.WeekStart, 'yyyy-MM-dd', $culture)
            # Weeks run Monday to Sunday in this computer's time zone, as an admin reads a calendar.
            $in = @($raw | Where-Object { $_.MarketoId -eq $w.MarketoId -and $_.Date.LocalDateTime -ge $start -and $_.Date.LocalDateTime -lt $start.AddDays(7) })
            $w.Total | Should -Be $in.Count
            $w.EmailCount | Should -Be @($in | Where-Object Category -EQ 'Email').Count
            $w.WebCount | Should -Be @($in | Where-Object Category -EQ 'Web').Count
            $w.Week | Should -Be ('{0}-W{1:00}' -f [Globalization.ISOWeek]::GetYear($start), [Globalization.ISOWeek]::GetWeekOfYear($start))
        }
        ($weeks | Format-Table | Out-String -Width 300) -split "`n" | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'counts weeks in the time zone of the computer it runs on (a child PowerShell in Pacific/Auckland)' {
        # On a UTC host local and UTC weeks are the same: a child process with TZ set runs the cmdlet 13 hours ahead.
        $ids = @($people | Select-Object -Skip 100 -First 30 | ForEach-Object MarketoId)
        $child = Join-Path $folder 'weekly-auckland.ps1'
        @"
Import-Module '$(Join-Path $root 'SalesSync.psd1')'
Connect-SalesSync -FromEnvironment -WarningAction SilentlyContinue | Out-Null
@{
    Zone  = [TimeZoneInfo]::Local.Id
    Raw   = @(Get-PersonActivity -MarketoId $($ids -join ', ') | ForEach-Object { @{ MarketoId = `$_.MarketoId; Date = `$_.Date.UtcDateTime.ToString('o') } })
    Weeks = @(Get-PersonActivity -MarketoId $($ids -join ', ') -Summary Weekly | Select-Object MarketoId, WeekStart, Week, Total)
} | ConvertTo-Json -Depth 4 -Compress
"@ | Set-Content $child
        $variables = @{
            TZ = 'Pacific/Auckland'; SALESSYNC_MARKETO_URI = $sandbox.Marketo.uri; SALESSYNC_MARKETO_CLIENT_ID = $sandbox.MarketoCredential.UserName
            SALESSYNC_MARKETO_CLIENT_SECRET = $sandbox.MarketoCredential.GetNetworkCredential().Password; SALESSYNC_DATABASE = (Join-Path $folder 'feed-auckland.db')
        }
        foreach ($name in $variables.Keys) { Set-Item "Env:$name" $variables[$name] }
        try { $answer = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -File $child | ConvertFrom-Json }
        finally { foreach ($name in $variables.Keys) { Remove-Item "Env:$name" } }
        $answer.Zone | Should -Be 'Pacific/Auckland'
        $zone = [TimeZoneInfo]::FindSystemTimeZoneById('Pacific/Auckland')
        $culture = [Globalization.CultureInfo]::InvariantCulture
        $dates = @($answer.Raw | ForEach-Object { [pscustomobject]@{ MarketoId = [long]$_.MarketoId; Local = [TimeZoneInfo]::ConvertTime([DateTimeOffset]::Parse($_.Date, $culture), $zone).DateTime; Utc = [DateTimeOffset]::Parse($_.Date, $culture).UtcDateTime } })
        # The check has teeth: some activities fall in another week in Auckland than in UTC (Sunday after 11:00 UTC).
        $monday = { param([datetime] $d) $d.Date.AddDays(-(([int]$d.DayOfWeek + 6) % 7)) }
        @($dates | Where-Object { (& $monday $_.Local) -ne (& $monday $_.Utc) }).Count | Should -BeGreaterThan 0
        ($answer.Weeks | Measure-Object Total -Sum).Sum | Should -Be $dates.Count
        foreach ($w in $answer.Weeks) {
            $start = [datetime]::ParseExact($w.WeekStart, 'yyyy-MM-dd', $culture)
            $w.Total | Should -Be @($dates | Where-Object { $_.MarketoId -eq $w.MarketoId -and $_.Local -ge $start -and $_.Local -lt $start.AddDays(7) }).Count
        }
    }

    It 'gives an email its Campaign Run ID as CampaignRunId, not as a campaign name, and keeps it in Export-Csv' {
        $emails = @($people | Select-Object -Skip 100 -First 30 | Get-PersonActivity -Category Email)
        $run = @($emails | Where-Object CampaignRunId)
        $run.Count | Should -BeGreaterThan 0
        @($emails | Where-Object Campaign).Count | Should -Be 0
        $run[0].Attributes | Should -BeLike "*Campaign Run ID=$($run[0].CampaignRunId)*"
        ($run[0] | ConvertTo-Csv | ConvertFrom-Csv).CampaignRunId | Should -Be "$($run[0].CampaignRunId)"
    }

    It 'reads -MarketoId ''3,4'' as two ids on every cmdlet whose -MarketoId takes several, and refuses text that is not ids' {
        $a, $b = $people[0].MarketoId, $people[1].MarketoId
        # PowerShell alone would bind '3,4' as 34 (a comma read as a thousands separator).
        @(Get-SyncedPerson -MarketoId "$a,$b").MarketoId | Should -Be @(Get-SyncedPerson -MarketoId $a, $b).MarketoId
        @(Get-SyncedPerson -MarketoId "$a, $b").Count | Should -Be 2
        @(Get-PersonActivity -MarketoId "$a,$b" -Category Web).ActivityId | Should -Be @(Get-PersonActivity -MarketoId $a, $b -Category Web).ActivityId
        @("$a,$b" | Get-PersonActivity -Category Web).ActivityId | Should -Be @(Get-PersonActivity -MarketoId $a, $b -Category Web).ActivityId
        { Get-SalesActivity -MarketoId "$a,$b" -ErrorAction Stop } | Should -Not -Throw
        { Get-SalesReminder -MarketoId "$a,$b" -ErrorAction Stop } | Should -Not -Throw
        foreach ($command in 'Get-SyncedPerson', 'Get-PersonActivity', 'Get-SalesActivity', 'Get-SalesReminder') {
            { & $command -MarketoId "$a,x" -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage "*'x' is not a positive whole number*"
        }
    }

    It 'refuses -MarketoId text that reads as a number with thousands separators (''12,345''), saying how to give several ids' {
        foreach ($text in '12,345', '1,234,567') {
            foreach ($command in 'Get-SyncedPerson', 'Get-PersonActivity') {
                { & $command -MarketoId $text -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage "*'$text' looks like one number with thousands separators*-MarketoId $($text -replace ',', ', ')*"
            }
        }
        # Not every part three digits, or a space after the comma: ids, as before.
        @(Get-SyncedPerson -MarketoId "$($people[0].MarketoId),$($people[1].MarketoId)").Count | Should -Be 2
        @(Get-SyncedPerson -MarketoId '12, 345' -ErrorAction SilentlyContinue).MarketoId | Should -Be @(Get-SyncedPerson -MarketoId 12, 345 -ErrorAction SilentlyContinue).MarketoId
    }

    It 'reads -MarketoId text as plain digits only and numbers as whole ones, saying how to give several (walk 17 M4)' {
        # PowerShell alone would bind '0x72' as 114, '1.14e2' as 114, '1e3' as 1000 and 3.5 as 4: other people.
        foreach ($text in '0x72', '1.14e2', '1e3', '3;4', '3 4', '+3') {
            { Get-PersonActivity -MarketoId $text -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage "*'$text' is not a list of Marketo ids*plain digits*Give ids separated by commas*"
        }
        { Get-PersonActivity -MarketoId 3.5 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage '*3.5 is not a Marketo id*whole numbers*'
        { Get-PersonActivity -MarketoId '' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage "*-MarketoId '' is empty text*"
        $a = $people[0].MarketoId
        $expected = @(Get-PersonActivity -MarketoId $a -Category Web).ActivityId
        @(Get-PersonActivity -MarketoId ([double]$a) -Category Web).ActivityId | Should -Be $expected
        @(Get-PersonActivity -MarketoId " $a " -Category Web).ActivityId | Should -Be $expected
    }

    It 'refuses a bare number for -Since and -Until, naming the date to give (walk 17 M5)' {
        { Get-PersonActivity -MarketoId $people[0].MarketoId -Since 30 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage '*-Since 30 is a bare number*ticks*-Since (Get-Date).AddDays(-30)*'
        { Get-PersonActivity -MarketoId $people[0].MarketoId -Until 7 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentTransformationError*' -ExpectedMessage '*-Until 7 is a bare number*'
    }

    It 'takes the rows of Marketo''s own export (Id and Email Address columns) from Import-Csv (walk 17 M6)' {
        $a = $people[0]
        $expected = @(Get-PersonActivity -MarketoId $a.MarketoId -Category Web).ActivityId
        $export = @([pscustomobject]@{ Id = "$($a.MarketoId)"; 'Email Address' = $a.Email; 'First Name' = $a.FirstName }) | ConvertTo-Csv | ConvertFrom-Csv
        @($export | Get-PersonActivity -Category Web).ActivityId | Should -Be $expected
        $byEmail = @([pscustomobject]@{ 'Email Address' = $people[4].Email }) | ConvertTo-Csv | ConvertFrom-Csv
        @($byEmail | Get-PersonActivity -Category Web).MarketoId | Sort-Object -Unique | Should -Be ($people | Where-Object Email -EQ $people[4].Email).MarketoId
    }

    It 'links a sales call SalesSync logged to its Get-SalesActivity record' {
        # Someone no earlier test has read (a fresh cache would answer without the new call for minutes).
        $person = $people | Where-Object { $_.SalesforceContactId -and $_.SalesforceAccountId -ne $account.Name } | Select-Object -Last 1
        $sent = Send-SalesActivity -Kind CallReceived -MarketoId $person.MarketoId -CallStatus completed -CallOutcome 'Wants a demo' -PassThru
        $call = Get-PersonActivity -MarketoId $person.MarketoId -Category SalesCall
        $call.SalesActivityId | Should -Be $sent.ActivityId
        $call.Category | Should -Be 'SalesCall'
        $call.Status | Should -Be 'completed'
        (Get-SalesActivity -ActivityId $call.SalesActivityId).MarketoActivityId | Should -Be $call.ActivityId
    }

    It 'says so when -Since is older than Marketo keeps web visits' {
        $rows = @(Get-PersonActivity -MarketoId $people[2].MarketoId -Category Web, InterestingMoment -Since (Get-Date).AddDays(-300) -WarningVariable warned -WarningAction SilentlyContinue)
        "$warned" | Should -BeLike '*Visit Webpage*90 days*'
        $rows | Where-Object { $_.TypeId -eq 1 -and $_.Date -lt (Get-Date).AddDays(-91) } | Should -BeNullOrEmpty
    }

    It 'finds an 18-character account id in any case, names a lead or contact id, binds Email by property name, and refuses -First with -Summary' {
        $expected = @(Get-PersonActivity -AccountId $account.Name -Category Web).ActivityId
        $expected | Should -Not -BeNullOrEmpty
        @(Get-PersonActivity -AccountId $account.Name.ToLowerInvariant() -Category Web).ActivityId | Should -Be $expected
        @(Get-PersonActivity -AccountId $account.Name.ToUpperInvariant() -Category Web).ActivityId | Should -Be $expected
        $contact = $people | Where-Object SalesforceContactId | Select-Object -First 1
        Get-PersonActivity -AccountId $contact.SalesforceContactId -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidAccountId,*'
        $bad[0].Exception.Message | Should -BeLike '*is a Salesforce contact id*'
        $csv = @([pscustomobject]@{ Email = $people[4].Email; Name = 'x' }) | ConvertTo-Csv | ConvertFrom-Csv
        @($csv | Get-PersonActivity).MarketoId | Sort-Object -Unique | Should -Be ($people | Where-Object Email -EQ $people[4].Email).MarketoId
        { Get-PersonActivity -MarketoId 1 -First 5 -Summary Weekly } | Should -Throw -ErrorId 'FirstWithSummary*'
    }

    It 'writes errors with stable ids and reads the rest' {
        $rows = @(Get-PersonActivity -Email 'nobody@example.invalid', $people[3].Email -ErrorVariable bad -ErrorAction SilentlyContinue)
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'PersonNotSynced,*'
        $bad[0].TargetObject | Should -Be 'nobody@example.invalid'
        $rows.MarketoId | Sort-Object -Unique | Should -Be ($people | Where-Object Email -EQ $people[3].Email).MarketoId
        Get-PersonActivity -AccountId 'not-an-id' -ErrorVariable bad -ErrorAction SilentlyContinue
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InvalidAccountId,*'
        { Get-PersonActivity -MarketoId 1 -ActivityType 'Visit Web Page' -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownActivityType*' -ExpectedMessage '*Visit Webpage*'
        { Get-PersonActivity -MarketoId 1 -Since (Get-Date).AddDays(-3) -Until (Get-Date).AddDays(-5) } | Should -Throw -ErrorId 'UntilNotAfterSince*'
        # A UTC time and a local one are compared as instants, whatever the machine's zone.
        { Get-PersonActivity -MarketoId 1 -Since ([datetime]::UtcNow.AddHours(-1)) -ErrorAction Stop } | Should -Not -Throw
        { Get-PersonActivity -MarketoId 1 -Since ([datetime]::UtcNow.AddHours(-3)) -Until (Get-Date) -ErrorAction Stop } | Should -Not -Throw
    }

    It 'tab-completes activity type names' {
        $completions = (TabExpansion2 -inputScript 'Get-PersonActivity -ActivityType Visit' -cursorColumn 38).CompletionMatches
        $completions.CompletionText | Should -Contain "'Visit Webpage'"
    }
}
