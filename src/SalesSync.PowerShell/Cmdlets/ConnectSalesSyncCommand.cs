using System.Management.Automation;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.PowerShell.Base;
using SalesSync.PowerShell.Models;
using Env = SalesSync.Core.Connection.ConnectionSettings.EnvironmentVariables;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Connects this PowerShell session to Marketo (and optionally Salesforce): fetches a token from each
/// to prove the credentials, checks the database can be written, and keeps the connection for the
/// later SalesSync cmdlets of the session.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "SalesSync", DefaultParameterSetName = CredentialSet)]
[OutputType(typeof(SalesSyncConnectionInfo))]
public sealed class ConnectSalesSyncCommand : SalesSyncCmdlet
{
    private const string CredentialSet = "Credential";
    private const string EnvironmentSet = "Environment";

    /// <summary>The Marketo instance, e.g. https://123-ABC-456.mktorest.com.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = CredentialSet)]
    [ValidateNotNull]
    public Uri MarketoUri { get; set; } = null!;

    /// <summary>User name = client id, password = client secret of the Marketo custom service.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = CredentialSet)]
    [Credential]
    [ValidateNotNull]
    public PSCredential MarketoCredential { get; set; } = null!;

    /// <summary>The Salesforce org's My Domain, e.g. https://acme.my.salesforce.com.</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    public Uri? SalesforceUri { get; set; }

