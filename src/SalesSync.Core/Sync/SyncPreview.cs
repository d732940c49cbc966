using SalesSync.Core.Marketo;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// What Start-SalesSync would do (its -WhatIf text), from the same decision the run makes: the run record decides
/// a resume, the planner a new source. Writes nothing; a new source may read Marketo to estimate (the planner's facts).
/// </summary>
internal static class SyncPreview
{
    public static async Task<string> DescribeAsync(PeopleSync sync, SyncStore store, MarketoClient marketo, bool salesforceConnected, SyncOptions options, CancellationToken ct)
    {
        PeopleSync.CheckParameters(options, DateTimeOffset.UtcNow);
        var latest = store.Runs.Latest;
        var start = PeopleSync.Decide(latest, options, DateTimeOffset.UtcNow);
        var people = store.PeopleCountIfAny;
        var salesforce = salesforceConnected
            ? "Salesforce queries for contacts' opportunities (one per page or per 1,000 rows)"
            : "no Salesforce connection: stored opportunities are kept, new contacts' opportunities are read by the next run with Salesforce";
        switch (start)
        {
            case PeopleSync.Start.ResumeIncremental:
                return $"Would resume incremental run {latest!.RunId} from its saved activity tokens (lead changes; conversions, owner changes and merges; deletes): about one call per 300 activities plus one per 300 changed people; the {people:N0} people in the database stay unless changed.";
            case PeopleSync.Start.Incremental:
                var ignored = PeopleSync.SourceGiven(options) ? " The source parameters given shape full passes only; this run does not use them." : "";
                return $"Would run incrementally from Marketo's activity log (lead changes; conversions, owner changes and merges; deletes; since run {latest!.RunId}): about one call per 300 activities plus one per 300 changed people, and at least 4 calls; the {people:N0} people in the database stay unless changed.{ignored}";
            case PeopleSync.Start.ResumeFull:
                return $"Would resume run {latest!.RunId} ({PeopleSync.DescribeSource(latest)}) {Progress(store, latest)}, {salesforce}; then {Removal(latest.CreatedSince is null, latest.StaticListIds.Count > 0)}.";
        }
        var chosen = await sync.ChooseSourceAsync(options, ct).ConfigureAwait(false);
        var abandon = latest is { Status: not SyncRunStatus.Completed } unfinished
            ? $"abandon unfinished run {unfinished.RunId} ({PeopleSync.DescribeSource(unfinished)}; its export jobs are cancelled and its files deleted) and "
            : "";
        return $"Would {abandon}start {PeopleSync.DescribeSource(chosen)}: {Cost(chosen, store, marketo)}, {salesforce}; then {Removal(chosen.CreatedSince is null, chosen.HasStaticLists)}.";
    }

    private static string Removal(bool sweeps, bool lists) =>
        !sweeps ? "remove nobody (a partial pass does not look at older people)" : lists ? "remove people in none of the lists" : "remove people no longer eligible";

    private static string Progress(SyncStore store, SyncRunResult run) => run.Strategy switch
    {
        "Rest" when run.StaticListIds.Count > 0 => $"after its {run.PagesDone} page(s) applied",
        "Rest" => $"at Marketo id {run.PagesDone * MarketoClient.MaxBatchSize + 1}",
        _ => $"with {store.UnappliedExportWindowsIfAny(run.RunId)} export window(s) not yet applied",
    };

    private static string Cost(SyncOptions o, SyncStore store, MarketoClient marketo)
    {
        var people = store.PeopleCountIfAny;
        switch (o)
        {
            case { Method: SyncMethod.Rest, HasStaticLists: true }:
                var pages = Math.Max(1, (people + MarketoClient.MaxBatchSize - 1) / MarketoClient.MaxBatchSize);
                return $"about {pages + o.StaticListIds.Count - 1} Marketo calls for the {people:N0} people in the database now (more when a list holds more), {MarketoClient.MaxBatchSize} persons per call";
            case { Method: SyncMethod.Rest }:
                var highest = store.HighestMarketoIdIfAny;
                return highest > 0
                    ? $"at least {(highest + MarketoClient.MaxBatchSize - 1) / MarketoClient.MaxBatchSize} Marketo calls (blocks of {MarketoClient.MaxBatchSize} ids up to the highest id, {marketo.Gate.Settings.ConcurrentCalls} in flight; the highest stored id is {highest})"
                    : $"one Marketo call per {MarketoClient.MaxBatchSize} ids up to the highest id ({marketo.Gate.Settings.ConcurrentCalls} in flight)";
            default:
                var jobs = o switch
                {
                    { HasStaticLists: true } => $"{o.StaticListIds.Count} bulk job(s), one per list",
                    { SmartListId: not null } => "one bulk job",
                    _ => $"one bulk job per createdAt window of at most {ExportPlan.MaxWindow.TotalDays:0} days from {(o.CreatedSince is { } since ? $"{since:yyyy-MM-dd}" : "the oldest person")}, {BulkExtractPass.MaxJobsInMarketo} at a time",
                };
                return $"{jobs}, about 4 Marketo calls per job (create, enqueue, status polls, download)";
        }
    }
}
