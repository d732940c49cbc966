namespace SalesSync.Core.Activities;

/// <summary>The admin's choices for sales activities, kept in the database so every runbook and shell shares them.</summary>
public sealed record ActivitySettings
{
    /// <summary>The kinds logged to Salesforce as completed Tasks (the rest go to Marketo only).</summary>
    public IReadOnlyList<SalesActivityKind> SalesforceKinds { get; init; } = SalesActivityCatalog.DefaultSalesforceKinds;

    /// <summary>When the settings were last changed (null: never, the defaults apply).</summary>
    public DateTimeOffset? ChangedAt { get; init; }
}
