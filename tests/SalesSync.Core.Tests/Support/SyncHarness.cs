using SalesSync.Core.Connection;
using SalesSync.Core.Http;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Tests.Support;

/// <summary>What the people-sync tests share: connection settings for a sandbox, and a run collected whole.</summary>
internal static class SyncHarness
{
    /// <summary>Settings for the sandbox with the instance's full limits, fast retries and a database in <paramref name="temp"/>.</summary>
    public static ConnectionSettings Settings(RunningSandbox sb, TempFolder temp, bool salesforce) => new()
    {
        MarketoUri = sb.Marketo,
        MarketoClientId = sb.Host.State.Marketo.ClientId,
        MarketoClientSecret = new Secret(sb.Host.State.Marketo.ClientSecret),
        SalesforceUri = salesforce ? sb.Salesforce : null,
        SalesforceClientId = salesforce ? sb.Host.State.Salesforce.ClientId : null,
        SalesforceClientSecret = salesforce ? new Secret(sb.Host.State.Salesforce.ClientSecret) : null,
        DatabasePath = temp.File("sync.db"),
        MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
        Retry = RunningSandbox.FastRetry,
    };

    /// <summary>Runs a sync to its end: the last run object and every change it reported.</summary>
    public static async Task<(SyncRunResult Run, List<PersonChanged> Changes)> SyncAsync(SalesSyncSession session, SyncOptions options, CancellationToken ct = default)
    {
        var changes = new List<PersonChanged>();
        SyncRunResult? run = null;
        await foreach (var output in session.SyncPeopleAsync(options with { ReportChanges = true }, ct))
        {
            if (output is PersonChanged c) changes.Add(c);
            if (output is SyncFinished f) run = f.Run;
        }
        return (run!, changes);
    }
}
