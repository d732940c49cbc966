# The new-user trial's bad inputs for the sales-activity cmdlets (section 5, rows 54-57, 59-82, 105-106; D7, D8, D14),
# each a clear error (ErrorId, category, the offending value as TargetObject) or a documented acceptance; plus the
# flat output (Export-Csv, ConvertTo-Json) and the one-line summaries. One sandbox for the file.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '600', '--seed', '67')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-badactivities-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'bad.db'
    function Connect-Sandbox([int] $maxRetries = 5) {
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MaxRetries $maxRetries `
            -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
    }
    function Set-Fault($rule) { Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body ($rule | ConvertTo-Json) | Out-Null }
    function Clear-Fault { Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null }
    # Runs a send and returns its one error record (the test fails when there is not exactly one).
    function Get-OneError([scriptblock] $send) {
        $ErrorActionPreference = 'Continue'
        $errors = @(& $send 2>&1 6>$null 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errors.Count | Should -Be 1 -Because ($errors | Out-String)
        $errors[0]
    }
    function Assert-Error($record, [string] $errorId, [string] $category, $target) {
        $record.FullyQualifiedErrorId.Split(',')[0] | Should -Be $errorId
        $record.CategoryInfo.Category | Should -Be $category
        if ($PSBoundParameters.ContainsKey('target')) { $record.TargetObject | Should -Be $target }
    }
    Connect-Sandbox
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    Install-SalesActivityType -Confirm:$false | Out-Null
    $script:people = @(Get-SyncedPerson | Where-Object { $_.Email -and -not $_.Unsubscribed })
    $script:p = $people[0]
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-SalesActivity bad input' {
    It 'row 54: -Kind Foo / -Destination Foo is PowerShell''s binding error listing the valid names' {
        { Get-SalesActivity -Kind Foo -ErrorAction Stop } | Should -Throw -ExpectedMessage '*EmailSent*'
        { Get-SalesActivity -Destination Foo -ErrorAction Stop } | Should -Throw -ExpectedMessage '*Salesforce*'
    }

    It 'row 55: -After yesterday is a conversion error' {
        { Get-SalesActivity -After 'yesterday' -ErrorAction Stop } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage*'
    }

    It 'row 56: -Before earlier than -After is a terminating BeforeNotAfterAfter' {
        $before = (Get-Date).AddDays(-1)
        try { Get-SalesActivity -After (Get-Date) -Before $before -ErrorAction Stop; throw 'no error' }
        catch { Assert-Error $_ 'BeforeNotAfterAfter' 'InvalidArgument' $before }
    }

    It 'row 57: -ActivityId SS-NOPE writes SalesActivityNotFound' {
        $e = Get-OneError { Get-SalesActivity -ActivityId ' SS-NOPE ' }
        Assert-Error $e 'SalesActivityNotFound' 'ObjectNotFound' 'SS-NOPE'
    }
}

Describe 'Activity ids, kinds and per-row messages read alike (new-admin walk P4, P14, P9, P10)' {
    It 'P4: -ActivityId '' a-1 '' returns the activity once, in any case, and no SalesActivityNotFound' {
        Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus completed -ActivityId 'A-1' -ErrorAction Stop -InformationAction Ignore
        foreach ($typed in ' a-1 ', 'A-1') {
            $ErrorActionPreference = 'Continue'
            $out = @(Get-SalesActivity -ActivityId $typed 2>&1)
            $out.Count | Should -Be 1 -Because ($out | Out-String)
            $out[0].ActivityId | Should -Be 'A-1'
        }
    }

    It 'P14: Get-SalesActivity -Kind ''Call Received'' is read as Send-SalesActivity reads it, and still tab-completes' {
        @(Get-SalesActivity -Kind 'Call Received', 'call-received' -ActivityId 'A-1').Count | Should -Be 1
        { Get-SalesActivity -Kind Foo -ErrorAction Stop } | Should -Throw -ExpectedMessage '*CallReceived*'
        (TabExpansion2 -inputScript 'Get-SalesActivity -Kind CallR' -cursorColumn 29).CompletionMatches.CompletionText | Should -Be 'CallReceived'
    }

    It 'journal review H1/Low: -WhatIf and reads never replay; a journal of another database is named once in a warning and kept' {
        Disconnect-SalesSync
        Connect-Sandbox # the database opened afresh: its left-over journals are looked at again, once
        $planted = "$database.accepting-$('d' * 32).jsonl"
        Set-Content -LiteralPath $planted -Value '{"SalesSyncAcceptJournal":1,"Database":"elsewhere 1"}'
        if (-not $IsWindows) { [System.IO.File]::SetUnixFileMode($planted, [System.IO.UnixFileMode]'UserRead, UserWrite') }
        function Get-JournalWarning([scriptblock] $run) { @(& $run 3>&1 6>$null | Where-Object { $_ -is [System.Management.Automation.WarningRecord] -and $_.Message -like '*accept journal*' }) }
        Get-JournalWarning { Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus completed -WhatIf } | Should -BeNullOrEmpty
        Get-JournalWarning { Get-SalesActivity -First 1; Get-SalesSyncStatus } | Should -BeNullOrEmpty
        $warnings = Get-JournalWarning { Sync-SalesActivity }
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -BeLike "*$planted*does not name this database*"
        Get-JournalWarning { Sync-SalesActivity } | Should -BeNullOrEmpty
        Test-Path -LiteralPath $planted | Should -BeTrue
        Remove-Item -LiteralPath $planted
    }

    It 'P9/P10: a CSV row''s error names the row and the parameter; a too-large duration says the largest number of seconds' {
        $e = Get-OneError { [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = $p.MarketoId; CallStatus = 'completed'; DurationSeconds = '99999999999999'; ActivityId = 'row-9' } | Send-SalesActivity }
        Assert-Error $e 'InvalidValue' 'InvalidArgument' '99999999999999'
        $e.ErrorDetails.Message | Should -BeLike "Row with ActivityId 'row-9': -DurationSeconds 99999999999999 is too large*2147483647*"
        $e = Get-OneError { [pscustomobject]@{ Kind = 'CallReceived'; MarketoId = $p.MarketoId; CallStatus = 'completed'; DurationSeconds = 'long' } | Send-SalesActivity }
        $e.ErrorDetails.Message | Should -BeLike "Row for MarketoId $($p.MarketoId): -DurationSeconds must be a whole number*"
        $e.TargetObject | Should -Be 'long'
    }
}

Describe 'Send-SalesActivity bad input' {
    It 'row 59: -Kind Foo is UnknownKind; a CSV Kind '' Email Sent '' is read as EmailSent (documented)' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind Foo -MarketoId $p.MarketoId -Subject x }) 'UnknownKind' 'InvalidArgument' 'Foo'
        $sent = [pscustomobject]@{ Kind = ' Email Opened '; MarketoId = $p.MarketoId; Subject = 'Spaced kind' } | Send-SalesActivity -PassThru -InformationAction Ignore
        $sent.Kind | Should -Be 'EmailOpened'
    }

    It 'row 60: EmailSent without -Subject and EmailClicked without -Link are MissingAttribute' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailSent -MarketoId $p.MarketoId }) 'MissingAttribute' 'InvalidArgument' 'EmailSent'
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailClicked -MarketoId $p.MarketoId -Subject x }) 'MissingAttribute' 'InvalidArgument' 'EmailClicked'
    }

    It 'row 61: -MarketoId 99999999 is PersonNotSynced; -5 is InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId 99999999 -Subject x }) 'PersonNotSynced' 'ObjectNotFound' 99999999
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId -5 -Subject x }) 'InvalidValue' 'InvalidArgument' -5
    }

    It 'row 61b: -MarketoId abc from a CSV row is InvalidValue, not MissingPerson' {
        $e = Get-OneError { [pscustomobject]@{ Kind = 'EmailOpened'; MarketoId = 'abc'; Subject = 'x' } | Send-SalesActivity }
        Assert-Error $e 'InvalidValue' 'InvalidArgument' 'abc'
    }

    It 'row 62: -Email not-an-email is InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -Email not-an-email -Subject x }) 'InvalidValue' 'InvalidArgument' 'not-an-email'
    }

    It 'row 63: an email shared by two synced people is AmbiguousEmail' {
        $shared = (@(Get-SyncedPerson) | Where-Object Email | Group-Object Email | Where-Object Count -GT 1 | Select-Object -First 1).Name
        if (-not $shared) { Set-ItResult -Skipped -Because 'this world has no shared email'; return }
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -Email $shared -Subject x }) 'AmbiguousEmail' 'InvalidArgument' $shared
    }

    It 'row 64: no -MarketoId or -Email is MissingPerson' {
        $e = Get-OneError { Send-SalesActivity -Kind EmailOpened -Subject x }
        Assert-Error $e 'MissingPerson' 'InvalidArgument'
        $e.TargetObject.Kind | Should -Be 'EmailOpened'
    }

    It 'row 65: -MarketoId and -Email of different people is InvalidValue naming both' {
        $e = Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Email $people[1].Email -Subject x }
        Assert-Error $e 'InvalidValue' 'InvalidArgument' $people[1].Email
        $e.Exception.Message | Should -BeLike "*$($p.MarketoId)*$($people[1].Email)*"
    }

    It 'row 66: -OccurredAt two days ahead is InvalidValue (10 minutes of skew allowed)' {
        $at = [DateTimeOffset]::Now.AddDays(2)
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject x -OccurredAt $at }) 'InvalidValue' 'InvalidArgument' $at
        Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject 'Five minutes ahead' -OccurredAt ([DateTimeOffset]::Now.AddMinutes(5)) -ErrorAction Stop -InformationAction Ignore
    }

    It 'row 67: -OccurredAt ''next tuesday'' is InvalidValue with an example format' {
        $e = Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject x -OccurredAt 'next tuesday' }
        Assert-Error $e 'InvalidValue' 'InvalidArgument' 'next tuesday'
        $e.Exception.Message | Should -BeLike '*2026-11-01T10:00:00Z*'
    }

    It 'row 68: -OccurredAt 1900-01-01 (outside Marketo''s 25-month retention) is InvalidValue' {
        $e = Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject x -OccurredAt 1900-01-01 }
        Assert-Error $e 'InvalidValue' 'InvalidArgument'
        $e.TargetObject.Year | Should -Be 1900
        $e.Exception.Message | Should -BeLike '*25 months*'
    }

    It 'row 69: a -Subject of 5,000 characters is ValueTooLong' {
        $long = 'x' * 5000
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject $long }) 'ValueTooLong' 'LimitsExceeded' $long
    }

    It 'row 70: a -Subject with NUL is InvalidValue; a tab in -CallOutcome is kept (multi-line free text)' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject "a`0b" }) 'InvalidValue' 'InvalidArgument' "a`0b"
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject "a`tb" }) 'InvalidValue' 'InvalidArgument' "a`tb"
        $separator = "a$([char]0x2028)b" # Unicode's line separator: a line break in a one-line field too (new-admin walk P25)
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject $separator }) 'InvalidValue' 'InvalidArgument' $separator
        $call = Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus completed -CallOutcome "Booked`tdemo" -PassThru -InformationAction Ignore
        $call.CallOutcome | Should -Be "Booked`tdemo"
    }

    It 'row 71: a subject with emoji, CJK and quotes is delivered intact (OK)' {
        $subject = '😀 見積もり "quote"'
        (Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject $subject -PassThru -InformationAction Ignore).Subject | Should -Be $subject
    }

    It 'row 72: a subject that looks like SOQL is delivered verbatim (OK)' {
        $subject = "x' OR Name != '"
        $sent = Send-SalesActivity -Kind EmailSent -MarketoId $people[2].MarketoId -Subject $subject -PassThru -InformationAction Ignore
        $sent.Subject | Should -Be $subject
        $sent.MarketoState | Should -Be 'Delivered'
    }

    It 'row 73: -DurationSeconds abc is InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus completed -DurationSeconds abc }) 'InvalidValue' 'InvalidArgument' 'abc'
    }

    It 'row 74: -DurationSeconds -1 is InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus completed -DurationSeconds -1 }) 'InvalidValue' 'InvalidArgument' '-1'
    }

    It 'row 75: -CallStatus maybe is refused; documented statuses in any case are stored as documented' {
        $e = Get-OneError { Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus maybe }
        Assert-Error $e 'InvalidValue' 'InvalidArgument' 'maybe'
        $e.Exception.Message | Should -BeLike "*'completed', 'no answer', 'cancelled', 'failed'*"
        (Send-SalesActivity -Kind CallReceived -MarketoId $p.MarketoId -CallStatus ' No-Answer ' -PassThru -InformationAction Ignore).CallStatus | Should -Be 'no answer'
        $line = 'Send-SalesActivity -CallStatus no'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be "'no answer'"
    }

    It 'row 76: -TemplateUrl javascript:alert(1) is InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailSent -MarketoId $p.MarketoId -Subject x -TemplateUrl 'javascript:alert(1)' }) 'InvalidValue' 'InvalidArgument' 'javascript:alert(1)'
    }

    It 'row 77: -ActivityId ''bad id'' and one of 65 characters are InvalidValue' {
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject x -ActivityId 'bad id' }) 'InvalidValue' 'InvalidArgument' 'bad id'
        $long = 'a' * 65
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject x -ActivityId $long }) 'InvalidValue' 'InvalidArgument' $long
    }

    It 'row 78: an -ActivityId reused for another activity is ActivityIdReused; the same activity again is a skip with a warning' {
        Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject a -ActivityId crm-0001 -InformationAction Ignore -ErrorAction Stop
        $e = Get-OneError { Send-SalesActivity -Kind CallReceived -MarketoId $people[3].MarketoId -CallStatus completed -ActivityId crm-0001 }
        Assert-Error $e 'ActivityIdReused' 'ResourceExists' 'crm-0001'
        $e.Exception.Message | Should -BeLike "*EmailOpened for Marketo person $($p.MarketoId)*"
        Assert-Error (Get-OneError { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject b -ActivityId crm-0001 }) 'ActivityIdReused' 'ResourceExists' 'crm-0001'
        $out = Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject ' a ' -ActivityId crm-0001 -PassThru -WarningVariable warned -WarningAction SilentlyContinue -InformationVariable info -InformationAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        @($warned).Count | Should -Be 1
        $warned[0].Message | Should -BeLike '*crm-0001 is already logged*skipped*'
        "$info" | Should -BeLike '*1 skipped (already logged)*'
        # Many skips in one pipeline: one warning with the count.
        $rows = 1..4 | ForEach-Object { [pscustomobject]@{ ActivityId = "crm-bulk-$_"; Kind = 'EmailOpened'; MarketoId = $p.MarketoId; Subject = "Bulk $_" } }
        $rows | Send-SalesActivity -InformationAction Ignore
        $rows | Send-SalesActivity -WarningVariable many -WarningAction SilentlyContinue -InformationAction Ignore
        @($many).Count | Should -Be 1
        $many[0].Message | Should -BeLike '4 activities are already logged*crm-bulk-1*'
    }

    It 'row 78: ids that differ only in case are one id, within one group too (the store ignores case): a skip or ActivityIdReused, and the rows after them are stored' {
        $rows = @(
            [pscustomobject]@{ ActivityId = 'case-1'; Kind = 'EmailOpened'; MarketoId = $p.MarketoId; Subject = 'Case' }
            [pscustomobject]@{ ActivityId = 'CASE-1'; Kind = 'EmailOpened'; MarketoId = $p.MarketoId; Subject = 'Case' }
            [pscustomobject]@{ ActivityId = 'Case-1'; Kind = 'EmailOpened'; MarketoId = $p.MarketoId; Subject = 'Other' }
            [pscustomobject]@{ ActivityId = 'case-after'; Kind = 'EmailOpened'; MarketoId = $p.MarketoId; Subject = 'After' }
        )
        $out = @($rows | Send-SalesActivity -PassThru -ErrorVariable bad -ErrorAction SilentlyContinue -WarningAction SilentlyContinue -InformationAction Ignore)
        $out.ActivityId | Should -Be @('case-1', 'case-after')
        @($bad).Count | Should -Be 1
        Assert-Error $bad[0] 'ActivityIdReused' 'ResourceExists' 'Case-1'
        @(Get-SalesActivity -ActivityId case-1, case-after).Count | Should -Be 2
    }

    It 'row 79: ''hello'' piped in is InputNotAnActivity' {
        Assert-Error (Get-OneError { 'hello' | Send-SalesActivity -Kind EmailOpened -Subject x }) 'InputNotAnActivity' 'InvalidArgument' 'hello'
    }

    It 'row 80: $null and objects without a person are MissingPerson' {
        Assert-Error (Get-OneError { $null | Send-SalesActivity -Kind EmailOpened -Subject x }) 'MissingPerson' 'InvalidArgument'
        $e = Get-OneError { Get-Process -Id $PID | Send-SalesActivity -Kind EmailOpened -Subject x }
        Assert-Error $e 'MissingPerson' 'InvalidArgument'
        $e.TargetObject | Should -BeOfType [System.Diagnostics.Process]
    }

    It 'row 81: a sent email to someone unsubscribed is refused per item (PermissionDenied) and kept as Refused' {
        $unsubscribed = @(Get-SyncedPerson) | Where-Object { $_.Unsubscribed -and $_.Email } | Select-Object -First 1
        $e = Get-OneError { Send-SalesActivity -Kind EmailSent -MarketoId $unsubscribed.MarketoId -Subject 'Should not go' }
        $e.FullyQualifiedErrorId.Split(',')[0] | Should -BeIn 'Unsubscribed', 'OptedOutInSalesforce'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
        $e.TargetObject.MarketoId | Should -Be $unsubscribed.MarketoId
    }

    It 'row 82: a send while Marketo is down stores the activity (no .NET type name as ErrorId)' {
        Connect-Sandbox -maxRetries 0
        Set-Fault @{ service = 'marketo'; path = '/rest/*'; kind = 'http'; status = 503; probability = 1.0 }
        try {
            Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject 'While down' -ErrorVariable failed -ErrorAction SilentlyContinue -WarningVariable warned -WarningAction SilentlyContinue -InformationAction Ignore
            @($failed).Count | Should -Be 0
            @($warned).Count | Should -Be 1
            @(Get-SalesActivity -State Pending -Destination Marketo | Where-Object Subject -EQ 'While down').Count | Should -Be 1
        } finally {
            Clear-Fault
            Connect-Sandbox
        }
        Sync-SalesActivity -InformationAction Ignore | Out-Null
        @(Get-SalesActivity -State Delivered -Destination Marketo | Where-Object Subject -EQ 'While down').Count | Should -Be 1
    }

    It 'takes the email from ''Email Address'' and EmailAddress columns, trimmed and in any case' {
        $unique = ($people | Group-Object Email | Where-Object Count -EQ 1 | Select-Object -First 2).Name
        $a = [pscustomobject]@{ Kind = 'emailopened'; 'Email Address' = " $($unique[0].ToUpperInvariant()) "; Subject = 'Alias 1' } | Send-SalesActivity -PassThru -InformationAction Ignore
        $b = [pscustomobject]@{ Kind = 'EmailOpened'; EmailAddress = $unique[1]; Subject = 'Alias 2' } | Send-SalesActivity -PassThru -InformationAction Ignore
        $a.Email | Should -Be $unique[0]
        $b.Email | Should -Be $unique[1]
    }

    It 'hides -InputObject from tab completion (DontShow: PowerShell offers it only to a prefix nothing else matches)' {
        $line = 'Send-SalesActivity -'
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        $offered | Should -Contain '-Kind'
        $offered | Should -Not -Contain '-InputObject'
    }
}

