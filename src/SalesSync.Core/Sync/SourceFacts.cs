using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// What the source planner knows about the instance, the connection and the local database: everything its
/// estimates use, read in a handful of calls by <see cref="SourceSurvey"/> (or set directly in tests).
/// </summary>
internal sealed record SourceFacts
{
    /// <summary>Adobe: "most subscriptions" get 50,000 calls a day, "at least 10,000"; Marketo's API does not say which.</summary>
    public const int DefaultInstanceDailyQuota = 50_000;

    /// <summary>Bulk Lead Extract's default daily file allocation, shared by every bulk extract of the instance.</summary>
    public const double DefaultBulkDailyMegabytes = 500;

    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    // The connection's own limits (MarketoLimitSettings).
    public int CallsPerWindow { get; init; } = MarketoLimitSettings.Default.CallsPerWindow;
    public TimeSpan Window { get; init; } = MarketoLimitSettings.Default.Window;
    public int ConcurrentCalls { get; init; } = MarketoLimitSettings.Default.ConcurrentCalls;

    /// <summary>The client-side daily budget (0 = none) and what it has counted today.</summary>
    public int ClientDailyBudget { get; init; }
    public int ClientCallsToday { get; init; }

    /// <summary>The instance's calls today (stats/usage.json), shared with every integration; null when it could not be read.</summary>
    public int? InstanceCallsToday { get; init; }
    public int InstanceDailyQuota { get; init; } = DefaultInstanceDailyQuota;

    /// <summary>Megabytes of this API user's exports finished today (other integrations' jobs are not visible); null when unknown.</summary>
    public double? BulkMegabytesToday { get; init; }
    public double BulkDailyMegabytes { get; init; } = DefaultBulkDailyMegabytes;

    /// <summary>When the oldest person (the lowest living id) was created; null when the first blocks held nobody.</summary>
    public DateTimeOffset? OldestCreatedAt { get; init; }

    /// <summary>Living people and sales-owned ones among the ids read to find the oldest person: the instance's mix, roughly.</summary>
    public int SampleIds { get; init; }
    public int SampleLiving { get; init; }
    public int SampleSalesOwned { get; init; }

    /// <summary>The newest New Lead activity: the highest id ever created (the id scan's end).</summary>
    public HighestIdEvidence? HighestId { get; init; }

    /// <summary>The local database: people stored and the highest Marketo id among them.</summary>
    public long LocalPeople { get; init; }
    public long LocalHighestId { get; init; }

    public bool SalesforceConnected { get; init; }

    /// <summary>Marketo calls the survey itself made.</summary>
    public int SurveyCalls { get; init; }

    /// <summary>The highest id the scan would read to: the evidence, or what is stored when there is none.</summary>
    public long HighestIdToScan => Math.Max(HighestId?.HighestId ?? 0, LocalHighestId);

    /// <summary>Living people, estimated: the id range times the living share of the sample (all of it when nothing was sampled).</summary>
    public long EstimatedLiving => Math.Max(LocalPeople, (long)Math.Round(HighestIdToScan * (SampleIds > 0 && SampleLiving > 0 ? (double)SampleLiving / SampleIds : 1.0)));

    /// <summary>Sales-owned people: what the database holds after a sync, else the living estimate times the sample's sales-owned share.</summary>
    public long EstimatedSalesOwned => LocalPeople > 0
        ? LocalPeople
        : (long)Math.Round(EstimatedLiving * (SampleLiving > 0 ? (double)SampleSalesOwned / SampleLiving : 1.0));
}

/// <summary>
/// Reads the facts in a handful of calls: today's usage (stats/usage.json, 1; it also seeds the daily budget),
/// the oldest person and the instance's mix (ids 1-300, 1 call, more only when those are all deleted), the highest id
/// (the newest New Lead activity, see <see cref="IdScanEnd"/>: 2 calls per span of the log looked at), and this API
/// user's exports finished today (1 call). The local database costs nothing. A fact that cannot be read is left
/// unknown and the estimates say so; only a spent quota or Ctrl+C stops the survey.
/// </summary>
internal static class SourceSurvey
{
    private const int MaxOldestProbes = 10;

