using SalesSync.Core.Http;

namespace SalesSync.Core.Connection;

/// <summary>The documented SALESSYNC_* environment variables for runbooks, and how they are read.</summary>
public static class EnvironmentSettings
{
    public const string MarketoUri = "SALESSYNC_MARKETO_URI";
    public const string MarketoClientId = "SALESSYNC_MARKETO_CLIENT_ID";
    public const string MarketoClientSecret = "SALESSYNC_MARKETO_CLIENT_SECRET";
    public const string SalesforceUri = "SALESSYNC_SALESFORCE_URI";
    public const string SalesforceClientId = "SALESSYNC_SALESFORCE_CLIENT_ID";
    public const string SalesforceClientSecret = "SALESSYNC_SALESFORCE_CLIENT_SECRET";
    public const string Database = "SALESSYNC_DATABASE";
    public const string DatabasePassword = "SALESSYNC_DATABASE_PASSWORD";

    /// <summary>Seconds (for both services) an unknown outcome may still land; for sandboxes that commit at once.</summary>
    public const string UnknownOutcomeGraceSeconds = "SALESSYNC_UNKNOWN_OUTCOME_GRACE_SECONDS";

    public static IReadOnlyList<string> All { get; } =
        [MarketoUri, MarketoClientId, MarketoClientSecret, SalesforceUri, SalesforceClientId, SalesforceClientSecret, Database, DatabasePassword];

    /// <summary>
    /// Reads the connection from the variables: Marketo's three are required; Salesforce's URI brings
    /// its id and secret with it. Throws <see cref="EnvironmentSettingException"/> naming the variable
    /// that is missing or malformed (never its value, which may be a secret).
    /// </summary>
    public static ConnectionSettings Read(Func<string, string?> getVariable, Func<ConnectionSettings, ConnectionSettings>? adjust = null)
    {
        string? Optional(string name) => getVariable(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v : null;
        string Required(string name) =>
            Optional(name) ?? throw new EnvironmentSettingException(name, EnvironmentSettingProblem.Missing, $"Environment variable {name} is not set.");

        var sfUriText = Optional(SalesforceUri);
        var settings = new ConnectionSettings
        {
            MarketoUri = ParseUri(Required(MarketoUri), MarketoUri),
            MarketoClientId = Required(MarketoClientId).Trim(),
            MarketoClientSecret = new Secret(Required(MarketoClientSecret)),
            SalesforceUri = sfUriText is null ? null : ParseUri(sfUriText, SalesforceUri),
            SalesforceClientId = sfUriText is null ? null : Required(SalesforceClientId).Trim(),
            SalesforceClientSecret = sfUriText is null ? null : new Secret(Required(SalesforceClientSecret)),
            DatabasePath = ReadDatabase(getVariable),
            DatabasePassword = ReadDatabasePassword(getVariable),
        };
        if (Optional(UnknownOutcomeGraceSeconds) is { } grace)
        {
            if (!int.TryParse(grace, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
                throw new EnvironmentSettingException(UnknownOutcomeGraceSeconds, EnvironmentSettingProblem.Malformed, $"Environment variable {UnknownOutcomeGraceSeconds} is not a whole number of seconds.");
            settings = settings with { UnknownOutcomeGrace = new OutcomeGrace(TimeSpan.FromSeconds(seconds), TimeSpan.FromSeconds(seconds)) };
        }
        return adjust is null ? settings : adjust(settings);
    }

    /// <summary>
    /// SALESSYNC_DATABASE, if set (also used with explicit parameters when no -Database is given). A value of spaces
    /// only is refused rather than read as "unset": it is a typo or an unquoted empty expansion, and quietly using the
    /// default database would sync into a file nobody meant.
    /// </summary>
    public static string? ReadDatabase(Func<string, string?> getVariable) => getVariable(Database) switch
    {
        null or "" => null,
        { } blank when string.IsNullOrWhiteSpace(blank) => throw new EnvironmentSettingException(Database, EnvironmentSettingProblem.Malformed,
            $"Environment variable {Database} is set but holds only spaces. Remove it (Remove-Item Env:{Database}) to use the instance's default database, or set it to a file path."),
        { } path => path,
    };

    /// <summary>SALESSYNC_DATABASE_PASSWORD, if set (also used with explicit parameters when no password parameter is given).</summary>
    public static Secret? ReadDatabasePassword(Func<string, string?> getVariable) =>
        getVariable(DatabasePassword) is { Length: > 0 } password ? new Secret(password) : null;

    /// <summary>Checked by the same rules as the parameters (<see cref="ServiceUri"/>); the connect normalizes it again and says what it changed.</summary>
    private static Uri ParseUri(string text, string variable)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.RelativeOrAbsolute, out var uri))
            throw new EnvironmentSettingException(variable, EnvironmentSettingProblem.Malformed, $"Environment variable {variable} is not a URI such as https://123-ABC-456.mktorest.com.");
        try
        {
            ServiceUri.Normalize(uri, variable == MarketoUri ? "Marketo" : "Salesforce");
        }
        catch (ConnectFailedException e)
        {
            throw new EnvironmentSettingException(variable, EnvironmentSettingProblem.Malformed, $"Environment variable {variable}: {e.Message}");
        }
        return uri;
    }
}

public enum EnvironmentSettingProblem
{
    Missing,
    Malformed,
}

/// <summary>A SALESSYNC_* variable is missing or malformed; the message names it and never shows its value.</summary>
public sealed class EnvironmentSettingException(string variableName, EnvironmentSettingProblem problem, string message) : Exception(message)
{
    public string VariableName { get; } = variableName;
    public EnvironmentSettingProblem Problem { get; } = problem;
}
