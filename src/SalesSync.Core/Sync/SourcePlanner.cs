using System.Globalization;
using System.Text;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>The ways a full pass can read the sales-owned people.</summary>
public enum PeopleSource
{
    /// <summary>One bulk export job of a smart list (-SmartListId).</summary>
    BulkSmartList,

    /// <summary>One bulk export job per static list (-StaticListId).</summary>
    BulkStaticLists,

    /// <summary>Bulk export jobs of createdAt windows of at most 31 days, from the oldest person (or -CreatedSince) to now.</summary>
    BulkCreatedAt,

    /// <summary>REST pages of the static lists, 300 people per call, each list sequentially and the lists side by side.</summary>
    RestLists,

    /// <summary>REST blocks of 300 consecutive Marketo ids through the highest id, several in flight.</summary>
    RestIdScan,
}

/// <summary>One source the planner weighed: its estimated cost and time, and whether it fits the run's budgets.</summary>
public sealed record SourceCandidate(PeopleSource Source, long MarketoCalls, double BulkMegabytes, double EstimatedMinutes, bool Fits, string Note)
{
    /// <summary>How the source reads in a table ("REST id scan", "Bulk smart list 1001").</summary>
    public string Name { get; init; } = Source.ToString();
}

/// <summary>
/// What the source planner decided for a full pass: every candidate it weighed, the one that runs, and why.
/// <see cref="ApplyTo"/> turns the choice into the concrete options the pass runs with.
/// </summary>
public sealed record SourcePlan(IReadOnlyList<SourceCandidate> Candidates, SourceCandidate Chosen, string Reason, long CallBudget, double? BulkMegabytesLeft)
{
    /// <summary>The options the chosen source runs with: Method Bulk or Rest, its list(s) kept, the other source's dropped.</summary>
    public SyncOptions ApplyTo(SyncOptions options) => Chosen.Source switch
    {
        PeopleSource.BulkSmartList => options with { Method = SyncMethod.Bulk, StaticListIds = [] },
        PeopleSource.BulkStaticLists => options with { Method = SyncMethod.Bulk, SmartListId = null },
        PeopleSource.BulkCreatedAt => options with { Method = SyncMethod.Bulk, SmartListId = null, StaticListIds = [] },
        PeopleSource.RestLists => options with { Method = SyncMethod.Rest, SmartListId = null },
        _ => options with { Method = SyncMethod.Rest, SmartListId = null, StaticListIds = [], CreatedSince = null },
    };

    /// <summary>The candidates as a text table (for -WhatIf and verbose output), the chosen one marked, then the reason.</summary>
    public string RenderTable()
    {
        var rows = Candidates.Select(c => new[]
        {
            (ReferenceEquals(c, Chosen) ? "> " : "  ") + c.Name,
            c.MarketoCalls.ToString("N0", CultureInfo.InvariantCulture),
            c.BulkMegabytes > 0 ? c.BulkMegabytes.ToString("N1", CultureInfo.InvariantCulture) : "-",
            c.EstimatedMinutes.ToString(c.EstimatedMinutes < 10 ? "N1" : "N0", CultureInfo.InvariantCulture),
            c.Fits ? "yes" : "no",
            c.Note,
        }).ToList();
        string[] head = ["  Source", "Calls", "MB", "Minutes", "Fits", "Note"];
        var widths = head.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        void Line(string[] cells)
        {
            for (var i = 0; i < cells.Length; i++)
            {
                var cell = i is 1 or 2 or 3 ? cells[i].PadLeft(widths[i]) : i == cells.Length - 1 ? cells[i] : cells[i].PadRight(widths[i]);
                text.Append(cell);
                if (i < cells.Length - 1) text.Append("  ");
            }
            text.AppendLine();
        }
        Line(head);
        Line(widths.Select(w => new string('-', w)).ToArray());
        foreach (var row in rows) Line(row);
        text.Append(CultureInfo.InvariantCulture, $"Runs: {Chosen.Name}. {Reason}");
        return text.ToString();
    }
}

