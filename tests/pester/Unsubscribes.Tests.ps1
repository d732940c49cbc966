# Test-MarketoUnsubscribe, the send guard of Send-SalesActivity, and Sync-SalesOptOut against the sandbox.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '2000', '--seed', '83')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-unsub-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'unsubscribes.db'
    function Get-Stats { Invoke-RestMethod "$($sandbox.Control)stats" }
    function Get-MarketoCalls { (Get-Stats).marketo.totalCalls }
    function Get-Calls([string] $service, [string] $key) { $value = (Get-Stats).$service.calls.$key; if ($value) { $value } else { 0 } }
    function Get-Dump([string] $path) {
        $content = (Invoke-WebRequest "$($sandbox.Control)$path").Content
        $text = if ($content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($content) } else { $content }
        $text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json }
    }
    function Set-Fault([hashtable] $rule) { Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body ($rule | ConvertTo-Json) | Out-Null }
    function Clear-Fault { Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null }
    # A change made in Salesforce by someone else (not through SalesSync): a REST PATCH with the sandbox's own credentials.
    function Set-SalesforceOptOut([string] $type, [string] $id, [bool] $optedOut) {
        $cred = $sandbox.SalesforceCredential
        $token = Invoke-RestMethod -Method Post "$($sandbox.Salesforce.uri.TrimEnd('/'))/services/oauth2/token" -Body @{
            grant_type = 'client_credentials'; client_id = $cred.UserName; client_secret = $cred.GetNetworkCredential().Password }
        Invoke-RestMethod -Method Patch "$($token.instance_url.TrimEnd('/'))/services/data/v66.0/sobjects/$type/$id" -ContentType 'application/json' `
            -Headers @{ Authorization = "Bearer $($token.access_token)"; 'Sforce-Auto-Assign' = 'FALSE' } -Body (@{ HasOptedOutOfEmail = $optedOut } | ConvertTo-Json) | Out-Null
    }
    function Connect-Sandbox([int] $maxRetries = 5) {
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MaxRetries $maxRetries `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
    }
    Connect-Sandbox
    Start-SalesSync -Method Rest -StaticListId 1001 -SkipOptOut | Out-Null
    Install-SalesActivityType -Confirm:$false | Out-Null
    $script:people = @(Get-SyncedPerson)
    $script:truth = @(Get-Dump 'people')
    $script:unsubscribedEmail = ($truth | Where-Object { $_.unsubscribed -and $_.email } | Select-Object -First 1).email
    $script:subscribedEmail = ($truth | Where-Object { -not $_.unsubscribed -and $_.email } | Select-Object -First 1).email
    $script:twins = $truth | Where-Object { $_.email -and -not $_.unsubscribed } | Group-Object { $_.email.ToLowerInvariant() } | Where-Object Count -GE 2 | Select-Object -First 1
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-MarketoUnsubscribe' {
    It 'answers per email in input order: unsubscribed (any case), subscribed, not found' {
        $nobody = 'nobody.4711@nowhere.example.com'
        $results = @(Test-MarketoUnsubscribe -Email $unsubscribedEmail.ToUpperInvariant(), $subscribedEmail, $nobody)
        $results.Count | Should -Be 3
        $results[0].PSObject.TypeNames[0] | Should -Be 'SalesSync.UnsubscribeCheck'
        $results[0].Unsubscribed | Should -BeTrue
        $results[0].Found | Should -BeTrue
        $results[0].MarketoIds -split ', ' | Sort-Object | Should -Be @($truth | Where-Object { $_.email -eq $unsubscribedEmail } | ForEach-Object id | Sort-Object)
        $results[0].Reason | Should -Not -BeNullOrEmpty
        $results[1].Unsubscribed | Should -BeFalse
        $results[1].SafeToEmail | Should -BeTrue
        $results[2].Email | Should -Be $nobody
        $results[2].Found | Should -BeFalse
        $results[2].Unsubscribed | Should -BeFalse
    }

    It 'calls an email unsubscribed when any one of its duplicate records is' {
        $twins | Should -Not -BeNullOrEmpty
        $one = $twins.Group[0]
        # This record only: as Marketo's records look before Durable Unsubscribe has reached the other one.
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($one.id)?durable=false" -ContentType 'application/json' -Body '{"unsubscribed":true,"unsubscribedReason":"Clicked unsubscribe"}' | Out-Null
        try {
            $result = Test-MarketoUnsubscribe -Email $one.email
            $result.Unsubscribed | Should -BeTrue
            @($result.MarketoIds -split ', ').Count | Should -Be $twins.Count
            $result.UnsubscribedIds | Should -Be "$($one.id)"
            $result.Reason | Should -Be 'Clicked unsubscribe'
        } finally {
            Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($one.id)?durable=false" -ContentType 'application/json' -Body '{"unsubscribed":false}' | Out-Null
        }
    }

    It 'reports invalid emails and input without an email as errors, fails closed and spends no call on them' {
        $before = Get-MarketoCalls
        $out = @('not-an-email', 'two@@example.com', 'a b@example.com', [pscustomobject]@{ Name = 'no email' } |
            Test-MarketoUnsubscribe -ErrorVariable bad -ErrorAction SilentlyContinue)
        (Get-MarketoCalls) - $before | Should -Be 0
        @($bad).Count | Should -Be 4
        ($bad | ForEach-Object FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Sort-Object -Unique) -join ',' | Should -Be 'InvalidEmail,NoEmail'
        $bad[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $bad[0].TargetObject | Should -Be 'not-an-email'
        $out.Count | Should -Be 4
        $out.SafeToEmail | Sort-Object -Unique | Should -Be $false
    }

    It 'returns one boolean per input with -Quiet' {
        # In input order, whatever each answer took (an input without an email is answered at once, but not written first).
        $answers = @($unsubscribedEmail, [pscustomobject]@{ Name = 'no email' }, $subscribedEmail, 'nobody.1@nowhere.example.com', 'bad' | Test-MarketoUnsubscribe -Quiet -ErrorAction SilentlyContinue)
        $answers | Should -Be @($true, $true, $false, $false, $true)
    }

    It 'passes only the people safe to email into Send-SalesActivity with -SafeOnly' {
        $sample = @($people | Where-Object Email | Select-Object -First 120)
        $expectedSafe = @($sample | Where-Object { -not $_.Unsubscribed })
        $expectedSafe.Count | Should -BeLessThan $sample.Count
        $safe = @($sample | Test-MarketoUnsubscribe -SafeOnly)
        $safe.Count | Should -Be $expectedSafe.Count
        $safe[0].PSObject.TypeNames[0] | Should -Be 'SalesSync.SyncedPerson'
        $logged = @($sample | Test-MarketoUnsubscribe -SafeOnly | Send-SalesActivity -Kind EmailSent -Subject 'Safe only' -PassThru)
        $logged.Count | Should -Be $expectedSafe.Count
        ($logged.MarketoId | Sort-Object) -join ',' | Should -Be (($expectedSafe.MarketoId | Sort-Object) -join ',')
    }

    It 'checks 3,000 emails in at most ceil(n/300) + 2 calls, and repeats cost nothing' {
        # An admin's list: the known addresses spread among prospects Marketo does not have.
        $real = @($truth | Where-Object email | ForEach-Object email | Select-Object -Unique)
        $emails = @(@($real) + @(1..(3000 - $real.Count) | ForEach-Object { "prospect.$_@unknown.example.net" }) | Get-Random -Shuffle -SetSeed 7)
        $emails.Count | Should -Be 3000
        $before = Get-MarketoCalls
        $results = @($emails + $emails[0..999] | Test-MarketoUnsubscribe)
        (Get-MarketoCalls) - $before | Should -BeLessOrEqual 12
        $results.Count | Should -Be 4000
        $results[3000].Email | Should -Be $emails[0]
        $unsubscribed = @($truth | Where-Object { $_.unsubscribed -and $_.email } | ForEach-Object { $_.email.ToLowerInvariant() } | Select-Object -Unique)
        @($results[0..2999] | Where-Object Unsubscribed).Count | Should -Be $unsubscribed.Count
    }

    It 'sizes the calls by the synced duplicates so they rarely page: at most ceil(records / 300) + 2 calls' {
        $real = @($truth | Where-Object email | ForEach-Object email | Select-Object -Unique)
        $records = @($truth | Where-Object email).Count
        $records | Should -BeGreaterThan $real.Count # duplicates: 300 emails at a time would page (the old cost)
        $before = Get-MarketoCalls
        @($real | Test-MarketoUnsubscribe -Quiet).Count | Should -Be $real.Count
        (Get-MarketoCalls) - $before | Should -BeLessOrEqual ([math]::Ceiling($records / 300) + 2)
    }

    It 'fails closed when Marketo is down: errors, never safe' {
        Connect-Sandbox -maxRetries 1
        Set-Fault @{ service = 'marketo'; path = '/rest/v1/leads.json'; kind = 'http'; status = 503; count = 20 }
        try {
            $out = @($subscribedEmail, 'nobody.2@nowhere.example.com' | Test-MarketoUnsubscribe -ErrorVariable bad -ErrorAction SilentlyContinue)
            @($bad).Count | Should -Be 2
            $bad[0].FullyQualifiedErrorId | Should -BeLike 'UnsubscribeCheckFailed*'
            $out.SafeToEmail | Sort-Object -Unique | Should -Be $false
            @($subscribedEmail | Test-MarketoUnsubscribe -Quiet -ErrorAction SilentlyContinue) | Should -Be @($true)
            @($people | Where-Object { $_.Email -eq $subscribedEmail } | Test-MarketoUnsubscribe -SafeOnly -ErrorAction SilentlyContinue).Count | Should -Be 0
        } finally {
            Clear-Fault
            Connect-Sandbox
        }
    }

    It 'ends with a one-line summary that -InformationVariable captures and 6>$null hides' {
        $all = @(Test-MarketoUnsubscribe -Email $unsubscribedEmail, $subscribedEmail, 'bad' -ErrorAction SilentlyContinue -InformationVariable summary 6>&1)
        $records = @($all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] })
        $records.Count | Should -Be 1
        $records[0].Tags | Should -Contain 'SalesSync.Summary'
        "$summary" | Should -Be '3 checked: 1 safe, 1 unsubscribed, 1 not checked (InvalidEmail)'
        $hidden = @(& { Test-MarketoUnsubscribe -Email $subscribedEmail 6>$null } *>&1)
        $hidden.Count | Should -Be 1
        $hidden[0] | Should -BeOfType [SalesSync.UnsubscribeCheck]
    }

    It 'writes flat results: ConvertTo-Json and Export-Csv keep every value, and the default view shows only real properties' {
        $result = Test-MarketoUnsubscribe -Email $twins.Name
        $json = $result | Select-Object -ExcludeProperty InputObject | ConvertTo-Json -Compress | ConvertFrom-Json
        $json.MarketoIds | Should -Be $result.MarketoIds
        $csv = $result | ConvertTo-Csv | ConvertFrom-Csv
        $csv.MarketoIds | Should -Be (($twins.Group.id | Sort-Object) -join ', ')
        $csv.Unsubscribed | Should -Be "$($result.Unsubscribed)"
        foreach ($type in 'SalesSync.UnsubscribeCheck', 'SalesSync.OptOutChange') {
            $properties = ([type]$type).GetProperties().Name
            $view = (Get-FormatData -TypeName $type).FormatViewDefinition[0].Control
            $view.Rows[0].Columns | ForEach-Object { $_.DisplayEntry.ValueType | Should -Be 'Property'; $properties | Should -Contain $_.DisplayEntry.Value }
            $view.Headers.Label | ForEach-Object { $properties | Should -Contain $_ }
        }
    }

    It 'shows no progress in redirected output, only the summary' {
        # PowerShell leaves progress out of redirected output; the engine's progress goes through Write-Progress, so it obeys.
        $credential = "([pscredential]::new('$($sandbox.MarketoCredential.UserName)', (ConvertTo-SecureString '$($sandbox.MarketoCredential.GetNetworkCredential().Password)' -AsPlainText -Force)))"
        $script = "Import-Module '$(Join-Path $root 'SalesSync.psd1')'; Connect-SalesSync -MarketoUri '$($sandbox.Marketo.uri)' -MarketoCredential $credential -Database '$(Join-Path $folder 'child.db')' | Out-Null; " +
            "Test-MarketoUnsubscribe -Email $unsubscribedEmail, $subscribedEmail | Out-Null"
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $output.Trim() | Should -Be '2 checked: 1 safe, 1 unsubscribed, 0 not checked'
    }
}

