namespace SalesSync.Core.Unsubscribes;

/// <summary>Which way an opt-out travelled.</summary>
public enum OptOutDirection
{
    /// <summary>Salesforce's Email Opt Out read into SalesSync (the send guard honours it).</summary>
    SalesforceToSalesSync,

    /// <summary>A Marketo unsubscribe set as Email Opt Out on the Salesforce lead or contact.</summary>
    MarketoToSalesforce,
}

public enum OptOutOutcome
{
    Applied,

    /// <summary>-WhatIf: what would change; nothing was written anywhere.</summary>
    WouldApply,
    Failed,
}

/// <summary>What the opt-out step streams: each change, then one report.</summary>
public abstract record OptOutOutput;

/// <summary>One opt-out that changed (or would change, or could not be written) for a synced person.</summary>
public sealed record OptOutChange : OptOutOutput
{
    public required OptOutDirection Direction { get; init; }
    public required OptOutOutcome Outcome { get; init; }

    /// <summary>The 18-character id of the Salesforce lead or contact.</summary>
    public required string SalesforceId { get; init; }

    /// <summary>Lead or Contact.</summary>
    public required string SalesforceType { get; init; }
    public bool OptedOut { get; init; }

    /// <summary>The synced people on that Salesforce record.</summary>
    public IReadOnlyList<long> MarketoIds { get; init; } = [];
    public string? Email { get; init; }

    /// <summary>Why it failed, or a note (a converted lead's contact was set instead).</summary>
    public string? Reason { get; init; }
}

/// <summary>The totals of one opt-out step.</summary>
public sealed record OptOutReport : OptOutOutput
{
    public bool WhatIf { get; init; }

    /// <summary>Salesforce leads and contacts read (opted out on a first run; changed since the watermark after it).</summary>
    public int SalesforceRecordsRead { get; init; }

    /// <summary>Opt-out changes read from Salesforce that concern synced people.</summary>
    public int MarkedLocally { get; init; }

    /// <summary>Leads and contacts whose Email Opt Out SalesSync set (or would set).</summary>
    public int SetInSalesforce { get; init; }
    public int Failed { get; init; }

    /// <summary>Salesforce REST calls the step made.</summary>
    public long SalesforceCalls { get; init; }

    /// <summary>Set when the step stopped early (outage, quota, Ctrl+C); the next run continues.</summary>
    public string? StoppedBecause { get; init; }
}
