# Start-SalesSync / Get-SyncedPerson / Get-SalesSyncRun against the sandbox, run as a child process.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    # Export jobs that finish in a moment (Marketo: minutes, status every 60 s) over a year of history.
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '1500', '--seed', '31', '--history-years', '1', '--bulk-processing-seconds', '0.2', '--bulk-status-refresh-seconds', '0.5')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-people-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'people.db'
    $script:list = 1001
    function Get-Stats { Invoke-RestMethod "$($sandbox.Control)stats" }
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Start-SalesSync' {
    It 'writes nothing with -WhatIf, and reads only what the planner needs' {
        $before = Get-Stats
        # The plan goes to the host (What if: ... and the planner's table); what matters here is that nothing is written.
        Start-SalesSync -Method Rest -StaticListId $list -WhatIf | Should -BeNullOrEmpty
        $after = Get-Stats
        $made = @($after.marketo.calls.PSObject.Properties | Where-Object { $_.Value -ne $before.marketo.calls.($_.Name) })
        $made | Where-Object Name -NotLike 'GET *' | Should -BeNullOrEmpty
        ($after.marketo.totalCalls - $before.marketo.totalCalls) | Should -BeLessOrEqual 20
        Get-SalesSyncRun | Should -BeNullOrEmpty
        Get-SyncedPerson | Should -BeNullOrEmpty
    }

    It 'syncs the list and writes one run object' {
        $run = Start-SalesSync -Method Rest -StaticListId $list
        @($run).Count | Should -Be 1
        $run.PSObject.TypeNames[0] | Should -Be 'SalesSync.SyncRun'
        $run.Status | Should -Be 'Completed'
        $run.Added | Should -BeGreaterThan 100
        $run.MarketoCalls | Should -Be ($run.PagesDone + 2) # the pages, stats/usage.json (daily budget) and the activity watermark
        $run.SalesforceCalls | Should -BeGreaterThan 0
        (Get-SyncedPerson | Measure-Object).Count | Should -Be $run.Added
        (Get-SalesSyncRun -Last 1).RunId | Should -Be $run.RunId
    }

    It 'streams changed people with -PassThru, then the run' {
        $person = Get-SyncedPerson -First 1
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($person.MarketoId)" -ContentType 'application/json' -Body (@{ title = 'VP, "Pipeline"' } | ConvertTo-Json) | Out-Null
        $output = Start-SalesSync -Method Rest -StaticListId $list -Full -PassThru
        $changes = $output | Where-Object { $_ -is [SalesSync.SyncedPersonChange] }
        $changes | Where-Object MarketoId -EQ $person.MarketoId | ForEach-Object Change | Should -Be 'Updated'
        $output[-1].PSObject.TypeNames[0] | Should -Be 'SalesSync.SyncRun'
        (Get-SyncedPerson -MarketoId $person.MarketoId).Title | Should -Be 'VP, "Pipeline"'
        # Walk P3: flat for Export-Csv and ConvertTo-Json: the person's properties beside Change, Duration as text.
        $row = $changes | Where-Object MarketoId -EQ $person.MarketoId | ConvertTo-Csv | ConvertFrom-Csv
        $row.Title | Should -Be 'VP, "Pipeline"'
        $row.Unsubscribed | Should -BeIn 'True', 'False'
        $row.PSObject.Properties.Name | Should -Not -Contain 'Person'
        ($output[-1] | ConvertTo-Json | ConvertFrom-Json).Duration | Should -Match '^\d\d:\d\d:\d\d$'
    }

    It 'stops resumably at -MaxApiCalls and the next run finishes the pass' {
        $stopped = Start-SalesSync -Method Rest -StaticListId $list -Full -MaxApiCalls 1 -WarningVariable warned 3>$null
        $stopped.Status | Should -Be 'Stopped'
        $warned | Should -Not -BeNullOrEmpty
        $resumed = Start-SalesSync -Method Rest -StaticListId $list
        $resumed.RunId | Should -Be $stopped.RunId
        $resumed.Status | Should -Be 'Completed'
    }

    It 'pages several static lists side by side and counts a person in two of them once' {
        $truth = (Get-SyncedPerson | Measure-Object).Count
        $run = Start-SalesSync -Method Rest -StaticListId 1011, 1012, 1013, 1014, 1015, 1016, 1001 -Full
        $run.Status | Should -Be 'Completed'
        $run.StaticListId | Should -Be @(1011, 1012, 1013, 1014, 1015, 1016, 1001)
        ($run.Unchanged + $run.Updated + $run.Added) | Should -Be $truth # everyone in a region list is in list 1001 too
        $run.Removed | Should -Be 0
        (Get-SyncedPerson | Measure-Object).Count | Should -Be $truth
        # Walk P7: after that completed run the same lists run incremental quietly (a schedule); a new list is said to need -Full.
        $same = Start-SalesSync -Method Rest -StaticListId 1001, 1011, 1012, 1013, 1014, 1015, 1016 -WarningVariable quiet -WarningAction SilentlyContinue
        $same.Mode | Should -Be 'Incremental'
        $quiet | Where-Object { "$_" -match '-Full' } | Should -BeNullOrEmpty
        $other = Start-SalesSync -StaticListId 1011 -WarningVariable told -WarningAction SilentlyContinue
        $other.Mode | Should -Be 'Incremental'
        "$told" | Should -Match '-StaticListId 1011 was not read.*Start-SalesSync -StaticListId 1011 -Full'
    }

    It 'takes Marketo lists from the pipeline (walk P2) and refuses anything else before running' {
        $runsBefore = @(Get-SalesSyncRun).Count
        $verbose = Get-MarketoList -Type Static -Id 1011, 1012 | Start-SalesSync -Method Rest -Full -WhatIf -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'Lists from the pipeline: -StaticListId 1011,1012'
        $verbose = Get-MarketoList -Type Smart -Id 1001 | Start-SalesSync -Method Bulk -Full -WhatIf -Verbose 4>&1 | Out-String
        $verbose | Should -Match 'Lists from the pipeline: -SmartListId 1001'
        { 'not a list' | Start-SalesSync -ErrorAction Stop } | Should -Throw -ErrorId 'PipelineInputNotAList*'
        { @() | Start-SalesSync -ErrorAction Stop } | Should -Throw -ErrorId 'PipedListsNotOneSource*'
        { Start-SalesSync -StaticListId 1001 -CreatedSince (Get-Date).AddDays(-1) -ErrorAction Stop } | Should -Throw -ErrorId 'CreatedSinceWithList*' # walk P17
        { Get-MarketoList -Id 1001, 1011 | Start-SalesSync -ErrorAction Stop } | Should -Throw -ErrorId 'PipedListsNotOneSource*'
        @(Get-SalesSyncRun).Count | Should -Be $runsBefore
    }

    It 'refuses a smart list with the REST method' {
        { Start-SalesSync -Method Rest -SmartListId 1001 -ErrorAction Stop } | Should -Throw -ErrorId 'SmartListNeedsBulk*'
    }

    It 'plans a new pass with -WhatIf without creating an export job' {
        $before = Get-Stats
        $runsBefore = @(Get-SalesSyncRun).Count
        Start-SalesSync -Full -WhatIf | Should -BeNullOrEmpty
        $after = Get-Stats
        @($after.marketo.calls.PSObject.Properties | Where-Object { $_.Value -ne $before.marketo.calls.($_.Name) } | Where-Object Name -NotLike 'GET *') | Should -BeNullOrEmpty
        (Invoke-RestMethod "$($sandbox.Control)bulk").jobs | Should -BeNullOrEmpty
        @(Get-SalesSyncRun).Count | Should -Be $runsBefore
    }

    It 'agrees with the REST pass when it exports every person in createdAt windows' {
        $before = @(Get-SyncedPerson)
        $run = Start-SalesSync -Full -Method Bulk -ExportPollSeconds 1
        $run.Status | Should -Be 'Completed'
        $run.Strategy | Should -Be 'Bulk'
        $run.BulkBytes | Should -BeGreaterThan 0
        ($run.Added, $run.Updated, $run.Removed) | Should -Be @(0, 0, 0)
        $run.Unchanged | Should -Be $before.Count
        @((Invoke-RestMethod "$($sandbox.Control)bulk").jobs).Count | Should -BeGreaterOrEqual 12
    }

    It 'refuses a pass over a partial list instead of removing the people it did not see' {
        $before = (Get-SyncedPerson | Measure-Object).Count
        # A run that did not complete is a terminating error written after the run object.
        $refused = try { Start-SalesSync -StaticListId 1011 -Method Rest -Full -OutVariable run | Out-Null } catch { $_ }
        $run.Status | Should -Be 'Refused'
        $run.Removed | Should -Be 0
        $refused.FullyQualifiedErrorId | Should -BeLike 'SyncRefused*'
        $refused.ErrorDetails.RecommendedAction | Should -BeLike '*-AllowLargeRemoval*'
        (Get-SyncedPerson | Measure-Object).Count | Should -Be $before
    }

    It 'exports one bulk job per static list' {
        $before = (Get-Stats).marketo.calls.'POST /bulk/v1/leads/export/create.json'
        $run = Start-SalesSync -StaticListId 1011, 1012 -Method Bulk -Full -ExportPollSeconds 1 -AllowLargeRemoval # two regions of six: the others leave
        $run.Status | Should -Be 'Completed'
        (Get-Stats).marketo.calls.'POST /bulk/v1/leads/export/create.json' | Should -Be ($before + 2)
        $run.Removed | Should -BeGreaterThan 0 # people of the other regions left: they are in neither list
        (Get-SyncedPerson | Measure-Object).Count | Should -Be ($run.Added + $run.Updated + $run.Unchanged)
        Start-SalesSync -Method Rest -StaticListId $list -Full | Out-Null # back to everyone for the tests below
    }
}

