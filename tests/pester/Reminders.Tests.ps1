# New-/Get-/Set-/Complete-/Remove-SalesReminder, Get-SalesReminderConflict, Sync-SalesReminder, -ReminderSync and
# Start-SalesSync's reminder step against the sandbox (one sandbox for the file).
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '300', '--seed', '16')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-reminders-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'reminders.db'
    # Control dumps are one JSON object per line (or a JSON array): always a flat list of objects.
    function Get-Dump([string] $path) {
        $content = (Invoke-WebRequest "$($sandbox.Control)$path").Content
        $text = if ($content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($content) } else { $content }
        if ($text.TrimStart().StartsWith('[')) { return @($text | ConvertFrom-Json -NoEnumerate) | ForEach-Object { $_ } }
        $text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json -AsHashtable }
    }
    function Connect-Sandbox([switch] $MarketoOnly, [string] $Path = $database) {
        $salesforce = if ($MarketoOnly) { @{} } else { @{ SalesforceUri = $sandbox.Salesforce.uri; SalesforceCredential = $sandbox.SalesforceCredential } }
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -Database $Path @salesforce -WarningAction SilentlyContinue | Out-Null
    }
    function Get-Errors([scriptblock] $run) {
        $ErrorActionPreference = 'Continue'
        @(& $run 2>&1 6>$null 3>$null | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    }
    function Get-OneError([scriptblock] $run) {
        $errors = Get-Errors $run
        $errors.Count | Should -Be 1 -Because ($errors | Out-String)
        $errors[0]
    }
    function Assert-Error($record, [string] $errorId, [string] $category, $target) {
        $record.FullyQualifiedErrorId.Split(',')[0] | Should -Be $errorId
        $record.CategoryInfo.Category | Should -Be $category
        if ($PSBoundParameters.ContainsKey('target')) { $record.TargetObject | Should -Be $target }
        $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
    function Get-Failure([scriptblock] $run) {
        try { & $run 6>$null 3>$null | Out-Null } catch { return $_ }
        throw 'expected a terminating error'
    }
    function Get-Count { @(Get-SalesReminder -IncludeDeleted).Count }

    # Two synced people share an email (an AmbiguousEmail); everyone else keeps their own.
    $script:shared = 'shared.reminder@example.com'
    foreach ($id in 21, 22) {
        Invoke-RestMethod -Method Patch "$($sandbox.Control)people/$id" -ContentType 'application/json' -Body (@{ email = $shared } | ConvertTo-Json) | Out-Null
    }
    Connect-Sandbox
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    $script:people = @(Get-SyncedPerson | Where-Object { $_.Email -and $_.SalesOwnerId -and $_.Email -ne $shared -and ($_.SalesforceContactId -or $_.SalesforceLeadId) })
    $script:p = $people[0]
    $script:today = (Get-Date).Date
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'New-SalesReminder' {
    It 'makes a reminder for the person''s sales owner, Open, Normal, kept local while reminder sync is Off; nothing written without -PassThru' {
        $out = @(New-SalesReminder -MarketoId $p.MarketoId -Subject '  Call back about pricing ' -DueDate $today.AddDays(3))
        $out.Count | Should -Be 0
        $r = Get-SalesReminder -MarketoId $p.MarketoId
        $r.ReminderId | Should -Match '^SR-[A-Z2-7]{16}$'
        $r.Subject | Should -Be 'Call back about pricing'
        $r.DueDate | Should -Be $today.AddDays(3)
        $r.Status | Should -Be 'Open'
        $r.Priority | Should -Be 'Normal'
        $r.OwnerId | Should -Be $p.SalesOwnerId
        $r.Email | Should -Be $p.Email
        $r.SalesforceWhoId | Should -Be $(if ($p.SalesforceContactId) { $p.SalesforceContactId } else { $p.SalesforceLeadId })
        $r.SyncState | Should -Be 'NotSynced'
        $r.SyncNote | Should -Match 'IncludeExisting'
        $r.Origin | Should -Be 'Local'
    }

    It 'takes -Email, ISO text and a [datetime]: the time part and the offset are ignored, never converted' {
        $a = New-SalesReminder -Email $people[1].Email.ToUpperInvariant() -Subject 'ISO with time' -DueDate '2026-12-10T23:30:00-11:00' -Priority high -PassThru
        $a.MarketoId | Should -Be $people[1].MarketoId
        $a.DueDate | Should -Be ([datetime]'2026-12-10')
        $a.Priority | Should -Be 'High'
        $b = New-SalesReminder -MarketoId $people[1].MarketoId -Subject 'DateTime with time' -DueDate ([datetime]'2027-01-01 23:59:59') -PassThru
        $b.DueDate | Should -Be ([datetime]'2027-01-01')
    }

    It 'takes synced people from the pipeline, each for their own owner, and -OwnerId for another seller' {
        $three = $people[2..4]
        $made = @($three | New-SalesReminder -Subject 'Webinar follow-up' -DueDate $today.AddDays(7) -PassThru)
        $made.Count | Should -Be 3
        $made.MarketoId | Should -Be $three.MarketoId
        $made.OwnerId | Should -Be $three.SalesOwnerId
        $other = $people[5].SalesOwnerId.Substring(0, 15)
        (New-SalesReminder -MarketoId $people[2].MarketoId -Subject 'For another seller' -DueDate $today -OwnerId $other -PassThru).OwnerId | Should -Be $people[5].SalesOwnerId
    }

    It 'takes CSV rows one by one: bad rows are their own errors (ErrorId, category, the value as target) and the others are made' {
        $csv = Join-Path $folder 'rows.csv'
        @(
            [pscustomobject]@{ MarketoId = $people[6].MarketoId; Email = ''; Subject = 'Row 1'; DueDate = '2026-12-20'; Priority = ''; Details = "Two`nlines" }
            [pscustomobject]@{ MarketoId = ''; Email = $people[7].Email; Subject = 'Row 2'; DueDate = 'next week'; Priority = 'High'; Details = '' }
            [pscustomobject]@{ MarketoId = '999999999'; Email = ''; Subject = 'Row 3'; DueDate = '2026-12-20'; Priority = ''; Details = '' }
            [pscustomobject]@{ MarketoId = ''; Email = $people[8].Email; Subject = 'Row 4'; DueDate = '2026-12-21'; Priority = 'High'; Details = '' }
        ) | Export-Csv $csv
        $before = Get-Count
        $records = @(& { $ErrorActionPreference = 'Continue'; Import-Csv $csv | New-SalesReminder -PassThru } 2>&1)
        $made = @($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
        $errors = @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $made.Subject | Should -Be 'Row 1', 'Row 4'
        $made[0].Details | Should -Be "Two`nlines"
        $made[1].Priority | Should -Be 'High'
        (Get-Count) | Should -Be ($before + 2)
        $errors.Count | Should -Be 2
        Assert-Error $errors[0] 'InvalidValue' 'InvalidArgument' 'next week'
        Assert-Error $errors[1] 'PersonNotSynced' 'ObjectNotFound' 999999999
    }

    It 'refuses <Name> with <ErrorId>' -ForEach @(
        @{ Name = 'an empty subject'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; Subject = '   ' }
        @{ Name = 'a 256-character subject'; ErrorId = 'ValueTooLong'; Category = 'LimitsExceeded'; Subject = ('x' * 256) }
        @{ Name = 'a multi-line subject'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; Subject = "Call`nback" }
        @{ Name = 'a subject with a Unicode line separator'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; Subject = "Call$([char]0x2028)back" }
        @{ Name = 'a date that is no date'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; DueDate = '2026-02-30' }
        @{ Name = 'a day Salesforce does not take'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; DueDate = '1600-01-01' }
        @{ Name = 'priority Low'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; Priority = 'Low' }
        @{ Name = 'a queue as owner'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; OwnerId = '00G5g00000AbCdE' }
        @{ Name = 'an unknown person'; ErrorId = 'PersonNotSynced'; Category = 'ObjectNotFound'; MarketoId = '987654321' }
        @{ Name = 'a Marketo id that is no number'; ErrorId = 'InvalidValue'; Category = 'InvalidArgument'; MarketoId = 'abc' }
        @{ Name = 'an email two people share'; ErrorId = 'AmbiguousEmail'; Category = 'InvalidArgument'; Email = 'shared.reminder@example.com' }
        @{ Name = 'no person'; ErrorId = 'MissingPerson'; Category = 'InvalidArgument'; NoPerson = $true }
    ) {
        $arguments = @{ Subject = 'Fine'; DueDate = '2026-12-24' }
        if (-not $NoPerson -and -not $Email -and -not $MarketoId) { $arguments.MarketoId = $p.MarketoId }
        foreach ($name in 'Subject', 'DueDate', 'Priority', 'OwnerId', 'MarketoId', 'Email') {
            $value = Get-Variable $name -ValueOnly -ErrorAction SilentlyContinue
            if ($null -ne $value -and ($name -ne 'Subject' -or $Subject)) { $arguments[$name] = $value }
        }
        $before = Get-Count
        $e = Get-OneError { New-SalesReminder @arguments }
        Assert-Error $e $ErrorId $Category
        $e.Exception.Message | Should -Not -BeNullOrEmpty
        (Get-Count) | Should -Be $before
    }

    It '-WhatIf checks the item and writes nothing' {
        $before = Get-Count
        New-SalesReminder -MarketoId $p.MarketoId -Subject 'Only a plan' -DueDate $today -WhatIf | Should -BeNullOrEmpty
        (Get-Count) | Should -Be $before
        Assert-Error (Get-OneError { New-SalesReminder -MarketoId $p.MarketoId -Subject '' -DueDate $today -WhatIf }) 'InvalidValue' 'InvalidArgument'
    }
}

Describe 'Get-SalesReminder' {
    BeforeAll {
        $script:who = $people[10]
        $script:due = @{
            overdue  = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Overdue' -DueDate $today.AddDays(-2) -PassThru
            today    = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Today' -DueDate $today -PassThru
            tomorrow = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Tomorrow' -DueDate $today.AddDays(1) -Priority High -PassThru
            later    = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Later' -DueDate $today.AddDays(10) -PassThru
        }
    }

    It 'reads by person, due day, overdue and status, by due date' {
        (Get-SalesReminder -MarketoId $who.MarketoId).Subject | Should -Be 'Overdue', 'Today', 'Tomorrow', 'Later'
        (Get-SalesReminder -MarketoId $who.MarketoId -Today).Subject | Should -Be 'Today'
        (Get-SalesReminder -MarketoId $who.MarketoId -Tomorrow).Subject | Should -Be 'Tomorrow'
        (Get-SalesReminder -MarketoId $who.MarketoId -Today -Tomorrow).Subject | Should -Be 'Today', 'Tomorrow'
        (Get-SalesReminder -MarketoId $who.MarketoId -Overdue).Subject | Should -Be 'Overdue'
        (Get-SalesReminder -MarketoId $who.MarketoId -Overdue).Overdue | Should -BeTrue
        (Get-SalesReminder -MarketoId $who.MarketoId -DueFrom $today -DueTo $today.AddDays(1).AddHours(5)).Subject | Should -Be 'Today', 'Tomorrow'
        @(Get-SalesReminder -MarketoId $who.MarketoId -Status Complete).Count | Should -Be 0
    }

    It 'reads by -Email, -OwnerId (15 characters too), -SyncState, and from Get-SyncedPerson' {
        @(Get-SalesReminder -Email $who.Email.ToUpperInvariant()).Count | Should -Be 4
        (Get-SalesReminder -OwnerId $who.SalesOwnerId.Substring(0, 15) -MarketoId $who.MarketoId).Count | Should -Be 4
        @(Get-SalesReminder -SyncState NotSynced -MarketoId $who.MarketoId).Count | Should -Be 4
        @(Get-SalesReminder -SyncState Synced -MarketoId $who.MarketoId).Count | Should -Be 0
        @(Get-SyncedPerson -MarketoId $who.MarketoId | Get-SalesReminder).Count | Should -Be 4
        @(@() | Get-SalesReminder).Count | Should -Be 0 -Because 'an empty pipeline selects nobody, not every reminder'
    }

    It 'pages like Get-SalesActivity' {
        (Get-SalesReminder -MarketoId $who.MarketoId -Skip 1 -First 2).Subject | Should -Be 'Today', 'Tomorrow'
        $counted = @(Get-SalesReminder -MarketoId $who.MarketoId -IncludeTotalCount -First 1)
        $counted[0] | Should -Match '4'
    }

    It 'says which ids match nothing, and refuses a backwards or doubled due range' {
        $e = Get-OneError { Get-SalesReminder -ReminderId $due.today.ReminderId.ToLowerInvariant(), 'SR-AAAAAAAAAAAAAAAA' }
        Assert-Error $e 'ReminderNotFound' 'ObjectNotFound' 'SR-AAAAAAAAAAAAAAAA'
        Assert-Error (Get-OneError { Get-SalesReminder -Email 'nobody@nowhere.example' }) 'PersonNotSynced' 'ObjectNotFound' 'nobody@nowhere.example'
        $f = Get-Failure { Get-SalesReminder -DueFrom $today -DueTo $today.AddDays(-1) }
        $f.FullyQualifiedErrorId | Should -BeLike 'DueToBeforeDueFrom*'
        (Get-Failure { Get-SalesReminder -Today -DueFrom $today }).FullyQualifiedErrorId | Should -BeLike 'DueRangeTwice*'
    }
}

Describe 'Set-, Complete- and Remove-SalesReminder' {
    BeforeAll {
        $script:who = $people[11]
        $script:r1 = New-SalesReminder -MarketoId $who.MarketoId -Subject 'First' -DueDate $today -PassThru
        $script:r2 = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Second' -DueDate $today.AddDays(1) -PassThru
        $script:r3 = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Third' -DueDate $today.AddDays(2) -Details 'Old' -PassThru
    }

    It 'changes only the values given, and -WhatIf changes nothing' {
        Set-SalesReminder $r1.ReminderId -Priority High -WhatIf
        (Get-SalesReminder -ReminderId $r1.ReminderId).Priority | Should -Be 'Normal'
        $set = Set-SalesReminder $r1.ReminderId -Priority High -DueDate '2027-03-01' -Subject 'First, moved' -PassThru
        $set.Priority | Should -Be 'High'
        $set.DueDate | Should -Be ([datetime]'2027-03-01')
        $set.Subject | Should -Be 'First, moved'
        $set.Status | Should -Be 'Open'
        (Set-SalesReminder $r3.ReminderId -Details '' -PassThru).Details | Should -BeNullOrEmpty
    }

    It 'completes and reopens from the pipeline' {
        $done = @(Get-SalesReminder -ReminderId $r1.ReminderId, $r2.ReminderId | Complete-SalesReminder -PassThru)
        $done.Status | Should -Be 'Complete', 'Complete'
        $done[0].CompletedAt | Should -Not -BeNullOrEmpty
        $open = $r2.ReminderId | Set-SalesReminder -Status Open -PassThru
        $open.Status | Should -Be 'Open'
        $open.CompletedAt | Should -BeNullOrEmpty
    }

    It 'goes on past an unknown id, with the id as target' {
        $records = @(& { $ErrorActionPreference = 'Continue'; Complete-SalesReminder -ReminderId 'SR-BBBBBBBBBBBBBBBB', $r3.ReminderId -PassThru } 2>&1)
        Assert-Error ($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) 'ReminderNotFound' 'ObjectNotFound' 'SR-BBBBBBBBBBBBBBBB'
        ($records | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }).Status | Should -Be 'Complete'
    }

    It 'refuses a bad value per id and a call with nothing to change' {
        $before = (Get-SalesReminder -ReminderId $r2.ReminderId).Subject
        Assert-Error (Get-OneError { Set-SalesReminder $r2.ReminderId -Subject ('y' * 256) }) 'ValueTooLong' 'LimitsExceeded'
        Assert-Error (Get-OneError { Set-SalesReminder $r2.ReminderId -Subject "a`r`nb" }) 'InvalidValue' 'InvalidArgument'
        (Get-SalesReminder -ReminderId $r2.ReminderId).Subject | Should -Be $before
        (Get-Failure { Set-SalesReminder $r2.ReminderId -DueDate 'soon' }).FullyQualifiedErrorId | Should -BeLike 'InvalidValue*'
        (Get-Failure { Set-SalesReminder $r2.ReminderId }).FullyQualifiedErrorId | Should -BeLike 'NoChangeGiven*'
    }

    It 'deletes: a tombstone shown only with -IncludeDeleted, which cannot change again' {
        Remove-SalesReminder $r2.ReminderId -WhatIf
        (Get-SalesReminder -ReminderId $r2.ReminderId).SyncState | Should -Be 'NotSynced'
        $r2.ReminderId | Remove-SalesReminder
        @(Get-SalesReminder -MarketoId $who.MarketoId).ReminderId | Should -Not -Contain $r2.ReminderId
        $gone = Get-SalesReminder -ReminderId $r2.ReminderId -IncludeDeleted
        $gone.SyncState | Should -Be 'Deleted'
        $gone.DeletedIn | Should -Be 'Local'
        Assert-Error (Get-OneError { Get-SalesReminder -ReminderId $r2.ReminderId }) 'ReminderNotFound' 'ObjectNotFound' $r2.ReminderId
        Assert-Error (Get-OneError { Set-SalesReminder $r2.ReminderId -Priority High }) 'ReminderDeleted' 'InvalidOperation' $r2.ReminderId
        Assert-Error (Get-OneError { Remove-SalesReminder $r2.ReminderId }) 'ReminderDeleted' 'InvalidOperation' $r2.ReminderId
        (Get-Command Remove-SalesReminder).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact | Should -Be 'Medium'
    }
}

Describe 'Input checks from the admin walk' {
    BeforeAll {
        $script:who = $people[15]
        $script:mine = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Walk' -DueDate $today.AddDays(4) -PassThru
    }

    It 'H1: an empty, null or blank -ReminderId is an error, never every reminder' {
        $all = Get-Count
        (Get-Failure { Get-SalesReminder '' }).FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        (Get-Failure { Get-SalesReminder $null }).FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        $id = $null
        (Get-Failure { Get-SalesReminder $id | Remove-SalesReminder }).FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentValidationError*'
        Assert-Error (Get-OneError { Get-SalesReminder '   ' }) 'InvalidValue' 'InvalidArgument' '   '
        @(& { $ErrorActionPreference = 'SilentlyContinue'; '' | Get-SalesReminder }).Count | Should -Be 0
        Get-Count | Should -Be $all
    }

    It 'L3: ids piped as plain strings; Get-SalesReminderConflict takes several and answers an unknown id as Get does; a person piped into Set says it needs reminders' {
        ($mine.ReminderId | Get-SalesReminder).ReminderId | Should -Be $mine.ReminderId
        @(Get-SalesReminderConflict $mine.ReminderId, $mine.ReminderId).Count | Should -Be 0
        @($mine.ReminderId | Get-SalesReminderConflict).Count | Should -Be 0
        Assert-Error (Get-OneError { Get-SalesReminderConflict 'SR-CCCCCCCCCCCCCCCC' }) 'ReminderNotFound' 'ObjectNotFound' 'SR-CCCCCCCCCCCCCCCC'
        Assert-Error (Get-OneError { Get-SalesReminderConflict 'SR-*' }) 'ReminderNotFound' 'ObjectNotFound' 'SR-*'
        (Get-OneError { Get-SalesReminder 'SR-CCCCCCCCCCCCCCCC' }).Exception.Message | Should -Be (Get-OneError { Get-SalesReminderConflict 'SR-CCCCCCCCCCCCCCCC' }).Exception.Message
        $e = Get-OneError { Get-SyncedPerson -MarketoId $who.MarketoId | Set-SalesReminder -Priority High }
        Assert-Error $e 'InvalidValue' 'InvalidArgument'
        $e.Exception.Message | Should -Match 'needs reminders .* not a SalesSync.SyncedPerson'
        @(Get-SyncedPerson -MarketoId $who.MarketoId | Get-SalesReminder).ReminderId | Should -Be $mine.ReminderId
    }

    It 'L1: enum parameters take names only (<Name>)' -ForEach @(
        @{ Name = 'New -Priority 1'; Run = { New-SalesReminder -MarketoId $who.MarketoId -Subject 'x' -DueDate $today -Priority 1 } }
        @{ Name = 'New -Priority Normal,High'; Run = { New-SalesReminder -MarketoId $who.MarketoId -Subject 'x' -DueDate $today -Priority 'Normal,High' } }
        @{ Name = 'Set -Status 1'; Run = { Set-SalesReminder $mine.ReminderId -Status 1 } }
        @{ Name = 'Set -Priority 0'; Run = { Set-SalesReminder $mine.ReminderId -Priority 0 } }
        @{ Name = 'Get -Status 1'; Run = { Get-SalesReminder -Status 1 } }
        @{ Name = 'Get -SyncState 2'; Run = { Get-SalesReminder -SyncState 2 } }
        @{ Name = 'Set-SalesActivitySetting -ReminderSync 1'; Run = { Set-SalesActivitySetting -ReminderSync 1 } }
    ) {
        $count = Get-Count
        # A binding refusal is terminating; New-SalesReminder's per-row InvalidValue is not: either is a refusal.
        $errors = try { @(Get-Errors $Run) } catch { @($_) }
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Match '^(ParameterArgumentValidationError|InvalidValue)'
        $errors[0].Exception.Message | Should -Match 'Normal|Open|Off|NotSynced'
        Get-Count | Should -Be $count
        (Get-SalesReminder -ReminderId $mine.ReminderId).Status | Should -Be 'Open'
        (Get-SalesActivitySetting).ReminderSync | Should -Be 'Off'
    }

    It 'L1: an empty -Priority is refused when typed; names complete' {
        (Get-Failure { New-SalesReminder -MarketoId $who.MarketoId -Subject 'x' -DueDate $today -Priority '' }).FullyQualifiedErrorId | Should -BeLike 'InvalidValue*'
        foreach ($line in 'Set-SalesReminder -Status C', 'Set-SalesActivitySetting -ReminderSync T', 'Set-SalesReminder -Priority H') {
            @((TabExpansion2 $line $line.Length).CompletionMatches).Count | Should -Be 1 -Because $line
        }
    }

    It 'M6: a User id in another case is stored and filtered in its canonical form; a bad checksum is InvalidValue' {
        $canonical = $who.SalesOwnerId
        $typed = $canonical.Substring(0, 15) + $canonical.Substring(15).ToLowerInvariant()
        $made = New-SalesReminder -MarketoId $who.MarketoId -Subject 'Other case' -DueDate $today -OwnerId $typed -PassThru
        $made.OwnerId | Should -BeExactly $canonical
        (Get-SalesReminder -OwnerId $canonical.ToUpperInvariant() -MarketoId $who.MarketoId).ReminderId | Should -Contain $made.ReminderId
        Assert-Error (Get-OneError { New-SalesReminder -MarketoId $who.MarketoId -Subject 'Bad' -DueDate $today -OwnerId ($canonical.Substring(0, 15) + '999') }) 'InvalidValue' 'InvalidArgument'
        Remove-SalesReminder $made.ReminderId
    }

    It 'L2: a subject of invisible characters is empty; emoji are counted as Salesforce counts them, and said so' {
        Assert-Error (Get-OneError { New-SalesReminder -MarketoId $who.MarketoId -Subject ([string][char]0x200B * 3) -DueDate $today }) 'InvalidValue' 'InvalidArgument'
        $e = Get-OneError { New-SalesReminder -MarketoId $who.MarketoId -Subject ([char]::ConvertFromUtf32(0x1F600) * 200) -DueDate $today }
        Assert-Error $e 'ValueTooLong' 'LimitsExceeded'
        $e.Exception.Message | Should -Match '^Subject has 200 characters, which Salesforce counts as 400 \(it counts UTF-16 code units'
    }

    It 'L4: -Email that is not an address and -OwnerId that is not a User id are InvalidValue; unsynced people are PersonNotSynced either way' {
        (Get-Failure { Get-SalesReminder -Email nope }).FullyQualifiedErrorId | Should -BeLike 'InvalidValue*'
        foreach ($owner in 'bob', '005*', '00G5g00000AbCdEAAA') { (Get-Failure { Get-SalesReminder -OwnerId $owner }).FullyQualifiedErrorId | Should -BeLike 'InvalidValue*' }
        Assert-Error (Get-OneError { Get-SalesReminder -MarketoId 999999 }) 'PersonNotSynced' 'ObjectNotFound' 999999
        Assert-Error (Get-OneError { Get-SalesReminder -Email 'nobody@nowhere.example' }) 'PersonNotSynced' 'ObjectNotFound' 'nobody@nowhere.example'
        # The synced person's reminders still come, after the other id's error.
        @(& { $ErrorActionPreference = 'SilentlyContinue'; Get-SalesReminder -MarketoId 999999, $who.MarketoId }).ReminderId | Should -Be $mine.ReminderId
    }

    It 'L5: a date outside Salesforce''s range stops Set-SalesReminder as a malformed one does' {
        foreach ($bad in '1699-12-31', 'next friday') {
            $f = Get-Failure { Set-SalesReminder $mine.ReminderId -DueDate $bad }
            $f.FullyQualifiedErrorId | Should -BeLike 'InvalidValue*'
        }
        (Get-SalesReminder -ReminderId $mine.ReminderId).DueDate | Should -Be $today.AddDays(4)
    }

    It 'L8: the table shows DueDate as a Gregorian yyyy-MM-dd in any culture' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'ar-SA'
            $text = Get-SalesReminder -ReminderId $mine.ReminderId | Format-Table | Out-String -Width 80
        }
        finally { [cultureinfo]::CurrentCulture = $culture }
        $text | Should -Match ([regex]::Escape($today.AddDays(4).ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture)))
    }

    It 'settings are flat: SalesforceKinds are names in JSON' {
        (Get-SalesActivitySetting | ConvertTo-Json | ConvertFrom-Json).SalesforceKinds | ForEach-Object { $_ | Should -BeOfType [string] }
    }
}

