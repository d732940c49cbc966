# SalesSync module manifest (development layout: the binaries are built into out/module).
# `./build.ps1 package` writes the publishable copy to out/SalesSync with the same exports.
@{
    RootModule           = 'out/module/SalesSync.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '6b4f2e51-3f0e-4d8a-9c1b-5a2d7e9f0c31'
    Author               = 'SalesSync'
    CompanyName          = 'SalesSync'
    Copyright            = '(c) SalesSync. All rights reserved.'
    Description          = 'Keeps a local sales database in step with Marketo Engage and Salesforce: people sync, sales activities and unsubscribe checks as composable cmdlets.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/SalesSync.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-SalesSync'
        'Disconnect-SalesSync'
        'Get-SalesSyncConnection'
        'Get-SalesSyncRun'
        'Get-SyncedPerson'
        'Start-SalesSync'
        'Install-SalesActivityType'
        'Send-SalesActivity'
        'Get-SalesActivity'
        'Sync-SalesActivity'
        'Get-SalesActivitySetting'
        'Set-SalesActivitySetting'
        'Test-MarketoUnsubscribe'
        'Sync-SalesOptOut'
        'Get-SalesSyncStatus'
        'Get-MarketoList'
        'Get-PersonActivity'
        'New-SalesReminder'
        'Get-SalesReminder'
        'Set-SalesReminder'
        'Complete-SalesReminder'
        'Remove-SalesReminder'
        'Get-SalesReminderConflict'
        'Sync-SalesReminder'
        'Export-SalesSyncReport'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # The MIT license by its SPDX identifier page (the LICENSE file beside the manifest has the copyright
            # holder). No ProjectUri: the project has no public home yet, and the Gallery shows it as a link.
            LicenseUri   = 'https://spdx.org/licenses/MIT.html'
            Tags         = @('Marketo', 'Salesforce', 'Sync', 'CRM', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ReleaseNotes = 'Connections, the local database, the people sync (bulk export, REST list or id scan; incremental from the activity log) and sales activities logged exactly once to Marketo and Salesforce, live unsubscribe checks, the send guard and opt-outs kept in step with Salesforce.'
        }
    }
}