Describe 'Get-SyncedPerson' {
    BeforeAll {
        $script:all = @(Get-SyncedPerson)
        $script:sample = $all | Where-Object { $_.Email -and $_.Company -and $_.SalesforceContactId } | Select-Object -First 1
    }

    It 'finds people by Marketo id, also from the pipeline by property name' {
        (Get-SyncedPerson -MarketoId $sample.MarketoId).Email | Should -Be $sample.Email
        $found = [pscustomobject]@{ MarketoId = $sample.MarketoId }, [pscustomobject]@{ Id = $all[1].MarketoId } | Get-SyncedPerson
        $found.MarketoId | Should -Be @($sample.MarketoId, $all[1].MarketoId)
    }

    It 'finds people by email, exactly and case-insensitively or with wildcards' {
        (Get-SyncedPerson -Email $sample.Email).MarketoId | Should -Be $sample.MarketoId
        (Get-SyncedPerson -Email $sample.Email.ToUpperInvariant()).MarketoId | Should -Be $sample.MarketoId
        $domain = ($sample.Email -split '@')[1]
        $expected = @($all | Where-Object { $_.Email -like "*@$domain" }).Count
        @(Get-SyncedPerson -Email "*@$domain").Count | Should -Be $expected
    }

    It 'finds people by any Salesforce id, 18 or 15 characters' {
        (Get-SyncedPerson -SalesforceId $sample.SalesforceContactId).MarketoId | Should -Be $sample.MarketoId
        (Get-SyncedPerson -SalesforceId $sample.SalesforceContactId.Substring(0, 15)).MarketoId | Should -Be $sample.MarketoId
        $byAccount = @(Get-SyncedPerson -SalesforceId $sample.SalesforceAccountId)
        $byAccount.MarketoId | Should -Contain $sample.MarketoId
    }

    It 'finds people by company and by owner with wildcards' {
        $prefix = $sample.Company.Substring(0, [Math]::Min(3, $sample.Company.Length))
        @(Get-SyncedPerson -Company "$prefix*").Count | Should -Be @($all | Where-Object { $_.Company -like "$prefix*" }).Count
        @(Get-SyncedPerson -SalesOwnerId $sample.SalesOwnerId).Count | Should -Be @($all | Where-Object SalesOwnerId -EQ $sample.SalesOwnerId).Count
    }

    It 'pages with -First and -Skip' {
        (Get-SyncedPerson -Skip 5 -First 3).MarketoId | Should -Be ($all | Select-Object -Skip 5 -First 3).MarketoId
        $counted = Get-SyncedPerson -IncludeTotalCount -First 1
        $counted[0].ToString() | Should -Match "$($all.Count)"
    }

    It 'keeps same-email records apart and finds them with -Duplicate' {
        $twin = $all | Where-Object { $_.MarketoId -ne $sample.MarketoId -and $_.Email } | Select-Object -Last 1
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($twin.MarketoId)" -ContentType 'application/json' -Body (@{ email = $sample.Email.ToUpperInvariant() } | ConvertTo-Json) | Out-Null
        Start-SalesSync -Method Rest -StaticListId $list -Full | Out-Null
        $everyone = @(Get-SyncedPerson)
        $shared = $everyone | Where-Object Email | Group-Object { $_.Email.ToLowerInvariant() } | Where-Object Count -GT 1 | ForEach-Object Group
        $duplicates = @(Get-SyncedPerson -Duplicate)
        $duplicates.MarketoId | Should -Be ($shared.MarketoId | Sort-Object)
        $duplicates.MarketoId | Should -Contain $sample.MarketoId
        $duplicates.MarketoId | Should -Contain $twin.MarketoId
        @(Get-SyncedPerson -Email $sample.Email).Count | Should -Be 2
    }

    It 'streams while a later command in the pipeline writes to the database' {
        $count = @(Get-SyncedPerson | ForEach-Object -Begin { $n = 0 } -Process {
                if (++$n -eq 1) { Start-SalesSync -Method Rest -StaticListId $list -Full | Out-Null }
                $_
            }).Count
        $count | Should -Be @(Get-SyncedPerson).Count
    }

    It 'shows a table a seller can scan, every column a real property' {
        $person = Get-SyncedPerson -MarketoId $sample.MarketoId
        $text = $person | Out-String -Width 200
        $text | Should -Match 'MarketoId\s+Name\s+Email\s+Company\s+SalesforceType\s+SalesOwnerName\s+Unsubscribed'
        $text | Should -Match ([regex]::Escape($sample.Email))
        $header = ($text -split "`n" | Where-Object { $_ -match '^\s*MarketoId' }) -split '\s+' | Where-Object { $_ }
        $names = $person.PSObject.Properties.Name
        foreach ($column in $header) { $names | Should -Contain $column }
        $person.Name | Should -Be "$($person.FirstName) $($person.LastName)".Trim()
    }

    It 'carries the owner''s name and email from Salesforce Users, flat for Export-Csv and ConvertTo-Json' {
        $owner = Invoke-RestMethod "$($sandbox.Control)salesforce/User/$($sample.SalesOwnerId)" # ground truth, no API call
        $person = Get-SyncedPerson -MarketoId $sample.MarketoId
        $person.SalesOwnerName | Should -Be $owner.Name
        $person.SalesOwnerEmail | Should -Be $owner.Email
        $person.SalesOwnerIsActive | Should -Be $owner.IsActive
        $csv = $person | ConvertTo-Csv | ConvertFrom-Csv
        $csv.SalesOwnerName | Should -Be $person.SalesOwnerName
        $csv.Name | Should -Be $person.Name
        $json = $person | ConvertTo-Json | ConvertFrom-Json
        $json.PSObject.Properties | Where-Object { $_.Value -is [pscustomobject] -or $_.Value -is [array] } | Should -BeNullOrEmpty
        @(Get-SyncedPerson -SalesOwner $person.SalesOwnerName).Count | Should -Be @($all | Where-Object SalesOwnerId -EQ $sample.SalesOwnerId).Count
    }

    It 'combines filters: company, owner, duplicates and emails together' {
        $all = @(Get-SyncedPerson) # after the duplicate test changed a person
        $prefix = $sample.Company.Substring(0, 1)
        $expected = @($all | Where-Object { $_.Company -like "$prefix*" -and $_.SalesOwnerId -eq $sample.SalesOwnerId })
        (Get-SyncedPerson -Company "$prefix*" -SalesOwnerId $sample.SalesOwnerId.Substring(0, 15)).MarketoId | Should -Be $expected.MarketoId
        (Get-SyncedPerson -Company "$prefix*" -SalesOwnerId $sample.SalesOwnerId -Email $sample.Email).MarketoId | Should -Contain $sample.MarketoId
        $dupes = @(Get-SyncedPerson -Duplicate)
        (Get-SyncedPerson -Duplicate -Company $sample.Company).MarketoId | Should -Be @($dupes | Where-Object Company -EQ $sample.Company).MarketoId
        $two = $all | Where-Object Email | Select-Object -First 2
        (Get-SyncedPerson -Email $two.Email -First 1).MarketoId | Should -Be $two[0].MarketoId
        $counted = @($two.Email | Get-SyncedPerson -IncludeTotalCount -Skip 1)
        $total = @($all | Where-Object { $_.Email -in $two.Email }).Count
        $counted.Count | Should -Be $total # the people after -Skip 1, then the total
        $counted[-1].ToString() | Should -Match "$total" # with pipeline input the total comes last
    }
}

