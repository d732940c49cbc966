using System.Globalization;
using System.Management.Automation;

namespace SalesSync.PowerShell.Base;

/// <summary>
/// A -MarketoId that takes several ids: the text "3,4" (typed with quotes, or read from a CSV column) is the ids 3 and 4.
/// PowerShell's own conversion reads a comma in a number as a thousands separator ("3,4" would bind as 34), and text such
/// as '0x72', '1.14e2' or '1e3' as hex or exponent numbers, each a different person; a 3.5 would round to 4. So text is
/// read here, each comma-separated part plain decimal digits (trimmed), and numbers must be whole; anything else is refused
/// naming what was wrong, and so is text that reads as one number with thousands separators ("12,345": every part after
/// the first comma three digits, no spaces), which could mean either. Other values (objects bound by property name, a
/// piped person) are left to the binder as before.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class MarketoIdListAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        if (value is string text) return Split(text);
        if (IsNumber(value)) return One(value!);
        if (value is not object[] items || !items.Any(i => Unwrap(i) is string || IsNumber(Unwrap(i))))
            return inputData;
        var ids = new List<object?>();
        foreach (var item in items)
        {
            var one = Unwrap(item);
            if (one is string s) ids.AddRange(Split(s).Cast<object?>());
            else if (IsNumber(one)) ids.Add(One(one!));
            else ids.Add(item);
        }
        return ids.ToArray();
    }

    private static object? Unwrap(object? item) => item is PSObject p ? p.BaseObject : item;

    private static bool IsNumber(object? value) => value is double or float or decimal;

    /// <summary>A fractional number is refused rather than rounded to another person's id; 3.0 is 3.</summary>
    private static object One(object number)
    {
        var d = Convert.ToDecimal(number, CultureInfo.InvariantCulture);
        if (d != decimal.Truncate(d))
            throw new ArgumentTransformationMetadataException(
                $"{Convert.ToString(number, CultureInfo.InvariantCulture)} is not a Marketo id: ids are whole numbers, and SalesSync does not round to a neighbouring person. Give the id as it is in Marketo (-MarketoId 3).");
        return (long)d;
    }

    private static long[] Split(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentTransformationMetadataException(
                $"-MarketoId '{text}' is empty text, not a Marketo id. Give an id (-MarketoId 3) or several separated by commas (-MarketoId 3,4); for rows from a CSV, fill the MarketoId column.");
        var parts = text.Split(',');
        // One negative id alone passes, as a number would: the cmdlet then says nobody has it (trial row 42); '0' is refused below.
        var single = text.Trim();
        if (parts.Length == 1 && single.Length > 1 && single[0] == '-' && single[1..].All(char.IsAsciiDigit) && long.TryParse(single, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var negative))
            return [negative];
        if (parts.Length > 1 && parts.Skip(1).All(p => p.Length == 3 && p.All(char.IsAsciiDigit)) && parts[0].Length > 0 && parts[0].All(char.IsAsciiDigit))
            throw new ArgumentTransformationMetadataException(
                $"'{text}' looks like one number with thousands separators, so SalesSync does not guess whether it is one id or several. " +
                $"For one id, give it without separators (-MarketoId {text.Replace(",", "", StringComparison.Ordinal)}); for several, give them as an array (-MarketoId {string.Join(", ", parts)}) or put a space after each comma ('{string.Join(", ", parts)}').");
        var ids = new List<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            // Plain digits only: long.TryParse alone would still take a sign, and the binder hex and exponents.
            if (part.Length == 0 || !part.All(char.IsAsciiDigit) || !long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
                throw new ArgumentTransformationMetadataException(
                    $"'{text}' is not a list of Marketo ids: '{part}' is not a positive whole number in plain digits. Give ids separated by commas (-MarketoId 3,4 or -MarketoId '3,4'), with no thousands separators, spaces or semicolons between them.");
            ids.Add(id);
        }
        return [.. ids];
    }
}
