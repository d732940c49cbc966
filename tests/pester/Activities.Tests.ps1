# Install-SalesActivityType / Send-SalesActivity / Get-SalesActivity / Sync-SalesActivity / *-SalesActivitySetting against the sandbox.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '1500', '--seed', '61')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-activities-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'activities.db'
    function Get-Stats { Invoke-RestMethod "$($sandbox.Control)stats" }
    function Get-Calls([string] $service, [string] $key) { $value = (Get-Stats).$service.calls.$key; if ($value) { $value } else { 0 } }
    # Control dumps are one JSON object per line (or a JSON array): always a flat list of objects.
    function Get-Dump([string] $path) {
        $content = (Invoke-WebRequest "$($sandbox.Control)$path").Content
        $text = if ($content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($content) } else { $content }
        if ($text.TrimStart().StartsWith('[')) { return @($text | ConvertFrom-Json -NoEnumerate) | ForEach-Object { $_ } }
        $text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json -AsHashtable }
    }
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    $script:people = @(Get-SyncedPerson)
    $script:uniqueEmail = ($people | Group-Object Email | Where-Object Count -EQ 1 | Select-Object -First 1).Name
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Install-SalesActivityType' {
    It 'refuses to send before the types exist, naming the cmdlet to run' {
        { Send-SalesActivity -Kind EmailSent -MarketoId $people[0].MarketoId -Subject 'Hi' -ErrorAction Stop } |
            Should -Throw -ErrorId 'ActivityTypesNotInstalled*' -ExpectedMessage '*Install-SalesActivityType*'
    }

    It 'changes nothing with -WhatIf' {
        $plan = Install-SalesActivityType -WhatIf
        $plan.Action | Sort-Object -Unique | Should -Be 'WouldCreate'
        @(Get-Dump 'custom-activity-types').Count | Should -Be 0
    }

    It 'creates and approves the three types once' {
        $types = Install-SalesActivityType -Confirm:$false
        $types.Count | Should -Be 3
        $types.Action | Sort-Object -Unique | Should -Be 'Created'
        (Install-SalesActivityType).Action | Sort-Object -Unique | Should -Be 'Exists'
    }
}

