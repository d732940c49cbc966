# The packaged layout keeps the engine's libraries out of the default load context.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:packaged = Join-Path $root 'out/SalesSync'
}

Describe 'Packaged module layout' {
    It 'has only the cmdlet assembly in its root and the engine with its libraries in Dependencies' {
        (Get-ChildItem $packaged -Filter *.dll).Name | Should -Be @('SalesSync.PowerShell.dll')
        $dependencies = (Get-ChildItem (Join-Path $packaged 'Dependencies') -Filter *.dll).Name
        foreach ($name in 'SalesSync.Core.dll', 'LiteDB.dll', 'RestSharp.dll', 'Polly.Core.dll') { $dependencies | Should -Contain $name }
        $dependencies | Should -Not -Contain 'System.Management.Automation.dll'
        (Import-PowerShellDataFile (Join-Path $packaged 'SalesSync.psd1')).Keys | Should -Not -Contain 'RequiredAssemblies'
    }

    It 'loads the engine and its libraries in the SalesSync load context, even with another LiteDB already loaded' {
        $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
        $oldLiteDb = Join-Path $packages 'litedb/5.0.20/lib/netstandard2.0/LiteDB.dll'
        $database = Join-Path ([IO.Path]::GetTempPath()) ("salessync-isolation-" + [guid]::NewGuid().ToString('N') + '.db')
        $script = @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$oldLiteDb'
Import-Module '$(Join-Path $packaged 'SalesSync.psd1')'
# Nothing listens on port 9: the connect fails, but only after the engine has loaded in its own context.
try { Connect-SalesSync -MarketoUri 'http://127.0.0.1:9/' -MarketoCredential ([pscredential]::new('id', (ConvertTo-SecureString 'x' -AsPlainText -Force))) -Database '$database' -MaxRetries 0 } catch { `$_.FullyQualifiedErrorId }
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'LiteDB', 'SalesSync.Core' } |
    ForEach-Object { '{0} {1} {2}' -f `$_.GetName().Name, `$_.GetName().Version, [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
"@
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $LASTEXITCODE | Should -Be 0
        $output | Should -Contain 'LiteDB 5.0.20.0 Default'
        ($output -join "`n") | Should -Match 'SalesSync\.Core \S+ SalesSync'
        ($output -join "`n") | Should -Match 'ServiceUnreachable'
        Remove-Item $database, "$database.lock" -ErrorAction SilentlyContinue
    }
}
