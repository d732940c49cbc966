using System.Globalization;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// Which export jobs a bulk pass needs: one per smart or static list, otherwise createdAt windows of
/// at most 31 days from the oldest person to now.
/// </summary>
internal static class ExportPlan
{
    /// <summary>The longest createdAt window the API accepts.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);

    /// <summary>
    /// Consecutive windows share one second: whether the API treats startAt/endAt as inclusive is not
    /// documented, and a person seen in two windows is only applied twice (harmlessly).
    /// </summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromSeconds(1);

    /// <summary>How many blocks of 300 ids are probed for the oldest person before giving up.</summary>
    private const int MaxIdProbes = 10;

    /// <summary>When no probe finds anyone: Marketo was founded in 2006, so no instance holds older people.</summary>
    public static readonly DateTimeOffset EarliestPossible = new(2006, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// The windows of a run: the saved plan of a resumed run, else a new plan, saved before any job is made. Empty when
    /// -CreatedSince is after the run's start: nobody to export.
    /// </summary>
    public static async Task<IReadOnlyList<ExportWindow>> ForRunAsync(MarketoClient marketo, ExportWindowStore store, SyncRunResult run, SyncOptions options, CancellationToken ct)
    {
        var saved = store.ForRun(run.RunId);
        if (saved.Count > 0) return saved;
        IReadOnlyList<ExportWindow> plan;
        if (options.SmartListId is { } smart) plan = ForLists(run.RunId, ExportWindowKind.SmartList, [smart]);
        else if (options.HasStaticLists) plan = ForLists(run.RunId, ExportWindowKind.StaticList, options.StaticListIds);
        else plan = await CreatedAtAsync(marketo, run, options, ct).ConfigureAwait(false);
        store.SavePlan(plan);
        return plan;
    }

    /// <summary>createdAt windows from -CreatedSince, or from the oldest person (a day before), to the run's start.</summary>
    public static async Task<IReadOnlyList<ExportWindow>> CreatedAtAsync(MarketoClient marketo, SyncRunResult run, SyncOptions options, CancellationToken ct)
    {
        var oldest = await OldestPersonCreatedAsync(marketo, ct).ConfigureAwait(false);
        // A day of margin: ids follow creation only roughly (people created in the same minutes).
        var firstPossible = oldest is { } o ? o.AddDays(-1) : (DateTimeOffset?)null;
        var from = options.CreatedSince;
        if (from is null)
        {
            if (firstPossible is null)
                EngineObserver.Current.Warning($"No person among the lowest Marketo ids is alive, so the oldest person is unknown: exporting from {EarliestPossible:yyyy-MM-dd}. Give -CreatedSince to start later.");
            from = firstPossible ?? EarliestPossible;
        }
        else if (firstPossible is { } first && from < first)
        {
            // -CreatedSince before anyone existed: windows before the oldest person would each be a job for nobody.
            EngineObserver.Current.Verbose($"-CreatedSince {from:yyyy-MM-dd} is before the oldest person (created {oldest:yyyy-MM-dd}): the windows start there.");
            from = first;
        }
        return ForCreatedAt(run.RunId, from.Value, run.StartedAt);
    }

    /// <summary>One job per list (a person in two lists is applied twice in the run, and counted once).</summary>
    public static IReadOnlyList<ExportWindow> ForLists(int runId, ExportWindowKind kind, IEnumerable<long> listIds) =>
        listIds.Distinct().Select((listId, i) => new ExportWindow { RunId = runId, Index = i, Kind = kind, ListId = listId }).ToList();

    public static IReadOnlyList<ExportWindow> ForCreatedAt(int runId, DateTimeOffset from, DateTimeOffset to)
    {
        var windows = new List<ExportWindow>();
        var start = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero);
        var end = Ceiling(to);
        while (start < end)
        {
            var windowEnd = start + MaxWindow < end ? start + MaxWindow : end;
            windows.Add(new ExportWindow { RunId = runId, Index = windows.Count, Kind = ExportWindowKind.CreatedAt, StartAt = start, EndAt = windowEnd });
            start = windowEnd - Overlap;
            if (windowEnd == end) break;
        }
        return windows;
    }

    private static DateTimeOffset Ceiling(DateTimeOffset t) =>
        new DateTimeOffset(t.UtcDateTime.Ticks - t.UtcDateTime.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero).AddSeconds(1);

    /// <summary>
    /// The creation time of the oldest person, found cheaply: Marketo ids grow with creation, so the
    /// lowest living id is the oldest person. Blocks of 300 consecutive ids are read (one call each,
    /// createdAt only) until one holds a living person; every id below it was probed, so the answer is
    /// exact. Null when the first <see cref="MaxIdProbes"/> blocks are all gone.
    /// </summary>
    public static async Task<DateTimeOffset?> OldestPersonCreatedAsync(MarketoClient marketo, CancellationToken ct)
    {
        for (var probe = 0; probe < MaxIdProbes; probe++)
        {
            var first = probe * MarketoClient.MaxBatchSize + 1;
            var ids = Enumerable.Range(first, MarketoClient.MaxBatchSize).Select(i => i.ToString(CultureInfo.InvariantCulture));
            DateTimeOffset? oldest = null;
            await foreach (var lead in marketo.GetLeadsAsync("id", ids, ["id", "createdAt"], ct).ConfigureAwait(false))
            {
                if (MarketoResponse.String(lead, "createdAt") is { } text
                    && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var created)
                    && (oldest is null || created < oldest))
                    oldest = created;
            }
            if (oldest is not null)
            {
                EngineObserver.Current.Verbose($"The oldest person (lowest living Marketo id, {probe + 1} probe call(s)) was created {oldest:u}.");
                return oldest;
            }
        }
        return null;
    }
}
