using System.Collections;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sync;

/// <summary>
/// What the bulk pass may be trusted with beyond exact ground truth: a window is applied as a stream (nothing holds a
/// list export's whole population), export files (plaintext names, emails, phones) exist only while a window needs
/// them and are owner-only meanwhile, a server's export id never names a file unless it is a GUID, a queue kept full by
/// others is waited out for a stated time only, and an empty plan is nothing to export.
/// </summary>
public class BulkTrustTests
{

    private static readonly SyncOptions Bulk = new() { Method = SyncMethod.Bulk, ExportPollInterval = TimeSpan.FromMilliseconds(200) };

    private static Task<RunningSandbox> StartAsync(int people, int seed, params string[] more) => RunningSandbox.StartWithFastBulkAsync(people, seed, more);

    private static Task<int> CallsAsync(RunningSandbox sb, string key) => sb.MarketoCallsAsync(key);

    /// <summary>A pass of its own over the session's store (as PeopleSync builds it), for probing and for settings a run does not expose.</summary>
    private static (BulkExtractPass Pass, FullPassRun State) NewPass(SalesSyncSession session, TimeSpan? queueFullLimit = null)
    {
        var store = session.Store;
        var owner = new PeopleSync(session.Marketo, null, store);
        var state = new FullPassRun(owner, session.Marketo, null, store.People, store.Runs, store.Runs.Start("Full", "Bulk", []));
        var pass = new BulkExtractPass(session.Marketo, owner, store.ExportWindows, store.Path) { QueueFullLimit = queueFullLimit ?? TimeSpan.FromHours(1) };
        return (pass, state);
    }

    /// <summary>R7: with changes reported, each batch's changes come out while the window is still being applied; without, nothing reachable from the pass holds more than one batch.</summary>
    [Fact]
    public async Task R7_AListExportIsAppliedAsAStreamNotHeldInMemory()
    {
        await using var sb = await StartAsync(5000, 36);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);

        // Changes reported: the first change arrives when one batch is applied, not when the window is.
        var (pass, state) = NewPass(session);
        ExportWindow? atFirstChange = null;
        var reported = 0;
        await foreach (var output in pass.RunAsync(state, Bulk with { SmartListId = 1001, ReportChanges = true }, CancellationToken.None))
            if (output is PersonChanged && reported++ == 0) atFirstChange = session.Store.ExportWindows.ForRun(state.Run.RunId).Single();
        Assert.NotNull(atFirstChange);
        Assert.True(atFirstChange!.State == ExportWindowState.Downloaded && atFirstChange.RowsApplied < atFirstChange.Records,
            $"the first change came out with the window {atFirstChange.State} at row {atFirstChange.RowsApplied} of {atFirstChange.Records}: the window was held until applied");
        Assert.True(reported > ExportApplier.BatchSize, $"only {reported} changes: the list must span several batches for this test");

