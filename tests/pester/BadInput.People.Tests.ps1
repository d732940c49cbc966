# The new-user trial's bad inputs for Get-SyncedPerson (section 5, rows 41-53): each is a clear error (stable ErrorId,
# category, the offending value as TargetObject) or a documented acceptance. One sandbox for the file.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '400', '--seed', '43')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-badpeople-" + [guid]::NewGuid().ToString('N'))
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database (Join-Path $folder 'bad.db') | Out-Null
    Start-SalesSync -Method Rest -StaticListId 1001 | Out-Null
    $script:all = @(Get-SyncedPerson)
    $script:someone = $all | Where-Object Email | Select-Object -First 1

    # The terminating error a command stops with (Should -Throw keeps only the exception).
    function Get-Refusal([scriptblock] $command) {
        try { & $command | Out-Null } catch { return $_ }
        throw 'The command did not stop with an error.'
    }
    # The non-terminating errors a command writes, and what it wrote.
    function Invoke-Collecting([scriptblock] $command) {
        $ErrorActionPreference = 'Continue'
        $all = @(& $command 2>&1)
        [pscustomobject]@{
            Output = @($all | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] })
            Errors = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        }
    }
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-SyncedPerson bad input (new-user trial rows 41-53)' {
    It 'row 41: -Email '''' and -Email $null stop with InvalidEmail' {
        $e = Get-Refusal { Get-SyncedPerson -Email '' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEmail,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be ''
        $e.Exception.Message | Should -BeLike '*empty*Give an address*'
        $e = Get-Refusal { Get-SyncedPerson -Email $null }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEmail,*'
        $e.TargetObject | Should -BeNullOrEmpty
        $e = Get-Refusal { Get-SyncedPerson -Email '   ' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEmail,*'
    }

    It 'row 42: -MarketoId -1 is SyncedPersonNotFound per id' {
        $r = Invoke-Collecting { Get-SyncedPerson -MarketoId -1, $someone.MarketoId }
        $r.Output.MarketoId | Should -Be $someone.MarketoId
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncedPersonNotFound,*'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be -1
    }

    It 'row 43: -MarketoId abc is refused naming the parameter and the text (plain digits only, walk 17 M4)' {
        $e = Get-Refusal { Get-SyncedPerson -MarketoId abc }
        $e.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike "*'MarketoId'*'abc' is not a list of Marketo ids*"
        # Hex and exponent text no longer binds to another person; an empty CSV column still means "not given" here.
        (Get-Refusal { Get-SyncedPerson -MarketoId '0x72' }).Exception.Message | Should -BeLike "*'0x72'*plain digits*"
        @([pscustomobject]@{ MarketoId = ''; Email = $someone.Email } | Get-SyncedPerson).MarketoId | Should -Be $someone.MarketoId
    }

    It 'row 44: an injection-shaped -SalesforceId stops with InvalidSalesforceId' {
        $bad = "x' OR Name != '"
        $e = Get-Refusal { Get-SyncedPerson -SalesforceId $bad }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSalesforceId,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be $bad
        $e.Exception.Message | Should -BeLike '*15- or 18-character*'
    }

    It 'row 45: injection-shaped -Company values match nobody and change nothing (documented acceptance)' {
        $r = Invoke-Collecting { Get-SyncedPerson -Company "x' OR Name != '", '$.Company != null' }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
        @(Get-SyncedPerson).Count | Should -Be $all.Count
    }

    It 'row 46: -Company ''[a-c]*'' follows PowerShell''s wildcard rules; an unclosed [ is InvalidWildcardPattern' {
        $expected = @($all | Where-Object Company -like '[a-c]*')
        $expected.Count | Should -BeGreaterThan 0
        (Get-SyncedPerson -Company '[a-c]*').MarketoId | Should -Be $expected.MarketoId
        $e = Get-Refusal { Get-SyncedPerson -Company '[a-c' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidWildcardPattern,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be '[a-c'
        $e.Exception.Message | Should -BeLike '*backtick*'
    }

    It 'row 47: -Email with NUL is InvalidEmail; an emoji address nobody has is SyncedPersonNotFound' {
        $nul = "ana`0@example.com"
        $e = Get-Refusal { Get-SyncedPerson -Email $nul }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidEmail,*'
        $e.TargetObject | Should -Be $nul
        $emoji = "$([char]::ConvertFromUtf32(0x1F600))@example.com"
        $r = Invoke-Collecting { Get-SyncedPerson -Email $emoji }
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'SyncedPersonNotFound,*'
        $r.Errors[0].TargetObject | Should -Be $emoji
    }

    It 'row 48: -First -1 is PowerShell''s paging conversion error (documented acceptance)' {
        $e = Get-Refusal { Get-SyncedPerson -First -1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'CannotConvertArgumentNoMessage,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike "*'First'*"
    }

    It 'row 49: -Email takes several values; each one nobody has is its own SyncedPersonNotFound' {
        $r = Invoke-Collecting { Get-SyncedPerson -Email a@x.com, $someone.Email, b@x.com }
        $r.Output.MarketoId | Should -Contain $someone.MarketoId
        $r.Errors.FullyQualifiedErrorId | ForEach-Object { $_ | Should -BeLike 'SyncedPersonNotFound,*' }
        $r.Errors.TargetObject | Should -Be @('a@x.com', 'b@x.com')
    }

    It 'row 50: piped objects bind by Email, Email Address or EmailAddress; a bad row is an error of its own' {
        $rows = [pscustomobject]@{ Email = $someone.Email }, [pscustomobject]@{ 'Email Address' = $someone.Email },
            [pscustomobject]@{ EmailAddress = $someone.Email }, [pscustomobject]@{ Email = 'not-an-email' }, [pscustomobject]@{ Email = '' }, $someone.Email
        $r = Invoke-Collecting { $rows | Get-SyncedPerson }
        @($r.Output | Where-Object MarketoId -EQ $someone.MarketoId).Count | Should -Be 4
        $r.Errors.Count | Should -Be 2
        $r.Errors | ForEach-Object { $_.CategoryInfo.Category | Should -Be 'InvalidArgument' }
        # The same names Test-MarketoUnsubscribe gives these rows: an address that is not one, and a blank cell.
        $r.Errors.FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Should -Be @('InvalidEmail', 'NoEmail')
        $r.Errors[0].TargetObject | Should -Be 'not-an-email'
        # A number piped is not an email and names no MarketoId property: an error of its own; an int MarketoId binds.
        $r = Invoke-Collecting { 42, [pscustomobject]@{ MarketoId = [int]$someone.MarketoId } | Get-SyncedPerson }
        $r.Output.MarketoId | Should -Be $someone.MarketoId
        $r.Errors.Count | Should -Be 1
        $r.Errors[0].FullyQualifiedErrorId | Should -BeLike 'NoEmail,*'
        $r.Errors[0].TargetObject | Should -Be 42
    }

    It 'row 51: -Email is trimmed and matched in any case' {
        (Get-SyncedPerson -Email " $($someone.Email.ToUpperInvariant()) ").MarketoId | Should -Contain $someone.MarketoId
    }

    It 'row 52: -SalesOwnerId takes the 15-character id; a malformed one is InvalidSalesOwnerId' {
        $owner = $someone.SalesOwnerId
        $expected = @($all | Where-Object SalesOwnerId -EQ $owner).MarketoId
        (Get-SyncedPerson -SalesOwnerId $owner.Substring(0, 15)).MarketoId | Should -Be $expected
        (Get-SyncedPerson -SalesOwnerId $owner.ToLowerInvariant()).MarketoId | Should -Be $expected # 18 characters are case-safe
        (Get-SyncedPerson -SalesOwnerId "$($owner.Substring(0, 12))*").MarketoId | Should -Be @($all | Where-Object SalesOwnerId -CLike "$($owner.Substring(0, 12))*").MarketoId
        $e = Get-Refusal { Get-SyncedPerson -SalesOwnerId 'abc' }
        $e.FullyQualifiedErrorId | Should -BeLike 'InvalidSalesOwnerId,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.TargetObject | Should -Be 'abc'
    }

    It 'row 53: -Skip 99999999 writes nothing and no error (documented acceptance)' {
        $r = Invoke-Collecting { Get-SyncedPerson -Skip 99999999 }
        $r.Output | Should -BeNullOrEmpty
        $r.Errors | Should -BeNullOrEmpty
    }

    It 'walk P11: an exact -SalesforceId or list -Name that matches nothing is an ObjectNotFound error; a pattern is a filter' {
        $r = Invoke-Collecting { Get-SyncedPerson -SalesforceId 0035g00000ZzZzZ }
        $r.Output | Should -BeNullOrEmpty
        ($r.Errors.FullyQualifiedErrorId -split ',')[0] | Should -Be 'SyncedPersonNotFound'
        $r.Errors[0].TargetObject | Should -Be '0035g00000ZzZzZ'
        $r = Invoke-Collecting { Get-MarketoList -Type Static -Name 'No Such List', 'Nothing*' }
        $r.Output | Should -BeNullOrEmpty
        @($r.Errors).Count | Should -Be 1
        ($r.Errors[0].FullyQualifiedErrorId -split ',')[0] | Should -Be 'MarketoListNotFound'
        $r.Errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $r.Errors[0].TargetObject | Should -Be 'No Such List'
    }

    It 'walk P26: the default view of Get-MarketoList fits 80 columns' {
        $lines = (Get-MarketoList | Out-String -Width 200) -split '\r?\n' | Where-Object { $_.Trim() }
        $lines.Count | Should -BeGreaterThan 2
        ($lines | Measure-Object Length -Maximum).Maximum | Should -BeLessOrEqual 80
    }
}