Describe 'Sync-SalesOptOut' {
    BeforeAll {
        function Get-OptOutTruth {
            @(Get-Dump 'salesforce/Lead') + @(Get-Dump 'salesforce/Contact') |
                ForEach-Object { [pscustomobject]@{ Id = $_.Id; Type = $_.type; OptedOut = [bool]$_.HasOptedOutOfEmail; OwnerId = $_.OwnerId; Converted = [bool]$_.IsConverted } }
        }
    }

    It 'changes nothing with -WhatIf, and lists what it would set' {
        $before = Get-OptOutTruth | ConvertTo-Json -Compress
        $marketoBefore = Get-MarketoCalls
        $summary = Sync-SalesOptOut -WhatIf -Verbose 4>&1 | Out-String
        $summary | Should -Match 'Opt-out step \(what if\):.* [1-9]\d* Email Opt Out set in Salesforce'
        (Get-OptOutTruth | ConvertTo-Json -Compress) | Should -Be $before
        (Get-MarketoCalls) | Should -Be $marketoBefore
    }

    It 'sets exactly the unsubscribed people''s records, keeps every owner and never writes to Marketo' {
        $before = @(Get-OptOutTruth)
        $byId = @{}; foreach ($r in $before) { $byId[$r.Id] = $r }
        $marketoBefore = Get-MarketoCalls
        # The contact, else the lead; a converted lead's contact instead of the lead.
        $expected = @($people | Where-Object Unsubscribed | ForEach-Object {
                $id = if ($_.SalesforceContactId) { $_.SalesforceContactId } else { $_.SalesforceLeadId }
                if ($id -and $byId[$id].Converted) { $id = (Get-Dump "salesforce/Lead/$id").ConvertedContactId }
                $id
            } | Where-Object { $_ -and -not $byId[$_].OptedOut } | Select-Object -Unique)
        $expected.Count | Should -BeGreaterThan 10
        $changes = @(Sync-SalesOptOut)
        $set = @($changes | Where-Object Direction -EQ 'MarketoToSalesforce')
        ($set.SalesforceId | Sort-Object) -join ',' | Should -Be (($expected | Sort-Object) -join ',')
        $set.Outcome | Sort-Object -Unique | Should -Be 'Applied'
        $after = @(Get-OptOutTruth)
        foreach ($r in $after) {
            $r.OwnerId | Should -Be $byId[$r.Id].OwnerId
            $r.OptedOut | Should -Be ($byId[$r.Id].OptedOut -or $r.Id -in $expected)
        }
        (Get-MarketoCalls) - $marketoBefore | Should -Be 0 # no Marketo call at all, so no write
    }

    It 'runs incrementally: a second run sets nothing and reads only what changed since the last one' {
        $changes = @(Sync-SalesOptOut -Verbose 4>&1)
        @($changes | Where-Object { $_ -is [SalesSync.OptOutChange] }).Count | Should -Be 0
        "$($changes | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -BeLike '*modified since*'
    }

    It 'brings a Salesforce opt-out in and does not push a Salesforce re-subscribe back' {
        $person = $people | Where-Object { $_.SalesforceContactId -and -not $_.Unsubscribed -and $_.Email } | Select-Object -Skip 80 -First 1
        Set-SalesforceOptOut Contact $person.SalesforceContactId $true
        $in = @(Sync-SalesOptOut)
        $in.Count | Should -Be 1
        $in[0].Direction | Should -Be 'SalesforceToSalesSync'
        $in[0].MarketoIds -split ', ' | Should -Contain $person.MarketoId
        { Send-SalesActivity -Kind EmailSent -MarketoId $person.MarketoId -Subject 'Opted out' -ErrorAction Stop } | Should -Throw -ErrorId 'OptedOutInSalesforce*'
        # Someone re-subscribes an unsubscribed person in Salesforce: SalesSync records it and does not set it again.
        $unsub = $people | Where-Object { $_.Unsubscribed -and $_.SalesforceContactId } | Select-Object -First 1
        Set-SalesforceOptOut Contact $unsub.SalesforceContactId $false
        $changes = @(Sync-SalesOptOut)
        @($changes | Where-Object Direction -EQ 'MarketoToSalesforce').Count | Should -Be 0
        (Get-Dump "salesforce/Contact/$($unsub.SalesforceContactId)").HasOptedOutOfEmail | Should -BeFalse
    }

    It 'ends with a one-line summary that -InformationVariable captures and 6>$null hides' {
        Sync-SalesOptOut -InformationVariable summary 6>$null | Out-Null
        "$summary" | Should -Match '^\d[\d,]* Salesforce records read: \d+ opt-outs of synced people recorded, \d+ Email Opt Out set in Salesforce, 0 failed; \d+ Salesforce calls, no Marketo calls$'
        $summary[0].Tags | Should -Contain 'SalesSync.Summary'
        @(& { Sync-SalesOptOut 6>$null } *>&1 | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }).Count | Should -Be 0
    }

    It 'runs after the people step of Start-SalesSync' {
        $person = $people | Where-Object { $_.SalesforceLeadId -and -not $_.SalesforceContactId -and -not $_.Unsubscribed } | Select-Object -First 1
        Set-SalesforceOptOut Lead $person.SalesforceLeadId $true
        $out = @(Start-SalesSync -PassThru)
        @($out | Where-Object { $_ -is [SalesSync.OptOutChange] } | Where-Object SalesforceId -EQ $person.SalesforceLeadId).Count | Should -Be 1
    }
}