Describe 'Send-SalesActivity' {
    It 'logs to Marketo and Salesforce and passes the activity through' {
        $person = $people | Where-Object { $_.SalesforceContactId } | Select-Object -First 1
        $sent = Send-SalesActivity -Kind EmailSent -MarketoId $person.MarketoId -Subject 'Q3 pricing' -SentBy 'ana@example.com' -PassThru
        $sent.PSObject.TypeNames[0] | Should -Be 'SalesSync.SalesActivity'
        $sent.MarketoState | Should -Be 'Delivered'
        $sent.SalesforceState | Should -Be 'Delivered'
        $task = Get-Dump "salesforce/Task?subject=$($sent.ActivityId)"
        $task.Subject | Should -Be "Email: Q3 pricing [$($sent.ActivityId)]"
        $task.WhoId | Should -Be $person.SalesforceContactId
    }

    It 'logs opens to Marketo only by default' {
        $opened = Send-SalesActivity -Kind EmailOpened -MarketoId $people[1].MarketoId -Subject 'Q3 pricing' -PassThru
        $opened.MarketoState | Should -Be 'Delivered'
        $opened.SalesforceState | Should -Be 'NotRequired'
    }

    It 'takes a CSV, reports bad rows per item and lands the rest' {
        $csv = Join-Path $folder 'calls.csv'
        @(
            [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = $people[2].MarketoId; Email = ''; CallStatus = 'completed'; CallOutcome = 'Demo booked'; DurationSeconds = '95' }
            [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = '99999999'; Email = ''; CallStatus = 'completed'; CallOutcome = 'Wrong person'; DurationSeconds = '10' }
            [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = ''; Email = $uniqueEmail; CallStatus = ''; CallOutcome = 'No status'; DurationSeconds = '' }
            [pscustomobject]@{ Kind = 'EmailReplied'; MarketoId = $people[4].MarketoId; Email = ''; CallStatus = ''; CallOutcome = ''; DurationSeconds = '' }
        ) | Export-Csv -LiteralPath $csv -NoTypeInformation
        $out = Import-Csv -LiteralPath $csv | Send-SalesActivity -Subject 'Re: pricing' -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue
        ($out.Kind | ForEach-Object ToString | Sort-Object) -join ',' | Should -Be 'CallReceived,EmailReplied'
        @($bad).Count | Should -Be 2 # the unknown person, and the call without a status
        ($bad | ForEach-Object FullyQualifiedErrorId | Sort-Object) -join ',' | Should -BeLike 'MissingAttribute*PersonNotSynced*'
    }

    It 'reports rows with an unknown kind or a malformed date and lands the others' {
        $rows = @(
            [pscustomobject]@{ Kind = 'EmailTeleported'; MarketoId = $people[6].MarketoId; Subject = 'Beam me up'; OccurredAt = '' }
            [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $people[7].MarketoId; Subject = 'Bad date'; OccurredAt = 'yesterday-ish' }
            [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $people[8].MarketoId; Subject = 'Fine'; OccurredAt = '2026-11-01T10:00:00Z' }
        )
        $out = $rows | Send-SalesActivity -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $out.Subject | Should -Be 'Fine'
        $out.OccurredAt.UtcDateTime | Should -Be ([datetime]'2026-11-01T10:00:00Z').ToUniversalTime()
        @($bad).Count | Should -Be 2
        ($bad | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object) -join ',' | Should -Be 'InvalidValue,UnknownKind'
        ($bad | Where-Object { $_.FullyQualifiedErrorId -like 'InvalidValue*' }).TargetObject | Should -Be 'yesterday-ish'
    }

    It 'logs rows with the caller''s own ids once, however often the file is sent' {
        $rows = 1..3 | ForEach-Object { [pscustomobject]@{ ActivityId = "crm-note-$_"; Kind = 'EmailSent'; MarketoId = $people[9].MarketoId; Subject = "Note $_" } }
        @($rows[0..1] | Send-SalesActivity -PassThru).Count | Should -Be 2
        $again = @($rows | Send-SalesActivity -PassThru)
        $again.Count | Should -Be 1
        $again[0].ActivityId | Should -Be 'crm-note-3'
        @(Get-SalesActivity -ActivityId crm-note-1, crm-note-2, crm-note-3).Count | Should -Be 3
    }

    It 'binds a CSV Source column to the activity''s source, never a synced person''s lead source' {
        $row = [pscustomobject]@{ Kind = 'EmailOpened'; MarketoId = $people[3].MarketoId; Subject = 'From CSV'; Source = 'Outlook' }
        ($row | Send-SalesActivity -PassThru).ActivitySource | Should -Be 'Outlook'
        $person = $people | Where-Object Source | Select-Object -First 1
        $fromPerson = $person | Send-SalesActivity -Kind EmailOpened -Subject 'From a person' -PassThru
        $fromPerson.ActivitySource | Should -BeNullOrEmpty
        ($person | Send-SalesActivity -Kind EmailOpened -Subject 'Given' -ActivitySource 'Sales App' -PassThru).ActivitySource | Should -Be 'Sales App'
    }

    It 'reports plain values piped in as errors, not as activities' {
        $before = @(Get-SalesActivity).Count
        'line one', 42 | Send-SalesActivity -Kind CallReceived -MarketoId $people[0].MarketoId -CallStatus completed -ErrorVariable bad -ErrorAction SilentlyContinue
        @($bad).Count | Should -Be 2
        $bad[0].FullyQualifiedErrorId | Should -BeLike 'InputNotAnActivity*'
        @(Get-SalesActivity).Count | Should -Be $before
    }

    It 'tab-completes kinds' {
        $line = 'Send-SalesActivity -Kind Email'; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'EmailReplied'
    }

    It 'does nothing for an empty pipeline' {
        $before = @(Get-SalesActivity).Count
        @() | Send-SalesActivity -PassThru -ErrorVariable none | Should -BeNullOrEmpty
        $none | Should -BeNullOrEmpty
        @(Get-SalesActivity).Count | Should -Be $before
    }

    It 'stores and sends nothing with -WhatIf' {
        $before = @(Get-SalesActivity).Count
        $calls = Get-Calls marketo 'POST /rest/v1/activities/external.json'
        Send-SalesActivity -Kind EmailSent -MarketoId $people[5].MarketoId -Subject 'Not really' -WhatIf
        @(Get-SalesActivity).Count | Should -Be $before
        Get-Calls marketo 'POST /rest/v1/activities/external.json' | Should -Be $calls
    }

    It 'sends 3,000 piped activities in ceil(n/300) Marketo calls and ceil(n/200) Salesforce calls' {
        $marketoBefore = Get-Calls marketo 'POST /rest/v1/activities/external.json'
        $salesforceBefore = Get-Calls salesforce 'POST /services/data/vXX.X/composite/sobjects'
        $kinds = 'EmailSent', 'EmailOpened', 'EmailReplied', 'EmailBounced'
        # People who may be emailed, so the send guard lets every sent email through (its refusals: Unsubscribes.Tests).
        $reachable = @($people | Where-Object { -not $_.Unsubscribed })
        $guardBefore = Get-Calls marketo 'POST /rest/v1/leads.json'
        0..2999 | ForEach-Object { [pscustomobject]@{ Kind = $kinds[$_ % 4]; MarketoId = $reachable[$_ % $reachable.Count].MarketoId; Subject = "Follow-up #$_" } } |
            Send-SalesActivity -ErrorVariable refused
        @($refused).Count | Should -Be 0
        (Get-Calls marketo 'POST /rest/v1/activities/external.json') - $marketoBefore | Should -Be 10
        # The guard's checks: about one per 300 distinct sent-email addresses (a page more where duplicates exceed 300 records).
        $distinct = @($reachable | ForEach-Object { $_.Email.ToLowerInvariant() } | Select-Object -Unique).Count
        (Get-Calls marketo 'POST /rest/v1/leads.json') - $guardBefore | Should -BeLessOrEqual ([math]::Ceiling($distinct / 300) * 2)
        $toSalesforce = @(Get-SalesActivity -Kind EmailSent, EmailReplied -Destination Salesforce -State Delivered |
            Where-Object { $_.Subject -like 'Follow-up #*' }).Count
        $toSalesforce | Should -BeGreaterThan 1200
        (Get-Calls salesforce 'POST /services/data/vXX.X/composite/sobjects') - $salesforceBefore | Should -Be ([math]::Ceiling($toSalesforce / 200))
        @(Get-SalesActivity -State Pending).Count | Should -Be 0
    }
}

