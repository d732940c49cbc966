using SalesSync.Core.Http;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Connection;

/// <summary>Everything needed to connect; secrets stay in <see cref="Secret"/> wrappers.</summary>
public sealed record ConnectionSettings
{
    public required Uri MarketoUri { get; init; }
    public required string MarketoClientId { get; init; }
    public required Secret MarketoClientSecret { get; init; }
    public Uri? SalesforceUri { get; init; }
    public string? SalesforceClientId { get; init; }
    public Secret? SalesforceClientSecret { get; init; }
    public string SalesforceApiVersion { get; init; } = "v66.0";
    public string? DatabasePath { get; init; }
    public MarketoLimitSettings MarketoLimits { get; init; } = MarketoLimitSettings.Default;
    public RetrySettings Retry { get; init; } = RetrySettings.Default;

    /// <summary>Documented environment variables for runbooks (-FromEnvironment).</summary>
    public static class EnvironmentVariables
    {
        public const string MarketoUri = "SALESSYNC_MARKETO_URI";
        public const string MarketoClientId = "SALESSYNC_MARKETO_CLIENT_ID";
        public const string MarketoClientSecret = "SALESSYNC_MARKETO_CLIENT_SECRET";
        public const string SalesforceUri = "SALESSYNC_SALESFORCE_URI";
        public const string SalesforceClientId = "SALESSYNC_SALESFORCE_CLIENT_ID";
        public const string SalesforceClientSecret = "SALESSYNC_SALESFORCE_CLIENT_SECRET";
        public const string Database = "SALESSYNC_DATABASE";
    }
}
