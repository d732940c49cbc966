using System.Globalization;
using System.Management.Automation;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// A -MarketoId that takes several ids: the text "3,4" (typed with quotes, or read from a CSV column) is the ids 3 and 4.
/// PowerShell's own conversion reads a comma in a number as a thousands separator, so "3,4" would bind as 34, a
/// different person. Text that is not ids separated by commas is refused, naming what was wrong; anything else (numbers,
/// arrays of numbers, objects bound by property name) is left to the binder as before.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MarketoIdListAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text) return text.Contains(',', StringComparison.Ordinal) ? Split(text) : inputData;
        if (value is not object[] items || !items.Any(i => (i is PSObject p ? p.BaseObject : i) is string s && s.Contains(',', StringComparison.Ordinal)))
            return inputData;
        var ids = new List<object?>();
        foreach (var item in items)
        {
            if ((item is PSObject p ? p.BaseObject : item) is string s && s.Contains(',', StringComparison.Ordinal)) ids.AddRange(Split(s).Cast<object?>());
            else ids.Add(item);
        }
        return ids.ToArray();
    }

    private static long[] Split(string text)
    {
        var ids = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || id <= 0)
                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is not a list of Marketo ids: '{part}' is not a positive whole number. Give ids separated by commas (-MarketoId 3,4 or -MarketoId '3,4'), with no thousands separators.");
            ids.Add(id);
        }
        return [.. ids];
    }
}
