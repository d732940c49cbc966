using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// Review of issue 17 (review17): findings shown by a failing test. Not part of the fix; each test states the finding.
/// </summary>
[Collection(TimingCollection.Name)]
public class WatchReviewTests
{
    private const long SalesOwnedList = WorldGenerator.SalesOwnedListId;

    /// <summary>
    /// Finding H1: -Interval 1.00:00:00 (allowed: 00:00:01 to 1.00:00:00) makes every poll the first of its Marketo day,
    /// and that poll reads usage in place of the deleted-leads stream. The deleted-leads stream is then never read, the
    /// deletes token never moves, and the completed runs still count as a fresh watermark (WatermarkTakenAt = StartedAt),
    /// so no guard notices: a person deleted in Marketo stays in the local database for good.
    /// The Marketo day is advanced by the budget's clock after each poll (what a 24 h interval does), the polls run fast.
    /// </summary>
    [Fact]
    public async Task AWatchWhosePollsFallOnSuccessiveMarketoDaysStillReadsDeletedLeads()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "60", "--seed", "73", "--marketo-rate-window", "1");
        using var temp = new TempFolder();
        // A new process whose instance gate reads the day from a clock the test moves (one Marketo day per poll).
        var (session, clock) = await WatchUsageDayTests.SyncedWithManualDayAsync(sb, temp);
        using var _ = session;

        var deleted = session.GetPeople(PersonQuery.All).First().MarketoId;
        (await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{deleted}"))).EnsureSuccessStatusCode();
        var deletesBefore = await sb.MarketoCallsAsync("GET /rest/v1/activities/deletedleads.json");

        using var cts = new CancellationTokenSource();
        var polls = new List<WatchPoll>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var output in session.WatchAsync(new WatchOptions { Interval = TimeSpan.FromMilliseconds(5), OptOuts = false }, cts.Token))
            {
                if (output is not WatchPolled p) continue;
                polls.Add(p.Poll);
                clock.Now = clock.Now.AddDays(1); // -Interval 1.00:00:00: the next poll starts on the next Marketo day
                if (polls.Count == 5) cts.Cancel();
            }
        });

        Assert.All(polls, p => Assert.Equal(SyncRunStatus.Completed, p.Run!.Status));
        // Five polls on five Marketo days: the deleted-leads stream was read by none of them ...
        var deletesRead = await sb.MarketoCallsAsync("GET /rest/v1/activities/deletedleads.json") - deletesBefore;
        // ... and the person deleted in Marketo is still here (fails today: 0 reads, the person kept).
        Assert.True(deletesRead > 0, $"deletedleads.json read {deletesRead} times in {polls.Count} polls");
        Assert.DoesNotContain(deleted, session.GetPeople(PersonQuery.All).Select(p => p.MarketoId));
    }
}
