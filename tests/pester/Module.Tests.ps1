# Module surface: import, exports, manifest, help, package.
BeforeAll {
    $script:root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:manifestPath = Join-Path $root 'SalesSync.psd1'
    $script:module = Import-Module $manifestPath -Force -PassThru
    $script:cmdletTypes = [System.Reflection.Assembly]::LoadFrom((Join-Path $root 'out/module/SalesSync.PowerShell.dll')).GetTypes() |
        Where-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) }
}

Describe 'SalesSync module' {
    It 'imports from the repository root after a build' {
        $module.Name | Should -Be 'SalesSync'
        $module.ExportedCmdlets.Count | Should -BeGreaterThan 0
    }

    It 'declares PowerShell 7.4+, Core edition' {
        $data = Import-PowerShellDataFile $manifestPath
        $data.PowerShellVersion | Should -Be '7.4'
        $data.CompatiblePSEditions | Should -Be @('Core')
        $data.FunctionsToExport.Count | Should -Be 0
    }

    It 'exports exactly the cmdlets the dll defines' {
        $inDll = $cmdletTypes | ForEach-Object {
            $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
            "$($a.VerbName)-$($a.NounName)"
        } | Sort-Object
        $declared = (Import-PowerShellDataFile $manifestPath).CmdletsToExport | Sort-Object
        $declared | Should -Be $inDll
        ($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be $inDll
    }

    It 'uses approved verbs' {
        $approved = (Get-Verb).Verb
        foreach ($name in $module.ExportedCmdlets.Keys) { $approved | Should -Contain ($name -split '-')[0] }
    }

    It 'ships the about topic' {
        (Get-Help about_SalesSync | Out-String) | Should -Match 'SALESSYNC_MARKETO_URI'
    }
}

Describe 'Help for <_>' -ForEach @((Import-PowerShellDataFile (Join-Path $PSScriptRoot '../../SalesSync.psd1')).CmdletsToExport) {
    BeforeAll {
        $script:help = Get-Help $_ -Full
        $script:command = Get-Command $_
        $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\S+ \[' # not the auto-generated syntax line
        ($help.Description | Out-String).Trim().Length | Should -BeGreaterThan 80
    }

    It 'has at least two examples with remarks' {
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.Examples.Example) {
            $example.Code | Should -Not -BeNullOrEmpty
            ($example.Remarks | Out-String).Trim() | Should -Not -BeNullOrEmpty
        }
    }

    It 'describes every parameter' {
        $own = $command.Parameters.Keys | Where-Object { $common -notcontains $_ }
        foreach ($name in $own) {
            $p = $help.Parameters.Parameter | Where-Object Name -EQ $name
            $p | Should -Not -BeNullOrEmpty -Because "-$name needs help"
            ($p.Description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$name needs a description"
        }
    }
}

Describe 'Packaged module (out/SalesSync)' {
    BeforeAll {
        $script:packaged = Join-Path $root 'out/SalesSync/SalesSync.psd1'
    }

    It 'lists exactly the exported cmdlets and imports on its own' {
        Test-Path $packaged | Should -BeTrue
        $data = Import-PowerShellDataFile $packaged
        $data.RootModule | Should -Be 'SalesSync.PowerShell.dll'
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "`$m = Import-Module '$packaged' -PassThru; (`$m.ExportedCmdlets.Keys | Sort-Object) -join ','; (Get-Help Connect-SalesSync).Synopsis"
        $LASTEXITCODE | Should -Be 0
        $output[0] | Should -Be (($data.CmdletsToExport | Sort-Object) -join ',')
        $output[1] | Should -Match 'Connects this PowerShell session'
        Get-ChildItem (Split-Path $packaged) -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }
}
