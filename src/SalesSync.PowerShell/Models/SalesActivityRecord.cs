using System.Globalization;
using Engine = SalesSync.Core.Activities;

namespace SalesSync;

/// <summary>
/// A logged sales activity with its state per destination (Send-SalesActivity -PassThru, Get-SalesActivity). Flat,
/// so Export-Csv and ConvertTo-Json keep everything: each attribute is a property named as Send-SalesActivity's
/// parameter (a CSV of it can be piped back: its ActivityId makes each row a skip), empty when the kind does not carry
/// it; Kind and the states are text.
/// </summary>
public sealed class SalesActivity
{
    public string ActivityId { get; init; } = "";

    /// <summary>The kind's name (EmailSent, ... RemovedFromCampaign).</summary>
    public string Kind { get; init; } = "";
    public long MarketoId { get; init; }
    public string? Email { get; init; }

    /// <summary>When it happened, with the offset it was given with.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>
    /// OccurredAt as ISO 8601 text in UTC (2026-11-01T10:00:00.000Z): Export-Csv writes a DateTimeOffset in the
    /// session's culture, this column reads back the same in any culture.
    /// </summary>
    public string OccurredAtUtc { get; init; } = "";
    public DateTimeOffset LoggedAt { get; init; }

    /// <summary>Pending, Held (a sent email awaiting its unsubscribe check), Sending (outcome being checked), Delivered, Failed, or Refused (by the unsubscribe guard; kept, never delivered).</summary>
    public string MarketoState { get; init; } = "";
    public string? MarketoActivityId { get; init; }
    public string? MarketoReason { get; init; }

    /// <summary>NotRequired (a kind not logged to Salesforce, or no Salesforce record), Pending, Held, Sending, Delivered, Failed or Refused.</summary>
    public string SalesforceState { get; init; } = "";
    public string? SalesforceTaskId { get; init; }
    public string? SalesforceReason { get; init; }
    public string? SalesforceContactId { get; init; }
    public string? SalesforceLeadId { get; init; }

    public string? Subject { get; init; }
    public string? SentBy { get; init; }

    /// <summary>The glossary's Source (the sending application).</summary>
    public string? ActivitySource { get; init; }
    public string? SalesPersonId { get; init; }
    public string? TemplateId { get; init; }
    public string? TemplateName { get; init; }
    public string? TemplateUrl { get; init; }
    public string? CampaignName { get; init; }
    public string? CampaignId { get; init; }
    public string? CampaignUrl { get; init; }
    public string? Link { get; init; }
    public string? BounceDetails { get; init; }
    public string? BounceEmail { get; init; }
    public string? ReceivedBy { get; init; }

    /// <summary>completed, no answer, cancelled or failed.</summary>
    public string? CallStatus { get; init; }
    public string? CallOutcome { get; init; }
    public string? PhoneNumber { get; init; }
    public int? DurationSeconds { get; init; }
    public string? RecordingUrl { get; init; }
    public string? AnsweredBy { get; init; }

    internal static SalesActivity From(Engine.SalesActivity a) => new()
    {
        ActivityId = a.ActivityId,
        Kind = a.Kind.ToString(),
        MarketoId = a.MarketoId,
        Email = a.Email,
        OccurredAt = a.OccurredAt,
        OccurredAtUtc = a.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        LoggedAt = a.LoggedAt,
        MarketoState = a.Marketo.State.ToString(),
        MarketoActivityId = a.Marketo.RemoteId,
        MarketoReason = a.Marketo.Reason,
        SalesforceState = a.Salesforce.State.ToString(),
        SalesforceTaskId = a.Salesforce.RemoteId,
        SalesforceReason = a.Salesforce.Reason,
        SalesforceContactId = a.SalesforceContactId,
        SalesforceLeadId = a.SalesforceLeadId,
        Subject = a.Attribute("subject"),
        SentBy = a.Attribute("sentBy"),
        ActivitySource = a.Attribute("source"),
        SalesPersonId = a.Attribute("salesPersonId"),
        TemplateId = a.Attribute("templateId"),
        TemplateName = a.Attribute("templateName"),
        TemplateUrl = a.Attribute("templateUrl"),
        CampaignName = a.Attribute("campaignName"),
        CampaignId = a.Attribute("campaignId"),
        CampaignUrl = a.Attribute("campaignUrl"),
        Link = a.Attribute("link"),
        BounceDetails = a.Attribute("bounceDetails"),
        BounceEmail = a.Attribute("bounceEmail"),
        ReceivedBy = a.Attribute("receivedBy"),
        CallStatus = a.Attribute("callStatus"),
        CallOutcome = a.Attribute("callOutcome"),
        PhoneNumber = a.Attribute("phoneNumber"),
        DurationSeconds = int.TryParse(a.Attribute("durationSeconds"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) ? seconds : null,
        RecordingUrl = a.Attribute("recordingUrl"),
        AnsweredBy = a.Attribute("answeredBy"),
    };
}

/// <summary>What Install-SalesActivityType found or did for one custom activity type.</summary>
public sealed class SalesActivityType
{
    public string ApiName { get; init; } = "";
    public string Name { get; init; } = "";
    public int? MarketoTypeId { get; init; }
    public string Status { get; init; } = "";