    /// <param name="allowance">At most about this many calls (facts past it are left unknown); null: as many as the facts take.</param>
    public static async Task<SourceFacts> ReadAsync(MarketoClient marketo, SalesforceClient? salesforce, SyncStore store, CancellationToken ct, long? allowance = null)
    {
        var before = marketo.CallsMade;
        var now = DateTimeOffset.UtcNow;
        var settings = marketo.Gate.Settings;
        long Left() => allowance is { } a ? a - (marketo.CallsMade - before) : long.MaxValue;
        int? instanceToday = await TryAsync("today's API use", () => marketo.SeedDailyBudgetAsync(ct)).ConfigureAwait(false);
        var (oldest, sampleIds, living, salesOwned) = Left() > 0 ? await TryAsync("the oldest person", () => OldestAsync(marketo, (int)Math.Min(Left(), MaxOldestProbes), ct)).ConfigureAwait(false) : default;
        var highest = Left() > 0
            ? await TryAsync("the newest New Lead activity", async () => (HighestIdEvidence?)await IdScanEnd.FindAsync(marketo, now, oldest, ct, (int)Math.Min(Left(), IdScanEnd.MaxCalls)).ConfigureAwait(false)).ConfigureAwait(false)
            : null;
        var bulkToday = Left() > 0 ? await TryAsync("today's bulk exports", () => BulkMegabytesTodayAsync(marketo, ct)).ConfigureAwait(false) : null;
        var budget = marketo.Gate.Budget;
        return new SourceFacts
        {
            Now = now,
            CallsPerWindow = settings.CallsPerWindow,
            Window = settings.Window,
            ConcurrentCalls = settings.ConcurrentCalls,
            ClientDailyBudget = budget.Limit,
            ClientCallsToday = budget.Used,
            InstanceCallsToday = instanceToday,
            BulkMegabytesToday = bulkToday,
            OldestCreatedAt = oldest,
            SampleIds = sampleIds,
            SampleLiving = living,
            SampleSalesOwned = salesOwned,
            HighestId = highest,
            LocalPeople = store.People.Count,
            LocalHighestId = store.People.HighestMarketoId,
            SalesforceConnected = salesforce is not null,
            SurveyCalls = (int)(marketo.CallsMade - before),
        };
    }

    private static async Task<T?> TryAsync<T>(string what, Func<Task<T>> read)
    {
        try
        {
            return await read().ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind is ApiFailureKind.InvalidRequest or ApiFailureKind.Unauthorized)
        {
            // A fact this API user may not read (no activity or bulk permission): planned without it. An outage or a spent
            // quota propagates: nothing could run anyway, and waiting out each fact's retries would only delay saying so.
            EngineObserver.Current.Warning($"The source planner could not read {what} ({e.Code}); its estimates go without it.");
            return default;
        }
    }

    /// <summary>
    /// The lowest living id's creation time, found as the bulk pass finds it (blocks of 300 ids from id 1, one call each,
    /// until one holds anyone), with the block's mix of living and sales-owned people as a sample of the instance.
    /// </summary>
    private static async Task<(DateTimeOffset?, int, int, int)> OldestAsync(MarketoClient marketo, int maxProbes, CancellationToken ct)
    {
        for (var probe = 0; probe < maxProbes; probe++)
        {
            var first = probe * MarketoClient.MaxBatchSize + 1;
            var ids = Enumerable.Range(first, MarketoClient.MaxBatchSize).Select(i => i.ToString(CultureInfo.InvariantCulture));
            DateTimeOffset? oldest = null;
            int living = 0, salesOwned = 0;
            await foreach (var lead in marketo.GetLeadsAsync("id", ids, ["id", "createdAt", "sfdcType", "sfdcLeadOwnerId"], ct).ConfigureAwait(false))
            {
                living++;
                if (Date(lead, "createdAt") is { } created && (oldest is null || created < oldest)) oldest = created;
                var type = MarketoResponse.String(lead, "sfdcType");
                if (type is not null && (type.Equals("Lead", StringComparison.OrdinalIgnoreCase) || type.Equals("Contact", StringComparison.OrdinalIgnoreCase))
                    && !string.IsNullOrEmpty(MarketoResponse.String(lead, "sfdcLeadOwnerId")))
                    salesOwned++;
            }
            if (living > 0) return (oldest, MarketoClient.MaxBatchSize, living, salesOwned);
        }
        return (null, 0, 0, 0);
    }

    /// <summary>Megabytes of this API user's export jobs that finished since midnight US Central (the bulk quota's day).</summary>
    private static async Task<double?> BulkMegabytesTodayAsync(MarketoClient marketo, CancellationToken ct)
    {
        var dayStart = marketo.Gate.Budget.NextReset.AddDays(-1);
        var response = await marketo.GetAsync("bulk/v1/leads/export.json", [new("status", "Completed")], ct).ConfigureAwait(false);
        long bytes = 0;
        foreach (var job in response.Result)
        {
            if (Date(job, "finishedAt") is not { } finished || finished < dayStart) continue;
            if (long.TryParse(MarketoResponse.String(job, "fileSize"), NumberStyles.None, CultureInfo.InvariantCulture, out var size)) bytes += size;
        }
        return bytes / 1048576.0;
    }

    private static DateTimeOffset? Date(JsonElement o, string name) =>
        DateTimeOffset.TryParse(MarketoResponse.String(o, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d) ? d : null;
}
