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
        # [Parameter(DontShow)] parameters are left out of the help, like the common parameters.
        $script:common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters +
            @($command.Parameters.Values | Where-Object { $_.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow } } | ForEach-Object Name)
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

    It 'shows each parameter''s pipeline input as the cmdlet declares it' {
        foreach ($p in ($command.Parameters.Values | Where-Object { $common -notcontains $_.Name })) {
            $sets = @($p.ParameterSets.Values)
            $kinds = @(
                if ($sets | Where-Object ValueFromPipeline) { 'ByValue' }
                if ($sets | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
            )
            $expected = if ($kinds.Count) { "True ($($kinds -join ', '))" } else { 'False' }
            (Get-Help $command.Name -Parameter $p.Name).pipelineInput | Should -Be $expected -Because "-$($p.Name)"
        }
    }

    It 'lists the types it takes from the pipeline as inputs, or None' {
        # Hidden parameters take pipeline input too; a Nullable is its value type.
        $piped = @($command.Parameters.Values | Where-Object { [System.Management.Automation.PSCmdlet]::CommonParameters -notcontains $_.Name } |
            Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } })
        $inputs = @($help.inputTypes.inputType | ForEach-Object { $_.type.name })
        if ($piped) {
            $inputs | Should -Not -Contain 'None'
            $types = $piped | ForEach-Object { $underlying = [Nullable]::GetUnderlyingType($_.ParameterType); if ($underlying) { $underlying } else { $_.ParameterType } }
            $inputs.Count | Should -Be @($types | Select-Object -Unique).Count
        }
        else {
            $inputs | Should -Be @('None')
        }
    }

    It 'names an output type' {
        $outputs = @($help.returnValues.returnValue | ForEach-Object { $_.type.name })
        $outputs.Count | Should -BeGreaterThan 0
        foreach ($o in $outputs) { $o | Should -Not -BeNullOrEmpty }
    }
}

Describe 'Connect-SalesSync help' {
    It 'shows the real default values' {
        (Get-Help Connect-SalesSync -Parameter SalesforceApiVersion).defaultValue | Should -Be 'v66.0'
        (Get-Help Connect-SalesSync -Parameter MaxRetries).defaultValue | Should -Be '5'
        (Get-Help Connect-SalesSync -Parameter Scope).defaultValue | Should -Be 'Process'
        $full = Get-Help Connect-SalesSync -Full
        ($full.Parameters.Parameter | Where-Object Name -EQ 'SalesforceApiVersion').defaultValue | Should -Be 'v66.0'
        ($full.Parameters.Parameter | Where-Object Name -EQ 'MaxRetries').defaultValue | Should -Be '5'
        $full | Out-String | Should -Match '(?m)-MaxRetries <Int32>[\s\S]*?Default value\s+5\s*$'
    }

    It 'shows False for a switch and None for a parameter without a default' {
        (Get-Help Connect-SalesSync -Parameter FromEnvironment).defaultValue | Should -Be 'False'
        (Get-Help Connect-SalesSync -Parameter MarketoUri).defaultValue | Should -Be 'None'
    }

    It 'takes the output type from its help file' {
        (Get-Help Connect-SalesSync -Full).returnValues.returnValue.type.name | Should -Be 'SalesSync.PowerShell.Models.SalesSyncConnectionInfo'
    }
}

Describe 'A cmdlet without pipeline input' {
    It 'shows None as its input type' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $withoutPipeline = @($module.ExportedCmdlets.Values | Where-Object {
                -not ($_.Parameters.Values | Where-Object { $common -notcontains $_.Name } |
                        Where-Object { $_.ParameterSets.Values | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } })
            })
        $withoutPipeline.Count | Should -BeGreaterThan 0 -Because 'Get-SalesSyncConnection takes no pipeline input'
        foreach ($c in $withoutPipeline) {
            $inputs = @((Get-Help $c.Name -Full).inputTypes.inputType)
            $inputs.Count | Should -Be 1 -Because $c.Name
            $inputs[0].type.name | Should -Be 'None' -Because $c.Name
        }
    }
}

