using SalesSync.Core.Unsubscribes;

namespace SalesSync.Core.Tests.Unsubscribes;

/// <summary>How unsubscribe lookups are sized: so the records they match fit one page of 300 (a second page is a whole call more).</summary>
public class LookupBatchSizerTests
{
    private static int[] Unsynced(int n) => new int[n];

    [Fact]
    public void BeforeAnyAnswerAFewDuplicatesAreAssumed()
    {
        var sizer = new LookupBatchSizer();
        Assert.False(sizer.Learned);
        Assert.InRange(sizer.Take(Unsynced(1000)), 280, 295);
        Assert.Equal(7, sizer.Take(Unsynced(7))); // fewer than fit: all of them
        Assert.Equal(0, sizer.Take([]));             // nothing queued: nothing taken
    }

    [Fact]
    public void AddressesMarketoLacksFillAWholeLookupOnceSeen()
    {
        var sizer = new LookupBatchSizer();
        sizer.Observe(Enumerable.Range(0, 300).Select(i => (0, i % 4 == 0 ? 1 : 0)).ToList()); // a quarter in Marketo, none twice
        Assert.True(sizer.Learned);
        Assert.Equal(300, sizer.Take(Unsynced(1000)));
    }

    [Fact]
    public void SyncedDuplicatesCountInFull()
    {
        var sizer = new LookupBatchSizer();
        sizer.Observe(Enumerable.Range(0, 300).Select(_ => (1, 1)).ToList()); // synced people bring exactly their records
        var synced = Enumerable.Repeat(3, 200).ToArray();                     // 200 addresses with three synced records each
        Assert.Equal(100, sizer.Take(synced));
        Assert.Equal(300, sizer.Take(Enumerable.Repeat(1, 400).ToArray()));
    }

    [Fact]
    public void TheLastLookupsTellHowManyRecordsTheRestBring()
    {
        var sizer = new LookupBatchSizer();
        // Every address nobody synced turned out to have two records: the next lookups take about half as many.
        for (var i = 0; i < 3; i++) sizer.Observe(Enumerable.Range(0, 150).Select(_ => (0, 2)).ToList());
        Assert.Equal(150, sizer.Take(Unsynced(1000)));
        // Then they have one each again: a few lookups later the size is back near 300.
        for (var i = 0; i < 8; i++) sizer.Observe(Enumerable.Range(0, 300).Select(_ => (0, 1)).ToList());
        Assert.InRange(sizer.Take(Unsynced(1000)), 280, 300);
    }
}
