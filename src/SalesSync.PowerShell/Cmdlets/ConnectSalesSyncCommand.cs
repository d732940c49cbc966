using System.Management.Automation;
using System.Net;
using System.Security;
using SalesSync.Core;
using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Store;
using SalesSync.PowerShell.Base;
using SalesSync.PowerShell.Models;

namespace SalesSync.PowerShell.Cmdlets;

/// <summary>
/// Connects to Marketo (and optionally Salesforce): fetches a token from each to prove the credentials,
/// opens the database, and keeps the connection for the later SalesSync cmdlets of the process (or,
/// with -Scope Runspace, of this runspace).
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "SalesSync", DefaultParameterSetName = CredentialSet)]
[OutputType(typeof(SalesSyncConnectionInfo))]
public sealed class ConnectSalesSyncCommand : SalesSyncCmdlet
{
    private const string CredentialSet = "Credential";
    private const string EnvironmentSet = "Environment";

    /// <summary>The Marketo instance, e.g. https://123-ABC-456.mktorest.com (no scheme: https:// is added; a /rest or /identity ending is dropped).</summary>
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

    /// <summary>Path of the local database file; default ~/.salessync/&lt;Marketo host&gt;.db. Relative paths are resolved against the current location.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Database { get; set; }

    /// <summary>Encrypts a new database / opens an encrypted one; default SALESSYNC_DATABASE_PASSWORD.</summary>
    [Parameter]
    [ValidateNotNull]
    public SecureString? DatabasePassword { get; set; }

    /// <summary>Process (default): every runspace of the process uses this connection. Runspace: only this one.</summary>
    [Parameter]
    public ConnectionScope Scope { get; set; } = ConnectionScope.Process;

    /// <summary>Salesforce REST API version: v66.0, or as typed elsewhere (V66.0, 66.0, 66; spaces around ignored).</summary>
    [Parameter]
    public string SalesforceApiVersion { get; set; } = ConnectionSettings.DefaultSalesforceApiVersion;

    /// <summary>Marketo calls per 20 s (the instance allows 100, shared by all integrations).</summary>
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

