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
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Marketo', 'Salesforce', 'Sync', 'CRM', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ReleaseNotes = 'Connections (process or runspace scope), the local database, and the people sync over REST: Start-SalesSync, Get-SyncedPerson, Get-SalesSyncRun.'
        }
    }
}