Describe 'Get-SalesActivity, Sync-SalesActivity and the settings' {
    It 'filters the log by person and kind' {
        $mine = @(Get-SalesActivity -MarketoId $people[2].MarketoId -Kind CallReceived)
        $mine.Count | Should -Be 1
        $mine[0].CallOutcome | Should -Be 'Demo booked'
        $people[2] | Get-SalesActivity -Kind CallReceived | ForEach-Object ActivityId | Should -Be $mine[0].ActivityId
    }

    It 'delivers what is pending and reports it' {
        $report = Sync-SalesActivity
        $report.PSObject.TypeNames[0] | Should -Be 'SalesSync.SalesActivityDelivery'
        $report.StillPending | Should -Be 0
    }

    It 'sends failed deliveries again with -RetryFailed, only those piped in' {
        $rule = @{ service = 'salesforce'; path = '/services/data/*/composite/sobjects'; kind = 'recordError'; code = 'FIELD_CUSTOM_VALIDATION_EXCEPTION'; count = 2 } | ConvertTo-Json
        Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body $rule | Out-Null
        $people[5..7] | Send-SalesActivity -Kind EmailReplied -Subject 'Validation' -ErrorVariable refused -ErrorAction SilentlyContinue
        @($refused).Count | Should -Be 2
        $failed = @(Get-SalesActivity -Destination Salesforce -State Failed | Where-Object { $_.Subject -eq 'Validation' })
        $failed.Count | Should -Be 2
        $failed[0].SalesforceReason | Should -BeLike 'FIELD_CUSTOM_VALIDATION_EXCEPTION*'
        $failed[0] | Sync-SalesActivity -RetryFailed | Out-Null
        (Get-SalesActivity -ActivityId $failed[0].ActivityId).SalesforceState | Should -Be 'Delivered'
        (Get-SalesActivity -ActivityId $failed[1].ActivityId).SalesforceState | Should -Be 'Failed'
        Sync-SalesActivity -RetryFailed -WhatIf | Out-Null
        (Get-SalesActivity -ActivityId $failed[1].ActivityId).SalesforceState | Should -Be 'Failed'
        Sync-SalesActivity -RetryFailed | Out-Null
        @(Get-SalesActivity -Destination Salesforce -State Failed | Where-Object { $_.Subject -eq 'Validation' }).Count | Should -Be 0
        @(Get-Dump "salesforce/Task?subject=Validation").Count | Should -Be 3
    }

    It 'stores which kinds go to Salesforce' {
        (Get-SalesActivitySetting).SalesforceKinds -join ',' | Should -Be 'EmailSent,EmailReplied,CallReceived'
        Set-SalesActivitySetting -SalesforceKinds EmailOpened -WhatIf
        (Get-SalesActivitySetting).ChangedAt | Should -BeNullOrEmpty
        (Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailOpened -PassThru).SalesforceKinds -join ',' | Should -Be 'EmailSent,EmailOpened'
        (Send-SalesActivity -Kind EmailOpened -MarketoId ($people | Where-Object SalesforceContactId | Select-Object -First 1).MarketoId -Subject 'Opened' -PassThru).SalesforceState | Should -Be 'Delivered'
    }
}