        // Not reported: at the window's end ("Applied N rows"), no collection of people reachable from the pass holds more than a batch.
        (pass, state) = NewPass(session);
        var iterator = pass.RunAsync(state, Bulk with { SmartListId = 1001, ReportChanges = false, Full = true }, CancellationToken.None).GetAsyncEnumerator();
        var largest = -1;
        var outputs = 0;
        using (EngineObserver.Use(new OnVerbose("Applied ", () => largest = Math.Max(largest, LargestPeopleCollection(iterator)))))
            while (await iterator.MoveNextAsync()) outputs++;
        await iterator.DisposeAsync();
        Assert.Equal(0, outputs);
        Assert.True(largest is >= 0 and <= ExportApplier.BatchSize,
            $"ReportChanges=false, yet {largest} person records (of {session.Store.People.Count} applied) were held by the pass when its window was applied");
    }

    /// <summary>R3: a run stopped mid-download and replaced by a new full pass leaves no export file (owner-only while it existed).</summary>
    [Fact]
    public async Task R3_AnAbandonedBulkRunLeavesNoExportFileBehind()
    {
        await using var sb = await StartAsync(3000, 33);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        await sb.FaultAsync(new { service = "marketo", path = "/bulk/v1/leads/export/*/file.json", kind = "dropAfterBytes", bytes = 5000, count = 1 });
        // Ctrl+C while a file is being downloaded (a dropped connection has left its first 5,000 bytes on disk).
        using var cts = new CancellationTokenSource();
        using (EngineObserver.Use(new OnVerbose("Download of export job", cts.Cancel)))
        {
            try { await foreach (var _ in session.SyncPeopleAsync(Bulk, cts.Token)) { } }
            catch (OperationCanceledException) { }
        }
        var folder = temp.File("sync.db") + ".exports";
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
        Assert.True(files.Length > 0, "no file was left by the stopped run (test setup)");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var file in files) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var (fresh, _) = await SyncHarness.SyncAsync(session, Bulk with { Full = true });
        Assert.Equal(SyncRunStatus.Completed, fresh.Status);
        var left = Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
        Assert.True(left.Length == 0, $"left behind: {string.Join(", ", left.Select(f => $"{Path.GetFileName(f)} ({new FileInfo(f).Length} bytes)"))}");
        Assert.Empty(session.Store.ExportWindows.ForRunsBefore(fresh.RunId));
    }

    /// <summary>
    /// The cleanup a new full pass of any source calls, without the bulk pass: the abandoned run's queued jobs are cancelled in
    /// Marketo, its files and window records deleted, and a stray file of ours swept; a file that is not ours is left alone.
    /// </summary>
    [Fact]
    public async Task AbandoningEarlierRunsCancelsTheirJobsAndDeletesTheirFilesWithoutTheBulkPass()
    {
        // Jobs take 60 s to process here, so the stopped run's two jobs are still queued or processing.
        await using var sb = await StartAsync(3000, 41, "--bulk-processing-seconds", "60");
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var (stopped, _) = await SyncHarness.SyncAsync(session, Bulk with { MaxApiCalls = 8 });
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        var windows = session.Store.ExportWindows;
        var queued = windows.ForRun(stopped.RunId).Where(w => w.State == ExportWindowState.Enqueued).Select(w => w.ExportId!).ToList();
        Assert.Equal(2, queued.Count);

        // A third window of that run whose file was downloaded (as if its job had completed), a stray file of ours, and a file of someone else's.
        var downloaded = windows.ForRun(stopped.RunId).First(w => w.State == ExportWindowState.Pending) with { State = ExportWindowState.Downloaded, ExportId = Guid.NewGuid().ToString() };
        windows.Save(downloaded);
        var downloadedFile = ExportFiles.Create(session.Store.Path, downloaded);
        await File.WriteAllTextAsync(downloadedFile, "id,email\n1,ann@example.com\n");
        var folder = ExportFiles.FolderOf(session.Store.Path);
        var stray = Path.Combine(folder, $"{stopped.RunId}-97-{Guid.NewGuid()}.csv");
        await File.WriteAllTextAsync(stray, "id,email\n2,bob@example.com\n");
        var foreign = Path.Combine(folder, "notes.txt");
        await File.WriteAllTextAsync(foreign, "not SalesSync's");

        await BulkExtractPass.AbandonRunsBeforeAsync(session.Marketo, windows, session.Store.Path, stopped.RunId + 1, CancellationToken.None);

        var jobs = JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "bulk")))!["jobs"]!.AsArray();
        Assert.All(queued, id => Assert.Equal("Cancelled", jobs.Single(j => j!["exportId"]!.GetValue<string>() == id)!["status"]!.GetValue<string>()));
        Assert.Empty(windows.ForRunsBefore(stopped.RunId + 1));
        Assert.Equal(new[] { "notes.txt" }, Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).ToArray());

        // Again: nothing left to do, and no job is cancelled twice.
        await BulkExtractPass.AbandonRunsBeforeAsync(session.Marketo, windows, session.Store.Path, stopped.RunId + 1, CancellationToken.None);
        Assert.Equal(queued.Count, await CallsAsync(sb, "POST /bulk/v1/leads/export/{id}/cancel.json"));
    }

    /// <summary>A kill between a window's "applied" and its file's delete leaves a file no window owns: the next run deletes it.</summary>
    [Fact]
    public async Task TheNextRunSweepsAFileAKilledRunLeftBehind()
    {
        await using var sb = await StartAsync(3000, 42);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        // "Killed": abandoned mid-way with nothing recorded.
        var seen = 0;
        await foreach (var output in session.SyncPeopleAsync(Bulk with { ReportChanges = true }, CancellationToken.None))
            if (output is PersonChanged && ++seen == 500) break;
        var killed = session.GetSyncRuns(1).Single();
        Assert.Equal(SyncRunStatus.Running, killed.Status);
        var applied = session.Store.ExportWindows.ForRun(killed.RunId).First() with { ExportId = Guid.NewGuid().ToString() };
        var leftover = Path.Combine(ExportFiles.FolderOf(session.Store.Path), $"{killed.RunId}-{applied.Index}-{applied.ExportId}.csv");
        await File.WriteAllTextAsync(leftover, "id,email\n1,ann@example.com\n");

        var (resumed, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal((SyncRunStatus.Completed, killed.RunId), (resumed.Status, resumed.RunId));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
        Assert.False(File.Exists(leftover), "the killed run's leftover file is still there");
        Assert.False(Directory.Exists(ExportFiles.FolderOf(session.Store.Path)));
    }

    /// <summary>L7: an export id that is not a GUID is a malformed answer, and never becomes part of a path.</summary>
    [Theory]
    [InlineData("../../../home/user/.ssh/id_rsa")]
    [InlineData("..")]
    [InlineData("ce45a7a1-f19d-4ce2-882c-a3c795a7ea4d/../x")]
    [InlineData("{ce45a7a1-f19d-4ce2-882c-a3c795a7ea4d}")]
    public void L7_AnExportIdThatIsNotAGuidNamesNoFile(string exportId)
    {
        using var answer = JsonDocument.Parse(JsonSerializer.Serialize(new { exportId, status = "Created" }));
        var refused = Assert.Throws<SalesSyncApiException>(() => ExportJob.From(answer.RootElement));
        Assert.Equal("BAD_RESPONSE", refused.Code);

        using var temp = new TempFolder();
        var window = new ExportWindow { RunId = 1, Index = 0, Kind = ExportWindowKind.SmartList, ListId = 1001, State = ExportWindowState.Downloaded, ExportId = exportId };
        Assert.Throws<IOException>(() => ExportFiles.PathOf(temp.File("sync.db"), window));
        Assert.False(ExportFiles.HoldsFile(window));
        ExportFiles.Delete(temp.File("sync.db"), window); // names nothing, deletes nothing

        using var good = JsonDocument.Parse("""{"exportId":"ce45a7a1-f19d-4ce2-882c-a3c795a7ea4d","status":"Created"}""");
        Assert.Equal("ce45a7a1-f19d-4ce2-882c-a3c795a7ea4d", ExportJob.From(good.RootElement).ExportId);
    }

    /// <summary>L6: a queue other integrations keep full is waited out for the stated time only; the run then stops resumably and says what comes next.</summary>
    [Fact]
    public async Task L6_AQueueKeptFullByOthersStopsTheRunResumablyAfterTheStatedWait()
    {
        await using var sb = await StartAsync(3000, 43);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/foreign-jobs"), new { count = 10 })).EnsureSuccessStatusCode();

        var (pass, state) = NewPass(session, queueFullLimit: TimeSpan.FromSeconds(1));
        var finished = new List<SyncRunResult>();
        await foreach (var output in pass.RunAsync(state, Bulk, CancellationToken.None))
            if (output is SyncFinished f) finished.Add(f.Run);
        var stopped = Assert.Single(finished);
        Assert.Equal(SyncRunStatus.Stopped, stopped.Status);
        Assert.Contains("queue stayed full", stopped.Message);
        Assert.Contains("next Start-SalesSync resumes", stopped.Message);
        // One enqueue attempt per poll (200 ms here) for about a second, then no more.
        var enqueues = await CallsAsync(sb, "POST /bulk/v1/leads/export/{id}/enqueue.json");
        Assert.InRange(enqueues, 2, 12);
        Assert.Equal(SyncRunStatus.Stopped, session.GetSyncRuns(1).Single().Status);

        // The others' jobs are gone: the next Start-SalesSync resumes the same run and completes it.
        (await sb.Http.DeleteAsync(new Uri(sb.Control, "bulk/foreign-jobs"))).EnsureSuccessStatusCode();
        var (resumed, _) = await SyncHarness.SyncAsync(session, Bulk);
        Assert.Equal((SyncRunStatus.Completed, stopped.RunId), (resumed.Status, resumed.RunId));
        SyncHarness.AssertMatchesTruth(sb, session, listId: null);
    }

    /// <summary>New-user D1: -CreatedSince in the future plans no window; the pass ends cleanly with nothing exported (it used to fail on plan[0]).</summary>
    [Fact]
    public async Task AnEmptyPlanIsNothingToExportNotACrash()
    {
        await using var sb = await StartAsync(600, 44);
        using var temp = new TempFolder();
        using var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: false), CancellationToken.None);
        var (pass, state) = NewPass(session);
        var outputs = new List<SyncOutput>();
        await foreach (var output in pass.RunAsync(state, Bulk with { Full = true, CreatedSince = DateTimeOffset.UtcNow.AddYears(1) }, CancellationToken.None))
            outputs.Add(output);
        Assert.Empty(outputs);
        Assert.Null(state.Stopped);
        Assert.Empty(session.Store.ExportWindows.ForRun(state.Run.RunId));
        Assert.Equal(0, await CallsAsync(sb, "POST /bulk/v1/leads/export/create.json"));
    }

    /// <summary>
    /// The largest collection holding people reachable from <paramref name="root"/> through the engine's own objects (the
    /// iterators' state machines and the parts they hold); library objects (LiteDB, HTTP) are not entered.
    /// </summary>
    private static int LargestPeopleCollection(object root)
    {
        var engine = typeof(BulkExtractPass).Assembly;
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var largest = 0;
        void Visit(object? value, int depth)
        {
            if (value is null || depth > 8 || value is string || value.GetType().IsPrimitive || !seen.Add(value)) return;
            var type = value.GetType();
            if (value is ICollection collection && HoldsPeople(type)) largest = Math.Max(largest, collection.Count);
            // Structs are entered whatever their assembly: an awaited foreach keeps its enumerator in one.
            if (type.Assembly != engine && !type.IsValueType) return;
            for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    if (!field.FieldType.IsPrimitive && !field.FieldType.IsEnum) Visit(field.GetValue(value), depth + 1);
        }
        Visit(root, 0);
        return largest;
    }

    private static bool HoldsPeople(Type type) =>
        type == typeof(PersonRecord) || type.IsArray && HoldsPeople(type.GetElementType()!) || type.IsGenericType && type.GetGenericArguments().Any(HoldsPeople);
}
