using System.Security.Cryptography;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Marketo;
using SalesSync.Sandbox.Salesforce;

namespace SalesSync.Sandbox.Infrastructure;

/// <summary>Client credentials of one emulated service.</summary>
public sealed record ServiceCredentials(string ClientId, string ClientSecret);

/// <summary>Everything the three listeners (Marketo, Salesforce, control) share.</summary>
public sealed class SandboxState
{
    public SandboxState(SandboxOptions options)
    {
        Options = options;
        Clock = new SandboxClock(options.TimeScale);
        World = WorldGenerator.Generate(options.People, options.Seed, options.HistoryYears is { } years ? WorldGenerator.ReferenceNow.AddDays(-365.25 * years) : null);
        World.CrmChangesLogDataValues = options.CrmChangesLogDataValues;
        if (options.FeedActivities)
        {
            // Dated back from the clock's start, so "the last 90 days" holds activity whenever the sandbox runs.
            var now = Clock.UtcNow;
            World.AddFeedHistory(FeedHistory.Generate(World.People, options.Seed, now), now);
        }
        Faults = new FaultInjector(options.Seed);
        Marketo = new ServiceCredentials(
            options.MarketoClientId ?? Guid.NewGuid().ToString(),
            options.MarketoClientSecret ?? RandomSecret());
        Salesforce = new ServiceCredentials(
            options.SalesforceClientId ?? "3MVG9" + RandomSecret()[..40],
            options.SalesforceClientSecret ?? RandomSecret());
        MarketoTokens = new TokenIssuer(Clock, TimeSpan.FromSeconds(options.MarketoTokenSeconds), () => Guid.NewGuid() + ":sb");
        SalesforceTokens = new TokenIssuer(Clock, TimeSpan.FromSeconds(options.SalesforceSessionSeconds),
            () => "00D5g0000000001!AQ" + RandomSecret()[..60]);
        MarketoLimits = new MarketoLimits(options, Clock, MarketoStats);
        SalesforceLimits = new SalesforceLimits(options, Clock);
        BulkExports = new BulkExportJobs(options, Clock, World);
    }

    public SandboxOptions Options { get; }
    public SandboxClock Clock { get; }
    public SandboxWorld World { get; }
    public FaultInjector Faults { get; }
    public ServiceCredentials Marketo { get; }
    public ServiceCredentials Salesforce { get; }
    public TokenIssuer MarketoTokens { get; }
    public TokenIssuer SalesforceTokens { get; }
    /// <summary>Marketo's counters, with <c>writeCalls</c>/<c>writes</c>: every /rest and /bulk call that is not a read.</summary>
    public ServiceStats MarketoStats { get; } = new(countsWrites: true);
    public ServiceStats SalesforceStats { get; } = new();
    public TokenRequestStats MarketoIdentityStats { get; } = new();
    public TokenRequestStats SalesforceTokenStats { get; } = new();
    public MarketoLimits MarketoLimits { get; }
    public SalesforceLimits SalesforceLimits { get; }
    /// <summary>Marketo's bulk export queue (runs a timer: disposed by the host).</summary>
    public BulkExportJobs BulkExports { get; }

    private static string RandomSecret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
}