    /// <summary>Write the connection object (as PnP's -ReturnConnection does); without it Connect-SalesSync writes nothing on success.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var settings = ReadSettings();
        SalesSyncSession session;
        try
        {
            session = RunEngine(ct => SalesSyncSession.ConnectAsync(settings, ct));
        }
        catch (ConnectFailedException e)
        {
            ThrowTerminatingError(ConnectError(e, settings));
            return;
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "InvalidConnectionSettings", ErrorCategory.InvalidArgument, UriPolicy.Display(settings.MarketoUri)));
            return;
        }
        ConnectionRegistry.Set(session, Scope);
        WriteVerbose($"Connected to Marketo {session.MarketoUri.GetLeftPart(UriPartial.Authority)}"
            + (session.SalesforceUri is null ? "" : $" and Salesforce {session.SalesforceUri.GetLeftPart(UriPartial.Authority)}")
            + $"; database {session.DatabasePath}{(session.DatabaseEncrypted ? " (encrypted)" : "")}; scope {Scope}.");
        if (PassThru) WriteObject(new SalesSyncConnectionInfo(session, Scope));
    }

    /// <summary>The settings from the parameters or the SALESSYNC_* variables; a missing or malformed variable is a terminating error naming it.</summary>
    private ConnectionSettings ReadSettings()
    {
        try
        {
            return ParameterSetName == EnvironmentSet ? EnvironmentSettings.Read(Environment.GetEnvironmentVariable, Adjust) : FromParameters();
        }
        catch (EnvironmentSettingException e)
        {
            var missing = e.Problem == EnvironmentSettingProblem.Missing;
            ThrowTerminatingError(new ErrorRecord(e, missing ? "EnvironmentVariableMissing" : "EnvironmentVariableInvalid",
                missing ? ErrorCategory.InvalidArgument : ErrorCategory.InvalidData, e.VariableName)
            {
                ErrorDetails = new ErrorDetails(e.Message)
                {
                    RecommendedAction = missing
                        ? $"Set {EnvironmentSettings.MarketoUri}, {EnvironmentSettings.MarketoClientId} and {EnvironmentSettings.MarketoClientSecret} (and optionally {string.Join(", ", EnvironmentSettings.All.Skip(3))})."
                        : e.VariableName switch
                        {
                            EnvironmentSettings.MarketoUri or EnvironmentSettings.SalesforceUri => $"Set {e.VariableName} to the instance's base URI, such as https://123-ABC-456.mktorest.com.",
                            EnvironmentSettings.Database => $"Remove {e.VariableName} for the instance's default database, or set it to a file path.",
                            _ => $"Correct or remove {e.VariableName}.",
                        },
                },
            });
            throw; // unreachable: ThrowTerminatingError throws
        }
    }

    private ConnectionSettings FromParameters()
    {
        if ((SalesforceUri is null) != (SalesforceCredential is null))
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("Give -SalesforceUri and -SalesforceCredential together, or neither."),
                "SalesforceParametersIncomplete", ErrorCategory.InvalidArgument, SalesforceUri is null ? null : UriPolicy.Display(SalesforceUri)));
        }
        var marketo = MarketoCredential.GetNetworkCredential();
        var salesforce = SalesforceCredential?.GetNetworkCredential();
        return Adjust(new ConnectionSettings
        {
            MarketoUri = MarketoUri,
            MarketoClientId = marketo.UserName,
            MarketoClientSecret = new Secret(marketo.Password),
            SalesforceUri = SalesforceUri,
            SalesforceClientId = salesforce?.UserName,
            SalesforceClientSecret = salesforce is null ? null : new Secret(salesforce.Password),
            DatabasePath = Database is null ? EnvironmentSettings.ReadDatabase(Environment.GetEnvironmentVariable) : null, // -Database wins (Adjust)
            DatabasePassword = EnvironmentSettings.ReadDatabasePassword(Environment.GetEnvironmentVariable),
        });
    }

    /// <summary>Applies the parameters every parameter set shares; relative database paths follow the current PowerShell location.</summary>
    private ConnectionSettings Adjust(ConnectionSettings settings)
    {
        var database = Database ?? settings.DatabasePath;
        return settings with
        {
            SalesforceApiVersion = NormalizedApiVersion(),
            DatabasePath = database is null ? null : GetUnresolvedProviderPathFromPSPath(database),
            DatabasePassword = DatabasePassword is null ? settings.DatabasePassword : new Secret(new NetworkCredential("", DatabasePassword).Password),
            MarketoLimits = new MarketoLimitSettings
            {
                CallsPerWindow = MarketoCallsPerWindow,
                ConcurrentCalls = MarketoConcurrentCalls,
                DailyCallBudget = MarketoDailyCallBudget,
            },
            Retry = RetrySettings.Default with { MaxRetries = MaxRetries },
        };
    }

    private string NormalizedApiVersion()
    {
        if (ServiceUri.SalesforceApiVersion(SalesforceApiVersion) is { } version) return version;
        var message = $"-SalesforceApiVersion '{SalesforceApiVersion}' is not a Salesforce REST API version; give one such as {ConnectionSettings.DefaultSalesforceApiVersion} (V66.0, 66.0 and 66 mean the same).";
        ThrowTerminatingError(new ErrorRecord(new ArgumentException(message, nameof(SalesforceApiVersion)), "InvalidSalesforceApiVersion", ErrorCategory.InvalidArgument, SalesforceApiVersion)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"Give -SalesforceApiVersion as v<number>.0, or leave it out for the default {ConnectionSettings.DefaultSalesforceApiVersion}." },
        });
        throw new InvalidOperationException("unreachable"); // ThrowTerminatingError throws
    }

    private static ErrorRecord ConnectError(ConnectFailedException e, ConnectionSettings settings)
    {
        var (id, category, action) = e.Reason switch
        {
            ConnectFailureReason.BadCredentials => ("BadCredentials", ErrorCategory.AuthenticationError,
                $"Check the {e.Service} client id (user name) and client secret (password) of the credential."),
            ConnectFailureReason.InsecureUri => ("InsecureUri", ErrorCategory.SecurityError,
                "Use an https:// URI. Plain http:// is accepted only for loopback addresses such as the SalesSync sandbox."),
            ConnectFailureReason.InvalidUri => ("InvalidUri", ErrorCategory.InvalidArgument,
                $"Give the {e.Service} instance's base URI alone ({(e.Service == "Salesforce" ? "https://acme.my.salesforce.com" : "https://123-ABC-456.mktorest.com")}): no other path, query string, user name or password; credentials go in -{e.Service}Credential."),
            ConnectFailureReason.Unreachable => ("ServiceUnreachable", ErrorCategory.ConnectionError,
                $"Check the {e.Service} URI, the network and any proxy (HTTPS_PROXY)."),
            ConnectFailureReason.QuotaExhausted => ("DailyQuotaExhausted", ErrorCategory.LimitsExceeded,
                "Wait until the daily quota resets, then connect again."),
            ConnectFailureReason.TlsFailed => ("TlsHandshakeFailed", ErrorCategory.ConnectionError,
                $"Check the port and scheme of the {e.Service} URI: http:// for a plain-HTTP (loopback) port, https:// with a certificate this machine trusts otherwise."),
            ConnectFailureReason.ApiVersionNotServed => ("SalesforceApiVersionNotServed", ErrorCategory.InvalidArgument,
                $"Give -SalesforceApiVersion a version the org serves (the message names the newest), or leave it out for the default {ConnectionSettings.DefaultSalesforceApiVersion}."),
            ConnectFailureReason.Database => DatabaseError(e.StoreReason),
            ConnectFailureReason.LegacyDatabaseUndetermined => ("LegacyDatabaseUndetermined", e.StoreReason == StoreFailureReason.InUse ? ErrorCategory.ResourceBusy : ErrorCategory.InvalidOperation,
                "Give -Database: the earlier default database's path to use it, or a new path for this instance."),
            _ => ("ConnectFailed", ErrorCategory.NotSpecified, null),
        };
        object? target = e.Reason == ConnectFailureReason.ApiVersionNotServed ? settings.SalesforceApiVersion : e.Service switch
        {
            "Database" => (e.InnerException as StoreException)?.DatabasePath ?? settings.DatabasePath,
            "Salesforce" => settings.SalesforceUri is null ? null : UriPolicy.Display(settings.SalesforceUri),
            _ => settings.MarketoUri.IsAbsoluteUri && settings.MarketoUri.UserInfo.Length > 0 ? UriPolicy.Display(settings.MarketoUri) : settings.MarketoUri,
        };
        return new ErrorRecord(e, id, category, target)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action },
        };
    }

    private static (string Id, ErrorCategory Category, string? Action) DatabaseError(StoreFailureReason? reason) => reason switch
    {
        StoreFailureReason.NotASalesSyncDatabase => ("DatabaseNotSalesSync", ErrorCategory.InvalidArgument,
            "Give -Database a new file name (SalesSync creates it) or the path of an existing SalesSync database. The file was not changed."),
        StoreFailureReason.InUse => ("DatabaseInUse", ErrorCategory.ResourceBusy,
            "Another process has this database open. Close it (Disconnect-SalesSync or exit), or give another -Database."),
        StoreFailureReason.WrongMarketoInstance => ("DatabaseWrongMarketoInstance", ErrorCategory.InvalidArgument,
            "Each Marketo instance needs its own database: give another -Database for this instance."),
        StoreFailureReason.PasswordRequired => ("DatabasePasswordRequired", ErrorCategory.AuthenticationError,
            "Give the database password with -DatabasePassword (a SecureString) or SALESSYNC_DATABASE_PASSWORD."),
        StoreFailureReason.WrongPassword => ("DatabasePasswordWrong", ErrorCategory.AuthenticationError,
            "Give the password the database was created with."),
        StoreFailureReason.NotEncrypted => ("DatabaseNotEncrypted", ErrorCategory.InvalidArgument,
            "Connect without a database password, or give a new -Database path to start an encrypted database."),
        StoreFailureReason.NewerSchema => ("DatabaseSchemaTooNew", ErrorCategory.InvalidData, "Update the SalesSync module."),
        _ => ("DatabaseNotWritable", ErrorCategory.WriteError, "Give -Database a file path in a folder you can write to."),
    };
}
