using SalesSync.Core.Report;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using ManualTime = SalesSync.Core.Tests.Engine.SessionTests.ManualTime;

namespace SalesSync.Core.Tests.Report;

/// <summary>The API usage ledger: Marketo days, merging across recorders (processes), busy windows, flushing, and the session's hooks.</summary>
public sealed class CaptureLedgerTests : IDisposable
{
    private static readonly CallCounters NoCounters = new(0, 0, null, false, null, null, 0.9);
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private StoreLease Open() => StoreRegistry.Open(_temp.File("ledger.db"), "123-abc-456.mktorest.com", null);

    private static void Calls(ApiUsageRecorder recorder, int n)
    {
        for (var i = 0; i < n; i++) recorder.MarketoCall();
    }

    [Fact]
    public void CallsAreFiledUnderTheMarketoDayAndAddUpAcrossProcesses()
    {
        // 05:59:30 UTC on 7 December is 23:59:30 on the 6th in Chicago (CST, UTC-6): the Marketo day turns at 06:00 UTC.
        var time = new ManualTime(new DateTimeOffset(2026, 12, 7, 5, 59, 30, TimeSpan.Zero));
        using (var lease = Open())
        {
            using var first = new ApiUsageRecorder(lease.Store, time);
            Calls(first, 3);
            first.SalesforceCall();
            first.SalesforceOrgUsage(100, 15_000);
            first.MarketoInstanceUsage(1_200);
            time.Now = time.Now.AddSeconds(40); // 06:00:10 UTC, the 7th in Chicago
            Calls(first, 2);
            first.BulkJobCompleted("job-1", 1_000);
            first.BulkJobCompleted("job-1", 1_000); // a second status read of the same job
            first.Flush();
        }
        using (var lease = Open()) // a later process on the same database
        {
            time.Now = time.Now.AddSeconds(5);
            using var second = new ApiUsageRecorder(lease.Store, time);
            Calls(second, 4);
            second.MarketoInstanceUsage(1_500);
            second.BulkJobCompleted("job-1", 1_000); // another process (a resumed run re-downloading) sees the same job: not counted again
        } // dispose stores the rest

        using var reader = Open();
        var section = ApiUsageLedger.ReadSection(reader.Store, NoCounters, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(
            [new ApiUsageDay(new DateOnly(2026, 12, 6), 3, 1_200, 0, 1, 100, new DateTimeOffset(2026, 12, 7, 5, 59, 30, TimeSpan.Zero), 3),
             new ApiUsageDay(new DateOnly(2026, 12, 7), 6, 1_500, 1_000, 0, null, new DateTimeOffset(2026, 12, 7, 6, 0, 15, TimeSpan.Zero), 6)],
            section.Days);
        // The instance's figure is the reading plus SalesSync's calls since it: a reading early in the day is never below our own.
        Assert.Equal(215, new ApiUsageDay(new DateOnly(2026, 12, 7), 196, 169, 0, 0, null, DateTimeOffset.UtcNow, 150).MarketoInstanceCallsNow);
        Assert.Equal(196, new ApiUsageDay(new DateOnly(2026, 12, 7), 196, 169, 0, 0).MarketoInstanceCallsNow); // recorded before the own count was kept
        // The two processes' calls of 06:00:10 and 06:00:15 share one window; busiest first.
        Assert.Equal(
            [new BusyWindow(new DateTimeOffset(2026, 12, 7, 6, 0, 10, TimeSpan.Zero), 6), new BusyWindow(new DateTimeOffset(2026, 12, 7, 5, 59, 30, TimeSpan.Zero), 3)],
            section.BusiestWindows);
        Assert.Equal(15_000, section.SalesforceDailyLimit); // from the stored reading when the connection has none
        Assert.Equal(SourceFacts.DefaultInstanceDailyQuota, section.MarketoDailyQuota);
        Assert.Empty(ApiUsageLedger.ReadSection(reader.Store, NoCounters, new DateTimeOffset(2026, 12, 8, 6, 0, 0, TimeSpan.Zero)).Days);
    }

    [Fact]
    public void ADaysWindowsAreStoredBeforeItsPerSecondTalliesAreDropped()
    {
        var day = new DateTimeOffset(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(day);
        using var lease = Open();
        using var recorder = new ApiUsageRecorder(lease.Store, time);
        Calls(recorder, 7);
        recorder.Flush(windows: false); // a timer's flush: counts only
        var expected = new BusyWindow(day, 7);
        Assert.Equal([expected], ApiUsageLedger.ReadSection(lease.Store, NoCounters, day.AddDays(-1)).BusiestWindows); // from the tallies

        time.Now = day.AddDays(2);
        recorder.MarketoCall();
        recorder.Flush(windows: false); // the 7th's tallies leave: its windows are stored first
        Assert.Empty(lease.Store.Database.GetCollection(ApiUsageLedger.SecondsCollection).Find(LiteDB.Query.LT("_id", day.AddDays(1).ToUnixTimeSeconds() / 3600)));
        Assert.Equal([expected, new BusyWindow(day.AddDays(2), 1)], ApiUsageLedger.ReadSection(lease.Store, NoCounters, day.AddDays(-1)).BusiestWindows);
    }

    [Fact]
    public void BusyWindowsSlideOverSecondsDoNotOverlapAndAreAtMostTwenty()
    {
        var start = new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero);
        var counts = new int[3_600];
        for (var s = 15; s < 25; s++) counts[s] = 9; // 90 calls across an aligned 20 s boundary: one sliding window holds them all
        for (var b = 0; b < 30; b++) counts[100 + b * 60] = b + 1; // 30 small bursts
        var windows = ApiUsageLedger.BusiestWindows(counts, start, ApiUsageLedger.WindowsKept);
        Assert.Equal(20, windows.Count);
        Assert.Equal(new BusyWindow(start.AddSeconds(15), 90), windows[0]);
        Assert.Equal(new BusyWindow(start.AddSeconds(100 + 29 * 60), 30), windows[1]);
        Assert.True(windows.Zip(windows.Skip(1)).All(p => p.First.Calls >= p.Second.Calls));
        Assert.True(windows.SelectMany(a => windows.Where(b => b != a), (a, b) => Math.Abs((a.Start - b.Start).TotalSeconds)).All(d => d >= ApiUsageLedger.WindowSeconds));
    }

    [Fact]
    public async Task NothingIsStoredUntilAFlushAndTheTimerStoresEachSecond()
    {
        using var lease = Open();
        var since = DateTimeOffset.UtcNow.AddDays(-1);
        var recorder = new ApiUsageRecorder(lease.Store); // no timer: a crash now would lose these calls
        Calls(recorder, 5);
        Assert.Empty(ApiUsageLedger.ReadSection(lease.Store, NoCounters, since).Days);
        recorder.Dispose();
        Assert.Equal(5, Assert.Single(ApiUsageLedger.ReadSection(lease.Store, NoCounters, since).Days).MarketoCalls);

        using var timed = new ApiUsageRecorder(lease.Store, flushEvery: TimeSpan.FromMilliseconds(50));
        Calls(timed, 2);
        for (var i = 0; i < 100 && ApiUsageLedger.ReadSection(lease.Store, NoCounters, since).Days.Sum(d => d.MarketoCalls) < 7; i++) await Task.Delay(20);
        Assert.Equal(7, ApiUsageLedger.ReadSection(lease.Store, NoCounters, since).Days.Sum(d => d.MarketoCalls));
    }

    [Fact]
    public async Task EveryCallOfASessionIsInItsDatabaseWithTheRunsAndTheOptOutStepsCalls()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "18");
        var settings = SyncHarness.Settings(sb, _temp, salesforce: true);
        long marketoCalls, salesforceCalls;
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        using (var session = await SalesSyncSession.ConnectAsync(settings, CancellationToken.None))
        {
            var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest });
            Assert.Equal(SyncRunStatus.Completed, run.Status);
            await foreach (var _ in session.SyncOptOutsAsync(whatIf: false, CancellationToken.None)) { }
            // A command's calls (here Get-MarketoList's) are stored when its lease ends, without waiting for the timer.
            using (session.Use())
                await session.GetMarketoListsAsync(new SalesSync.Core.Marketo.MarketoListQuery(true, false), CancellationToken.None).ToListAsync();
            Assert.Equal(session.Marketo.CallsMade, ApiUsageLedger.ReadSection(session.Store, NoCounters, since).Days.Sum(d => d.MarketoCalls));
            marketoCalls = session.Marketo.CallsMade;
            salesforceCalls = session.Salesforce!.CallsMade;
        }
        using var lease = StoreRegistry.Open(settings.DatabasePath!, SalesSync.Core.Marketo.MarketoRateGate.InstanceKey(sb.Marketo), null);
        var section = ApiUsageLedger.ReadSection(lease.Store, NoCounters, since);
        var today = Assert.Single(section.Days);
        Assert.Equal(marketoCalls, today.MarketoCalls);
        Assert.Equal(salesforceCalls, today.SalesforceCalls);
        Assert.NotNull(today.MarketoInstanceCalls); // the run read stats/usage.json
        Assert.NotNull(today.SalesforceOrgCalls);
        Assert.InRange(section.BusiestWindows.Count, 1, ApiUsageLedger.WindowsKept);
        Assert.InRange(section.BusiestWindows[0].Calls, 1, 100);
        Assert.NotNull(OwnerDirectory.ReadQuality(lease.Store).CheckedAt); // the opt-out step checked the owners
    }
}