/// <summary>
/// Realistic timings of a real instance, from api-timing.md (the emulator defaults proposed there): REST calls as
/// log-normal delays given by median and p95 plus a rare tail; bulk jobs queued ~60 s, processing a median 2 min, their
/// status refreshed on 60 s ticks, two processing at a time. The estimates use means, since a pass makes many calls.
/// </summary>
internal sealed record MarketoTimings
{
    public double LeadsCallMedian { get; init; } = 1.0;
    public double LeadsCallP95 { get; init; } = 4.0;
    public double ListPageMedian { get; init; } = 1.5;
    public double ListPageP95 { get; init; } = 6.0;
    /// <summary>1% of Marketo reads take 10-40 s.</summary>
    public double TailShare { get; init; } = 0.01;
    public double TailSeconds { get; init; } = 25;
    public double SalesforceQueryMedian { get; init; } = 0.8;
    public double SalesforceQueryP95 { get; init; } = 3.0;
    public double BulkCallSeconds { get; init; } = 0.5;
    public double BulkQueueMedian { get; init; } = 60;
    public double BulkQueueP95 { get; init; } = 180;
    public double BulkProcessingMedian { get; init; } = 120;
    public double BulkProcessingP95 { get; init; } = 1200;
    public double BulkStatusRefreshSeconds { get; init; } = 60;
    public int BulkJobsAtOnce { get; init; } = BulkExtractPass.MaxJobsInMarketo;
    /// <summary>No published figure; the sandbox serves files at 5 MB/s.</summary>
    public double DownloadMegabytesPerSecond { get; init; } = 5;
    /// <summary>A CSV row of the ~20 synced fields (measured on the sandbox's people: ~300 bytes).</summary>
    public double BytesPerRow { get; init; } = 300;
    /// <summary>Rows the local store applies per second (upsert, batch of 1,000; the store bench's order of magnitude).</summary>
    public double AppliedRowsPerSecond { get; init; } = 5_000;

    public static MarketoTimings Realistic { get; } = new();

    /// <summary>The mean of a log-normal delay given its median and 95th percentile, plus the rare tail.</summary>
    public double Mean(double median, double p95, bool tail = true)
    {
        var sigma = Math.Log(p95 / median) / 1.645;
        return median * Math.Exp(sigma * sigma / 2) + (tail ? TailShare * TailSeconds : 0);
    }
}

/// <summary>
/// Picks the full pass's source. For each source the options allow it estimates Marketo calls, bulk megabytes and wall
/// time from the connection's limits, the instance's use today and realistic timings, and picks the fastest source that
/// fits the run's call budget (and the bulk megabytes left today). The budget is <see cref="DefaultShareOfCallsLeft"/>
/// of what is left of the instance's calls today; -MaxApiCalls replaces that share, and the client's daily budget caps
/// either. When nothing fits, the cheapest in calls runs, and the reason says so. An explicit -Method Bulk or Rest is
/// obeyed; the table still shows the others.
/// </summary>
internal static class SourcePlanner
{
    /// <summary>A run may take half of the instance's calls left today: other integrations share the quota.</summary>
    public const double DefaultShareOfCallsLeft = 0.5;

    /// <summary>The survey's facts, then <see cref="Plan"/>: the survey costs a handful of calls (see <see cref="SourceSurvey"/>).</summary>
    public static async Task<(SourcePlan Plan, SourceFacts Facts)> PlanAsync(MarketoClient marketo, SalesforceClient? salesforce, SyncStore store, SyncOptions options, CancellationToken ct)
    {
        // Under -MaxApiCalls the survey takes at most half of the cap, so the run keeps the rest.
        var facts = await SourceSurvey.ReadAsync(marketo, salesforce, store, ct, options.MaxApiCalls is { } cap ? Math.Max(1, cap / 2) : null).ConfigureAwait(false);
        return (Plan(facts, options), facts);
    }