Describe 'Get-MarketoList' {
    It 'lists static and smart lists, flat, in one call per page' {
        $before = (Get-Stats).marketo.totalCalls
        $lists = @(Get-MarketoList)
        ((Get-Stats).marketo.totalCalls - $before) | Should -BeLessOrEqual 3 # lists.json, smartLists.json (and a token at most)
        $lists | Where-Object { $_.Type -eq 'Static' -and $_.Id -eq 1001 } | ForEach-Object Name | Should -Be 'Sales-Owned People'
        $smart = $lists | Where-Object { $_.Type -eq 'Smart' -and $_.Id -eq 1001 }
        $smart.Name | Should -Be 'Sales-owned people'
        $smart.CreatedAt | Should -BeOfType [datetimeoffset]
        $smart.FolderType | Should -Not -BeNullOrEmpty
        ($lists | ConvertTo-Json | ConvertFrom-Json)[0].Type | Should -BeOfType [string]
        ($lists[0] | Out-String) | Should -Match 'Type\s+Id\s+Name'
    }

    It 'filters by type, name pattern and id; an unknown id is MarketoListNotFound' {
        (Get-MarketoList -Type Static -Name 'sales-owned people - [a-e]*').Id | Should -Be @(1011, 1012, 1013, 1014, 1015) # AMER East/West, EMEA North/South, APAC
        (Get-MarketoList -Type Smart).Type | Sort-Object -Unique | Should -Be 'Smart'
        $errors = $null
        $found = Get-MarketoList -Id 1002, 999999 -ErrorVariable errors -ErrorAction SilentlyContinue
        $found.Type | Should -Be @('Static', 'Smart')
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'MarketoListNotFound,*'
        $errors[0].TargetObject | Should -Be 999999
        { Get-MarketoList -Name '[abc' } | Should -Throw -ErrorId 'InvalidWildcardPattern*'
    }

    It 'gives Start-SalesSync its list ids' {
        Start-SalesSync -Method Rest -StaticListId (Get-MarketoList -Type Static -Name 'Sales-Owned People').Id -WhatIf | Should -BeNullOrEmpty
    }
}
