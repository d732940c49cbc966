using System.Globalization;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>Whether a resource exists in the version a request names ("v42.0"): resources arrive in a given version.</summary>
public static class ApiVersion
{
    public static bool AtLeast(string version, int first) =>
        version.Length > 1 && decimal.TryParse(version[1..], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && v >= first;
}
