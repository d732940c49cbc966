# Get-SalesSyncStatus against the sandbox: the verdict and its reasons through a database's life (never synced,
# synced, a failed run, the guard off, failed deliveries), the 80-column view, flat output, -Online, help.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    . (Join-Path $root 'tools/SandboxProcess.ps1')
    Import-Module (Join-Path $root 'SalesSync.psd1') -Force
    $script:sandbox = Start-SandboxProcess -Arguments @('--people', '300', '--seed', '67')
    $script:folder = Join-Path ([System.IO.Path]::GetTempPath()) ("salessync-pester-status-" + [guid]::NewGuid().ToString('N'))
    $script:database = Join-Path $folder 'status.db'
    function Get-TotalCalls([string] $service) {
        $calls = (Invoke-RestMethod "$($sandbox.Control)stats").$service.calls
        ($calls.PSObject.Properties.Value | Measure-Object -Sum).Sum
    }
    function Get-Calls([string] $service, [string] $key) { $value = (Invoke-RestMethod "$($sandbox.Control)stats").$service.calls.$key; if ($value) { $value } else { 0 } }
    function Set-Fault($rule) { Invoke-RestMethod -Method Post "$($sandbox.Control)faults" -ContentType 'application/json' -Body ($rule | ConvertTo-Json) | Out-Null }
    function Clear-Fault { Invoke-RestMethod -Method Delete "$($sandbox.Control)faults" | Out-Null }
    Connect-SalesSync -MarketoUri $sandbox.Marketo.uri -MarketoCredential $sandbox.MarketoCredential `
        -SalesforceUri $sandbox.Salesforce.uri -SalesforceCredential $sandbox.SalesforceCredential -Database $database | Out-Null
}

AfterAll {
    Disconnect-SalesSync
    Stop-SandboxProcess $sandbox
    Remove-Item $folder -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-SalesSyncStatus' {
    It 'says a new database never synced, without calling either service' {
        $marketo, $salesforce = (Get-TotalCalls marketo), (Get-TotalCalls salesforce)
        $status = Get-SalesSyncStatus
        $status.PSObject.TypeNames[0] | Should -Be 'SalesSync.SalesSyncStatus'
        $status.Health | Should -Be 'NeedsAttention'
        $status.Rules | Should -Be 'NeverSynced'
        $status.Reasons | Should -BeLike '*Start-SalesSync*'
        $status.NextSyncAction | Should -Be 'NewFull'
        $status.Online | Should -BeFalse
        (Get-TotalCalls marketo), (Get-TotalCalls salesforce) | Should -Be @($marketo, $salesforce)
    }

    It 'is Healthy after a sync, and the runbook check passes' {
        Start-SalesSync | Out-Null
        $status = Get-SalesSyncStatus
        $status.Health | Should -Be 'Healthy'
        $status.Reasons | Should -BeNullOrEmpty
        $status.LastCompletedRunId | Should -Be 1
        $status.LastRun | Should -BeLike 'run 1, * ago: * added, 0 updated, 0 removed'
        $status.NextSyncAction | Should -Be 'Incremental'
        $status.WatermarkAgeDays | Should -BeLessThan 1
        $status.MarketoCallsToday | Should -BeGreaterThan 0
        $status.SalesforceDailyLimit | Should -BeGreaterThan 0 # from the last response's Sforce-Limit-Info
        $exitCode = if ((Get-SalesSyncStatus).Health -ne 'Healthy') { 1 } else { 0 }
        $exitCode | Should -Be 0
    }

    It 'is Failing after a failed run, naming the run, and Healthy again once a run completes' {
        Set-Fault @{ service = 'marketo'; path = '/rest/v1/activities/*'; kind = 'error'; code = '603'; count = 20 }
        try { Start-SalesSync -ErrorAction SilentlyContinue | Out-Null } catch { } finally { Clear-Fault }
        (Get-SalesSyncRun -Last 1).Status | Should -Be 'Failed'
        $status = Get-SalesSyncStatus
        $status.Health | Should -Be 'Failing'
        $status.Rules | Should -Match 'LastRunFailed'
        $status.Reasons | Should -Match 'run 2 failed'
        $status.NextSyncAction | Should -Be 'ResumeIncremental'
        if ((Get-SalesSyncStatus).Health -ne 'Healthy') { $exitCode = 1 }
        $exitCode | Should -Be 1
        Start-SalesSync | Out-Null
        (Get-SalesSyncStatus).Health | Should -Be 'Healthy'
    }

    It 'needs attention while the unsubscribe guard is off, saying since when and by whom' {
        Set-SalesActivitySetting -UnsubscribeGuard $false -Force -WarningAction SilentlyContinue
        try {
            $status = Get-SalesSyncStatus
            $status.Health | Should -Be 'NeedsAttention'
            $status.Rules | Should -Be 'GuardOff'
            $status.Guard | Should -BeLike "OFF since * by $([Environment]::UserName)"
            $status.GuardOn | Should -BeFalse
        } finally {
            Set-SalesActivitySetting -UnsubscribeGuard $true
        }
        (Get-SalesSyncStatus).Health | Should -Be 'Healthy'
    }

    It 'counts failed deliveries by reason code' {
        Install-SalesActivityType | Out-Null
        $contact = Get-SyncedPerson | Where-Object SalesforceContactId | Select-Object -First 1
        Set-Fault @{ service = 'salesforce'; path = '/services/data/*/composite/sobjects'; kind = 'recordError'; code = 'FIELD_CUSTOM_VALIDATION_EXCEPTION'; count = 1 }
        try { Send-SalesActivity -Kind EmailReplied -MarketoId $contact.MarketoId -Subject 'Status' -ErrorAction SilentlyContinue | Out-Null } finally { Clear-Fault }
        $status = Get-SalesSyncStatus
        $status.Health | Should -Be 'NeedsAttention'
        $status.Rules | Should -Be 'DeliveriesFailed'
        $status.Reasons | Should -Be '1 activity failed: 1 FIELD_CUSTOM_VALIDATION_EXCEPTION'
        $status.FailedByReason | Should -Be 'FIELD_CUSTOM_VALIDATION_EXCEPTION=1'
        $status.Deliveries | Should -Be '0 pending, 0 held, 1 failed, 0 refused'
        ($status.MarketoDelivered, $status.SalesforceFailed) | Should -Be @(1, 1)
    }

    It 'fits 80 columns by default, one reason per line, and -Detailed shows the numbers' {
        Set-SalesActivitySetting -UnsubscribeGuard $false -Force -WarningAction SilentlyContinue
        try {
            $status = Get-SalesSyncStatus
            $text = $status | Out-String -Width 80
            $detailed = Get-SalesSyncStatus -Detailed | Out-String -Width 80
        } finally {
            Set-SalesActivitySetting -UnsubscribeGuard $true
        }
        $lines = $text -split "`r?`n" | Where-Object { $_.Trim() }
        $lines.Count | Should -BeLessOrEqual 12
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 -Because $_ }
        $text | Should -Not -Match '…|\.\.\.'
        ($status.Reasons -split "`r?`n").Count | Should -Be 2 # GuardOff and DeliveriesFailed
        $lines | Where-Object { $_ -match '^\s{13}the unsubscribe guard is off' } | Should -Not -BeNullOrEmpty # the second reason on its own line, under the first
        foreach ($label in 'Health', 'Reasons', 'LastRun', 'Watermark', 'NextSync', 'Deliveries', 'Guard', 'Marketo', 'Salesforce') {
            $text | Should -Match "(?m)^$label\s+:"
            $status.PSObject.Properties.Name | Should -Contain $label # every line of the view is a real property
        }
        $text | Should -Not -Match 'FailedByReason'
        $detailed | Should -Match '(?m)^FailedByReason\s+: FIELD_CUSTOM_VALIDATION_EXCEPTION=1'
        $detailed | Should -Match '(?m)^MarketoCallsToday\s+: \d+'
    }

    It 'keeps everything in ConvertTo-Json and Export-Csv' {
        Set-SalesActivitySetting -UnsubscribeGuard $false -Force -WarningAction SilentlyContinue
        try { $status = Get-SalesSyncStatus } finally { Set-SalesActivitySetting -UnsubscribeGuard $true }
        $json = $status | ConvertTo-Json | ConvertFrom-Json
        $json.Health | Should -Be 'NeedsAttention'
        $json.Reasons | Should -Be $status.Reasons
        $json.NextSyncAction | Should -Be 'Incremental'
        $csvPath = Join-Path $folder 'status.csv'
        $status | Export-Csv $csvPath
        $csv = Import-Csv $csvPath
        $csv.Reasons | Should -Be $status.Reasons
        $csv.FailedByReason | Should -Be 'FIELD_CUSTOM_VALIDATION_EXCEPTION=1'
        @($csv.PSObject.Properties).Count | Should -Be @($status.PSObject.Properties).Count
        $status.PSObject.Properties.Value | Where-Object { $_ -is [System.Collections.IEnumerable] -and $_ -isnot [string] } | Should -BeNullOrEmpty
    }

    It 'asks Marketo and Salesforce only with -Online' {
        $limits = Get-Calls salesforce 'GET /services/data/vXX.X/limits'
        Get-SalesSyncStatus | Out-Null
        Get-Calls salesforce 'GET /services/data/vXX.X/limits' | Should -Be $limits
        $status = Get-SalesSyncStatus -Online
        $status.Online | Should -BeTrue
        Get-Calls salesforce 'GET /services/data/vXX.X/limits' | Should -Be ($limits + 1)
        $status.SalesforceDailyLimit | Should -BeGreaterThan 0
        $status.MarketoInstanceCallsToday | Should -BeGreaterThan 0
        $status.NextSyncPlan | Should -BeLike 'Would run incrementally*' # Start-SalesSync -WhatIf's own text
        $status.Rules | Should -Not -Match 'OnlineCheckFailed'
    }

    It 'fails -Online when a service does not answer' {
        Set-Fault @{ service = 'salesforce'; path = '/services/data/*/limits'; kind = 'error'; code = 'INSUFFICIENT_ACCESS'; status = 403; count = 10 }
        try { $status = Get-SalesSyncStatus -Online } finally { Clear-Fault }
        $status.Health | Should -Be 'Failing'
        $status.Rules | Should -Match 'OnlineCheckFailed'
        $status.Reasons | Should -Match '(?m)^Salesforce: '
    }

    It 'states its thresholds in help, and its examples run as written' {
        $help = Get-Help Get-SalesSyncStatus -Full
        $description = ($help.description | Out-String) -replace '\s+', ' '
        foreach ($phrase in 'older than 10 days', 'older than 14 days', 'more than 1 hour', 'More than 80%', '90% of the org', 'Deletions greater than 14 days old may be pruned') {
            $description | Should -BeLike "*$phrase*"
        }
        $help.examples.example.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            { & ([scriptblock]::Create($example.code)) 3>$null | Out-Null } | Should -Not -Throw -Because $example.code
        }
    }
}