# The generator against a small compiled module with pipeline input, varied defaults, [OutputType] and a constructor that throws.
Describe 'Help generator (tools/New-MamlHelp.ps1)' {
    BeforeAll {
        $script:pwsh = Join-Path $PSHOME 'pwsh'
        $script:fixture = Join-Path $TestDrive 'HelpFixture'
        $helpSource = New-Item -ItemType Directory -Force (Join-Path $fixture 'help')
        $source = Join-Path $fixture 'HelpFixture.cs'
        $script:dll = Join-Path $fixture 'HelpFixture.dll'
        Set-Content $source @'
using System;
using System.Management.Automation;
namespace HelpFixture
{
    public enum Shade { Light, Dark }

    [Cmdlet(VerbsCommon.Get, "HelpFixture", DefaultParameterSetName = "ByPath")]
    [OutputType(typeof(System.IO.FileInfo), typeof(string))]
    public sealed class GetHelpFixtureCommand : PSCmdlet
    {
        [Parameter(Position = 0, ValueFromPipeline = true, ParameterSetName = "ByPath")] public string Path { get; set; } = "here";
        [Parameter(ValueFromPipelineByPropertyName = true)] [Alias("Key")] public string Name { get; set; }
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "ById")] public int Id { get; set; } = 7;
        [Parameter] public Shade Shade { get; set; } = Shade.Dark;
        [Parameter] public double Ratio { get; set; } = 1.5;
        [Parameter] public string[] Tags { get; set; } = new[] { "a", "b" };
        [Parameter] public string[] None { get; set; } = new string[0];
        [Parameter] public string Blank { get; set; } = "";
        [Parameter] public SwitchParameter Force { get; set; }
    }

    [Cmdlet(VerbsCommon.Remove, "HelpFixture", SupportsShouldProcess = true)]
    public sealed class RemoveHelpFixtureCommand : PSCmdlet
    {
        [Parameter(Position = 0)] [SupportsWildcards] public string[] Pattern { get; set; }
        [Parameter] public DateTime? Since { get; set; }
        [Parameter(ValueFromPipelineByPropertyName = true)] public long? Number { get; set; }
        [Parameter] public bool? Enabled { get; set; }
        [Parameter(ValueFromPipeline = true, DontShow = true)] public PSObject InputObject { get; set; }
    }

    [Cmdlet(VerbsCommon.Set, "HelpFixture")]
    [OutputType(typeof(void))]
    public sealed class SetHelpFixtureCommand : PSCmdlet
    {
        public SetHelpFixtureCommand() { throw new InvalidOperationException("fixture constructor fails"); }
        [Parameter] public int Count { get; set; } = 3;
        [Parameter] public SwitchParameter Force { get; set; }
    }
}
'@
        $examples = "Examples = @(@{ Code = 'x'; Remarks = 'one' }, @{ Code = 'y'; Remarks = 'two' })"
        Set-Content (Join-Path $helpSource 'Get-HelpFixture.psd1') @"
@{
    Synopsis = 'Fixture.'; Description = 'Fixture cmdlet.'
    Parameters = @{ Path = 'p'; Name = 'n'; Id = 'i'; Shade = 's'; Ratio = 'r'; Tags = 't'; None = 'e'; Blank = 'b'; Force = 'f' }
    Inputs = 'Ids, paths, or objects with a Name.'
    Outputs = @{ Description = 'Files or strings.' }
    $examples
}
"@
        Set-Content (Join-Path $helpSource 'Set-HelpFixture.psd1') @"
@{
    Synopsis = 'Fixture.'; Description = 'Fixture cmdlet.'
    Parameters = @{ Count = 'c'; Force = 'f' }
    $examples
}
"@
        # Setup and Skip are for the example runner (tests/pester/HelpExamples.Tests.ps1), never shown.
        Set-Content (Join-Path $helpSource 'Remove-HelpFixture.psd1') @"
