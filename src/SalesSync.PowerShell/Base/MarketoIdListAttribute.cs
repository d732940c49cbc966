using System.Globalization;
using System.Management.Automation;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// A -MarketoId that takes several ids: the text "3,4" (typed with quotes, or read from a CSV column) is the ids 3 and 4.
/// PowerShell's own conversion reads a comma in a number as a thousands separator, so "3,4" would bind as 34, a
/// different person. Text that is not ids separated by commas is refused, naming what was wrong, and so is text that reads
/// as one number with thousands separators ("12,345": every part after the first comma three digits, no spaces), which
/// could mean either; anything else (numbers,
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
        var parts = text.Split(',');
        if (parts.Skip(1).All(p => p.Length == 3 && p.All(char.IsAsciiDigit)) && parts[0].Length > 0 && parts[0].All(char.IsAsciiDigit))
            throw new ArgumentTransformationMetadataException(
                $"'{text}' looks like one number with thousands separators, so SalesSync does not guess whether it is one id or several. " +
                $"For one id, give it without separators (-MarketoId {text.Replace(",", "", StringComparison.Ordinal)}); for several, give them as an array (-MarketoId {string.Join(", ", parts)}) or put a space after each comma ('{string.Join(", ", parts)}').");
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