    /// <summary>The run's Marketo call budget and why: the share of the instance's calls left, or -MaxApiCalls, capped by the client's budget.</summary>
    public static (long Budget, string Why) CallBudget(SourceFacts facts, SyncOptions options)
    {
        var used = facts.InstanceCallsToday ?? facts.ClientCallsToday;
        var instanceLeft = Math.Max(0, facts.InstanceDailyQuota - used);
        var usedText = facts.InstanceCallsToday is null ? "this process's count; the instance's use could not be read" : "stats/usage.json";
        long budget;
        string why;
        if (options.MaxApiCalls is { } cap)
        {
            budget = Math.Min(cap, instanceLeft);
            why = budget == cap ? $"-MaxApiCalls {cap:N0}" : $"-MaxApiCalls {cap:N0}, but only {instanceLeft:N0} of the instance's {facts.InstanceDailyQuota:N0} calls are left today";
        }
        else
        {
            budget = (long)Math.Floor(instanceLeft * DefaultShareOfCallsLeft);
            why = $"{DefaultShareOfCallsLeft:P0} of the {instanceLeft:N0} calls left of the instance's {facts.InstanceDailyQuota:N0} today ({used:N0} used, {usedText})";
        }
        if (facts.ClientDailyBudget > 0)
        {
            var clientLeft = Math.Max(0, facts.ClientDailyBudget - facts.ClientCallsToday);
            if (clientLeft < budget)
            {
                budget = clientLeft;
                why = $"the connection's daily budget: {clientLeft:N0} of its {facts.ClientDailyBudget:N0} calls left today";
            }
        }
        return (budget, why);
    }

    public static SourcePlan Plan(SourceFacts facts, SyncOptions options, MarketoTimings? timings = null)
    {
        var t = timings ?? MarketoTimings.Realistic;
        var (budget, budgetWhy) = CallBudget(facts, options);
        double? megabytesLeft = facts.BulkMegabytesToday is { } mb ? Math.Max(0, facts.BulkDailyMegabytes - mb) : null;
        var estimates = EstimateAll(facts, options, t);
        var candidates = estimates.Select(e =>
        {
            var fitsCalls = e.Calls <= budget;
            var fitsBulk = e.Megabytes <= (megabytesLeft ?? facts.BulkDailyMegabytes);
            var note = e.Note;
            if (!fitsCalls) note = $"needs {e.Calls:N0} calls, budget {budget:N0}; " + note;
            if (!fitsBulk) note = $"needs {e.Megabytes:N0} MB, {(megabytesLeft ?? facts.BulkDailyMegabytes):N0} MB of bulk export left today; " + note;
            return new SourceCandidate(e.Source, e.Calls, Math.Round(e.Megabytes, 1), Math.Round(e.Seconds / 60, 1), fitsCalls && fitsBulk, note) { Name = e.Name };
        }).ToList();

        SourceCandidate chosen;
        string reason;
        var forced = options.Method switch
        {
            SyncMethod.Bulk => candidates.FirstOrDefault(c => c.Source is PeopleSource.BulkSmartList or PeopleSource.BulkStaticLists or PeopleSource.BulkCreatedAt),
            SyncMethod.Rest => candidates.FirstOrDefault(c => c.Source is PeopleSource.RestLists or PeopleSource.RestIdScan),
            _ => null,
        };
        if (forced is not null)
        {
            chosen = forced;
            reason = $"-Method {options.Method} asked for it{(forced.Fits ? "" : $"; it does not fit ({forced.Note.Split(';')[0]}), so the run may stop and resume another day")}.";
        }
        else if (candidates.Where(c => c.Fits).OrderBy(c => c.EstimatedMinutes).ThenBy(c => c.MarketoCalls).FirstOrDefault() is { } fastest)
        {
            chosen = fastest;
            var tooCostly = candidates.Where(c => !c.Fits && c.EstimatedMinutes < fastest.EstimatedMinutes).ToList();
            reason = $"The fastest source that fits the budget of {budget:N0} Marketo calls ({budgetWhy}): about {Minutes(fastest.EstimatedMinutes)} for {fastest.MarketoCalls:N0} calls"
                     + (tooCostly.Count > 0 ? $"; faster but over budget: {string.Join(", ", tooCostly.Select(c => $"{c.Name} ({c.MarketoCalls:N0} calls)"))}" : "")
                     + ".";
        }
        else
        {
            chosen = candidates.OrderBy(c => c.MarketoCalls).ThenBy(c => c.EstimatedMinutes).First();
            reason = $"No source fits the budget of {budget:N0} Marketo calls ({budgetWhy}){(megabytesLeft is { } left ? $" and the {left:N0} MB of bulk export left today" : "")}: "
                     + $"the cheapest in calls runs ({chosen.MarketoCalls:N0} calls, about {Minutes(chosen.EstimatedMinutes)}); it stops resumably when a budget is spent and the next Start-SalesSync resumes it.";
        }
        return new SourcePlan(candidates, chosen, reason, budget, megabytesLeft);
    }

