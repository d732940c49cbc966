using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>
/// Turns a JSON value from a write body into the value a field stores. Salesforce deserialises the whole
/// body before it looks at any record, so a value of the wrong JSON type fails the request as a whole
/// (400 JSON_PARSER_ERROR), not the record. Like its JSON reader it coerces scalars where Jackson would:
/// numbers and booleans into text fields, "true"/"false" into checkboxes, numeric strings into numbers.
/// </summary>
public static partial class FieldValueReader
{
    public static object? Read(SalesforceField field, JsonNode? node)
    {
        if (node is null || node.GetValueKind() == JsonValueKind.Null)
            return field.Type == SalesforceFieldType.Boolean ? false : null; // a checkbox is never null
        if (node is not JsonValue value) throw CannotDeserialize(field, node);
        var kind = value.GetValueKind();
        var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
        switch (field.Type)
        {
            case SalesforceFieldType.Boolean:
                if (kind is JsonValueKind.True or JsonValueKind.False) return kind == JsonValueKind.True;
                if (kind == JsonValueKind.String && bool.TryParse(text, out var flag)) return flag;
                throw CannotDeserialize(field, node);
            case SalesforceFieldType.Integer:
                if (kind is JsonValueKind.Number or JsonValueKind.String && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
                    return whole;
                throw CannotDeserialize(field, node);
            case SalesforceFieldType.Currency:
                if (kind is JsonValueKind.Number or JsonValueKind.String && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
                    return amount;
                throw CannotDeserialize(field, node);
            case SalesforceFieldType.Date:
                if (kind == JsonValueKind.String && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                    return date;
                if (kind == JsonValueKind.String && TryDateTime(text, out var midnight)) return DateOnly.FromDateTime(midnight.UtcDateTime);
                throw CannotDeserialize(field, node);
            case SalesforceFieldType.DateTime:
                if (kind == JsonValueKind.String && TryDateTime(text, out var at)) return at.ToUniversalTime();
                throw CannotDeserialize(field, node);
            default:
                // Text, picklists and ids: a number or boolean becomes its text, as Salesforce's reader does.
                return kind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False
                    ? text
                    : throw CannotDeserialize(field, node);
        }
    }

    /// <summary>ISO 8601 date-times as Salesforce writes and reads them: "Z", "+00:00" or "+0000" offsets.</summary>
    private static bool TryDateTime(string text, out DateTimeOffset value)
    {
        value = default;
        if (!text.Contains('T')) return false;
        var normalized = CompactOffset().Replace(text, "$1:$2");
        return DateTimeOffset.TryParse(normalized, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static SalesforceRequestException CannotDeserialize(SalesforceField field, JsonNode node)
    {
        var javaType = field.Type switch
        {
            SalesforceFieldType.Boolean => "boolean",
            SalesforceFieldType.Integer => "int",
            SalesforceFieldType.Currency => "double",
            SalesforceFieldType.Date => "date",
            SalesforceFieldType.DateTime => "datetime",
            _ => "string",
        };
        var token = node.GetValueKind() switch
        {
            JsonValueKind.Object => "START_OBJECT",
            JsonValueKind.Array => "START_ARRAY",
            JsonValueKind.String => "VALUE_STRING",
            JsonValueKind.Number => "VALUE_NUMBER",
            _ => "VALUE_" + node.GetValueKind().ToString().ToUpperInvariant(),
        };
        var shown = node is JsonValue ? $" value {(node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString())}" : "";
        return new SalesforceRequestException(400, "JSON_PARSER_ERROR",
            $"Cannot deserialize instance of {javaType} from {token}{shown} or request may be missing a required field ({field.Name})");
    }

    [GeneratedRegex(@"([+-]\d{2})(\d{2})$")]
    private static partial Regex CompactOffset();
}
