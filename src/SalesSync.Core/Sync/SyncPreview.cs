using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// What Start-SalesSync would do (its -WhatIf text), from the same decision the run makes: the run record decides
/// a resume, the planner a new source (its table of candidates follows). Writes nothing; a new full pass's planner reads
/// a handful of facts from Marketo (today's usage, the oldest and highest ids).
/// </summary>
internal static class SyncPreview
{
    public static async Task<string> DescribeAsync(SyncStore store, MarketoClient marketo, SalesforceClient? salesforce, SyncOptions options, CancellationToken ct)
    {
        PeopleSync.CheckParameters(options, DateTimeOffset.UtcNow);
        var latest = PeopleSync.DecisionBase(store.Runs);
        var start = PeopleSync.Decide(latest, options, DateTimeOffset.UtcNow);
        // As the run does: a list id Marketo does not know is refused now, not at the run.
        if (options.HasStaticLists || options.SmartListId is not null) await PeopleSync.CheckListsExistAsync(marketo, options, ct).ConfigureAwait(false);
        var people = store.PeopleCountIfAny;
        var salesforceText = salesforce is not null
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
                return $"Would resume run {latest!.RunId} ({PeopleSync.DescribeSource(latest)}) {Progress(store, latest)}, {salesforceText}; then {(latest.ScopeUnknown ? "remove nobody (recorded by an earlier SalesSync that did not keep whether -CreatedSince limited it)" : Removal(latest.Sweeps, latest.StaticListIds.Count > 0))}.";
        }
        var abandon = latest is { Status: not SyncRunStatus.Completed } unfinished
            ? $"abandon unfinished run {unfinished.RunId} ({PeopleSync.DescribeSource(unfinished)}; its export jobs are cancelled and its files deleted) and "
            : "";
        // The planner's table, also when -Method names the source (the admin sees what the others would cost).
        var (plan, _) = await SourcePlanner.PlanAsync(marketo, salesforce, store, options, ct).ConfigureAwait(false);
        var chosen = plan.ApplyTo(options);
        return $"Would {abandon}start {PeopleSync.DescribeSource(chosen)}, {salesforceText}; then {Removal(chosen.CreatedSince is null, chosen.HasStaticLists)}.{Environment.NewLine}{plan.RenderTable()}";
    }

    private static string Removal(bool sweeps, bool lists) =>
        !sweeps ? "remove nobody (a partial pass does not look at older people)" : lists ? "remove people in none of the lists" : "remove people no longer eligible";

    private static string Progress(SyncStore store, SyncRunResult run) => run.Strategy switch
    {
        "Rest" when run.StaticListIds.Count > 0 => $"after its {run.PagesDone} page(s) applied",
        "Rest" => $"at Marketo id {run.PagesDone * MarketoClient.MaxBatchSize + 1}",
        _ => $"with {store.UnappliedExportWindowsIfAny(run.RunId)} export window(s) not yet applied",
    };
}
