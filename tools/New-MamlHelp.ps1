<#
.SYNOPSIS
    Builds the MAML help file of the SalesSync cmdlets from module/help/<Cmdlet>.psd1 and the cmdlets' own metadata.
.DESCRIPTION
    C# cmdlets get Get-Help text only from MAML beside the dll (PlatyPS is not available here). The prose
    lives in one small data file per cmdlet; syntax, parameter types, positions, pipeline input, default values
    (read from a new instance of each cmdlet class) and input types come from the compiled cmdlets, so they cannot
    drift; output types come from the data file's Outputs.Type, else from the cmdlet's [OutputType] attributes.
    Types are shown as Get-Command -Syntax does (Int64, String[], DateTime: a Nullable is its value type);
    ShouldProcess cmdlets get -WhatIf and -Confirm; [SupportsWildcards] sets "Accept wildcard characters?";
    [Parameter(DontShow)] parameters are left out.
    Fails when a cmdlet or shown parameter has no help text, a cmdlet has fewer than two examples, or an
    example has a key it does not know.

    The data file, module/help/<Cmdlet>.psd1:
      Synopsis, Description     text (Description: one string per paragraph)
      Parameters                @{ Name = 'description' } for every parameter the help shows (WhatIf and Confirm
                                get the standard wording unless given)
      Defaults (optional)       @{ Name = 'text' }: the default value the help shows, where the value read from a new
                                cmdlet instance is not the whole story (for example "the connection in effect")
      Inputs, Outputs, Notes, Links (optional)
      Examples                  at least two @{ Code; Remarks; Setup; Skip }. Only Code and Remarks are rendered.
                                Setup: code tests/pester/HelpExamples.Tests.ps1 runs before the example (files
                                the example reads, state it needs); Skip: why the example cannot run against the
                                sandbox at all (the test skips it, printing the reason). Every other example must
                                run as written there; see that file for the variables it defines.
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
$standardDescriptions = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run.'
    Confirm = 'Prompts you for confirmation before running the cmdlet.'
}
# The keys an example may have (see the format above).
$exampleKeys = 'Code', 'Remarks', 'Setup', 'Skip'

function Escape([string] $text) { [System.Security.SecurityElement]::Escape($text) }
function Paras([string[]] $paragraphs) { ($paragraphs | ForEach-Object { "<maml:para>$(Escape $_)</maml:para>" }) -join '' }

function PipelineText([bool] $byValue, [bool] $byPropertyName) {
    $kinds = @(if ($byValue) { 'ByValue' }; if ($byPropertyName) { 'ByPropertyName' })
    if ($kinds.Count) { "True ($($kinds -join ', '))" } else { 'False' }
}

# Types as help shows them: a value that may be left out is its own type (Nullable[T] is T: $null only means "not
# given"), arrays are the element type and []. ShortTypeName is the <Value> of SYNTAX and PARAMETERS (String[], Int64,
# ConnectionScope), TypeName the full name of the type entry (System.String[], SalesSync.PowerShell.ConnectionScope).
function Unwrap([type] $type) {
    $underlying = [System.Nullable]::GetUnderlyingType($type)
    if ($underlying) { $underlying } else { $type }
}
function ShortTypeName([type] $type) {
    $type = Unwrap $type
    if ($type.IsArray) { return "$(ShortTypeName $type.GetElementType())[$(',' * ($type.GetArrayRank() - 1))]" }
    if ($type.IsGenericType) {
        return "$($type.Name -replace '`\d+$')[$(($type.GetGenericArguments() | ForEach-Object { ShortTypeName $_ }) -join ', ')]"
    }
    $type.Name
}
function TypeName([type] $type) {
    $type = Unwrap $type
    if ($type.IsArray) { return "$(TypeName $type.GetElementType())[$(',' * ($type.GetArrayRank() - 1))]" }
    if ($type.IsGenericType) {
        $definition = $type.GetGenericTypeDefinition().FullName -replace '`\d+$'
        return "$definition[$(($type.GetGenericArguments() | ForEach-Object { TypeName $_ }) -join ', ')]"
    }
    if ($type.FullName) { $type.FullName } else { $type.Name }
}