@{
    Synopsis = 'Fixture.'; Description = 'Fixture cmdlet.'
    Parameters = @{ Pattern = 'p'; Since = 's'; Number = 'n'; Enabled = 'e' }
    Defaults = @{ Since = 'the last run' }
    Examples = @(@{ Code = 'x'; Remarks = 'one'; Setup = 'setup-only-text' }, @{ Code = 'y'; Remarks = 'two'; Skip = 'skip-only-text' })
}
"@
        & $pwsh -NoProfile -NonInteractive -Command "Add-Type -Path '$source' -OutputAssembly '$dll'"
        if ($LASTEXITCODE -ne 0) { throw 'Could not compile the help fixture.' }
        $generator = Join-Path $root 'tools/New-MamlHelp.ps1'
        $script:helpFile = Join-Path $fixture 'HelpFixture.dll-Help.xml'
        # A decimal-comma culture: defaults must still be written with the invariant culture.
        $script:generatorOutput = & $pwsh -NoProfile -NonInteractive -Command "[cultureinfo]::CurrentCulture = 'de-DE'; & '$generator' -ManifestPath '$dll' -HelpSource '$helpSource' -OutFile '$helpFile'; exit `$LASTEXITCODE" *>&1 | Out-String
        $script:generatorExit = $LASTEXITCODE
        $script:fixtureModule = Import-Module $dll -PassThru -Force
    }

    AfterAll {
        if ($fixtureModule) { Remove-Module $fixtureModule -Force }
    }

    It 'succeeds even when a cmdlet cannot be constructed, with a warning' {
        $generatorExit | Should -Be 0 -Because $generatorOutput
        $generatorOutput | Should -Match 'cannot create HelpFixture.SetHelpFixtureCommand'
    }

    It 'writes each parameter''s default from a new instance (None when it is mandatory)' {
        # -Id is mandatory in its only parameter set: its initial value is never used.
        $expected = [ordered]@{ Path = 'here'; Name = 'None'; Id = 'None'; Shade = 'Dark'; Ratio = '1.5'; Tags = 'a, b'; None = 'None'; Blank = 'None'; Force = 'False' }
        foreach ($name in $expected.Keys) {
            (Get-Help Get-HelpFixture -Parameter $name).defaultValue | Should -Be $expected[$name] -Because "-$name"
        }
    }

    It 'falls back to None (False for switches) when the cmdlet cannot be constructed' {
        (Get-Help Set-HelpFixture -Parameter Count).defaultValue | Should -Be 'None'
        (Get-Help Set-HelpFixture -Parameter Force).defaultValue | Should -Be 'False'
    }

    It 'shows how each parameter takes pipeline input' {
        (Get-Help Get-HelpFixture -Parameter Path).pipelineInput | Should -Be 'True (ByValue)'
        (Get-Help Get-HelpFixture -Parameter Name).pipelineInput | Should -Be 'True (ByPropertyName)'
        (Get-Help Get-HelpFixture -Parameter Id).pipelineInput | Should -Be 'True (ByValue, ByPropertyName)'
        (Get-Help Get-HelpFixture -Parameter Shade).pipelineInput | Should -Be 'False'
    }

    It 'lists one input type per distinct pipeline type, the Inputs text describing the first' {
        $inputs = @((Get-Help Get-HelpFixture -Full).inputTypes.inputType)
        @($inputs | ForEach-Object { $_.type.name }) | Should -Be @('System.Int32', 'System.String')
        $first = ($inputs[0].description | Out-String).Trim()
        $first | Should -Match '^Ids, paths, or objects with a Name\.'
        $first | Should -Match '-Id accepts System\.Int32 from the pipeline by value and by property name Id\.'
        $second = ($inputs[1].description | Out-String).Trim()
        $second | Should -Match '-Path accepts System\.String from the pipeline by value\.'
        $second | Should -Match '-Name accepts System\.String from the pipeline by property name Name or Key\.'
        $second | Should -Not -Match 'Ids, paths'
    }

    It 'shows None as the input type of a cmdlet without pipeline input' {
        $inputs = @((Get-Help Set-HelpFixture -Full).inputTypes.inputType)
        $inputs.Count | Should -Be 1
        $inputs[0].type.name | Should -Be 'None'
    }

    It 'takes the output types from [OutputType] when the help file names none' {
        @((Get-Help Get-HelpFixture -Full).returnValues.returnValue | ForEach-Object { $_.type.name }) | Should -Be @('System.IO.FileInfo', 'System.String')
        @((Get-Help Set-HelpFixture -Full).returnValues.returnValue | ForEach-Object { $_.type.name }) | Should -Be @('None')
    }

    It 'shows value types (not Nullable`1), wildcards, -WhatIf and -Confirm, and leaves hidden parameters out' {
        $full = Get-Help Remove-HelpFixture -Full
        $syntax = ($full.syntax | Out-String -Width 500).Trim()
        $syntax | Should -Be 'Remove-HelpFixture [[-Pattern] <String[]>] [-Since <DateTime>] [-Number <Int64>] [-Enabled <Boolean>] [-WhatIf] [-Confirm] [<CommonParameters>]'
        $text = $full | Out-String -Width 500
        $text | Should -Not -Match 'Nullable|`1|InputObject'
        (Get-Help Remove-HelpFixture -Parameter Since).type.name | Should -Be 'System.DateTime'
        (Get-Help Remove-HelpFixture -Parameter Pattern).globbing | Should -Be 'true'
        (Get-Help Remove-HelpFixture -Parameter Number).globbing | Should -Be 'false'
        (Get-Help Remove-HelpFixture -Parameter Number).pipelineInput | Should -Be 'True (ByPropertyName)'
        (Get-Help Remove-HelpFixture -Parameter WhatIf).aliases | Should -Be 'wi'
        ((Get-Help Remove-HelpFixture -Parameter Confirm).description | Out-String) | Should -Match 'Prompts you for confirmation'
        # A hidden parameter's pipeline type is still an input, without the parameter's name.
        (@($full.inputTypes.inputType) | ForEach-Object { $_.description | Out-String -Width 500 }) -join ' ' | Should -Match 'Remove-HelpFixture accepts System.Management.Automation.PSObject from the pipeline by value'
    }

    It 'takes defaults from Defaults and renders only the Code and Remarks of an example' {
        (Get-Help Remove-HelpFixture -Parameter Since).defaultValue | Should -Be 'the last run'
        $text = Get-Help Remove-HelpFixture -Examples | Out-String
        $text | Should -Match 'one'
        $text | Should -Not -Match 'setup-only-text|skip-only-text'
    }

    It 'fails on an example key it does not know' {
        $broken = New-Item -ItemType Directory -Force (Join-Path $fixture 'broken-keys')
        Copy-Item (Join-Path $fixture 'help/*') $broken
        $generator = Join-Path $root 'tools/New-MamlHelp.ps1'
        $file = Join-Path $broken 'Remove-HelpFixture.psd1'
        (Get-Content $file -Raw) -replace "Setup = 'setup-only-text'", "SetUpp = 'typo'" | Set-Content $file
        $output = & $pwsh -NoProfile -NonInteractive -File $generator -ManifestPath $dll -HelpSource $broken -OutFile (Join-Path $broken 'out.xml') *>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'example 1 has unknown key\(s\) SetUpp'
    }

    It 'still fails on a missing parameter description or fewer than two examples' {
        $broken = New-Item -ItemType Directory -Force (Join-Path $fixture 'broken')
        Copy-Item (Join-Path $fixture 'help/*') $broken
        $generator = Join-Path $root 'tools/New-MamlHelp.ps1'
        (Get-Content (Join-Path $broken 'Set-HelpFixture.psd1') -Raw) -replace "Count = 'c'; ", '' | Set-Content (Join-Path $broken 'Set-HelpFixture.psd1')
        $output = & $pwsh -NoProfile -NonInteractive -File $generator -ManifestPath $dll -HelpSource $broken -OutFile (Join-Path $broken 'out.xml') *>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'no description of -Count'
        Copy-Item (Join-Path $fixture 'help/Set-HelpFixture.psd1') $broken -Force
        (Get-Content (Join-Path $broken 'Get-HelpFixture.psd1') -Raw) -replace ", @\{ Code = 'y'; Remarks = 'two' \}", '' | Set-Content (Join-Path $broken 'Get-HelpFixture.psd1')
        $output = & $pwsh -NoProfile -NonInteractive -File $generator -ManifestPath $dll -HelpSource $broken -OutFile (Join-Path $broken 'out.xml') *>&1 | Out-String
        $LASTEXITCODE | Should -Not -Be 0
        $output | Should -Match 'needs at least two examples'
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

    It 'ships the LICENSE and names the license in its manifest' {
        Get-Content (Join-Path (Split-Path $packaged) 'LICENSE') -Raw | Should -Match '^MIT License'
        $data = (Import-PowerShellDataFile $packaged).PrivateData.PSData
        $data.LicenseUri | Should -Be (Import-PowerShellDataFile $manifestPath).PrivateData.PSData.LicenseUri
        ([uri] $data.LicenseUri).IsAbsoluteUri | Should -BeTrue
    }
}