Describe 'Output' {
    It 'is flat: Export-Csv and ConvertTo-Json keep every value' {
        $r = New-SalesReminder -MarketoId $people[12].MarketoId -Subject 'Round trip, "quoted"' -DueDate '2026-12-31' -Priority High -Details "a`nb" -PassThru
        $json = $r | ConvertTo-Json -Compress | ConvertFrom-Json
        $csv = $r | ConvertTo-Csv | ConvertFrom-Csv
        foreach ($property in $r.PSObject.Properties) {
            $json.PSObject.Properties.Name | Should -Contain $property.Name
            $csv.PSObject.Properties.Name | Should -Contain $property.Name
            if ($property.Value -is [string]) {
                $json.($property.Name) | Should -Be $property.Value
                $csv.($property.Name) | Should -Be $property.Value
            }
        }
        [datetime]$json.DueDate | Should -Be ([datetime]'2026-12-31')
        $csv.Priority | Should -Be 'High'
        $csv.Status | Should -Be 'Open'
        $back = $csv | New-SalesReminder -PassThru # a CSV of reminders makes copies of them
        $back.Subject | Should -Be $r.Subject
        $back.DueDate | Should -Be $r.DueDate
    }

    It 'has views whose every column is a real property, the reminder table in 80 columns with DueDate as yyyy-MM-dd' {
        # The engine's records live in the module's own load context: [SalesSync.Core...] does not resolve, the cmdlets' output types do.
        $types = @{}
        foreach ($cmdlet in 'Get-SalesReminder', 'Get-SalesReminderConflict', 'Sync-SalesReminder') { $t = (Get-Command $cmdlet).OutputType[0].Type; $types[$t.Name] = $t }
        foreach ($type in 'SalesReminder', 'ReminderConflict') {
            $properties = $types[$type].GetProperties().Name
            $view = (Get-FormatData -TypeName $types[$type].FullName).FormatViewDefinition[0].Control
            # A column is a property, or (DueDate, culture-proof) a script block over the property its header names.
            $columns = $view.Rows[0].Columns
            for ($i = 0; $i -lt $columns.Count; $i++) {
                $entry = $columns[$i].DisplayEntry
                if ($entry.ValueType -eq 'ScriptBlock') { $entry.Value | Should -Match ([regex]::Escape('$_.' + $view.Headers[$i].Label)) } else { $properties | Should -Contain $entry.Value }
            }
            $view.Headers.Label | ForEach-Object { $properties | Should -Contain $_ }
        }
        $report = (Get-FormatData -TypeName 'SalesSync.Core.Reminders.ReminderSyncReport').FormatViewDefinition[0].Control
        $report.Entries[0].Items | ForEach-Object { $types['ReminderSyncReport'].GetProperties().Name | Should -Contain $_.DisplayEntry.Value }
        $text = Get-SalesReminder -MarketoId $people[12].MarketoId | Select-Object -First 1 | Format-Table | Out-String -Width 80
        $lines = $text -split "`n" | Where-Object { $_.Trim() }
        $lines[0] | Should -Match '^ReminderId\s+DueDate\s+Status\s+Priority\s+SyncState\s+Subject'
        $lines[2] | Should -Match 'SR-\w{16} 2026-12-31 Open\s+High\s+NotSynced Round trip'
        $lines | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }
}

