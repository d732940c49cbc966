using SalesSync.Core.Http;

namespace SalesSync.Core.Salesforce;

/// <summary>Where and how to reach one Salesforce org (client credentials flow on the org's My Domain).</summary>
internal sealed record SalesforceClientOptions
{
    /// <summary>The org's My Domain, e.g. https://acme.my.salesforce.com (token endpoint /services/oauth2/token).</summary>
    public required Uri BaseUri { get; init; }
    public required string ClientId { get; init; }
    public required Secret ClientSecret { get; init; }
    public string ApiVersion { get; init; } = "v66.0";
    public RetrySettings Retry { get; init; } = RetrySettings.Default;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Stop before the org's daily allocation is spent: refuse calls once this share is used (shared with other integrations).</summary>
    public double MaxDailyUsageShare { get; init; } = 0.9;
}
