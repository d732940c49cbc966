using System.Management.Automation;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// A date parameter that refuses a bare number: PowerShell converts -Since 30 to a DateTime of 30 ticks (the year 0001),
/// which reads as "everything" rather than the "30 days" meant. The message gives the date expression to use instead.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NotABareNumberAttribute(string parameter) : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is int or long or short or byte or uint or ulong or double or float or decimal)
        {
            var days = Math.Abs(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new ArgumentTransformationMetadataException(
                $"-{parameter} {value} is a bare number, which PowerShell would read as ticks (the year 0001), not days. Give a date, for example -{parameter} (Get-Date).AddDays(-{days}) for {days} days ago.");
        }
        return inputData;
    }
}
