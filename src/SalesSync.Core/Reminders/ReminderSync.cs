using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Reminders;

/// <summary>One reminder pass (issue 16): being written.</summary>
internal sealed class ReminderSync(SalesforceClient salesforce, SyncStore store)
{
    public Task<ReminderSyncReport> RunAsync(ReminderSyncOptions options, CancellationToken ct) =>
        throw new NotImplementedException($"{salesforce.BaseUri} {store.Path} {options}");
}
