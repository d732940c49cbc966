using System.Net.Mail;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;

namespace SalesSync.Sandbox.Salesforce;

/// <summary>A create (no <see cref="Target"/>) or update, checked: the typed values to write, or the record's errors.</summary>
public sealed record RecordPlan(SalesforceObjectType Type, SalesforceRecord? Target, IReadOnlyDictionary<string, object?> Values, IReadOnlyList<SalesforceError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// The per-record rules of a write (salesforce-api.md §4–§6 and the emulator checklist): known, writable fields;
/// lengths, restricted picklists and email syntax; lookups of the right type that exist, are not deleted and are
/// not converted leads; required fields; converted leads are read-only; Task's WhoId/WhatId rules. Reads the
/// store, never changes it, so a whole allOrNone request can be checked before anything is written.
/// </summary>
public static class RecordValidator
{
    public static RecordPlan Plan(SalesforceStore store, SalesforceObjectType type, SalesforceRecord? target, IEnumerable<KeyValuePair<string, JsonNode?>> body)
    {
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        if (!type.Writable)
            return Refused(type, target, values, ReadOnlyType());
        if (target is not null && IsConvertedLead(target))
            return Refused(type, target, values, ConvertedLead());

        var errors = new List<SalesforceError>();
        var readOnly = new List<string>();
        foreach (var (name, node) in body)
        {
            if (!type.Describe.TryGetValue(name, out var field))
            {
                errors.Add(new("INVALID_FIELD", $"No such column '{name}' on sobject of type {type.Name}", name));
                continue;
            }
            if (target is null ? !field.Createable : !field.Updateable)
            {
                readOnly.Add(field.Name);
                continue;
            }
            values[field.Name] = FieldValueReader.Read(field, node);
        }
        if (readOnly.Count > 0)
        {
            errors.Add(new("INVALID_FIELD_FOR_INSERT_UPDATE",
                $"Unable to create/update fields: {string.Join(", ", readOnly)}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                [.. readOnly]));
        }
        foreach (var name in values.Keys.ToList())
        {
            var field = type.Describe[name];
            if (CheckValue(store, type, field, values[name], errors) is { } canonical) values[name] = canonical;
        }
        CheckRequired(type, target, values, errors);
        if (type.Name == "Task") CheckTask(store, target, values, errors);
        return new RecordPlan(type, target, values, errors);
    }

    /// <summary>The answer for a write to a type the sandbox serves read-only (User): the integration user may not change it.</summary>
    public static SalesforceError ReadOnlyType() => new("INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id");

    public static bool IsConvertedLead(SalesforceRecord record) => record.Type == "Lead" && record.GetValueOrDefault("IsConverted") is true;

    /// <summary>The answer for any write to, or reference of, a converted lead (Adobe's diagnostics list; the text the reference quotes).</summary>
    public static SalesforceError ConvertedLead(params string[] fields) => new("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", fields);

    private static RecordPlan Refused(SalesforceObjectType type, SalesforceRecord? target, Dictionary<string, object?> values, SalesforceError error) =>
        new(type, target, values, [error]);

    /// <summary>Checks one value; returns its canonical form (picklist casing, 18-character id) when that differs.</summary>
    private static object? CheckValue(SalesforceStore store, SalesforceObjectType type, SalesforceField field, object? value, List<SalesforceError> errors)
    {
        if (value is not string text) return null;
        if (field.IsText && text.Length > field.Length)
        {
            var shown = text.Length > 255 ? text[..255] + "..." : text;
            errors.Add(new("STRING_TOO_LONG", $"{field.Label}: data value too large: {shown} (max length={field.Length})", field.Name));
            return null;
        }
        if (field.RestrictedValues is { } allowed)
        {
            var match = allowed.FirstOrDefault(v => v.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (match is null) errors.Add(BadPicklistValue(field, text));
            return match;
        }
        if (field.Type == SalesforceFieldType.Email && text.Length > 0 && !IsEmailAddress(text))
        {
            errors.Add(new("INVALID_EMAIL_ADDRESS", $"{field.Label}: invalid email address: {text}", field.Name));
            return null;
        }
        return field.Type == SalesforceFieldType.Reference && text.Length > 0 ? CheckReference(store, type, field, text, errors) : null;
    }

    private static SalesforceError BadPicklistValue(SalesforceField field, string value) =>
        new("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", $"{field.Label}: bad value for restricted picklist field: {value}", field.Name);

    private static bool IsEmailAddress(string text) =>
        MailAddress.TryCreate(text, out var address) && address.Address == text && text.IndexOf('@') is > 0 and var at && text.IndexOf('.', at) > at + 1;

    private static string? CheckReference(SalesforceStore store, SalesforceObjectType type, SalesforceField field, string id, List<SalesforceError> errors)
    {
        var reference = type.ReferencesByField[field.Name];
        var normalized = SalesforceId.Normalize(id);
        if (normalized is null)
        {
            errors.Add(new("MALFORMED_ID", $"{field.Label}: id value of incorrect type: {id}", field.Name));
            return null;
        }
        if (SalesforceSchema.TypeOfId(normalized) is not { } target || !reference.Targets.Contains(target.Name))
        {
            errors.Add(new("FIELD_INTEGRITY_EXCEPTION", $"{field.Label}: id value of incorrect type: {id}", field.Name));
            return null;
        }
        switch (store.Find(normalized))
        {
            case null:
                errors.Add(new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", field.Name));
                return null;
            case { } record when record["IsDeleted"] is true:
                errors.Add(new("ENTITY_IS_DELETED", "entity is deleted", field.Name));
                return null;
            case { } record when IsConvertedLead(record):
                errors.Add(ConvertedLead(field.Name));
                return null;
            case { } record when field.Name == "OwnerId" && record.GetValueOrDefault("IsActive") is false:
                errors.Add(new("INACTIVE_OWNER_OR_USER", $"operation performed with inactive user [{normalized}] as owner of {type.Name.ToLowerInvariant()}"));
                return null;
        }
        return normalized;
    }

    /// <summary>
    /// Create: every required field without a default needs a value. Update: a required or defaulted field may
    /// not be cleared. Empty text counts as no value, as Salesforce stores "" as null.
    /// </summary>
    private static void CheckRequired(SalesforceObjectType type, SalesforceRecord? target, Dictionary<string, object?> values, List<SalesforceError> errors)
    {
        var missing = target is null
            ? type.Describe.Values.Where(f => f.Required && f.Createable && IsBlank(values.GetValueOrDefault(f.Name))).Select(f => f.Name)
            : values.Where(kv => !type.Describe[kv.Key].Nillable && IsBlank(kv.Value)).Select(kv => type.Describe[kv.Key].Name);
        var names = missing.ToArray();
        if (names.Length > 0) errors.Add(new("REQUIRED_FIELD_MISSING", $"Required fields are missing: [{string.Join(", ", names)}]", names));
    }

    private static bool IsBlank(object? value) => value is null || (value is string s && s.Trim().Length == 0);

    private static void CheckTask(SalesforceStore store, SalesforceRecord? target, Dictionary<string, object?> values, List<SalesforceError> errors)
    {
        if (target is null && values.GetValueOrDefault("TaskSubtype") is "Cadence")
            errors.Add(BadPicklistValue(SalesforceSchema.Types["Task"].Describe["TaskSubtype"], "Cadence"));
        // ActivityDate "can't be set or updated for a recurring task"; Status "can't be updated for recurring tasks" (Task reference).
        var fixedOnSeries = target?.GetValueOrDefault("IsRecurrence") is true ? new[] { "ActivityDate", "Status" }.Where(values.ContainsKey).ToArray() : [];
        if (fixedOnSeries.Length > 0)
            errors.Add(new("INVALID_FIELD_FOR_INSERT_UPDATE", $"Unable to create/update fields: {string.Join(", ", fixedOnSeries)}. A recurring task's series sets them.", fixedOnSeries));
        // "If the WhoId field refers to a Lead, then the WhatId field must be empty" (Object Reference data model).
        var whoId = values.TryGetValue("WhoId", out var who) ? who as string : target?.GetValueOrDefault("WhoId") as string;
        var whatId = values.TryGetValue("WhatId", out var what) ? what as string : target?.GetValueOrDefault("WhatId") as string;
        if (!string.IsNullOrEmpty(whatId) && store.Find(whoId)?.Type == "Lead")
            errors.Add(new("FIELD_INTEGRITY_EXCEPTION", "Related To ID: a task whose Name ID is a lead cannot be related to another record", "WhatId"));
    }
}
