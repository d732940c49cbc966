namespace SalesSync.Core.Activities;

/// <summary>The eight sales activities a seller logs.</summary>
public enum SalesActivityKind
{
    EmailSent,
    EmailOpened,
    EmailClicked,
    EmailReplied,
    EmailBounced,
    CallReceived,
    AddedToCampaign,
    RemovedFromCampaign,
}

/// <summary>The three Marketo custom activity types SalesSync owns: one per family, the action as an attribute.</summary>
public enum SalesActivityFamily
{
    Email,
    Call,
    Campaign,
}

/// <summary>
/// One attribute of SalesSync's vocabulary: its REST name, display name, Marketo data type and largest value;
/// <paramref name="MultiLine"/> free text (details pasted from a mail or call notes) may hold tabs and line breaks,
/// every other value is one line.
/// </summary>
public sealed record ActivityAttribute(string ApiName, string DisplayName, string DataType, int MaxLength = ActivityAttribute.MarketoStringLength, bool MultiLine = false)
{
    /// <summary>Marketo string, link, email and phone attributes hold 255 characters.</summary>
    public const int MarketoStringLength = 255;
}

/// <summary>A custom activity type as SalesSync defines it in Marketo.</summary>
public sealed record ActivityTypeDefinition(
    SalesActivityFamily Family, string ApiName, string Name, string TriggerName, string FilterName, string Description,
    ActivityAttribute Primary, IReadOnlyList<ActivityAttribute> Attributes);

/// <summary>
/// SalesSync's fixed vocabulary: the three custom activity types (within Marketo's limits of 10 types and
/// 20 attributes each, shared with other integrations), which attributes each kind carries and requires,
/// and the action value each kind writes. Attribute names follow Marketo's sales activity glossary.
/// </summary>
public static class SalesActivityCatalog
{
    public const string ActivityIdAttribute = "salesSyncActivityId";

    public static readonly ActivityAttribute Action = new("action", "Action", "string");
    public static readonly ActivityAttribute ActivityId = new(ActivityIdAttribute, "SalesSync Activity ID", "string");
    public static readonly ActivityAttribute Subject = new("subject", "Subject", "string");
    public static readonly ActivityAttribute SentBy = new("sentBy", "Sent By", "string");
    public static readonly ActivityAttribute Source = new("source", "Source", "string");
    public static readonly ActivityAttribute SalesPersonId = new("salesPersonId", "Marketo Sales Person ID", "string");
    public static readonly ActivityAttribute TemplateId = new("templateId", "Template ID", "string");
    public static readonly ActivityAttribute TemplateName = new("templateName", "Sales Template Name", "string");
    public static readonly ActivityAttribute TemplateUrl = new("templateUrl", "Sales Template URL", "link");
    public static readonly ActivityAttribute CampaignName = new("campaignName", "Sales Campaign Name", "string");
    public static readonly ActivityAttribute CampaignId = new("campaignId", "Sales Campaign ID", "string");
    public static readonly ActivityAttribute CampaignUrl = new("campaignUrl", "Sales Campaign URL", "link");
    public static readonly ActivityAttribute Link = new("link", "Link", "link");
    public static readonly ActivityAttribute BounceDetails = new("bounceDetails", "Details", "string", MultiLine: true);
    public static readonly ActivityAttribute BounceEmail = new("bounceEmail", "Email", "email");
    public static readonly ActivityAttribute ReceivedBy = new("receivedBy", "Received By", "string");
    public static readonly ActivityAttribute CallStatus = new("callStatus", "Sales Call Status", "string");
    public static readonly ActivityAttribute CallOutcome = new("callOutcome", "Sales Call Outcome", "string", MultiLine: true);
    public static readonly ActivityAttribute PhoneNumber = new("phoneNumber", "Sales Phone Number Called", "phone");
    public static readonly ActivityAttribute DurationSeconds = new("durationSeconds", "Sales Call Duration", "integer", 10);
    public static readonly ActivityAttribute RecordingUrl = new("recordingUrl", "Sales Call Recording URL", "link");
    public static readonly ActivityAttribute AnsweredBy = new("answeredBy", "Sales Call Answered By", "string");