Describe 'Send-SalesActivity unsubscribe guard' {
    It 'refuses exactly the unsubscribed and the Salesforce opted-out people in a mixed pipeline and logs the rest' {
        $contacts = @($people | Where-Object { $_.Email -and $_.SalesforceContactId -and -not $_.Unsubscribed })
        # Opted out in Salesforce only (Marketo says subscribed): the opt-out step brings it in.
        $optedOut = @($contacts | Select-Object -Skip 40 -First 3)
        foreach ($p in $optedOut) { Set-SalesforceOptOut Contact $p.SalesforceContactId $true }
        Sync-SalesOptOut | Out-Null
        $unsubscribed = @($people | Where-Object { $_.Unsubscribed -and $_.Email } | Select-Object -First 6)
        $fine = @($contacts | Select-Object -Skip 60 -First 20)
        # Unsubscribed in Marketo a moment ago: only the live check can know.
        $justNow = $contacts | Select-Object -Skip 100 -First 1
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($justNow.MarketoId)" -ContentType 'application/json' -Body '{"unsubscribed":true}' | Out-Null
        $mixed = @($fine[0..9]) + $unsubscribed[0..2] + $optedOut + @($justNow) + @($fine[10..19]) + $unsubscribed[3..5]
        $before = Get-Calls marketo 'POST /rest/v1/leads.json'
        $logged = @($mixed | Send-SalesActivity -Kind EmailSent -Subject 'Guarded' -PassThru -ErrorVariable refused -ErrorAction SilentlyContinue)
        (Get-Calls marketo 'POST /rest/v1/leads.json') - $before | Should -Be 1 # one batched check for all of them
        ($logged.MarketoId | Sort-Object) -join ',' | Should -Be (($fine.MarketoId | Sort-Object) -join ',')
        @($refused).Count | Should -Be 10
        $reasons = @{}; foreach ($e in $refused) { $reasons[[long]$e.TargetObject.MarketoId] = $e.FullyQualifiedErrorId.Split(',')[0] }
        $reasons[$justNow.MarketoId] | Should -Be 'Unsubscribed' 
        foreach ($p in $optedOut) { $reasons[$p.MarketoId] | Should -Be 'OptedOutInSalesforce' }
        # Unsubscribed in Marketo; the opt-out step has also set most of them in Salesforce, which is checked first.
        foreach ($p in $unsubscribed) { $reasons[$p.MarketoId] | Should -BeIn @('Unsubscribed', 'OptedOutInSalesforce') }

        @(Get-SalesActivity -Kind EmailSent -State Delivered | Where-Object { $_.Subject -eq 'Guarded' }).Count | Should -Be 20
        # The refused ones went out all the same: kept on record as Refused, never delivered.
        @(Get-SalesActivity -Kind EmailSent -State Refused | Where-Object { $_.Subject -eq 'Guarded' }).Count | Should -Be 10
    }

    It 'refuses a person whose email changed in Marketo since the last sync (its status was not checked)' {
        $moved = $people | Where-Object { $_.Email -and $_.SalesforceContactId -and -not $_.Unsubscribed } | Select-Object -Skip 120 -First 1
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$($moved.MarketoId)" -ContentType 'application/json' -Body '{"email":"moved.elsewhere.77@example.net","unsubscribed":true}' | Out-Null
        $refusal = { Send-SalesActivity -Kind EmailSent -MarketoId $moved.MarketoId -Subject 'Stale' -ErrorAction Stop } | Should -Throw -PassThru
        $refusal.FullyQualifiedErrorId | Should -BeLike 'EmailChangedInMarketo,*'
        $refusal.CategoryInfo.Category | Should -Be 'InvalidData'
        (Get-SalesActivity -MarketoId $moved.MarketoId -Kind EmailSent).MarketoState | Should -Be 'Refused'
    }

    It 'holds sent emails it cannot check during an outage, sends none unchecked, and delivers them once Marketo answers' {
        $two = @($people | Where-Object { $_.Email -and $_.SalesforceContactId -and -not $_.Unsubscribed } | Select-Object -Skip 140 -First 2)
        Connect-Sandbox -maxRetries 1
        Set-Fault @{ service = 'marketo'; path = '/rest/v1/leads.json'; kind = 'http'; status = 503; count = 20 }
        try {
            $before = Get-Calls marketo 'POST /rest/v1/activities/external.json'
            $two | Send-SalesActivity -Kind EmailSent -Subject 'During an outage' -WarningVariable held -WarningAction SilentlyContinue
            "$held" | Should -BeLike '*2 sent emails could not be checked*Held*'
            (Get-Calls marketo 'POST /rest/v1/activities/external.json') - $before | Should -Be 0
            $stored = @(Get-SalesActivity -Destination Any -State Held | Where-Object { $_.Subject -eq 'During an outage' })
            $stored.Count | Should -Be 2
        } finally {
            Clear-Fault
            Connect-Sandbox
        }
        Sync-SalesActivity | Out-Null
        @(Get-SalesActivity -State Delivered | Where-Object { $_.Subject -eq 'During an outage' }).Count | Should -Be 2
    }

    It 'does not check the kinds that record what the person did' {
        $person = $people | Where-Object { $_.Unsubscribed } | Select-Object -First 1
        $before = Get-Calls marketo 'POST /rest/v1/leads.json'
        (Send-SalesActivity -Kind EmailReplied -MarketoId $person.MarketoId -Subject 'Re: stop' -PassThru).MarketoState | Should -Be 'Delivered'
        (Get-Calls marketo 'POST /rest/v1/leads.json') - $before | Should -Be 0
    }

    It 'logs without checking only after the guard was turned off on record, warning each time' {
        $person = $people | Where-Object { $_.Unsubscribed } | Select-Object -Skip 1 -First 1
        Set-SalesActivitySetting -UnsubscribeGuard $false -Force -WarningVariable offWarning -WarningAction SilentlyContinue
        try {
            $setting = Get-SalesActivitySetting
            $setting.UnsubscribeGuard | Should -BeFalse
            $setting.GuardChangedBy | Should -Be ([Environment]::UserName)
            $setting.GuardChangedAt | Should -Not -BeNullOrEmpty
            $offAt = $setting.GuardChangedAt
            # Another setting's change does not hide who turned the guard off, and when.
            Set-SalesActivitySetting -SalesforceKinds EmailSent, EmailReplied, CallReceived
            (Get-SalesActivitySetting).GuardChangedAt | Should -Be $offAt
            "$offWarning" | Should -BeLike '*guard is off*'
            $sent = Send-SalesActivity -Kind EmailSent -MarketoId $person.MarketoId -Subject 'Unguarded' -PassThru -WarningVariable sendWarning -WarningAction SilentlyContinue
            $sent.MarketoState | Should -Be 'Delivered'
            "$sendWarning" | Should -BeLike '*guard is off*'
        } finally {
            Set-SalesActivitySetting -UnsubscribeGuard $true
        }
        (Get-SalesActivitySetting).UnsubscribeGuard | Should -BeTrue
        $refusal = { Send-SalesActivity -Kind EmailSent -MarketoId $person.MarketoId -Subject 'Guarded again' -ErrorAction Stop } | Should -Throw -PassThru
        $refusal.FullyQualifiedErrorId | Should -Match '^(Unsubscribed|OptedOutInSalesforce),'
    }
}

Describe 'Quota' {
    It 'fails closed under 607 and spends no more calls once the quota is gone' {
        Set-Fault @{ service = 'marketo'; path = '/rest/v1/leads.json'; kind = 'error'; code = '607'; count = 1 }
        try {
            $emails = @($truth | Where-Object email | ForEach-Object email | Select-Object -Unique | Select-Object -First 700)
            $before = Get-MarketoCalls
            $out = @($emails | Test-MarketoUnsubscribe -ErrorVariable bad -ErrorAction SilentlyContinue)
            (Get-MarketoCalls) - $before | Should -Be 1
            @($bad).Count | Should -Be 700
            $bad[0].FullyQualifiedErrorId | Should -BeLike 'MarketoQuotaExhausted*'
            $bad[0].CategoryInfo.Category | Should -Be 'QuotaExceeded'
            @($out | Where-Object SafeToEmail).Count | Should -Be 0
        } finally {
            Clear-Fault
        }
    }
}
