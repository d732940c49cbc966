<#
.SYNOPSIS
    Builds the MAML help file of the SalesSync cmdlets from module/help/<Cmdlet>.psd1 and the cmdlets' own metadata.
.DESCRIPTION
    C# cmdlets get Get-Help text only from MAML beside the dll (PlatyPS is not available here). The prose
    lives in one small data file per cmdlet; syntax, parameter types, positions and pipeline input come from
    the compiled cmdlets, so they cannot drift. Fails when a cmdlet or parameter has no help text.
#>
param(
    [Parameter(Mandatory)] [string] $ManifestPath,
    [Parameter(Mandatory)] [string] $HelpSource,
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$module = Import-Module $ManifestPath -PassThru -Force
$commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

function Escape([string] $text) { [System.Security.SecurityElement]::Escape($text) }
function Paras([string[]] $paragraphs) { ($paragraphs | ForEach-Object { "<maml:para>$(Escape $_)</maml:para>" }) -join '' }

function ParameterXml($parameter, $setMetadata, [string] $description) {
    $isSwitch = $parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $pipeline = if ($setMetadata.ValueFromPipeline) { 'True (ByValue)' } elseif ($setMetadata.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' } else { 'False' }
    $position = if ($setMetadata.Position -ge 0) { $setMetadata.Position } else { 'named' }
    $aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
    $typeName = $parameter.ParameterType.Name
    $value = if ($isSwitch) { '' } else { "<command:parameterValue required=`"true`" variableLength=`"false`">$(Escape $typeName)</command:parameterValue>" }
    @"
<command:parameter required="$($setMetadata.IsMandatory.ToString().ToLower())" variableLength="true" globbing="false" pipelineInput="$pipeline" position="$position" aliases="$(Escape $aliases)">
<maml:name>$($parameter.Name)</maml:name>
<maml:description><maml:para>$(Escape $description)</maml:para></maml:description>
$value
<dev:type><maml:name>$(Escape $parameter.ParameterType.FullName)</maml:name><maml:uri /></dev:type>
<dev:defaultValue>None</dev:defaultValue>
</command:parameter>
"@
}

$commands = foreach ($name in ($module.ExportedCmdlets.Keys | Sort-Object)) {
    $file = Join-Path $HelpSource "$name.psd1"
    if (-not (Test-Path $file)) { throw "No help source for $name ($file)." }
    $help = Import-PowerShellDataFile $file
    $command = Get-Command $name
    $own = $command.Parameters.Values | Where-Object { $commonParameters -notcontains $_.Name }
    foreach ($p in $own) {
        if (-not $help.Parameters.ContainsKey($p.Name) -or [string]::IsNullOrWhiteSpace($help.Parameters[$p.Name])) {
            throw "Help for $name has no description of -$($p.Name)."
        }
    }
    if (@($help.Examples).Count -lt 2) { throw "Help for $name needs at least two examples." }

    $syntax = foreach ($set in $command.ParameterSets) {
        $items = foreach ($p in ($set.Parameters | Where-Object { $commonParameters -notcontains $_.Name })) {
            ParameterXml $command.Parameters[$p.Name] $p $help.Parameters[$p.Name]
        }
        "<command:syntaxItem><maml:name>$name</maml:name>$($items -join "`n")</command:syntaxItem>"
    }
    $parameters = foreach ($p in ($own | Sort-Object Name)) {
        $meta = $p.ParameterSets.Values | Select-Object -First 1
        $meta = [pscustomobject]@{
            IsMandatory                     = [bool]($p.ParameterSets.Values | Where-Object IsMandatory)
            Position                        = ($p.ParameterSets.Values | ForEach-Object Position | Sort-Object -Descending | Select-Object -First 1)
            ValueFromPipeline               = $meta.ValueFromPipeline
            ValueFromPipelineByPropertyName = $meta.ValueFromPipelineByPropertyName
        }
        ParameterXml $p $meta $help.Parameters[$p.Name]
    }
    $i = 0
    $examples = foreach ($e in $help.Examples) {
        $i++
        "<command:example><maml:title>-------------------------- Example $i --------------------------</maml:title><dev:code>$(Escape $e.Code)</dev:code><dev:remarks>$(Paras $e.Remarks)</dev:remarks></command:example>"
    }
    $links = foreach ($l in @($help.Links)) { "<maml:navigationLink><maml:linkText>$(Escape $l)</maml:linkText><maml:uri /></maml:navigationLink>" }
    $verb, $noun = $name -split '-', 2
    @"
<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">
<command:details><command:name>$name</command:name><command:verb>$verb</command:verb><command:noun>$noun</command:noun>
<maml:description>$(Paras $help.Synopsis)</maml:description></command:details>
<maml:description>$(Paras $help.Description)</maml:description>
<command:syntax>$($syntax -join "`n")</command:syntax>
<command:parameters>$($parameters -join "`n")</command:parameters>
<command:inputTypes><command:inputType><dev:type><maml:name>None</maml:name></dev:type><maml:description>$(Paras $help.Inputs)</maml:description></command:inputType></command:inputTypes>
<command:returnValues><command:returnValue><dev:type><maml:name>$(Escape $help.Outputs.Type)</maml:name></dev:type><maml:description>$(Paras $help.Outputs.Description)</maml:description></command:returnValue></command:returnValues>
<maml:alertSet><maml:alert>$(Paras $help.Notes)</maml:alert></maml:alertSet>
<command:examples>$($examples -join "`n")</command:examples>
<command:relatedLinks>$($links -join "`n")</command:relatedLinks>
</command:command>
"@
}

$xml = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<helpItems schema=`"maml`" xmlns=`"http://msh`">`n$($commands -join "`n")`n</helpItems>`n"
[xml] $xml | Out-Null   # fail the build on malformed XML
New-Item -ItemType Directory -Force -Path (Split-Path $OutFile) | Out-Null
[System.IO.File]::WriteAllText($OutFile, $xml, [System.Text.UTF8Encoding]::new($false))
"Help: $(@($commands).Count) cmdlets -> $OutFile"
