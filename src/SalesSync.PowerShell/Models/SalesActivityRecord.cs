using System.Collections.Specialized;
using Engine = SalesSync.Core.Activities;

namespace SalesSync;

/// <summary>A logged sales activity with its state per destination (Send-SalesActivity -PassThru, Get-SalesActivity).</summary>
public sealed class SalesActivity
{
    public string ActivityId { get; init; } = "";
    public SalesActivityKind Kind { get; init; }
    public long MarketoId { get; init; }
    public string? Email { get; init; }
    public DateTimeOffset OccurredAt { get; init; }
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

    /// <summary>The attributes by API name (subject, sentBy, link, callStatus, ...).</summary>
    public OrderedDictionary Attributes { get; init; } = new();

    internal static SalesActivity From(Engine.SalesActivity a)
    {
        var attributes = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in a.Attributes.OrderBy(p => p.Key, StringComparer.Ordinal)) attributes[name] = value;
        return new SalesActivity
        {
            ActivityId = a.ActivityId,
            Kind = SalesActivityKinds.FromEngine(a.Kind),
            MarketoId = a.MarketoId,
            Email = a.Email,
            OccurredAt = a.OccurredAt,
            LoggedAt = a.LoggedAt,
            MarketoState = a.Marketo.State.ToString(),
            MarketoActivityId = a.Marketo.RemoteId,
            MarketoReason = a.Marketo.Reason,
            SalesforceState = a.Salesforce.State.ToString(),
            SalesforceTaskId = a.Salesforce.RemoteId,
            SalesforceReason = a.Salesforce.Reason,
            SalesforceContactId = a.SalesforceContactId,
            SalesforceLeadId = a.SalesforceLeadId,
            Attributes = attributes,
        };
    }
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
    public SalesActivityKind[] SalesforceKinds { get; init; } = [];

    /// <summary>Whether Send-SalesActivity checks unsubscribes and opt-outs before logging a sent email (on by default).</summary>
    public bool UnsubscribeGuard { get; init; } = true;

    /// <summary>When and by whom the unsubscribe guard was last turned on or off.</summary>
    public DateTimeOffset? GuardChangedAt { get; init; }
    public string? GuardChangedBy { get; init; }
    /// <summary>The active Salesforce user that owns Tasks of people whose sales owner is inactive (none: such Tasks fail).</summary>
    public string? FallbackTaskOwnerId { get; init; }
    public DateTimeOffset? ChangedAt { get; init; }
    public string? ChangedBy { get; init; }
    public string Database { get; init; } = "";

    internal static SalesActivitySetting From(Engine.ActivitySettings s, string database) => new()
    {
        SalesforceKinds = s.SalesforceKinds.Select(SalesActivityKinds.FromEngine).ToArray(), UnsubscribeGuard = s.UnsubscribeGuard,
        GuardChangedAt = s.GuardChangedAt, GuardChangedBy = s.GuardChangedBy, FallbackTaskOwnerId = s.FallbackTaskOwnerId,
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
