using System.Collections.Concurrent;
using System.Reflection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Engine;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>Review L1: the day of the watch's usage read is the day the read was made, not the day its poll ended.</summary>
[Collection(TimingCollection.Name)]
public class WatchUsageDayTests
{
    /// <summary>Moves the Marketo day on once the poll that read the usage applies its first page (after the read, before the poll ends).</summary>
    private sealed class TurnDayAfterRead(SessionTests.ManualTime clock, Func<bool> inUsagePoll) : IEngineObserver
    {
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
        public void Progress(EngineProgress progress)
        {
            if (inUsagePoll() && progress.Status.StartsWith("Incremental: lead changes, page", StringComparison.Ordinal)) clock.Now = clock.Now.AddDays(1);
        }
    }

    /// <summary>
    /// A database synced in full, then a new process whose instance gate reads the Marketo day from a clock the test
    /// moves (its rate window stays short: few calls are made under the frozen clock). Shared with WatchReviewTests.
    /// </summary>
    internal static async Task<(SalesSyncSession Session, SessionTests.ManualTime Clock)> SyncedWithManualDayAsync(RunningSandbox sb, TempFolder temp)
    {
        var settings = SyncHarness.Settings(sb, temp, salesforce: false);
        using (var first = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None))
            Assert.Equal(SyncRunStatus.Completed, (await SyncHarness.SyncAsync(first, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId })).Run.Status);
        MarketoRateGate.Forget(sb.Marketo);
        var clock = new SessionTests.ManualTime(DateTimeOffset.UtcNow);
        var limits = settings.MarketoLimits with { CallsPerWindow = 50, Window = TimeSpan.FromSeconds(1) };
        var gates = (ConcurrentDictionary<string, MarketoRateGate>)typeof(MarketoRateGate).GetField("Gates", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
        gates[MarketoRateGate.InstanceKey(sb.Marketo)] = new MarketoRateGate(limits, clock);
        return (await SalesSyncSession.ConnectAsync(settings with { MarketoLimits = limits }, CancellationToken.None), clock);
    }

    [Fact]
    public async Task AUsageReadWhosePollEndsOnTheNextMarketoDayIsStoredForTheDayItWasMade()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "30", "--seed", "77", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        var (session, clock) = await SyncedWithManualDayAsync(sb, temp);
        using var _ = session;
        var readDay = session.Marketo.Gate.Budget.Day;

        // Poll 1 reads deleted leads (a watch's first poll); poll 2 reads the usage, then its day turns.
        var polls = new List<WatchPoll>();
        using var cts = new CancellationTokenSource();
        using (EngineObserver.Use(new TurnDayAfterRead(clock, () => polls.Count == 1 && polls[0].Run!.ReadDeletedLeads)))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            {
                await foreach (var output in session.WatchAsync(new WatchOptions { Interval = TimeSpan.FromMilliseconds(5), OptOuts = false }, cts.Token))
                    if (output is WatchPolled p && polls.Count < 2)
                    {
                        polls.Add(p.Poll);
                        if (polls.Count == 2) cts.Cancel();
                    }
            });
        Assert.Equal((false, true), (polls[1].Run!.ReadDeletedLeads, polls[0].Run!.ReadDeletedLeads));
        Assert.Equal(readDay.AddDays(1), session.Marketo.Gate.Budget.Day);
        // The read was made on readDay: the new day has not been read (its first eligible poll reads it).
        Assert.Equal(readDay, session.Store.Settings.MarketoUsageReadOn);
    }
}
