using SalesSync.Core.Sync;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// Review H1 without a sandbox: when a watch poll may leave the deleted-leads stream to the day's usage read, and how a
/// skipped stream ages the watermark.
/// </summary>
public class WatchDeletesTests
{
    private static WatchLoop Loop(TimeSpan interval) => new(null!, null!, null, null!, new WatchOptions { Interval = interval });

    private static SyncRunResult Poll(bool readDeletes) => new() { RunId = 1, Mode = "Incremental", Strategy = "Activities", ReadDeletedLeads = readDeletes };

    [Fact]
    public void TheUsageReadTakesTheDeletesPlaceOnlyUnderAnHourAndOnlyRightAfterAPollThatReadThem()
    {
        var minute = Loop(TimeSpan.FromMinutes(1));
        Assert.Equal((false, false), minute.UsageRead(usageDue: true, previousPoll: null)); // a watch's first poll: the read waits
        Assert.Equal((false, false), minute.UsageRead(usageDue: true, previousPoll: Poll(readDeletes: false))); // never twice in a row
        Assert.Equal((true, true), minute.UsageRead(usageDue: true, previousPoll: Poll(readDeletes: true)));
        Assert.Equal((false, false), minute.UsageRead(usageDue: false, previousPoll: Poll(readDeletes: true)));
        // An hour or more: the hourly bound does not bind, so the usage read is a fourth call and deletes are always read.
        foreach (var interval in new[] { TimeSpan.FromHours(1), TimeSpan.FromDays(1) })
        {
            Assert.Equal((true, false), Loop(interval).UsageRead(usageDue: true, previousPoll: null));
            Assert.Equal((true, false), Loop(interval).UsageRead(usageDue: true, previousPoll: Poll(readDeletes: true)));
        }
    }

    [Fact]
    public void ACompletedRunThatSkippedDeletesIsAsOldAsTheLastReadOfDeletes()
    {
        var now = DateTimeOffset.UtcNow;
        var run = Poll(readDeletes: false) with { Status = SyncRunStatus.Completed, StartedAt = now, LeadChangesToken = "t", DeletesToken = "d" };
        // Deletes last read 14 days ago: the run's own start is fresh, its watermark is not, so the next start is a full pass.
        Assert.Equal(PeopleSync.Start.NewFull, PeopleSync.Decide(run with { DeletesReadAt = now.AddDays(-14) }, new SyncOptions(), now));
        Assert.Equal(now.AddDays(-14), PeopleSync.WatermarkTakenAt(run with { DeletesReadAt = now.AddDays(-14) }));
        Assert.Equal(PeopleSync.Start.Incremental, PeopleSync.Decide(run with { DeletesReadAt = now.AddDays(-1) }, new SyncOptions(), now));
        // A run that read them (DeletesReadAt = its start) or one recorded before the field existed counts from its start.
        Assert.Equal(now, PeopleSync.WatermarkTakenAt(run with { ReadDeletedLeads = true, DeletesReadAt = now }));
        Assert.Equal(now, PeopleSync.WatermarkTakenAt(run));
    }
}
