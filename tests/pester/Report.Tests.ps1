# Export-SalesSyncReport against the sandbox: what it writes, what it refuses, -WhatIf, paths. (The page itself is checked
# by the renderer's xunit tests, and in a real browser by tests/SalesSync.PowerShell.Tests/ReportBrowserTests.cs.)
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '200', '--seed', '18')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-report-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $folder | Out-Null
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database (Join-Path $folder 'report.db') | Out-Null
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    # What if lines go to the host, not to a stream: a transcript reads them.
    function script:WhatIfText([scriptblock] $Command) {
        $transcript = Join-Path $folder ("whatif-" + [guid]::NewGuid().ToString('N') + '.txt')
        Start-Transcript $transcript | Out-Null
        try { & $Command } finally { Stop-Transcript | Out-Null }
        Get-Content -Raw $transcript
    }
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Export-SalesSyncReport' {
    It 'writes one page relative to the current location, and -PassThru describes it in a flat object with a narrow view' {
        Push-Location $folder
        try { $file = Export-SalesSyncReport -Path ./health.html -Since (Get-Date).AddDays(-7) -Title 'Weekly' -PassThru } finally { Pop-Location }
        $file.PSObject.TypeNames[0] | Should -Be 'SalesSync.ReportFile'
        $file.Path | Should -Be (Join-Path $folder 'health.html')
        $file.Title | Should -Be 'Weekly'
        $file.State | Should -BeIn 'Healthy', 'NeedsAttention', 'Failing'
        $file.State | Should -Be (Get-SalesSyncStatus).Health
        $file.Bytes | Should -Be (Get-Item $file.Path).Length
        ($file.GeneratedAt - $file.Since).TotalDays | Should -BeGreaterThan 6.9
        $html = Get-Content -Raw $file.Path
        $html | Should -Match '<meta name="generator" content="SalesSync Export-SalesSyncReport">'
        $html | Should -Match '<title>Weekly</title>'
        @(Get-ChildItem $folder -Filter '*.tmp' -Force).Count | Should -Be 0 -Because 'the temporary file was moved over the target'
        ($file | ConvertTo-Json | ConvertFrom-Json).State | Should -Be $file.State
        ($file | Format-Table | Out-String -Width 80).Split("`n") | ForEach-Object { $_.TrimEnd().Length | Should -BeLessOrEqual 80 }
    }

    It 'replaces its own page, and refuses a file it did not write unless -Force' {
        $own = Join-Path $folder 'own.html'
        Export-SalesSyncReport -Path $own
        Export-SalesSyncReport -Path $own -ErrorVariable again
        $again | Should -BeNullOrEmpty
        $other = Join-Path $folder 'other.html'
        Set-Content -LiteralPath $other -Value '<html>the team wiki</html>'
        Export-SalesSyncReport -Path $other -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.FullyQualifiedErrorId | Should -BeLike 'ReportFileNotOurs,*'
        $refused.TargetObject | Should -Be $other
        $refused.CategoryInfo.Category | Should -Be 'ResourceExists'
        $refused.ErrorDetails.RecommendedAction | Should -Match '-Force'
        Get-Content -Raw $other | Should -Match 'the team wiki'
        Export-SalesSyncReport -Path $other -Force
        Get-Content -Raw $other | Should -Match 'SalesSync Export-SalesSyncReport'
    }

    It 'writes nothing under -WhatIf' {
        $path = Join-Path $folder 'whatif.html'
        Export-SalesSyncReport -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'takes a PSDrive path' {
        New-PSDrive -Name ReportTest -PSProvider FileSystem -Root $folder | Out-Null
        try { (Export-SalesSyncReport -Path 'ReportTest:/drive.html' -PassThru).Path | Should -Be (Join-Path $folder 'drive.html') }
        finally { Remove-PSDrive ReportTest }
    }

    It 'refuses <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'a folder'; ErrorId = 'ReportPathIsFolder'; Path = { $folder }; Since = $null }
        @{ Case = 'a missing folder'; ErrorId = 'ReportFolderNotFound'; Path = { Join-Path $folder 'nowhere/report.html' }; Since = $null }
        @{ Case = 'a registry or variable path'; ErrorId = 'ReportPathNotFileSystem'; Path = { 'Variable:/report' }; Since = $null }
        @{ Case = '-Since in the future'; ErrorId = 'SinceInFuture'; Path = { Join-Path $folder 'since.html' }; Since = (Get-Date).AddDays(1) }
        @{ Case = '-Since before 2000'; ErrorId = 'SinceTooEarly'; Path = { Join-Path $folder 'since.html' }; Since = [datetime] '1999-12-31' }
    ) {
        $arguments = @{ Path = (& $Path) }
        if ($Since) { $arguments.Since = $Since }
        $record = $null
        try { Export-SalesSyncReport @arguments -ErrorAction Stop } catch { $record = $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Test-Path (Join-Path $folder 'since.html') | Should -BeFalse
    }

    It 'never replaces the database or its files, even with -Force: <Case>' -ForEach @(
        @{ Case = 'the database'; Name = { $database } }
        @{ Case = 'its lock file'; Name = { "$database.lock" } }
        @{ Case = 'its write-ahead log'; Name = { Join-Path $folder 'report-log.db' } }
        @{ Case = 'an accept journal'; Name = { "$database.accepting-0123456789abcdef0123456789abcdef.jsonl" } }
    ) {
        $database = Join-Path $folder 'report.db'
        $target = & $Name
        # Size and time, not a hash: the lock file is held open by this process (nothing else may read it).
        $before = if (Test-Path -LiteralPath $target) { Get-Item -LiteralPath $target | ForEach-Object { "$($_.Length) $($_.LastWriteTimeUtc.Ticks)" } }
        Export-SalesSyncReport -Path $target -Force -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.FullyQualifiedErrorId | Should -BeLike 'ReportPathIsDatabase,*'
        $refused.TargetObject | Should -Be $target
        $refused.Exception.Message | Should -Match 'the SalesSync database'
        if ($before) { Get-Item -LiteralPath $target | ForEach-Object { "$($_.Length) $($_.LastWriteTimeUtc.Ticks)" } | Should -Be $before }
        Export-SalesSyncReport -Path $target -ErrorVariable plain -ErrorAction SilentlyContinue
        $plain.FullyQualifiedErrorId | Should -BeLike 'ReportPathIsDatabase,*' -Because 'not the generic ReportFileNotOurs'
        WhatIfText { Export-SalesSyncReport -Path $target -WhatIf -Force -ErrorVariable whatIf } | Should -Match 'always refused'
        $whatIf | Should -BeNullOrEmpty
        (Get-SalesSyncStatus).Health | Should -Not -BeNullOrEmpty -Because 'the database still works'
    }

    It 'never writes to a device or a FIFO, even with -Force, and refuses another LiteDB database' -Skip:$IsWindows {
        Export-SalesSyncReport -Path /dev/null -Force -ErrorVariable device -ErrorAction SilentlyContinue
        $device.FullyQualifiedErrorId | Should -BeLike 'ReportPathNotRegularFile,*'
        $device.TargetObject | Should -Be '/dev/null'
        (Get-Item /dev/null).UnixMode | Should -BeLike 'c*'
        $fifo = Join-Path $folder 'pipe.html'
        mkfifo $fifo
        Export-SalesSyncReport -Path $fifo -Force -ErrorVariable pipe -ErrorAction SilentlyContinue
        $pipe.FullyQualifiedErrorId | Should -BeLike 'ReportPathNotRegularFile,*'
        $link = Join-Path $folder 'link.html'
        New-Item -ItemType SymbolicLink -Path $link -Target (Join-Path $folder 'report.db') | Out-Null
        Export-SalesSyncReport -Path $link -Force -ErrorVariable linked -ErrorAction SilentlyContinue
        $linked.FullyQualifiedErrorId | Should -BeLike 'ReportPathIsDatabase,*'
        # Another LiteDB file: one page with LiteDB's header text at byte 32.
        $other = Join-Path $folder 'other.db'
        $page = [byte[]]::new(8192)
        [Text.Encoding]::ASCII.GetBytes('** This is a LiteDB file **').CopyTo($page, 32)
        [IO.File]::WriteAllBytes($other, $page)
        Export-SalesSyncReport -Path $other -Force -ErrorVariable lite -ErrorAction SilentlyContinue
        $lite.FullyQualifiedErrorId | Should -BeLike 'ReportPathIsDatabase,*'
    }

    It 'refuses a blank path or one with a NUL as ReportPathInvalid, and names the given path when the write fails' {
        foreach ($bad in '   ', "a`0b.html") {
            $record = $null
            try { Export-SalesSyncReport -Path $bad -ErrorAction Stop } catch { $record = $_ }
            $record.FullyQualifiedErrorId | Should -BeLike 'ReportPathInvalid,*'
            $record.TargetObject | Should -Be $bad
            $record.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        Test-Path -LiteralPath (Join-Path (Get-Location) '   ') | Should -BeFalse
        if (-not $IsWindows) {
            Export-SalesSyncReport -Path /proc/x.html -ErrorVariable failed -ErrorAction SilentlyContinue
            $failed.FullyQualifiedErrorId | Should -BeLike 'ReportWriteFailed,*'
            $failed.CategoryInfo.Category | Should -Be 'WriteError'
            $failed.TargetObject | Should -Be '/proc/x.html'
            $failed.Exception.Message | Should -Not -Match '\.tmp'
        }
    }

    It 'says under -WhatIf that a file it did not write is refused without -Force, and warns on a name not ending in .html' {
        $other = Join-Path $folder 'wiki.html'
        Set-Content -LiteralPath $other -Value '<html>wiki</html>'
        WhatIfText { Export-SalesSyncReport -Path $other -WhatIf -ErrorVariable errors } | Should -Match 'refuses it unless -Force'
        $errors | Should -BeNullOrEmpty
        $text = Join-Path $folder 'report.txt'
        Export-SalesSyncReport -Path $text -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -Match '\.html'
        Test-Path $text | Should -BeTrue
    }

    It 'lists a sent email logged while the guard was off to an unsubscribed person, with a callout and who sent it' {
        Install-SalesActivityType -Confirm:$false | Out-Null
        $person = Get-SyncedPerson | Where-Object Unsubscribed | Select-Object -First 1
        $person | Should -Not -BeNullOrEmpty
        Set-SalesActivitySetting -UnsubscribeGuard $false -Force -WarningAction SilentlyContinue
        try { $sent = Send-SalesActivity -Kind EmailSent -MarketoId $person.MarketoId -Subject 'Pricing' -SentBy 'ana@example.com' -PassThru -WarningAction SilentlyContinue 6>$null }
        finally { Set-SalesActivitySetting -UnsubscribeGuard $true -Force -WarningAction SilentlyContinue }
        $path = Join-Path $folder 'guard-off.html'
        Export-SalesSyncReport -Path $path
        $html = Get-Content -Raw $path
        $html | Should -Match 'role="alert">1 sent email\(s\) logged while the unsubscribe guard was off'
        $row = [regex]::Match($html, '<table id="compliance-guard-off">.*?</table>', 'Singleline').Value
        $row | Should -Match ([regex]::Escape($sent.ActivityId))
        $row | Should -Match 'ana@example.com'
    }
}
