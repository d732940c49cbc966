using SalesSync.Core.Status;
using SalesSync.Core.Store;

namespace SalesSync.Core.Report;

// Stand-ins for reportcapture's three read sides, with its exact signatures, so the reader builds and runs on this
// branch. They return what an empty capture would: no ledger days, no guard changes, owners never checked.
// The lead deletes this file at merge and takes ApiUsageLedger.cs, GuardHistory.cs and OwnerDirectory.cs instead.

internal static class ApiUsageLedger
{
    public static ApiBudgetSection ReadSection(SyncStore store, CallCounters counters, DateTimeOffset since) => new()
    {
        Days = [],
        BusiestWindows = [],
        MarketoDailyQuota = Sync.SourceFacts.DefaultInstanceDailyQuota,
        MarketoDailyCallBudget = counters.MarketoDailyCallBudget,
        SalesforceDailyLimit = counters.SalesforceDailyLimit,
    };
}

internal static class GuardHistory
{
    public static IReadOnlyList<GuardChange> Read(SyncStore store, DateTimeOffset since) => [];
}

public sealed record OwnerQuality(long Owners, long OwnersInactive, IReadOnlyList<InactiveOwner> InactiveOwners, DateTimeOffset? CheckedAt);

internal static class OwnerDirectory
{
    public static OwnerQuality ReadQuality(SyncStore store) => new(0, 0, [], null);

    public static string? NameOf(SyncStore store, string ownerId) => null;
}
