using SalesSync.Core.Http;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Connection;

/// <summary>Everything needed to connect; secrets stay in <see cref="Secret"/> wrappers, in memory only.</summary>
public sealed record ConnectionSettings
{
    public required Uri MarketoUri { get; init; }
    public required string MarketoClientId { get; init; }
    public required Secret MarketoClientSecret { get; init; }
    public Uri? SalesforceUri { get; init; }
    public string? SalesforceClientId { get; init; }
    public Secret? SalesforceClientSecret { get; init; }
    public string SalesforceApiVersion { get; init; } = DefaultSalesforceApiVersion;

    /// <summary>The database file; null = the instance's own (<see cref="ServiceUri.DefaultDatabaseFile"/>). Relative paths are resolved by the caller.</summary>
    public string? DatabasePath { get; init; }

    /// <summary>Encrypts a new database, and opens an encrypted one (LiteDB's own encryption).</summary>
    public Secret? DatabasePassword { get; init; }

    public MarketoLimitSettings MarketoLimits { get; init; } = MarketoLimitSettings.Default;
    public RetrySettings Retry { get; init; } = RetrySettings.Default;

    /// <summary>
    /// How long after a send with an unknown outcome (timeout, dropped connection) an activity not found at
    /// the destination may still arrive there: until then it is not sent again. Salesforce can keep working on
    /// a request for 10 minutes after the client gave up; Marketo writes within a couple of minutes.
    /// </summary>
    public OutcomeGrace UnknownOutcomeGrace { get; init; } = OutcomeGrace.Default;

    public const string DefaultSalesforceApiVersion = "v66.0";

    /// <summary>Where default databases live: ~/.salessync.</summary>
    public static string DatabaseFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".salessync");

    /// <summary>
    /// The one default database of versions before per-instance files: still used, read-only checked first, when it
    /// records the instance being connected and that instance has no file of its own yet; never touched otherwise.
    /// </summary>
    public static string LegacyDefaultDatabasePath => Path.Combine(DatabaseFolder, "salessync.db");
}

/// <summary>Per service: how long a send with an unknown outcome may still land (see <see cref="ConnectionSettings.UnknownOutcomeGrace"/>).</summary>
public sealed record OutcomeGrace(TimeSpan Marketo, TimeSpan Salesforce)
{
    public static readonly OutcomeGrace Default = new(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10));
    public static readonly OutcomeGrace None = new(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary>
    /// How long an unknown outcome may stay unconfirmable (every lookup failing) before the activity is marked
    /// Failed as unconfirmed, so it stops being looked up on every delivery; it is never resent blind.
    /// </summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromDays(1);
}