# [Parameter(DontShow)] parameters are plumbing (for example a pipeline catch-all): never in SYNTAX or PARAMETERS.
function IsHidden($parameter) {
    [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.DontShow })
}
# "Accept wildcard characters?" follows the parameter's [SupportsWildcards] attribute, the same flag Get-Command reads.
function TakesWildcards($parameter) {
    [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
}

# A default value as the help shows it: None for null or empty, False for an absent switch, the invariant string otherwise.
function DefaultText($value) {
    if ($null -eq $value) { return 'None' }
    if ($value -is [System.Management.Automation.SwitchParameter]) { return $value.IsPresent.ToString() }
    if ($value -is [System.Collections.IDictionary]) {
        $items = @(foreach ($key in $value.Keys) { "$(DefaultText $key)=$(DefaultText $value[$key])" })
        return $(if ($items.Count) { $items -join ', ' } else { 'None' })
    }
    if ($value -is [System.Collections.IEnumerable] -and $value -isnot [string]) {
        $items = @(foreach ($item in $value) { DefaultText $item })
        return $(if ($items.Count) { $items -join ', ' } else { 'None' })
    }
    $text = [System.Convert]::ToString([object] $value, [System.Globalization.CultureInfo]::InvariantCulture)
    if ([string]::IsNullOrWhiteSpace($text)) { 'None' } else { $text }
}

# Reads the default of every parameter from a new instance of the cmdlet class (the values its initializers set).
# Cmdlets are plain classes with a public parameterless constructor; when one cannot be built (or a value cannot be
# read), the help says None (False for a switch) and the build goes on with a warning.
function DefaultValues($command) {
    $defaults = @{}
    $type = $command.ImplementingType
    $instance = $null
    try {
        $instance = [System.Activator]::CreateInstance($type)
    }
    catch {
        Write-Warning "Help for $($command.Name): cannot create $($type.FullName) to read parameter defaults ($($_.Exception.GetBaseException().Message)); they show as None."
    }
    foreach ($p in $command.Parameters.Values) {
        $isSwitch = $p.ParameterType -eq [System.Management.Automation.SwitchParameter]
        $defaults[$p.Name] = if ($isSwitch) { 'False' } else { 'None' }
        # A parameter mandatory wherever it appears never falls back to its initial value.
        $mandatory = -not ($p.ParameterSets.Values | Where-Object { -not $_.IsMandatory })
        if ($null -eq $instance -or $mandatory) { continue }
        try {
            $flags = [System.Reflection.BindingFlags] 'Public, Instance'
            # The most derived member of that name (a property can be redeclared with new).
            $depth = { $d = 0; for ($t = $_.DeclaringType; $t; $t = $t.BaseType) { $d++ }; $d }
            $property = $type.GetProperties($flags) | Where-Object { $_.Name -eq $p.Name -and $_.CanRead -and $_.GetIndexParameters().Count -eq 0 } |
                Sort-Object $depth -Descending | Select-Object -First 1
            $field = if (-not $property) { $type.GetFields($flags) | Where-Object Name -EQ $p.Name | Sort-Object $depth -Descending | Select-Object -First 1 }
            if ($property) { $defaults[$p.Name] = DefaultText $property.GetValue($instance) }
            elseif ($field) { $defaults[$p.Name] = DefaultText $field.GetValue($instance) }
        }
        catch {
            Write-Warning "Help for $($command.Name): cannot read the default of -$($p.Name) ($($_.Exception.GetBaseException().Message)); it shows as None."
        }
    }
    if ($instance -is [System.IDisposable]) { try { $instance.Dispose() } catch { } }
    $defaults
}

function ParameterXml($parameter, $setMetadata, [string] $description, [string] $defaultValue) {
    $isSwitch = $parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]
    $pipeline = PipelineText $setMetadata.ValueFromPipeline $setMetadata.ValueFromPipelineByPropertyName
    $position = if ($setMetadata.Position -ge 0) { $setMetadata.Position } else { 'named' }
    $aliases = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
    $value = if ($isSwitch) { '' } else { "<command:parameterValue required=`"true`" variableLength=`"false`">$(Escape (ShortTypeName $parameter.ParameterType))</command:parameterValue>" }
    $globbing = (TakesWildcards $parameter).ToString().ToLower()
    @"
<command:parameter required="$($setMetadata.IsMandatory.ToString().ToLower())" variableLength="true" globbing="$globbing" pipelineInput="$pipeline" position="$position" aliases="$(Escape $aliases)">
<maml:name>$($parameter.Name)</maml:name>
<maml:description><maml:para>$(Escape $description)</maml:para></maml:description>
$value
<dev:type><maml:name>$(Escape (TypeName $parameter.ParameterType))</maml:name><maml:uri /></dev:type>
<dev:defaultValue>$(Escape $defaultValue)</dev:defaultValue>
</command:parameter>
"@
}

# INPUTS: one entry per .NET type a parameter takes from the pipeline, or None. The psd1's Inputs text describes the first.
function InputTypesXml([string] $name, $own, $inputsText) {
    $accepting = foreach ($p in $own) {
        $sets = @($p.ParameterSets.Values)
        $byValue = [bool]($sets | Where-Object ValueFromPipeline)
        $byPropertyName = [bool]($sets | Where-Object ValueFromPipelineByPropertyName)
        if ($byValue -or $byPropertyName) {
            [pscustomobject]@{ Parameter = $p; TypeName = TypeName $p.ParameterType; ByValue = $byValue; ByPropertyName = $byPropertyName }
        }
    }
    $hasText = [bool](@($inputsText) -match '\S')
    if (-not $accepting) {
        $text = if ($hasText) { $inputsText } else { "None. You cannot pipe objects to $name." }
        return "<command:inputType><dev:type><maml:name>None</maml:name></dev:type><maml:description>$(Paras $text)</maml:description></command:inputType>"
    }
    if ($hasText -and (@($inputsText)[0] -match '^\s*None\b')) {
        $piped = (@($accepting) | ForEach-Object { "-$($_.Parameter.Name)" }) -join ', '
        Write-Warning "Help for ${name}: Inputs says '$(@($inputsText)[0])', but these parameters take pipeline input: $piped. Update Inputs in $name.psd1."
    }
    # By-value parameters first, then by name, so the first entry is the type you pipe most directly.
    $groups = @($accepting | Sort-Object @{ Expression = 'ByValue'; Descending = $true }, @{ Expression = { $_.Parameter.Name } } | Group-Object TypeName)
    $i = 0
    foreach ($group in $groups) {
        $notes = foreach ($a in $group.Group) {
            $ways = @(
                if ($a.ByValue) { 'by value' }
                if ($a.ByPropertyName) {
                    $names = @($a.Parameter.Name) + @($a.Parameter.Aliases)
                    "by property name $($names -join ' or ')"
                }
            )
            # A hidden parameter is not named: the help does not show it.
            if (IsHidden $a.Parameter) { "$name accepts $($group.Name) from the pipeline $($ways -join ' and ')." }
            else { "-$($a.Parameter.Name) accepts $($group.Name) from the pipeline $($ways -join ' and ')." }
        }
        $text = if ($i -eq 0 -and $hasText) { @($inputsText) + @($notes) } else { $notes }
        "<command:inputType><dev:type><maml:name>$(Escape $group.Name)</maml:name></dev:type><maml:description>$(Paras $text)</maml:description></command:inputType>"
        $i++
    }
}

# OUTPUTS: the psd1's Outputs.Type, else the cmdlet's [OutputType] attributes, else None.
function ReturnValuesXml($command, $outputs) {
    $declared = if ($outputs -is [System.Collections.IDictionary]) { @($outputs['Type']) -match '\S' } else { @() }
    $description = if ($outputs -is [System.Collections.IDictionary]) { $outputs['Description'] } elseif ($outputs -is [string] -or $outputs -is [array]) { $outputs } else { $null }
    $types = if ($declared) {
        $declared
    }
    else {
        @($command.OutputType | ForEach-Object { if ($_.Type -eq [void] -or $_.Name -in 'System.Void', 'void') { 'None' } else { $_.Name } } | Select-Object -Unique)
    }
    if (-not $types) { $types = @('None') }
    $i = 0
    foreach ($type in $types) {
        $text = if ($i -eq 0) { $description } else { $null }
        "<command:returnValue><dev:type><maml:name>$(Escape $type)</maml:name></dev:type><maml:description>$(Paras $text)</maml:description></command:returnValue>"
        $i++
    }
}

$commands = foreach ($name in ($module.ExportedCmdlets.Keys | Sort-Object)) {
    $file = Join-Path $HelpSource "$name.psd1"
    if (-not (Test-Path $file)) { throw "No help source for $name ($file)." }
    $help = Import-PowerShellDataFile $file   # Inputs, Outputs, Notes and Links are optional: read them with $help['Key']
    if ($help['Parameters'] -isnot [System.Collections.IDictionary]) { $help['Parameters'] = @{} }
    $command = Get-Command $name
    $own = $command.Parameters.Values | Where-Object { $commonParameters -notcontains $_.Name }
    $visible = @($own | Where-Object { -not (IsHidden $_) })
    foreach ($p in $visible) {
        if (-not $help.Parameters.ContainsKey($p.Name) -or [string]::IsNullOrWhiteSpace($help.Parameters[$p.Name])) {
            throw "Help for $name has no description of -$($p.Name)."
        }
    }
    # -WhatIf and -Confirm are common parameters, but Get-Help (like Get-Command -Syntax) shows them for every
    # ShouldProcess cmdlet: in each syntax line and, with the standard wording unless the source words them, as parameters.
    $shouldProcess = @('WhatIf', 'Confirm') | Where-Object { $command.Parameters.ContainsKey($_) }
    foreach ($s in $shouldProcess) { if (-not $help.Parameters[$s]) { $help.Parameters[$s] = $standardDescriptions[$s] } }
    $shown = @($visible | ForEach-Object Name) + @($shouldProcess)
    if (@($help['Examples']).Count -lt 2) { throw "Help for $name needs at least two examples." }
    $number = 0
    foreach ($e in $help.Examples) {
        $number++
        if ($e -isnot [System.Collections.IDictionary] -or [string]::IsNullOrWhiteSpace($e['Code'])) { throw "Help for ${name}: example $number has no Code." }
        $unknown = @($e.Keys | Where-Object { $_ -notin $exampleKeys })
        if ($unknown) { throw "Help for ${name}: example $number has unknown key(s) $($unknown -join ', '); an example takes $($exampleKeys -join ', ')." }
    }
    $defaults = DefaultValues $command
    if ($help['Defaults'] -is [System.Collections.IDictionary]) {
        foreach ($key in $help['Defaults'].Keys) {
            if ($shown -notcontains $key) { throw "Help for ${name}: Defaults names -$key, which is not a parameter the help shows." }
            $defaults[$key] = [string] $help['Defaults'][$key]
        }
    }

    $syntax = foreach ($set in $command.ParameterSets) {
        # The order Get-Command -Syntax shows: positional parameters by position, then mandatory named ones, then
        # optional named ones, each in declaration order.
        $index = 0
        $ordered = $set.Parameters | Where-Object { $shown -contains $_.Name } | ForEach-Object { [pscustomobject]@{ P = $_; I = $index++ } } |
            Sort-Object @{ Expression = { if ($_.P.Position -ge 0) { 0 } elseif ($_.P.IsMandatory) { 1 } else { 2 } } },
                @{ Expression = { if ($_.P.Position -ge 0) { $_.P.Position } else { 0 } } }, @{ Expression = 'I' } | ForEach-Object P
        $items = foreach ($p in $ordered) {
            ParameterXml $command.Parameters[$p.Name] $p $help.Parameters[$p.Name] $defaults[$p.Name]
        }
        "<command:syntaxItem><maml:name>$name</maml:name>$($items -join "`n")</command:syntaxItem>"
    }
    $parameters = foreach ($p in ($command.Parameters.Values | Where-Object { $shown -contains $_.Name } | Sort-Object Name)) {
        $meta = [pscustomobject]@{
            IsMandatory                     = [bool]($p.ParameterSets.Values | Where-Object IsMandatory)
            Position                        = ($p.ParameterSets.Values | ForEach-Object Position | Sort-Object -Descending | Select-Object -First 1)
            ValueFromPipeline               = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipeline)
            ValueFromPipelineByPropertyName = [bool]($p.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName)
        }
        ParameterXml $p $meta $help.Parameters[$p.Name] $defaults[$p.Name]
    }
    # Only Code and Remarks are shown; Setup and Skip are for tests/pester/HelpExamples.Tests.ps1.
    $i = 0
    $examples = foreach ($e in $help.Examples) {
        $i++
        "<command:example><maml:title>-------------------------- Example $i --------------------------</maml:title><dev:code>$(Escape $e.Code)</dev:code><dev:remarks>$(Paras $e['Remarks'])</dev:remarks></command:example>"
    }
    $links = foreach ($l in @($help['Links']) -match '\S') { "<maml:navigationLink><maml:linkText>$(Escape $l)</maml:linkText><maml:uri /></maml:navigationLink>" }
    $verb, $noun = $name -split '-', 2
    @"
<command:command xmlns:maml="http://schemas.microsoft.com/maml/2004/10" xmlns:command="http://schemas.microsoft.com/maml/dev/command/2004/10" xmlns:dev="http://schemas.microsoft.com/maml/dev/2004/10" xmlns:MSHelp="http://msdn.microsoft.com/mshelp">
<command:details><command:name>$name</command:name><command:verb>$verb</command:verb><command:noun>$noun</command:noun>
<maml:description>$(Paras $help.Synopsis)</maml:description></command:details>
<maml:description>$(Paras $help.Description)</maml:description>
<command:syntax>$($syntax -join "`n")</command:syntax>
<command:parameters>$($parameters -join "`n")</command:parameters>
<command:inputTypes>$((InputTypesXml $name $own $help['Inputs']) -join "`n")</command:inputTypes>
<command:returnValues>$((ReturnValuesXml $command $help['Outputs']) -join "`n")</command:returnValues>
<maml:alertSet><maml:alert>$(Paras $help['Notes'])</maml:alert></maml:alertSet>
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