    /// <summary>Exists, Created, AttributesAdded, Approved; with -WhatIf WouldCreate, WouldAddAttributes, WouldApprove.</summary>
    public string Action { get; init; } = "";
    public string[] AddedAttributes { get; init; } = [];

    internal static SalesActivityType From(Engine.ActivityTypeStatus s) => new()
    {
        ApiName = s.ApiName, Name = s.Name, MarketoTypeId = s.MarketoId, Status = s.State, Action = s.Action, AddedAttributes = s.AddedAttributes.ToArray(),
    };
}

/// <summary>The sales-activity settings stored in the database.</summary>
public sealed class SalesActivitySetting
{
    /// <summary>The kinds logged to Salesforce, by name (strings, so ConvertTo-Json and Export-Csv keep the names).</summary>
    public string[] SalesforceKinds { get; init; } = [];

    /// <summary>Whether Send-SalesActivity checks unsubscribes and opt-outs before logging a sent email (on by default).</summary>
    public bool UnsubscribeGuard { get; init; } = true;

    /// <summary>When and by whom the unsubscribe guard was last turned on or off.</summary>
    public DateTimeOffset? GuardChangedAt { get; init; }
    public string? GuardChangedBy { get; init; }
    /// <summary>The active Salesforce user that owns Tasks of people whose sales owner is inactive (none: such Tasks fail).</summary>
    public string? FallbackTaskOwnerId { get; init; }

    /// <summary>Off (the default) or TwoWay: whether reminders are kept in step with Salesforce Tasks.</summary>
    public string ReminderSync { get; init; } = "Off";

    /// <summary>When reminder sync was last turned on (the first pass after it imports the Tasks changed in the 24 hours before), and who last turned it on or off.</summary>
    public DateTimeOffset? ReminderSyncEnabledAt { get; init; }
    public string? ReminderSyncChangedBy { get; init; }
    public DateTimeOffset? ChangedAt { get; init; }
    public string? ChangedBy { get; init; }
    public string Database { get; init; } = "";

    internal static SalesActivitySetting From(Engine.ActivitySettings s, string database) => new()
    {
        SalesforceKinds = s.SalesforceKinds.Select(k => SalesActivityKinds.FromEngine(k).ToString()).ToArray(), UnsubscribeGuard = s.UnsubscribeGuard,
        GuardChangedAt = s.GuardChangedAt, GuardChangedBy = s.GuardChangedBy, FallbackTaskOwnerId = s.FallbackTaskOwnerId,
        ReminderSync = s.ReminderSync.ToString(), ReminderSyncEnabledAt = s.ReminderSyncEnabledAt, ReminderSyncChangedBy = s.ReminderSyncChangedBy,
        ChangedAt = s.ChangedAt, ChangedBy = s.ChangedBy, Database = database,
    };
}

/// <summary>What a delivery of pending activities did (Sync-SalesActivity).</summary>
public sealed class SalesActivityDelivery
{
    public int MarketoDelivered { get; init; }
    public int MarketoFailed { get; init; }
    public int SalesforceDelivered { get; init; }
    public int SalesforceFailed { get; init; }
    public int StillPending { get; init; }
    public string? StoppedBecause { get; init; }