    private static string Minutes(double minutes) => minutes < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{minutes * 60:0} s")
        : string.Create(CultureInfo.InvariantCulture, $"{minutes:0.#} min");

    private sealed record Estimate(PeopleSource Source, string Name, long Calls, double Megabytes, double Seconds, string Note);

    /// <summary>The sources the options allow, each estimated. With -CreatedSince only createdAt windows read what was asked.</summary>
    private static List<Estimate> EstimateAll(SourceFacts f, SyncOptions options, MarketoTimings t)
    {
        var list = new List<Estimate>();
        // Calls every full pass makes besides its source: stats/usage.json and the activity watermark.
        const int fixedCalls = 2;
        var salesOwned = f.EstimatedSalesOwned;
        var living = f.EstimatedLiving;
        var sfQuery = f.SalesforceConnected ? t.Mean(t.SalesforceQueryMedian, t.SalesforceQueryP95, tail: false) : 0;
        // The gate lets CallsPerWindow through per window plus about a segment of slack (see MarketoRateGate).
        var callsPerSecond = f.CallsPerWindow / (f.Window.TotalSeconds * 1.05);
        var applySeconds = salesOwned / t.AppliedRowsPerSecond;

        if (options.SmartListId is { } smart && options.CreatedSince is null)
            list.Add(Bulk(PeopleSource.BulkSmartList, $"Bulk smart list {smart}", jobs: 1, rows: salesOwned, "one export job; people estimated from the sample"));
        if (options.HasStaticLists && options.CreatedSince is null)
            list.Add(Bulk(PeopleSource.BulkStaticLists, $"Bulk static list{(options.StaticListIds.Count > 1 ? "s" : "")} {string.Join(", ", options.StaticListIds)}",
                jobs: options.StaticListIds.Count, rows: salesOwned, $"{options.StaticListIds.Count} export job(s), {t.BulkJobsAtOnce} at a time"));

        var firstPossible = f.OldestCreatedAt is { } o ? o.AddDays(-1) : ExportPlan.EarliestPossible;
        // As the bulk pass plans: -CreatedSince before the oldest person starts at the oldest person.
        var from = options.CreatedSince is { } asked && asked > firstPossible ? asked : firstPossible;
        var windows = Math.Max(1, ExportPlan.ForCreatedAt(0, from, f.Now).Count);
        var windowRows = options.CreatedSince is { } since && f.OldestCreatedAt is { } oldest && f.Now > oldest
            ? (long)(living * Math.Clamp((f.Now - since) / (f.Now - oldest), 0, 1))
            : living;
        list.Add(Bulk(PeopleSource.BulkCreatedAt, "Bulk createdAt windows", windows, windowRows,
            $"{windows:N0} windows of 31 days from {from:yyyy-MM-dd}{(f.OldestCreatedAt is null && options.CreatedSince is null ? " (oldest person unknown)" : "")}, {t.BulkJobsAtOnce} at a time; every person exported"));

        // -CreatedSince is a bulk window filter; an explicit -Method Rest still gets its REST candidates (they read everyone).
        if (options.CreatedSince is not null && options.Method != SyncMethod.Rest) return list;

        if (options.HasStaticLists)
        {
            // Each list pages sequentially (a page's token comes from the one before), the lists side by side, one page ahead.
            var perList = Math.Max(1, (long)Math.Ceiling((double)salesOwned / options.StaticListIds.Count));
            var pagesPerList = (perList + MarketoClient.MaxBatchSize - 1) / MarketoClient.MaxBatchSize;
            var pages = pagesPerList * options.StaticListIds.Count;
            var pageSeconds = Math.Max(t.Mean(t.ListPageMedian, t.ListPageP95), sfQuery);
            var seconds = Math.Max(pagesPerList * pageSeconds, pages / callsPerSecond) + applySeconds;
            list.Add(new Estimate(PeopleSource.RestLists, $"REST static list{(options.StaticListIds.Count > 1 ? "s" : "")} {string.Join(", ", options.StaticListIds)}",
                pages + fixedCalls, 0, seconds, $"{pages:N0} pages of 300, each list in sequence; members estimated"));
        }

        var highest = f.HighestIdToScan;
        var blocks = (highest + MarketoClient.MaxBatchSize - 1) / MarketoClient.MaxBatchSize;
        // A planned scan reuses the survey's evidence of its end; a scan asked for by -Method Rest reads it again.
        var endCalls = options.Method == SyncMethod.Auto && f.HighestId is not null ? 0 : f.HighestId?.Calls ?? 2;
        // Blocks in flight each hold a Marketo call then the Salesforce opportunity lookup.
        var blockSeconds = t.Mean(t.LeadsCallMedian, t.LeadsCallP95) + sfQuery;
        var blocksPerSecond = Math.Min(callsPerSecond, f.ConcurrentCalls / blockSeconds);
        var scanSeconds = blocks / blocksPerSecond + endCalls * t.Mean(t.LeadsCallMedian, t.LeadsCallP95, tail: false) + applySeconds;
        var scanNote = f.HighestId?.HighestId is { } h
            ? string.Create(CultureInfo.InvariantCulture, $"{blocks:N0} blocks of 300 ids through id {h:N0} (newest New Lead), {Math.Min(f.ConcurrentCalls, (int)Math.Ceiling(blocksPerSecond * blockSeconds))} in flight")
            : $"{blocks:N0} blocks through the highest stored id, then an empty tail (no New Lead evidence)";
        list.Add(new Estimate(PeopleSource.RestIdScan, "REST id scan", blocks + endCalls + fixedCalls + (f.HighestId?.HighestId is null ? IdRangePass.EmptyBlocksToEnd + 1 : 0), 0, scanSeconds, scanNote));
        return list;

        Estimate Bulk(PeopleSource source, string name, int jobs, long rows, string note)
        {
            // A job: create and enqueue, ~60 s queued, ~2 min processing, seen Completed at the next 60 s status tick,
            // polled every poll interval (the first poll one interval after enqueue), then downloaded and applied.
            var poll = Math.Max(options.ExportPollInterval.TotalSeconds, t.BulkStatusRefreshSeconds);
            // Means, not medians: processing has a long tail (median 2 min, p95 20 min), so a job takes ~7 min on average.
            var busy = t.Mean(t.BulkQueueMedian, t.BulkQueueP95, tail: false) + t.Mean(t.BulkProcessingMedian, t.BulkProcessingP95, tail: false);
            var ready = Math.Ceiling(busy / t.BulkStatusRefreshSeconds) * t.BulkStatusRefreshSeconds;
            var polls = (int)Math.Ceiling(ready / poll) + 1;
            var megabytes = rows * t.BytesPerRow / 1048576.0;
            var perJobMegabytes = megabytes / jobs;
            var jobSeconds = 2 * t.BulkCallSeconds + Math.Ceiling(ready / poll) * poll + perJobMegabytes / t.DownloadMegabytesPerSecond;
            var rounds = Math.Ceiling((double)jobs / t.BulkJobsAtOnce);
            // Rows are applied while the next jobs wait; only the last round's apply adds to the wall time.
            var seconds = rounds * jobSeconds + rows / rounds / t.AppliedRowsPerSecond;
            var calls = (long)jobs * (2 + polls + 1) + fixedCalls;
            return new Estimate(source, name, calls, megabytes, seconds, note);
        }
    }
}
