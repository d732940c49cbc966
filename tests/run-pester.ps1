# Runs the Pester suite (Pester 6.2.0 from the NuGet cache) and writes "Pester: N passed, N failed, N skipped".
param(
    [string] $Path = (Join-Path $PSScriptRoot 'pester'),
    [string] $Version = '6.2.0',
    [string] $ResultFile
)
$ErrorActionPreference = 'Stop'
$packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
Import-Module (Join-Path $packages "pester/$Version/tools/Pester.psd1") -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.Output.RenderMode = 'Plaintext'
$result = Invoke-Pester -Configuration $configuration
$summary = "Pester: $($result.PassedCount) passed, $($result.FailedCount) failed, $($result.SkippedCount) skipped"
$summary
if ($ResultFile) { @{ passed = $result.PassedCount; failed = $result.FailedCount + $(if ($result.Result -ne 'Passed' -and $result.FailedCount -eq 0) { 1 } else { 0 }) } | ConvertTo-Json | Set-Content $ResultFile }
exit ([int]($result.FailedCount -gt 0 -or $result.Result -ne 'Passed'))
