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
}
