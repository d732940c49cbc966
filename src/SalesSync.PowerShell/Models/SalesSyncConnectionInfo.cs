using SalesSync.Core.Connection;

namespace SalesSync.PowerShell.Models;

/// <summary>What Connect-SalesSync and Get-SalesSyncConnection return: where the session points, never a secret.</summary>
public sealed class SalesSyncConnectionInfo
{
    public Uri MarketoUri { get; init; } = null!;
    public string MarketoClientId { get; init; } = "";
    public DateTimeOffset MarketoTokenExpiresAt { get; init; }
    public int MarketoCallsPerWindow { get; init; }
    public int MarketoConcurrentCalls { get; init; }
    public int MarketoDailyCallBudget { get; init; }
    public int MarketoCallsToday { get; init; }
    public Uri? SalesforceUri { get; init; }
    public string? SalesforceClientId { get; init; }
    public Uri? SalesforceInstanceUrl { get; init; }
    public string? SalesforceApiVersion { get; init; }
    public string Database { get; init; } = "";
    public DateTimeOffset ConnectedAt { get; init; }

    internal static SalesSyncConnectionInfo From(SalesSyncConnection c) => new()
    {
        MarketoUri = c.Settings.MarketoUri,
        MarketoClientId = c.Settings.MarketoClientId,
        MarketoTokenExpiresAt = c.MarketoToken.ExpiresAt,
        MarketoCallsPerWindow = c.Settings.MarketoLimits.CallsPerWindow,
        MarketoConcurrentCalls = c.Settings.MarketoLimits.ConcurrentCalls,
        MarketoDailyCallBudget = c.Settings.MarketoLimits.DailyCallBudget,
        MarketoCallsToday = c.Marketo.CallsToday,
        SalesforceUri = c.Settings.SalesforceUri,
        SalesforceClientId = c.Settings.SalesforceClientId,
        SalesforceInstanceUrl = c.SalesforceSession?.InstanceUrl,
        SalesforceApiVersion = c.Salesforce?.ApiVersion,
        Database = c.DatabasePath,
        ConnectedAt = c.ConnectedAt,
    };
}
