using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace SalesSync.Core.Activities;

/// <summary>
/// How an activity reads as a completed Salesforce Task: WhoId the contact (else the lead); WhatId the
/// opportunity, else the account, only with a contact (a lead's task may not have one); Email or Call
/// subtype and type; Status Completed; the person's sales owner as owner; a subject that reads well and
/// ends with SalesSync's activity id (so a task can be found again); the details in the description.
/// </summary>
internal static class SalesforceTask
{
    private const int SubjectLength = 255;

    public static JsonObject Record(SalesActivity a)
    {
        var family = SalesActivityCatalog.FamilyOf(a.Kind);
        var record = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = "Task" },
            ["Subject"] = Subject(a),
            ["WhoId"] = a.SalesforceContactId ?? a.SalesforceLeadId,
            ["Status"] = "Completed",
            ["ActivityDate"] = a.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["Description"] = Description(a),
            ["TaskSubtype"] = family switch { SalesActivityFamily.Email => "Email", SalesActivityFamily.Call => "Call", _ => "Task" },
        };
        if (family != SalesActivityFamily.Campaign) record["Type"] = family == SalesActivityFamily.Email ? "Email" : "Call";
        if (a.SalesforceContactId is not null && (a.SalesforceOpportunityId ?? a.SalesforceAccountId) is { } what) record["WhatId"] = what;
        if (a.SalesOwnerId is not null) record["OwnerId"] = a.SalesOwnerId;
        if (family == SalesActivityFamily.Call)
        {
            record["CallType"] = "Outbound";
            if (int.TryParse(a.Attribute(SalesActivityCatalog.DurationSeconds.ApiName), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) record["CallDurationInSeconds"] = seconds;
            if ((a.Attribute(SalesActivityCatalog.CallOutcome.ApiName) ?? a.Attribute(SalesActivityCatalog.CallStatus.ApiName)) is { } disposition)
                record["CallDisposition"] = Truncate(disposition, 255);
        }
        return record;
    }

    /// <summary>"Email: &lt;subject&gt; [SS-…]", "Reply: …", "Call: &lt;outcome&gt; [SS-…]": one line, at most 255 characters, the id always kept.</summary>
    public static string Subject(SalesActivity a)
    {
        var subject = a.Attribute(SalesActivityCatalog.Subject.ApiName);
        var text = a.Kind switch
        {
            SalesActivityKind.EmailSent => $"Email: {subject}",
            SalesActivityKind.EmailReplied => $"Reply: {subject}",
            SalesActivityKind.EmailOpened => $"Email opened: {subject}",
            SalesActivityKind.EmailClicked => $"Email clicked: {subject}",
            SalesActivityKind.EmailBounced => $"Email bounced: {subject}",
            SalesActivityKind.CallReceived => $"Call: {a.Attribute(SalesActivityCatalog.CallOutcome.ApiName) ?? subject ?? a.Attribute(SalesActivityCatalog.CallStatus.ApiName)}",
            SalesActivityKind.AddedToCampaign => $"Added to sales campaign: {a.Attribute(SalesActivityCatalog.CampaignName.ApiName)}",
            _ => $"Removed from sales campaign: {a.Attribute(SalesActivityCatalog.CampaignName.ApiName)}",
        };
        var suffix = $" [{a.ActivityId}]";
        // One plain line: control characters and Unicode line/paragraph separators (which Salesforce may strip or
        // change, so the subject would no longer match when the task is looked up) become spaces.
        var oneLine = string.Join(' ', new string(text.Select(c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator ? ' ' : c).ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return Truncate(oneLine, SubjectLength - suffix.Length) + suffix;
    }

    private static string Description(SalesActivity a)
    {
        var text = new StringBuilder();
        text.Append(SalesActivityCatalog.TypeOf(a.Kind).Name).Append(": ").AppendLine(SalesActivityCatalog.ActionOf(a.Kind));
        text.Append("When: ").AppendLine(a.OccurredAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
        foreach (var attribute in SalesActivityCatalog.AllowedFor(a.Kind))
            if (a.Attribute(attribute.ApiName) is { } value) text.Append(attribute.DisplayName).Append(": ").AppendLine(value);
        text.Append("Logged by SalesSync, activity ").Append(a.ActivityId).Append(", Marketo person ").Append(a.MarketoId.ToString(CultureInfo.InvariantCulture));
        return Truncate(text.ToString(), 32_000);
    }

    private static string Truncate(string s, int length)
    {
        if (s.Length <= length) return s;
        var cut = length;
        if (char.IsLowSurrogate(s[cut])) cut--; // never split an emoji
        return s[..cut];
    }
}