Describe 'Reminder sync: the setting, Sync-SalesReminder, Start-SalesSync' {
    It 'is Off by default, and Sync-SalesReminder then says how to turn it on' {
        $setting = Get-SalesActivitySetting
        $setting.ReminderSync | Should -Be 'Off'
        $setting.ReminderSyncEnabledAt | Should -BeNullOrEmpty
        $f = Get-Failure { Sync-SalesReminder }
        $f.FullyQualifiedErrorId | Should -BeLike 'ReminderSyncOff*'
        $f.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $f.Exception.Message | Should -Match 'Set-SalesActivitySetting -ReminderSync TwoWay'
        (Get-Failure { Sync-SalesReminder -WhatIf }).FullyQualifiedErrorId | Should -BeLike 'ReminderSyncOff*'
    }

    It 'needs Salesforce' {
        try {
            Connect-Sandbox -MarketoOnly -Path (Join-Path $folder 'marketo-only.db')
            $f = Get-Failure { Sync-SalesReminder }
            $f.FullyQualifiedErrorId | Should -BeLike 'SalesforceNotConnected*'
            $f.CategoryInfo.Category | Should -Be 'ConnectionError'
        }
        finally { Connect-Sandbox }
    }

    It 'Start-SalesSync skips the reminder step while it is Off' {
        $out = @(Start-SalesSync -PassThru -Verbose 4>&1 3>$null)
        $out | Where-Object { $_.PSObject.TypeNames[0] -eq 'SalesSync.Core.Reminders.ReminderSyncReport' } | Should -BeNullOrEmpty
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'reminder step is skipped: reminder sync is Off'
    }

    It 'records when it is turned on (-WhatIf changes nothing)' {
        Set-SalesActivitySetting -ReminderSync TwoWay -WhatIf
        (Get-SalesActivitySetting).ReminderSync | Should -Be 'Off'
        $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
        $on = Set-SalesActivitySetting -ReminderSync TwoWay -PassThru
        $on.ReminderSync | Should -Be 'TwoWay'
        $on.ReminderSyncEnabledAt | Should -BeGreaterThan $before
        $on.ReminderSyncChangedBy | Should -Not -BeNullOrEmpty
        [math]::Abs(((Get-SalesActivitySetting).ReminderSyncEnabledAt - $on.ReminderSyncEnabledAt).TotalSeconds) | Should -BeLessThan 0.01
        (New-SalesReminder -MarketoId $people[13].MarketoId -Subject 'Made while on' -DueDate $today.AddDays(2) -PassThru).SyncState | Should -Be 'Pending'
    }

    It 'Sync-SalesReminder -WhatIf reads and writes nothing' {
        $pending = Get-SalesReminder -MarketoId $people[13].MarketoId
        $report = Sync-SalesReminder -WhatIf -InformationVariable summary 6>$null
        $report.PSObject.TypeNames[0] | Should -Be 'SalesSync.Core.Reminders.ReminderSyncReport'
        $report.WhatIf | Should -BeTrue
        "$summary" | Should -Match '^What if'
        (Get-SalesReminder -MarketoId $people[13].MarketoId).SyncState | Should -Be $pending.SyncState
        @(Get-Dump "salesforce/Task?subject=Made while on") | Should -BeNullOrEmpty
    }

    It 'Sync-SalesReminder sends the new reminder, writes its report and a one-line summary' {
        $report = Sync-SalesReminder -InformationVariable summary 6>$null
        $report.WhatIf | Should -BeFalse
        $report.CreatedInSalesforce | Should -BeGreaterOrEqual 1
        @($summary).Count | Should -Be 1
        "$summary" | Should -Match '^\d+ Salesforce Tasks read: .* Salesforce calls, no Marketo calls'
        $r = Get-SalesReminder -MarketoId $people[13].MarketoId
        $r.SyncState | Should -Be 'Synced'
        $r.SalesforceTaskId | Should -Not -BeNullOrEmpty
        # Made while Off: not sent by this pass (Adobe's first-enable rule).
        (Get-SalesReminder -MarketoId $p.MarketoId | Select-Object -First 1).SyncState | Should -Be 'NotSynced'
    }

    It 'Start-SalesSync runs the reminder step (-SkipReminders leaves it out, -WhatIf says it would run)' {
        $out = @(Start-SalesSync -PassThru)
        @($out | Where-Object { $_.PSObject.TypeNames[0] -eq 'SalesSync.Core.Reminders.ReminderSyncReport' }).Count | Should -Be 1
        $out[-1] | Should -BeOfType [SalesSync.SyncRun]
        @(Start-SalesSync -PassThru -SkipReminders | Where-Object { $_.PSObject.TypeNames[0] -eq 'SalesSync.Core.Reminders.ReminderSyncReport' }).Count | Should -Be 0
        $transcript = Join-Path $folder 'whatif.txt'
        Start-Transcript $transcript | Out-Null
        try { Start-SalesSync -WhatIf } finally { Stop-Transcript | Out-Null }
        Get-Content $transcript -Raw | Should -Match 'Then the reminder step'
    }

    It 'Get-SalesReminderConflict reads conflicts (none without a conflicting change), by reminder and since' {
        @(Get-SalesReminderConflict).Count | Should -Be 0
        @(Get-SalesReminder -MarketoId $people[13].MarketoId | Get-SalesReminderConflict -Since (Get-Date).AddDays(-1)).Count | Should -Be 0
    }

    It 'applies a completion made in Salesforce' {
        $r = Get-SalesReminder -MarketoId $people[13].MarketoId
        Invoke-RestMethod -Method Post "$($sandbox.Control)salesforce/Task/$($r.SalesforceTaskId)/complete" | Out-Null
        $report = Sync-SalesReminder 6>$null
        $report.UpdatedLocally | Should -Be 1
        $after = Get-SalesReminder -ReminderId $r.ReminderId
        $after.Status | Should -Be 'Complete'
        $after.SyncState | Should -Be 'Synced'
    }

    It 'records a conflict when both sides change the same field: the later change wins, with a warning and both versions kept' {
        $r = Get-SalesReminder -MarketoId $people[13].MarketoId
        $salesforceDay = $today.AddDays(5)
        Invoke-RestMethod -Method Patch "$($sandbox.Control)salesforce/Task/$($r.SalesforceTaskId)" -ContentType 'application/json' `
            -Body (@{ ActivityDate = $salesforceDay.ToString('yyyy-MM-dd') } | ConvertTo-Json) | Out-Null
        Start-Sleep -Milliseconds 1100 # the local change is the later one, whatever the precision of Salesforce's stamps
        Set-SalesReminder $r.ReminderId -DueDate $today.AddDays(6)
        $report = Sync-SalesReminder -WarningVariable warnings -WarningAction SilentlyContinue 6>$null
        $report.Conflicts | Should -Be 1
        @($warnings).Count | Should -BeGreaterOrEqual 1
        $conflict = @(Get-SalesReminderConflict -ReminderId $r.ReminderId)
        $conflict.Count | Should -Be 1
        $conflict[0].Kind | Should -Be 'SameField'
        $conflict[0].Fields | Should -Match 'DueDate'
        $conflict[0].Winner | Should -Be 'Local'
        $conflict[0].LocalDueDate | Should -Be $today.AddDays(6)
        $conflict[0].SalesforceDueDate | Should -Be $salesforceDay
        (Get-SalesReminder -ReminderId $r.ReminderId).DueDate | Should -Be $today.AddDays(6)
        (Get-Dump "salesforce/Task/$($r.SalesforceTaskId)").ActivityDate | Should -Be $today.AddDays(6).ToString('yyyy-MM-dd')
        $table = $conflict | Format-Table | Out-String -Width 80
        $table | Should -Match 'SameField\s+Local\s+DueDate'
    }

    It 'reports each reminder Salesforce refuses as an error (ReminderRefusedBySalesforce, the reminder as target), kept Failed for later passes' {
        $refused = New-SalesReminder -MarketoId $people[14].MarketoId -Subject 'For a user Salesforce does not have' -DueDate $today -OwnerId '0055g00000ZZZZZ' -PassThru
        $errors = @()
        $report = Sync-SalesReminder -ErrorVariable errors -ErrorAction SilentlyContinue 6>$null
        $report.Failed | Should -Be 1
        $errors.Count | Should -Be 1
        Assert-Error $errors[0] 'ReminderRefusedBySalesforce' 'InvalidData'
        $errors[0].TargetObject.ReminderId | Should -Be $refused.ReminderId
        $after = Get-SalesReminder -ReminderId $refused.ReminderId
        $after.SyncState | Should -Be 'Failed'
        $after.SyncNote | Should -Not -BeNullOrEmpty
        $errors[0].Exception.Message | Should -BeLike "*$($after.SyncNote)*"
        # L6: the next pass (the reminder waits for its backoff) reports no refusal and writes no error record for it.
        $again = Sync-SalesReminder -ErrorVariable errors -ErrorAction SilentlyContinue 6>$null
        $errors.Count | Should -Be $again.Failed
        Remove-SalesReminder $refused.ReminderId # later passes here stay clean
    }
}

Describe 'Reminder sync without Salesforce' {
    It 'L7: Start-SalesSync on a Marketo-only connection with reminder sync on warns once that reminders are not synced' {
        try {
            Connect-Sandbox -MarketoOnly -Path (Join-Path $folder 'marketo-only-twoway.db')
            Set-SalesActivitySetting -ReminderSync TwoWay
            $warnings = @(Start-SalesSync -Method Rest -StaticListId 1001 3>&1 6>$null | Where-Object { $_ -is [System.Management.Automation.WarningRecord] -and $_.Message -match 'remind' })
            $warnings.Count | Should -Be 1
            $warnings[0].Message | Should -Match 'no Salesforce: reminders are not synced'
        }
        finally { Connect-Sandbox }
    }
}

Describe 'Reminder sync after kill -9' {
    It 'a pass killed while Salesforce holds its creates loses nothing and duplicates nothing on the next pass' {
        # Its own database: the killed process holds it until it dies.
        $crashDb = Join-Path $folder 'crash.db'
        Connect-Sandbox -Path $crashDb
        Start-SalesSync -Method Rest -StaticListId 1001 -SkipReminders -WarningAction SilentlyContinue | Out-Null
        Set-SalesActivitySetting -ReminderSync TwoWay -Confirm:$false
        $due = (Get-Date).Date.AddDays(9)
        $made = @(Get-SyncedPerson | Where-Object { $_.SalesOwnerId -and ($_.SalesforceContactId -or $_.SalesforceLeadId) } | Select-Object -First 120 |
            ForEach-Object { New-SalesReminder -MarketoId $_.MarketoId -Subject "Crash check $($_.MarketoId)" -DueDate $due -PassThru })
        $made.Count | Should -BeGreaterThan 100
        Disconnect-SalesSync

        # Salesforce holds the first create for 60 s, then commits it: the child is killed while the call is in flight.
        $fault = @{ service = 'salesforce'; method = 'POST'; path = '/services/data/*/composite/sobjects'; kind = 'delay'; delayMs = 60000; count = 1 } | ConvertTo-Json
        Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body $fault | Out-Null
        $child = Join-Path $folder 'crash-child.ps1'
        @"
Import-Module '$(Join-Path $root 'SalesSync.psd1')'
`$m = [pscredential]::new('$($sandbox.MarketoCredential.UserName)', (ConvertTo-SecureString '$($sandbox.MarketoCredential.GetNetworkCredential().Password)' -AsPlainText -Force))
`$s = [pscredential]::new('$($sandbox.SalesforceCredential.UserName)', (ConvertTo-SecureString '$($sandbox.SalesforceCredential.GetNetworkCredential().Password)' -AsPlainText -Force))
Connect-SalesSync -MarketoUri '$($sandbox.Marketo.uri)' -MarketoCredential `$m -SalesforceUri '$($sandbox.Salesforce.uri)' -SalesforceCredential `$s -Database '$crashDb' -WarningAction SilentlyContinue | Out-Null
Sync-SalesReminder
"@ | Set-Content $child
        $process = Start-Process -FilePath (Join-Path $PSHOME 'pwsh') -ArgumentList '-NoProfile', '-NonInteractive', '-File', $child -PassThru -RedirectStandardOutput (Join-Path $folder 'crash.out') -RedirectStandardError (Join-Path $folder 'crash.err')
        # Wait until the create is held in the sandbox, then kill -9.
        $deadline = (Get-Date).AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 250
        } until ((Invoke-RestMethod "$($sandbox.Control)faults").active -eq 0 -or (Get-Date) -gt $deadline -or $process.HasExited) # the rule fired: the create is held
        $process.HasExited | Should -BeFalse -Because (Get-Content (Join-Path $folder 'crash.err') -Raw)
        $process.Kill()
        $process.WaitForExit()
        # Release the held create: Salesforce commits it although its caller is gone.
        Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null
        Start-Sleep -Milliseconds 500

        # The next start: the first batch is in doubt (Sending); with no outcome grace left, the pass looks it up at once.
        $variables = @{
            SALESSYNC_MARKETO_URI = $sandbox.Marketo.uri; SALESSYNC_MARKETO_CLIENT_ID = $sandbox.MarketoCredential.UserName
            SALESSYNC_MARKETO_CLIENT_SECRET = $sandbox.MarketoCredential.GetNetworkCredential().Password
            SALESSYNC_SALESFORCE_URI = $sandbox.Salesforce.uri; SALESSYNC_SALESFORCE_CLIENT_ID = $sandbox.SalesforceCredential.UserName
            SALESSYNC_SALESFORCE_CLIENT_SECRET = $sandbox.SalesforceCredential.GetNetworkCredential().Password
            SALESSYNC_DATABASE = $crashDb; SALESSYNC_UNKNOWN_OUTCOME_GRACE_SECONDS = '0'
        }
        foreach ($name in $variables.Keys) { Set-Item "Env:$name" $variables[$name] }
        try { Connect-SalesSync -FromEnvironment -WarningAction SilentlyContinue | Out-Null }
        finally { foreach ($name in $variables.Keys) { Remove-Item "Env:$name" } }
        try {
            @(Get-SalesReminder -SyncState Sending).Count | Should -BeGreaterThan 0 -Because 'the killed pass had sent its first batch'

            Sync-SalesReminder -WarningAction SilentlyContinue 6>$null | Out-Null
            Sync-SalesReminder -WarningAction SilentlyContinue 6>$null | Out-Null
            $reminders = @(Get-SalesReminder | Where-Object Subject -like 'Crash check*')
            $tasks = @(Get-Dump 'salesforce/Task' | Where-Object { $_.Subject -like 'Crash check*' -and -not $_.IsDeleted })
            $reminders.Count | Should -Be $made.Count
            @($reminders | Where-Object SyncState -ne 'Synced').Count | Should -Be 0 -Because (($reminders | Group-Object SyncState | ForEach-Object { "$($_.Name)=$($_.Count)" }) -join ', ')
            $tasks.Count | Should -Be $made.Count -Because 'no Task is created twice'
            @($tasks | Group-Object Subject | Where-Object Count -gt 1).Count | Should -Be 0
        }
        finally { Disconnect-SalesSync }
    }
}
