# The new-user trial's bad inputs for Test-MarketoUnsubscribe (section 5, rows 83-92): each a clear error (stable
# ErrorId, category, the offending value as TargetObject, a way to fix it) or a documented acceptance.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '1000', '--seed', '89', '--limits', 'off')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-badunsub-" + [guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory $folder | Out-Null
    function Get-MarketoCalls { (Invoke-RestMethod "$($sandbox.Control)stats").marketo.totalCalls }
    # The instance's whole rate limit (100 calls per 20 s): row 91's 92 calls then fit in one window.
    function Connect-Sandbox([int] $maxRetries = 5) {
        Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential -MaxRetries $maxRetries -MarketoCallsPerWindow 100 `
            -Database (Join-Path $folder 'bad.db') | Out-Null
    }
    # The error's ErrorId (without the command name), category and TargetObject, for one assertion per row.
    function Get-Identity($record) { [pscustomobject]@{ Id = $record.FullyQualifiedErrorId.Split(',')[0]; Category = "$($record.CategoryInfo.Category)"; Target = $record.TargetObject } }
    Connect-Sandbox
    $content = (Invoke-WebRequest "$($sandbox.Control)people").Content
    $text = if ($content -is [byte[]]) { [System.Text.Encoding]::UTF8.GetString($content) } else { $content }
    $script:truth = @($text -split "`n" | Where-Object { $_.Trim() } | ForEach-Object { $_ | ConvertFrom-Json })
    $script:known = @($truth | Where-Object email | ForEach-Object email | Select-Object -Unique)
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Test-MarketoUnsubscribe bad input (new-user trial rows 83-92)' {
    It 'row 83: -Email '''' is InvalidEmail with a fail-closed result' {
        $out = @(Test-MarketoUnsubscribe -Email '' -ErrorVariable bad -ErrorAction SilentlyContinue)
        $id = Get-Identity $bad[0]
        ($id.Id, $id.Category, $id.Target) | Should -Be @('InvalidEmail', 'InvalidArgument', '')
        $bad[0].Exception.Message | Should -BeLike '*empty*'
        $out[0].SafeToEmail | Should -BeFalse
        $out[0].ErrorId | Should -Be 'InvalidEmail'
    }

    It 'row 84: -Email $null is refused by parameter binding, naming the parameter' {
        { Test-MarketoUnsubscribe -Email $null -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationErrorNullNotAllowed*' -ExpectedMessage '*Email*'
        try { Test-MarketoUnsubscribe -Email $null -ErrorAction Stop } catch { $id = Get-Identity $_ }
        ($id.Id, $id.Category, $id.Target) | Should -Be @('ParameterArgumentValidationErrorNullNotAllowed', 'InvalidData', $null)
    }

    It 'row 85: a non-address, a display name, a comma, a NUL and pasted prefixes or invisible characters are each InvalidEmail, cost no call and fail closed' {
        # The new-admin walk's P1: 'mailto:', 'smtp:', quotes, a zero-width space and a query passed as safe to email.
        $inputs = @('not-an-email', 'Ken <k@x.com>', 'a,b@x.com', "a`0b@x.com", 'mailto:k@x.com', 'SMTP:k@x.com', "'k@x.com'", "k@x.com$([char]0x200B)", 'k@x.com?subject=hi')
        $before = Get-MarketoCalls
        $out = @($inputs | Test-MarketoUnsubscribe -ErrorVariable bad -ErrorAction SilentlyContinue)
        (Get-MarketoCalls) - $before | Should -Be 0
        @($bad).Count | Should -Be $inputs.Count
        for ($i = 0; $i -lt $inputs.Count; $i++) {
            $id = Get-Identity $bad[$i]
            ($id.Id, $id.Category, $id.Target) | Should -Be @('InvalidEmail', 'InvalidArgument', $inputs[$i])
            $bad[$i].ErrorDetails.RecommendedAction | Should -BeLike '*plain address*'
        }
        $out.Unsubscribed | Sort-Object -Unique | Should -Be $true
        $out.SafeToEmail | Sort-Object -Unique | Should -Be $false
    }

    It 'row 86: a 302-character address is InvalidEmail "at most 254"' {
        $long = ('x' * 290) + '@example.com'
        $long.Length | Should -Be 302
        Test-MarketoUnsubscribe -Email $long -ErrorVariable bad -ErrorAction SilentlyContinue | Out-Null
        $id = Get-Identity $bad[0]
        ($id.Id, $id.Category, $id.Target) | Should -Be @('InvalidEmail', 'InvalidArgument', $long)
        $bad[0].Exception.Message | Should -BeLike '*at most 254*'
    }

    It 'row 87: international addresses are looked up (accepted): not found, safe to email' {
        $out = @(Test-MarketoUnsubscribe -Email '😀@example.com', 'jürgen@例え.jp' -ErrorVariable bad)
        @($bad).Count | Should -Be 0
        $out.Found | Should -Be @($false, $false)
        $out.SafeToEmail | Should -Be @($true, $true)
    }

    It 'row 88: input without an email is NoEmail, and the result''s Reason uses the same word (D13)' {
        $thing = [pscustomobject]@{ Name = 'no email' }
        $out = @(42, $thing, [pscustomobject]@{ Email = '' } | Test-MarketoUnsubscribe -ErrorVariable bad -ErrorAction SilentlyContinue)
        @($bad).Count | Should -Be 3
        $id = Get-Identity $bad[0]
        ($id.Id, $id.Category, $id.Target) | Should -Be @('NoEmail', 'InvalidArgument', 42)
        (Get-Identity $bad[1]).Target | Should -Be $thing
        $bad.FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Sort-Object -Unique | Should -Be 'NoEmail'
        $bad[0].ErrorDetails.RecommendedAction | Should -BeLike "*'Email Address'*"
        $out.ErrorId | Sort-Object -Unique | Should -Be 'NoEmail'
        $out | ForEach-Object { $_.Reason | Should -BeLike 'Not checked (NoEmail):*' }
        $out.SafeToEmail | Sort-Object -Unique | Should -Be $false
    }

    It 'row 89: CSV rows with Marketo''s ''Email Address'' or an EmailAddress column are checked (trimmed, any case)' {
        $csv = Join-Path $folder 'export.csv'
        $known[0..4] | ForEach-Object { [pscustomobject]@{ 'Email Address' = " $($_.ToUpperInvariant()) "; Company = 'x' } } | Export-Csv $csv
        $rows = @(Import-Csv $csv) + @($known[5..6] | ForEach-Object { [pscustomobject]@{ EmailAddress = $_ } })
        $out = @($rows | Test-MarketoUnsubscribe -ErrorVariable bad)
        @($bad).Count | Should -Be 0
        $out.Count | Should -Be 7
        $out.Found | Sort-Object -Unique | Should -Be $true
        $out[0].Email | Should -Be $known[0].ToUpperInvariant()
        $out[5].Email | Should -Be $known[5]
        $out[0].InputObject | Should -Be $rows[0]
    }

    It 'row 90: -Quiet -SafeOnly is QuietWithSafeOnly, naming both and what to use instead' {
        try { Test-MarketoUnsubscribe -Email $known[0] -Quiet -SafeOnly } catch { $err = $_ }
        $id = Get-Identity $err
        ($id.Id, $id.Category, $id.Target) | Should -Be @('QuietWithSafeOnly', 'InvalidArgument', '-Quiet -SafeOnly')
        $err.Exception.Message | Should -BeLike '*-Quiet*-SafeOnly*'
        $err.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'row 91: 30,000 piped addresses keep their order and cost at most ceil(distinct / 300) + 2 calls' {
        $distinct = @($known) + @(1..(27000 - $known.Count) | ForEach-Object { "prospect.$_@unknown.example.net" })
        $emails = $distinct + $distinct[0..2999]
        $before = Get-MarketoCalls
        $out = @($emails | Test-MarketoUnsubscribe -Quiet -InformationVariable summary)
        $out.Count | Should -Be 30000
        (Get-MarketoCalls) - $before | Should -BeLessOrEqual ([math]::Ceiling(27000 / 300) + 2)
        $unsubscribed = [System.Collections.Generic.HashSet[string]]::new([string[]]@($truth | Where-Object { $_.unsubscribed -and $_.email } | ForEach-Object email), [StringComparer]::OrdinalIgnoreCase)
        $expected = foreach ($e in $emails) { $unsubscribed.Contains($e) }
        ($out -join '') | Should -Be ($expected -join '') # input order
        "$summary" | Should -BeLike '30,000 checked: * safe, * unsubscribed, 0 not checked'
    }

    It 'row 92: Marketo down is UnsubscribeCheckFailed per address (Reason the same word), fail closed, one warning' {
        Connect-Sandbox -maxRetries 1
        Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body (@{ service = 'marketo'; path = '/rest/v1/leads.json'; kind = 'http'; status = 503; count = 20 } | ConvertTo-Json) | Out-Null
        try {
            $out = @($known[0], 'nobody.92@nowhere.example.com' | Test-MarketoUnsubscribe -ErrorVariable bad -WarningVariable warned -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
            @($bad).Count | Should -Be 2
            $id = Get-Identity $bad[1]
            ($id.Id, $id.Category, $id.Target) | Should -Be @('UnsubscribeCheckFailed', 'ConnectionError', 'nobody.92@nowhere.example.com')
            $out | ForEach-Object { $_.Reason | Should -BeLike 'Not checked (UnsubscribeCheckFailed):*' }
            $out.SafeToEmail | Sort-Object -Unique | Should -Be $false
            @($warned).Count | Should -Be 1
        } finally {
            Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null
            Connect-Sandbox
        }
    }
}