Describe 'Sync-SalesActivity bad input' {
    It 'row 105: -ActivityId without -RetryFailed is ActivityIdWithoutRetryFailed' {
        { Sync-SalesActivity -ActivityId SS-X -ErrorAction Stop } | Should -Throw -ErrorId 'ActivityIdWithoutRetryFailed*'
    }

    It 'row 106: -RetryFailed -ActivityId SS-NOPE writes SalesActivityNotFound' {
        $e = Get-OneError { Sync-SalesActivity -RetryFailed -ActivityId SS-NOPE -InformationAction Ignore | Out-Null }
        Assert-Error $e 'SalesActivityNotFound' 'ObjectNotFound' 'SS-NOPE'
    }
}

Describe 'Flat output and summaries' {
    It 'keeps every attribute through Export-Csv and ConvertTo-Json; dates round-trip' {
        $call = Send-SalesActivity -Kind CallReceived -MarketoId $people[4].MarketoId -CallStatus Completed -CallOutcome 'Demo booked' -DurationSeconds 95 `
            -PhoneNumber '+1 555 0100' -OccurredAt '2026-11-01T10:00:00.250Z' -PassThru -InformationAction Ignore
        $json = $call | ConvertTo-Json | ConvertFrom-Json
        $json.Kind | Should -Be 'CallReceived'
        $json.CallStatus | Should -Be 'completed'
        $json.DurationSeconds | Should -Be 95
        $csv = Join-Path $folder 'activities.csv'
        Get-SalesActivity -ActivityId $call.ActivityId | Export-Csv -LiteralPath $csv -NoTypeInformation
        $row = Import-Csv -LiteralPath $csv
        $row.CallOutcome | Should -Be 'Demo booked'
        $row.PhoneNumber | Should -Be '+1 555 0100'
        $row.Kind | Should -Be 'CallReceived'
        $row.OccurredAtUtc | Should -Be '2026-11-01T10:00:00.250Z'
        (Get-Content -LiteralPath $csv -Raw) | Should -Not -BeLike '*System.Collections*'
        # The file sent back is the same activity: a skip, not a second one.
        $row | Send-SalesActivity -WarningVariable warned -WarningAction SilentlyContinue -InformationAction Ignore -ErrorAction Stop
        $warned[0].Message | Should -BeLike "*$($call.ActivityId) is already logged*"
        $view = (Get-FormatData SalesSync.SalesActivity).FormatViewDefinition[0].Control.Rows[0].Columns.DisplayEntry
        $view.ValueType | Sort-Object -Unique | Should -Be 'Property'
        $view.Value | ForEach-Object { $call.PSObject.Properties.Name | Should -Contain $_ }
    }

    It 'ends Send-SalesActivity and Sync-SalesActivity with a one-line summary on the Information stream' {
        $rows = $people[5..7] | ForEach-Object { [pscustomobject]@{ Kind = 'EmailSent'; MarketoId = $_.MarketoId; Subject = 'Summary' } }
        $rows + [pscustomobject]@{ Kind = 'Nope'; MarketoId = $p.MarketoId } | Send-SalesActivity -InformationVariable info -InformationAction SilentlyContinue -ErrorAction SilentlyContinue
        $summary = @($info | Where-Object Tags -Contains 'SalesSync.Summary')
        $summary.Count | Should -Be 1
        "$($summary[0].MessageData)" | Should -BeLike '3 accepted: Marketo 3 delivered, 0 failed, 0 pending; Salesforce * delivered, * failed*; 1 bad input'
        $sync = @(Sync-SalesActivity -InformationVariable synced -InformationAction SilentlyContinue)
        "$($synced | Where-Object Tags -Contains 'SalesSync.Summary')" | Should -BeLike 'Marketo 0 delivered, 0 failed*; 0 pending'
        $sync.Count | Should -Be 1
        # Progress: the command's record with Marketo's nested under it (a runspace of this process shares the connection).
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Join-Path $root 'SalesSync.psd1')'; Send-SalesActivity -Kind EmailOpened -MarketoId $($p.MarketoId) -Subject 'With progress' -InformationAction Ignore").Invoke()
            $records = @($ps.Streams.Progress)
            ($records | Where-Object { $_.Activity -eq 'Send-SalesActivity' -and $_.StatusDescription -like '1 accepted*' }) | Should -Not -BeNullOrEmpty
            ($records | Where-Object { $_.ParentActivityId -eq 1 -and $_.StatusDescription -like 'Marketo: 1 delivered*' }) | Should -Not -BeNullOrEmpty
            $records[-1].RecordType | Should -Be 'Completed'
        } finally { $ps.Dispose() }
        # 6>$null hides it; the output stream never carries it.
        $out = & { Send-SalesActivity -Kind EmailOpened -MarketoId $p.MarketoId -Subject 'Quiet' 6>$null } 6>&1
        $out | Should -BeNullOrEmpty
    }
}