    internal static SalesActivityDelivery From(Engine.DeliveryReport r) => new()
    {
        MarketoDelivered = r.MarketoDelivered, MarketoFailed = r.MarketoFailed, SalesforceDelivered = r.SalesforceDelivered,
        SalesforceFailed = r.SalesforceFailed, StillPending = r.StillPending, StoppedBecause = r.StoppedBecause,
    };
}

/// <summary>
/// Counts for the one-line summary of Send-SalesActivity and Sync-SalesActivity: per destination delivered, failed
/// (by the service's code: 1004, INACTIVE_OWNER_OR_USER, ...) and pending, and what the input came to.
/// </summary>
internal sealed class SendTally
{
    public int Accepted, Refused, Held, Skipped, Bad;
    private readonly Side _marketo = new("Marketo"), _salesforce = new("Salesforce");

    /// <summary>One activity of this invocation as it stands at the end (or once settled).</summary>
    public void Add(Engine.SalesActivity a)
    {
        _marketo.Add(a.Marketo);
        if (a.Salesforce.State != Engine.DeliveryState.NotRequired) _salesforce.Add(a.Salesforce);
    }

    /// <summary>Counts a delivery (Sync-SalesActivity): what it delivered, and the failures it recorded (since it started) by code.</summary>
    public void Add(Engine.DeliveryReport report, IEnumerable<Engine.SalesActivity> failed, DateTimeOffset since)
    {
        _marketo.Delivered += report.MarketoDelivered;
        _salesforce.Delivered += report.SalesforceDelivered;
        foreach (var a in failed)
        {
            if (a.Marketo is { State: Engine.DeliveryState.Failed, At: { } m } && m >= since) _marketo.Add(a.Marketo);
            if (a.Salesforce is { State: Engine.DeliveryState.Failed, At: { } f } && f >= since) _salesforce.Add(a.Salesforce);
        }
    }

    /// <summary>"10,000 accepted: Marketo 9,878 delivered, 0 failed, 0 pending; Salesforce 2,826 delivered, 174 failed (169 INACTIVE_OWNER_OR_USER), 0 pending; ...".</summary>
    public string Summary()
    {
        var parts = new List<string> { N(Accepted) + " accepted: " + _marketo.Text() };
        if (_salesforce.Any) parts.Add(_salesforce.Text());
        if (Refused > 0) parts.Add(N(Refused) + " refused by the unsubscribe guard (kept as Refused)");
        if (Held > 0) parts.Add(N(Held) + " held (their unsubscribe check could not be made now)");
        if (Skipped > 0) parts.Add(N(Skipped) + " skipped (already logged)");
        if (Bad > 0) parts.Add(N(Bad) + (Bad == 1 ? " bad input" : " bad inputs"));
        return string.Join("; ", parts);
    }

    /// <summary>"Marketo 12 delivered, 1 failed (1 1004), 0 pending" (Sync-SalesActivity has no accepted count).</summary>
    public string Deliveries(int pending) =>
        (_salesforce.Any ? $"{_marketo.Text(withPending: false)}; {_salesforce.Text(withPending: false)}" : _marketo.Text(withPending: false)) + $"; {N(pending)} pending";

    internal static string N(int n) => n.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);

    private sealed class Side(string name)
    {
        public int Delivered, Failed, Pending;
        private readonly SortedDictionary<string, int> _codes = new(StringComparer.Ordinal);

        public bool Any => Delivered + Failed + Pending > 0;

        public void Add(Engine.Delivery d)
        {
            switch (d.State)
            {
                case Engine.DeliveryState.Delivered: Delivered++; break;
                case Engine.DeliveryState.Failed:
                    Failed++;
                    var code = Code(d.Reason);
                    _codes[code] = _codes.GetValueOrDefault(code) + 1;
                    break;
                case Engine.DeliveryState.Refused: break; // counted once, as the guard's refusal
                default: Pending++; break;
            }
        }

        public string Text(bool withPending = true)
        {
            var codes = _codes.Count == 0 ? "" : " (" + string.Join(", ", _codes.OrderByDescending(c => c.Value).Select(c => $"{N(c.Value)} {c.Key}")) + ")";
            return $"{name} {N(Delivered)} delivered, {N(Failed)} failed{codes}" + (withPending ? $", {N(Pending)} pending" : "");
        }

        /// <summary>The service's code at the start of a failure reason ("1004: Lead not found", "INACTIVE_OWNER_OR_USER: ..."), else "other".</summary>
        private static string Code(string? reason)
        {
            var head = reason?.Split(':', 2)[0].Trim() ?? "";
            return head.Length is > 0 and <= 40 && head.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c == '_') ? head : "other";
        }
    }
}
