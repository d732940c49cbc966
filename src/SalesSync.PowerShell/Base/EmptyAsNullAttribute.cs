using System.Management.Automation;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// An empty string binds as "not given": a CSV row with an empty MarketoId or date column (Import-Csv
/// makes every column a string) then falls back to the other columns instead of failing to bind.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class EmptyAsNullAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value is string text && string.IsNullOrWhiteSpace(text) ? null : inputData;
    }
}
