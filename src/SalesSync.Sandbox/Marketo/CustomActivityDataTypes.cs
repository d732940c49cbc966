using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The data types of custom activity attributes (activities.md: "string, boolean, integer, float, link, email,
/// currency, date, datetime, phone, text") and how Add Custom Activities checks a value of each. Sizes are
/// Marketo's field limits (field-types.md): a string holds up to 255 characters, a text area up to 30,000
/// bytes. A wrong type is 1001 "Invalid value '…'. Required of type '…'" (the documented text); a value too
/// long for its type is 1003 "Invalid data".
/// </summary>
public static partial class CustomActivityDataTypes
{
    public const int MaxStringLength = 255;
    public const int MaxTextBytes = 30_000;

    public static readonly IReadOnlyList<string> All =
        ["string", "boolean", "integer", "float", "link", "email", "currency", "date", "datetime", "phone", "text"];

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailShape();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DateShape();

    /// <summary>The type as Marketo spells it (lower case), or null when it is not one of them.</summary>
    public static string? Find(string? name) => All.FirstOrDefault(t => t.Equals(name?.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Checks <paramref name="value"/> against <paramref name="dataType"/> and returns what the activity keeps:
    /// numbers as numbers and booleans as booleans (Marketo returns attribute values with their JSON type),
    /// a datetime in UTC, everything else as text. JSON null is an empty value (left out when read back).
    /// </summary>
    public static object? Read(string dataType, JsonNode? value)
    {
        if (value is null || value.GetValueKind() == JsonValueKind.Null) return null;
        var kind = value.GetValueKind();
        if (kind is JsonValueKind.Object or JsonValueKind.Array) throw Invalid(value.ToJsonString(), dataType);
        // Scalars arrive as strings or as JSON numbers/booleans; Marketo's Java binding reads either.
        var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        switch (dataType)
        {
            case "integer":
                return int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
                    ? (long)integer
                    : throw Invalid(text, dataType);
            case "float" or "currency":
                return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number)
                    ? number
                    : throw Invalid(text, dataType);
            case "boolean":
                return bool.TryParse(text.Trim(), out var flag) ? flag : throw Invalid(text, dataType);
            case "date":
                return DateShape().IsMatch(text.Trim()) && SinceDatetime.TryParse(text.Trim(), out _) ? text.Trim() : throw Invalid(text, dataType);
            case "datetime":
                return SinceDatetime.TryParse(text.Trim(), out var at) ? at : throw Invalid(text, dataType);
            case "email":
                return EmailShape().IsMatch(text.Trim()) ? Short(text.Trim(), dataType) : throw Invalid(text, dataType);
            case "link":
                // field-types.md: a URL field "restricts input to URLs, including the protocol".
                return Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                    ? Short(text.Trim(), dataType)
                    : throw Invalid(text, dataType);
            case "text":
                var bytes = Encoding.UTF8.GetByteCount(text);
                return bytes <= MaxTextBytes
                    ? text
                    : throw new MarketoRefusal("1003", $"Invalid data: a text value holds at most {MaxTextBytes} bytes, this one {bytes}");
            default: // string, phone
                return Short(text, dataType);
        }
    }

    /// <summary>The value as <c>primaryAttributeValue</c> carries it: always a string, after the same check.</summary>
    public static string? ReadAsText(string dataType, JsonNode? value) => Read(dataType, value) switch
    {
        null => null,
        DateTimeOffset at => MarketoEnvelope.ToJson(at)!.GetValue<string>(),
        bool flag => flag ? "true" : "false",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };

    private static string Short(string text, string dataType) =>
        text.Length <= MaxStringLength
            ? text
            : throw new MarketoRefusal("1003", $"Invalid data: a {dataType} value holds at most {MaxStringLength} characters, this one {text.Length}");

    private static MarketoRefusal Invalid(string text, string dataType) =>
        new("1001", $"Invalid value '{(text.Length > 80 ? text[..80] + "…" : text)}'. Required of type '{dataType}'");
}
