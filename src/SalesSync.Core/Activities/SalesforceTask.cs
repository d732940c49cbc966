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

    /// <summary>
    /// The Task for an activity; <paramref name="owner"/> (the person's sales owner, or the fallback owner when
    /// that one is inactive) owns it, else the person's sales owner as synced.
    /// </summary>
    public static JsonObject Record(SalesActivity a, TaskOwner? owner = null)
    {
        var family = SalesActivityCatalog.FamilyOf(a.Kind);
        var record = new JsonObject
        {
            ["attributes"] = new JsonObject { ["type"] = "Task" },
            ["Subject"] = Subject(a),
            ["WhoId"] = a.SalesforceContactId ?? a.SalesforceLeadId,
            ["Status"] = "Completed",
            ["ActivityDate"] = TaskDate(a, owner),
            ["Description"] = Description(a),
            ["TaskSubtype"] = family switch { SalesActivityFamily.Email => "Email", SalesActivityFamily.Call => "Call", _ => "Task" },
        };
        if (family != SalesActivityFamily.Campaign) record["Type"] = family == SalesActivityFamily.Email ? "Email" : "Call";
        if (a.SalesforceContactId is not null && (a.SalesforceOpportunityId ?? a.SalesforceAccountId) is { } what) record["WhatId"] = what;
        if ((owner?.Id ?? a.SalesOwnerId) is { } ownerId) record["OwnerId"] = ownerId;
        if (family == SalesActivityFamily.Call)
        {
            record["CallType"] = "Outbound";
            if (int.TryParse(a.Attribute(SalesActivityCatalog.DurationSeconds.ApiName), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) record["CallDurationInSeconds"] = seconds;
            if ((a.Attribute(SalesActivityCatalog.CallOutcome.ApiName) ?? a.Attribute(SalesActivityCatalog.CallStatus.ApiName)) is { } disposition)
                record["CallDisposition"] = Truncate(disposition, 255);
        }
        return record;
    }

    /// <summary>
    /// ActivityDate is a day without a time, read as the owner's day: the date the activity happened in the owner's
    /// time zone (Salesforce's TimeZoneSidKey) when known, else in the offset the activity was given with; never
    /// the UTC date, which puts a US evening call on the next day.
    /// </summary>
    public static string TaskDate(SalesActivity a, TaskOwner? owner = null)
    {
        var local = owner?.TimeZone is { } zone ? TimeZoneInfo.ConvertTime(a.OccurredAt, zone) : a.OccurredAt;
        return local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
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

    /// <summary>The SalesSync activity id a Task subject ends with ("… [SS-…]"), or null.</summary>
    public static string? ActivityIdOf(string? subject)
    {
        if (subject is null || !subject.EndsWith(']')) return null;
        var open = subject.LastIndexOf(" [", StringComparison.Ordinal);
        return open < 0 ? null : subject[(open + 2)..^1];
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
