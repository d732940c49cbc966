using LiteDB;
using SalesSync.Core.Activities;
using SalesSync.Core.Report;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Report;

/// <summary>
/// Review of issue 18 (h-review18): tests that demonstrate findings. Each is expected to FAIL on 7f44545 and pass
/// once the finding is fixed.
/// </summary>
public sealed class ReviewFindingsTests : IDisposable
{
    private static readonly CallCounters Counters = new(12, 10_000, null, true, null, null, 0.9);
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _temp = new();
    private StoreLease _lease;

    public ReviewFindingsTests() => _lease = Open();

    private StoreLease Open() => StoreRegistry.Open(_temp.File("review.db"), "123-abc-456.mktorest.com", null);

    public void Dispose()
    {
        _lease.Dispose();
        _temp.Dispose();
    }

    private static SalesActivity Activity(long person, Delivery marketo) => new()
    {
        ActivityId = SalesActivity.NewId(),
        Kind = SalesActivityKind.EmailSent,
        MarketoId = person,
        Email = $"p{person}@example.com",
        SalesOwnerId = "005000000000001AAA",
        OccurredAt = Now.AddMinutes(-1),
        LoggedAt = Now,
        Marketo = marketo,
        Salesforce = Delivery.NotRequired,
    };

    private (long Tally, long Rows) PendingAtMarketo()
    {
        var tally = _lease.Store.Activities.Count(true, DeliveryState.Pending);
        var rows = _lease.Store.Database.GetCollection("activities").FindAll().Count(d => d["marketo"]["state"].AsString == nameof(DeliveryState.Pending));
        return (tally, rows);
    }

    /// <summary>
    /// ActivityStore.Save reads the stored row (FindById) in a read snapshot, before LiteDB takes the collection's write
    /// lock at Update: two Saves of one activity that overlap both subtract the same old state. Callers serialize per id
    /// today (OutboxLock, live holds), but the store's own invariant does not hold, and a drift is permanent (the tally is
    /// never recounted once its version marker is written).
    /// </summary>
    [Fact]
    public void OverlappingSavesOfOneActivityKeepTheTallyEqualToTheRows()
    {
        var store = _lease.Store.Activities;
        for (var round = 0; round < 200; round++)
        {
            var a = Activity(round + 1, Delivery.Pending);
            store.Add([a]);
            using var barrier = new Barrier(2);
            var one = Task.Run(() => { barrier.SignalAndWait(); store.Save([a with { Marketo = new Delivery(DeliveryState.Sending, At: Now) }]); });
            var two = Task.Run(() => { barrier.SignalAndWait(); store.Save([a with { Marketo = new Delivery(DeliveryState.Delivered, "m", null, 1, Now) }]); });
            Task.WaitAll(one, two);
        }
        var tally = store.DeliveryTally().Where(t => t.Kind == SalesActivityKind.EmailSent)
            .GroupBy(t => t.Marketo).ToDictionary(g => g.Key, g => g.Sum(t => t.Count));
        var rows = _lease.Store.Database.GetCollection("activities").FindAll()
            .GroupBy(d => Enum.Parse<DeliveryState>(d["marketo"]["state"].AsString)).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(rows.OrderBy(p => p.Key), tally.Where(p => p.Value != 0).OrderBy(p => p.Key));
    }

    /// <summary>
    /// The backfill runs once, marked by a version: activities written afterwards by anything that does not keep the
    /// tally (the previous SalesSync release on the same file after a downgrade, a restored copy of the collection) are
    /// never counted, and Get-SalesSyncStatus and the report go on showing the stale counts. Nothing checks the tally
    /// against the rows (a cheap check: the tally's total against the _id index's count).
    /// </summary>
    [Fact]
    public void ActivitiesWrittenByAReleaseWithoutTheTallyAreCountedAfterTheNextOpen()
    {
        _lease.Store.Activities.Add([Activity(1, Delivery.Pending)]);
        // The previous release's document shape (no unsettledAt), written as it writes: no tally.
        var raw = _lease.Store.Database.GetCollection("activities");
        var shape = raw.FindAll().First();
        shape["_id"] = SalesActivity.NewId();
        shape.Remove("unsettledAt");
        raw.Insert(shape);
        _lease.Dispose();
        _lease = Open();
        var (tally, rows) = PendingAtMarketo();
        Assert.Equal(rows, tally);
        Assert.Equal(2, HealthReportReader.Read(_lease.Store, Counters, Now.AddDays(-30), Now).Delivery.Rows.Single(r => r.Destination == "Marketo").Pending);
    }

    /// <summary>
    /// The page lists people's emails (refused sends to unsubscribed people, shared emails, opt-outs pushed) and sellers'
    /// names, but is created with the process umask (0644 here): every other account on the machine can read it. The
    /// accept journals and export files, which hold the same kind of data, are created owner-only.
    /// </summary>
    [Fact]
    public async Task TheReportFileIsCreatedOwnerOnly()
    {
        if (OperatingSystem.IsWindows()) return;
        var report = HealthReportReader.Read(_lease.Store, Counters, Now.AddDays(-30), Now);
        var path = _temp.File("health.html");
        await HealthReportRenderer.WriteFileAsync(report, path, null, CancellationToken.None);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    /// <summary>
    /// The charts' labels are SVG text measured with a font Skia finds on the writing machine (SkiaSharp's
    /// NoDependencies build reads /usr/share/fonts): a runbook container without fonts writes charts whose axes and
    /// legends have no readable text. Passes on a machine with fonts; fails under
    /// <c>unshare -m sh -c 'mount --bind "$(mktemp -d)" /usr/share/fonts &amp;&amp; dotnet test ... --filter ChartLabels'</c>.
    /// The page names the font (font-family="DejaVu Serif" here), which a reader's machine may not have either.
    /// </summary>
    [Fact]
    public void ChartLabelsAreReadableTextWhateverFontsTheWritingMachineHas()
    {
        var page = HealthReportRenderer.Render(RendererSamples.Sample());
        var svg = page[page.IndexOf("<figure id=\"chart-runs-people\"", StringComparison.Ordinal)..];
        svg = svg[..svg.IndexOf("</svg>", StringComparison.Ordinal)];
        var texts = System.Text.RegularExpressions.Regex.Matches(svg, "<text[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value.Trim()).ToList();
        Assert.Contains("people", texts);
        Assert.Contains("Added", texts);
    }

    /// <summary>
    /// Owner ids are stored as Marketo gives them (15 or 18 characters), and the database compares text without regard
    /// to case: two users whose 15-character ids differ only in case (Salesforce ids are case-sensitive) are one key to
    /// OwnerDirectory.DistinctOwnerIds' index walk, so the second owner is never checked.
    /// </summary>
    [Fact]
    public void OwnersWhose15CharacterIdsDifferOnlyInCaseAreBothFound()
    {
        People.PersonRecord Person(long id, string owner) => new()
        {
            MarketoId = id, Email = $"p{id}@example.com", SalesforceType = "Lead", SalesforceLeadId = $"00Q5g0000000{id:000}AAA",
            SalesOwnerId = owner, SyncedAt = Now,
        };
        _lease.Store.People.Upsert([Person(1, "0055g00000AbCdE"), Person(2, "0055g00000ABCDE")], runId: 1);
        var ids = OwnerDirectory.DistinctOwnerIds(_lease.Store);
        Assert.Equal(2, ids.Count);
    }
}