Describe 'Trust in the activity log (issue 14)' {
    BeforeAll {
        function Set-Fault($rule) { Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body ($rule | ConvertTo-Json) | Out-Null }
        function Clear-Fault { Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null }
        function Connect-Sandbox([int] $maxRetries = 5) {
            Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MaxRetries $maxRetries `
                -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
        }
        Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailReplied, CallReceived # the defaults, whatever the tests above chose
    }

    It 'reads -OccurredAt text as ISO 8601 first, then in the current culture (en-GB: 01/02/2026 is 1 February)' {
        $old = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'en-GB'
            $uk = Send-SalesActivity -Kind EmailOpened -MarketoId $people[1].MarketoId -Subject 'UK date' -OccurredAt '01/02/2026 10:00' -PassThru
            $iso = Send-SalesActivity -Kind EmailOpened -MarketoId $people[1].MarketoId -Subject 'ISO date' -OccurredAt '2026-02-03' -PassThru
            [cultureinfo]::CurrentCulture = 'en-US'
            $us = Send-SalesActivity -Kind EmailOpened -MarketoId $people[1].MarketoId -Subject 'US date' -OccurredAt '01/02/2026 10:00' -PassThru
        } finally {
            [cultureinfo]::CurrentCulture = $old
        }
        ($uk.OccurredAt.Month, $uk.OccurredAt.Day) -join '/' | Should -Be '2/1'
        ($iso.OccurredAt.Month, $iso.OccurredAt.Day) -join '/' | Should -Be '2/3'
        ($us.OccurredAt.Month, $us.OccurredAt.Day) -join '/' | Should -Be '1/2'
    }

    It 'has the engine''s kinds, by name' {
        $from = [SalesSync.SalesActivity].GetMethod('From', [Reflection.BindingFlags]'NonPublic,Static')
        $engineKind = $from.GetParameters()[0].ParameterType.Assembly.GetType('SalesSync.Core.Activities.SalesActivityKind', $true)
        [Enum]::GetNames([SalesSync.SalesActivityKind]) -join ',' | Should -Be ([Enum]::GetNames($engineKind) -join ',')
    }

    It 'finds a Salesforce failure with -State Failed without -Destination' {
        Set-Fault @{ service = 'salesforce'; path = '/services/data/*/composite/sobjects'; kind = 'recordError'; code = 'FIELD_CUSTOM_VALIDATION_EXCEPTION'; count = 1 }
        $contact = $people | Where-Object SalesforceContactId | Select-Object -Skip 3 -First 1
        Send-SalesActivity -Kind EmailReplied -MarketoId $contact.MarketoId -Subject 'Either side' -ErrorAction SilentlyContinue | Out-Null
        $failed = @(Get-SalesActivity -State Failed | Where-Object { $_.Subject -eq 'Either side' })
        $failed.Count | Should -Be 1
        ($failed[0].MarketoState, $failed[0].SalesforceState) -join ',' | Should -Be 'Delivered,Failed'
        @(Get-SalesActivity -State Failed -Destination Marketo | Where-Object { $_.Subject -eq 'Either side' }).Count | Should -Be 0
    }

    It 'keeps a sent email the guard refused as Refused, with the reason, never delivered' {
        $unsubscribed = $people | Where-Object { $_.Unsubscribed -and $_.Email } | Select-Object -First 1
        Send-SalesActivity -Kind EmailSent -MarketoId $unsubscribed.MarketoId -Subject 'Should not have gone' -ErrorVariable refused -ErrorAction SilentlyContinue
        @($refused).Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId.Split(',')[0] | Should -BeIn 'Unsubscribed', 'OptedOutInSalesforce'
        $kept = @(Get-SalesActivity -State Refused | Where-Object { $_.Subject -eq 'Should not have gone' })
        $kept.Count | Should -Be 1
        $kept[0].MarketoState | Should -Be 'Refused'
        $kept[0].MarketoReason | Should -Match '^(Unsubscribed|OptedOutInSalesforce): '
        @(Get-Dump "salesforce/Task?subject=Should not have gone").Count | Should -Be 0
    }

    It 'checks the activity types once per connection: single sends in a loop cost one Marketo call each' {
        $types = Get-Calls marketo 'GET /rest/v1/activities/external/types.json'
        $before = (Get-Stats).marketo.totalCalls
        foreach ($p in $people[10..14]) { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject 'loop' }
        Get-Calls marketo 'GET /rest/v1/activities/external/types.json' | Should -Be $types
        (Get-Stats).marketo.totalCalls - $before | Should -Be 5
    }

    It 'validates the fallback Task owner when it is set, and clears it with an empty id' {
        $users = @(Get-Dump 'salesforce/User')
        $active = $users | Where-Object { $_.IsActive } | Select-Object -Last 1
        { Set-SalesActivitySetting -FallbackTaskOwnerId 'nobody' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidTaskOwner*'
        { Set-SalesActivitySetting -FallbackTaskOwnerId '005000000000000' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidTaskOwner*'
        (Set-SalesActivitySetting -FallbackTaskOwnerId $active.Id.Substring(0, 15) -PassThru).FallbackTaskOwnerId | Should -Be $active.Id
        (Get-SalesActivitySetting).FallbackTaskOwnerId | Should -Be $active.Id
        (Set-SalesActivitySetting -FallbackTaskOwnerId '' -PassThru).FallbackTaskOwnerId | Should -BeNullOrEmpty
    }

    It 'stores every activity during an outage with one warning, and delivers them afterwards' {
        Connect-Sandbox -maxRetries 1 # a new connection: its type check is not made yet
        Set-Fault @{ service = 'marketo'; path = '/rest/*'; kind = 'http'; status = 503; probability = 1.0 }
        Set-Fault @{ service = 'salesforce'; path = '/services/data/*'; kind = 'http'; status = 503; probability = 1.0 }
        try {
            $reachable = $people | Where-Object { $_.Email -and -not $_.Unsubscribed } | Select-Object -Skip 30 -First 1
            $rows = @($people[20..22] | ForEach-Object { [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = $_.MarketoId; CallStatus = 'completed'; CallOutcome = 'While down' } }) +
                [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $reachable.MarketoId; Subject = 'While down' }
            $rows | Send-SalesActivity -WarningVariable warned -ErrorVariable failed -WarningAction SilentlyContinue
            @($failed).Count | Should -Be 0
            @($warned).Count | Should -Be 1
            $warned[0].Message | Should -BeLike '*1 sent emails could not be checked*pending*'
            @(Get-SalesActivity -State Pending | Where-Object { $_.CallOutcome -eq 'While down' }).Count | Should -Be 3
            @(Get-SalesActivity -State Held | Where-Object { $_.Subject -eq 'While down' }).Count | Should -Be 1
            { Install-SalesActivityType -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'MarketoUnavailable*'
        } finally {
            Clear-Fault
            Connect-Sandbox
        }
        (Sync-SalesActivity).StillPending | Should -Be 0
        $landed = @(Get-SalesActivity | Where-Object { $_.CallOutcome -eq 'While down' -or $_.Subject -eq 'While down' })
        $landed.Count | Should -Be 4
        $landed.MarketoState | Sort-Object -Unique | Should -Be 'Delivered'
    }
}
