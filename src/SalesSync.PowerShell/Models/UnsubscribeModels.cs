using Engine = SalesSync.Core.Unsubscribes;

namespace SalesSync;

/// <summary>Test-MarketoUnsubscribe's answer for one input.</summary>
public sealed class UnsubscribeCheck
{
    /// <summary>The address as looked up.</summary>
    public string Email { get; init; } = "";

    /// <summary>True when any Marketo record with the address is unsubscribed; also true when there is no verdict (fails closed).</summary>
    public bool Unsubscribed { get; init; }

    /// <summary>Whether Marketo has any person with the address (not found is not unsubscribed).</summary>
    public bool Found { get; init; }

    /// <summary>True only when Marketo confirmed the address may be emailed.</summary>
    public bool SafeToEmail { get; init; }
    /// <summary>The Marketo ids of every person with the address, comma-separated (text, so Export-Csv keeps them).</summary>
    public string MarketoIds { get; init; } = "";

    /// <summary>The ones of those that are unsubscribed, comma-separated.</summary>
    public string UnsubscribedIds { get; init; } = "";

    /// <summary>Marketo's unsubscribe reason, or why there is no verdict: "Not checked (ErrorId): ...".</summary>
    public string? Reason { get; init; }

    /// <summary>When there is no verdict: the ErrorId of the error written for it (NoEmail, InvalidEmail, UnsubscribeCheckFailed, ...); null when checked.</summary>
    public string? ErrorId { get; init; }
    public DateTimeOffset CheckedAt { get; init; }

    /// <summary>What was piped in (the email text, a synced person, a CSV row, ...).</summary>
    public object? InputObject { get; init; }

    /// <summary>Ids as one text column ("1001, 1002"): flat for Export-Csv and ConvertTo-Json.</summary>
    internal static string Ids(IEnumerable<long> ids) => string.Join(", ", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    internal static UnsubscribeCheck From(Engine.UnsubscribeVerdict v, object? input) => new()
    {
        Email = v.Email,
        Unsubscribed = !v.SafeToEmail,
        Found = v.Found,
        SafeToEmail = v.SafeToEmail,
        MarketoIds = Ids(v.MarketoIds),
        UnsubscribedIds = Ids(v.UnsubscribedIds),
        Reason = v.Failure is { } f ? $"Not checked ({Engine.UnsubscribeCheckFailures.ErrorId(f)}): {v.FailureMessage}" : v.Reason,
        ErrorId = v.Failure is { } failure ? Engine.UnsubscribeCheckFailures.ErrorId(failure) : null,
        CheckedAt = v.CheckedAt,
        InputObject = input,
    };
}

/// <summary>One opt-out the opt-out step changed, would change (-WhatIf) or could not write.</summary>
public sealed class OptOutChange
{
    /// <summary>SalesforceToSalesSync (read into the send guard) or MarketoToSalesforce (Email Opt Out set).</summary>
    public string Direction { get; init; } = "";

    /// <summary>Applied, WouldApply (-WhatIf) or Failed.</summary>
    public string Outcome { get; init; } = "";
    public string SalesforceType { get; init; } = "";
    public string SalesforceId { get; init; } = "";
    public bool OptedOut { get; init; }

    /// <summary>The synced people on that Salesforce record, comma-separated.</summary>
    public string MarketoIds { get; init; } = "";
    public string? Email { get; init; }
    public string? Reason { get; init; }

    internal static OptOutChange From(Engine.OptOutChange c) => new()
    {
        Direction = c.Direction.ToString(),
        Outcome = c.Outcome.ToString(),
        SalesforceType = c.SalesforceType,
        SalesforceId = c.SalesforceId,
        OptedOut = c.OptedOut,
        MarketoIds = UnsubscribeCheck.Ids(c.MarketoIds),
        Email = c.Email,
        Reason = c.Reason,
    };
}
