# Starts the built sandbox as a child process and returns its ready line (URIs and credentials).
# Used by the demo, the benchmarks and the Pester tests. The child exits when our end of its stdin
# closes, so a crashed parent never leaves it running.

function Get-SandboxDllPath {
    $root = Split-Path $PSScriptRoot -Parent
    Join-Path $root 'src/SalesSync.Sandbox/bin/Release/net10.0/SalesSync.Sandbox.dll'
}

function Start-SandboxProcess {
    param([string[]] $Arguments = @(), [int] $TimeoutSeconds = 60)
    $dll = Get-SandboxDllPath
    if (-not (Test-Path $dll)) { throw "Sandbox not built ($dll). Run ./build.ps1 build first." }
    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    $psi.ArgumentList.Add($dll)
    foreach ($a in $Arguments + '--exit-on-stdin-close') { $psi.ArgumentList.Add([string]$a) }
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardError = $true
    $psi.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($psi)
    $lineTask = $process.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait([TimeSpan]::FromSeconds($TimeoutSeconds)) -or -not $lineTask.Result) {
        $err = if ($process.HasExited) { $process.StandardError.ReadToEnd() } else { '' }
        Stop-SandboxProcess ([pscustomobject]@{ Process = $process })
        throw "The sandbox did not become ready. $err"
    }
    $info = $lineTask.Result | ConvertFrom-Json
    [pscustomobject]@{
        Process           = $process
        Marketo           = $info.marketo
        Salesforce        = $info.salesforce
        Control           = $info.control
        MarketoCredential = [pscredential]::new($info.marketo.clientId, (ConvertTo-SecureString $info.marketo.clientSecret -AsPlainText -Force))
        SalesforceCredential = [pscredential]::new($info.salesforce.clientId, (ConvertTo-SecureString $info.salesforce.clientSecret -AsPlainText -Force))
    }
}

function Stop-SandboxProcess {
    param($Sandbox)
    if (-not $Sandbox -or -not $Sandbox.Process) { return }
    try { $Sandbox.Process.StandardInput.Close() } catch { }
    if (-not $Sandbox.Process.WaitForExit(5000)) { $Sandbox.Process.Kill($true) }
    $Sandbox.Process.Dispose()
}