    /// <summary>User name = consumer key, password = consumer secret of the Salesforce app (client credentials flow).</summary>
    [Parameter(ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential? SalesforceCredential { get; set; }

    /// <summary>Read everything from the SALESSYNC_* environment variables (for runbooks).</summary>
    [Parameter(Mandatory = true, ParameterSetName = EnvironmentSet)]
    public SwitchParameter FromEnvironment { get; set; }

    /// <summary>Path of the local database file; default ~/.salessync/salessync.db.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Salesforce REST API version, e.g. v66.0.</summary>
    [Parameter]
    [ValidatePattern(@"^v\d{2,3}\.0$")]
    public string SalesforceApiVersion { get; set; } = "v66.0";

    /// <summary>Marketo calls this session may make per 20 s (the instance allows 100, shared by all integrations).</summary>
    [Parameter]
    [ValidateRange(1, MarketoLimitSettings.MaxCallsPerWindow)]
    public int MarketoCallsPerWindow { get; set; } = MarketoLimitSettings.Default.CallsPerWindow;

    /// <summary>Marketo calls in flight at once (the instance allows 10, shared).</summary>
    [Parameter]
    [ValidateRange(1, MarketoLimitSettings.MaxConcurrentCalls)]
    public int MarketoConcurrentCalls { get; set; } = MarketoLimitSettings.Default.ConcurrentCalls;

    /// <summary>Marketo calls this process may make per Marketo day; 0 = no client-side budget.</summary>
    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MarketoDailyCallBudget { get; set; } = MarketoLimitSettings.Default.DailyCallBudget;

    /// <summary>Retries per call for transient failures and throttling.</summary>
    [Parameter]
    [ValidateRange(0, 10)]
    public int MaxRetries { get; set; } = RetrySettings.Default.MaxRetries;

    protected override void EndProcessing()
    {
        var settings = ParameterSetName == EnvironmentSet ? FromEnvironmentVariables() : FromParameters();
        SalesSyncConnection connection;
        try
        {
            connection = RunEngine(ct => SalesSyncConnection.ConnectAsync(settings, ct));
        }
        catch (ConnectFailedException e)
        {
            ThrowTerminatingError(ConnectError(e, settings));
            return;
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidConnectionSettings", ErrorCategory.InvalidArgument, settings.MarketoUri));
            return;
        }
        SessionRegistry.Set(connection);
        WriteVerbose($"Connected to Marketo {settings.MarketoUri.GetLeftPart(UriPartial.Authority)}"
            + (settings.SalesforceUri is null ? "" : $" and Salesforce {settings.SalesforceUri.GetLeftPart(UriPartial.Authority)}")
            + $"; database {connection.DatabasePath}.");
        WriteObject(SalesSyncConnectionInfo.From(connection));
    }

    private ConnectionSettings FromParameters()
    {
        if ((SalesforceUri is null) != (SalesforceCredential is null))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("Give -SalesforceUri and -SalesforceCredential together, or neither."),
                "SalesforceParametersIncomplete", ErrorCategory.InvalidArgument, SalesforceUri));
        }
        var marketo = MarketoCredential.GetNetworkCredential();
        var salesforce = SalesforceCredential?.GetNetworkCredential();
        return Build(MarketoUri, marketo.UserName, marketo.Password, SalesforceUri, salesforce?.UserName, salesforce?.Password,
            Database ?? NullIfEmpty(Environment.GetEnvironmentVariable(Env.Database)));
    }

    private ConnectionSettings FromEnvironmentVariables()
    {
        string Required(string name) =>
            NullIfEmpty(Environment.GetEnvironmentVariable(name)) ?? throw Missing(name);
        try
        {
            var marketoUri = ParseUri(Required(Env.MarketoUri), Env.MarketoUri);
            var marketoId = Required(Env.MarketoClientId);
            var marketoSecret = Required(Env.MarketoClientSecret);
            var sfUriText = NullIfEmpty(Environment.GetEnvironmentVariable(Env.SalesforceUri));
            Uri? sfUri = null;
            string? sfId = null, sfSecret = null;
            if (sfUriText is not null)
            {
                sfUri = ParseUri(sfUriText, Env.SalesforceUri);
                sfId = Required(Env.SalesforceClientId);
                sfSecret = Required(Env.SalesforceClientSecret);
            }
            return Build(marketoUri, marketoId, marketoSecret, sfUri, sfId, sfSecret,
                Database ?? NullIfEmpty(Environment.GetEnvironmentVariable(Env.Database)));
        }
        catch (EnvironmentSettingException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "EnvironmentVariableMissing", ErrorCategory.InvalidArgument, e.VariableName)
            {
                ErrorDetails = new ErrorDetails(e.Message)
                {
                    RecommendedAction = $"Set {Env.MarketoUri}, {Env.MarketoClientId} and {Env.MarketoClientSecret} (and optionally {Env.SalesforceUri}, {Env.SalesforceClientId}, {Env.SalesforceClientSecret}, {Env.Database}).",
                },
            });
            throw; // unreachable: ThrowTerminatingError throws
        }
    }

    private ConnectionSettings Build(Uri marketoUri, string marketoId, string marketoSecret, Uri? sfUri, string? sfId, string? sfSecret, string? database) =>
        new()
        {
            MarketoUri = marketoUri,
            MarketoClientId = marketoId,
            MarketoClientSecret = new Secret(marketoSecret),
            SalesforceUri = sfUri,
            SalesforceClientId = sfId,
            SalesforceClientSecret = sfSecret is null ? null : new Secret(sfSecret),
            SalesforceApiVersion = SalesforceApiVersion,
            DatabasePath = database is null ? null : GetUnresolvedProviderPathFromPSPath(database),
            MarketoLimits = new MarketoLimitSettings
            {
                CallsPerWindow = MarketoCallsPerWindow,
                ConcurrentCalls = MarketoConcurrentCalls,
                DailyCallBudget = MarketoDailyCallBudget,
            },
            Retry = RetrySettings.Default with { MaxRetries = MaxRetries },
        };

    private static ErrorRecord ConnectError(ConnectFailedException e, ConnectionSettings settings)
    {
        var (id, category, action) = e.Reason switch
        {
            ConnectFailureReason.BadCredentials => ("BadCredentials", ErrorCategory.AuthenticationError,
                $"Check the {e.Service} client id (user name) and client secret (password) of the credential."),
            ConnectFailureReason.InsecureUri => ("InsecureUri", ErrorCategory.SecurityError,
                "Use an https:// URI. Plain http:// is accepted only for loopback addresses such as the SalesSync sandbox."),
            ConnectFailureReason.InvalidUri => ("InvalidUri", ErrorCategory.InvalidArgument, "Give an absolute https:// URI."),
            ConnectFailureReason.Unreachable => ("ServiceUnreachable", ErrorCategory.ConnectionError,
                $"Check the {e.Service} URI, the network and any proxy (HTTPS_PROXY)."),
            ConnectFailureReason.DatabaseNotWritable => ("DatabaseNotWritable", ErrorCategory.WriteError,
                "Give -Database a file path in a folder you can write to."),
            ConnectFailureReason.QuotaExhausted => ("DailyQuotaExhausted", ErrorCategory.LimitsExceeded,
                "Wait until the daily quota resets, then connect again."),
            _ => ("ConnectFailed", ErrorCategory.NotSpecified, null),
        };
        object target = e.Service switch
        {
            "Database" => settings.DatabasePath ?? "",
            "Salesforce" => settings.SalesforceUri!,
            _ => settings.MarketoUri,
        };
        return new ErrorRecord(e, id, category, target)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action },
        };
    }

    private static Uri ParseUri(string text, string variable) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new EnvironmentSettingException(variable, $"{variable} is not an absolute URI.");

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static EnvironmentSettingException Missing(string name) => new(name, $"Environment variable {name} is not set.");

    private sealed class EnvironmentSettingException(string variableName, string message) : Exception(message)
    {
        public string VariableName { get; } = variableName;
    }
}