    public static IReadOnlyList<ActivityTypeDefinition> Types { get; } =
    [
        new(SalesActivityFamily.Email, "salesSyncSalesEmail", "SalesSync Sales Email", "Has Sales Email Activity", "Had Sales Email Activity",
            "A seller's sales email was sent, opened, clicked, replied to or bounced (logged by SalesSync).", Subject,
            [Action, ActivityId, SentBy, Source, SalesPersonId, TemplateId, TemplateName, TemplateUrl, CampaignName, CampaignId, CampaignUrl, Link, BounceDetails, BounceEmail, ReceivedBy]),
        new(SalesActivityFamily.Call, "salesSyncSalesCall", "SalesSync Sales Call", "Receives Sales Call", "Received Sales Call",
            "A seller called the person (logged by SalesSync).", Subject,
            [Action, ActivityId, SentBy, Source, SalesPersonId, CallStatus, CallOutcome, CampaignName, CampaignUrl, PhoneNumber, DurationSeconds, RecordingUrl, AnsweredBy]),
        new(SalesActivityFamily.Campaign, "salesSyncSalesCampaign", "SalesSync Sales Campaign", "Has Sales Campaign Change", "Had Sales Campaign Change",
            "The person was added to or removed from a seller's sales campaign (logged by SalesSync).", CampaignName,
            [Action, ActivityId, SentBy, Source, SalesPersonId, CampaignId, CampaignUrl]),
    ];

    public static SalesActivityFamily FamilyOf(SalesActivityKind kind) => kind switch
    {
        SalesActivityKind.CallReceived => SalesActivityFamily.Call,
        SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign => SalesActivityFamily.Campaign,
        _ => SalesActivityFamily.Email,
    };

    public static ActivityTypeDefinition TypeOf(SalesActivityKind kind) => Types.Single(t => t.Family == FamilyOf(kind));

    /// <summary>The Action attribute's value, as it reads in a smart-list constraint.</summary>
    public static string ActionOf(SalesActivityKind kind) => kind switch
    {
        SalesActivityKind.EmailSent => "Sent",
        SalesActivityKind.EmailOpened => "Opened",
        SalesActivityKind.EmailClicked => "Clicked",
        SalesActivityKind.EmailReplied => "Replied",
        SalesActivityKind.EmailBounced => "Bounced",
        SalesActivityKind.CallReceived => "Received",
        SalesActivityKind.AddedToCampaign => "Added",
        _ => "Removed",
    };

    /// <summary>What a kind cannot be logged without (besides the person and the time).</summary>
    public static IReadOnlyList<ActivityAttribute> RequiredFor(SalesActivityKind kind) => kind switch
    {
        SalesActivityKind.EmailClicked => [Subject, Link],
        SalesActivityKind.CallReceived => [CallStatus],
        SalesActivityKind.AddedToCampaign or SalesActivityKind.RemovedFromCampaign => [CampaignName],
        _ => [Subject],
    };

    /// <summary>The attributes a kind may carry: its type's primary and secondary attributes, less the ones SalesSync sets.</summary>
    public static IReadOnlyList<ActivityAttribute> AllowedFor(SalesActivityKind kind)
    {
        var type = TypeOf(kind);
        return [type.Primary, .. type.Attributes.Where(a => a != Action && a != ActivityId)];
    }

    /// <summary>Every attribute a user can give, by API name.</summary>
    public static IReadOnlyDictionary<string, ActivityAttribute> UserAttributes { get; } =
        Types.SelectMany(t => t.Attributes.Prepend(t.Primary)).Where(a => a != Action && a != ActivityId)
            .DistinctBy(a => a.ApiName).ToDictionary(a => a.ApiName, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The call statuses Marketo's sales activity glossary documents for Sales Call Status ("completed/no answer/
    /// cancelled/failed", reference marketo-api.md 6.3), as stored; <see cref="CallStatusOf"/> reads any case and spelling.
    /// </summary>
    public static IReadOnlyList<string> CallStatuses { get; } = ["completed", "no answer", "cancelled", "failed"];

    /// <summary>
    /// The documented call status a value means (any case; spaces, hyphens and underscores ignored, so NoAnswer and
    /// no-answer are "no answer"; the US spelling canceled is "cancelled"), or null when it is none of them.
    /// </summary>
    public static string? CallStatusOf(string value)
    {
        var key = new string(value.Where(c => c is not (' ' or '-' or '_')).ToArray()).ToLowerInvariant();
        if (key == "canceled") key = "cancelled";
        return CallStatuses.FirstOrDefault(s => s.Replace(" ", "", StringComparison.Ordinal) == key);
    }

    /// <summary>
    /// How old an activity may be: 24 months (730 days). Marketo keeps custom activities 25 months from their
    /// activityDate (Marketo Nation "Activities Data Retention Policy", reference marketo-api.md 5.6; the sandbox
    /// prunes at 761 days): an older one would be purged on arrival, and the month to spare covers a delivery that
    /// waits out an outage or a spent quota.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(730);

    /// <summary>How far ahead of now an activity may be dated: clocks differ a little; a future activity is a mistake.</summary>
    public static readonly TimeSpan FutureSkew = TimeSpan.FromMinutes(10);

    /// <summary>The kinds logged to Salesforce as Tasks unless the admin changes it.</summary>
    public static IReadOnlyList<SalesActivityKind> DefaultSalesforceKinds { get; } =
        [SalesActivityKind.EmailSent, SalesActivityKind.EmailReplied, SalesActivityKind.CallReceived];
}
