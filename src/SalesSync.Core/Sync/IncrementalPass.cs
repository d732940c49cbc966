using System.Runtime.CompilerServices;
using System.Text.Json;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// An incremental run: reads Marketo's activity log from the last run's watermarks (lead changes of
/// the watched fields; conversions, owner changes and merges; deletes), fetches the touched people by id (300 per call), keeps the
/// eligible ones and removes the rest, then refreshes the opportunities of contacts whose roles changed
/// in Salesforce since the last run (SystemModstamp, queryAll for deleted roles). Every page applied
/// moves its stream's token in the run record, so a stopped run resumes exactly there. Cost grows with
/// the changes: about one call per 300 activities plus one per 300 touched people.
/// </summary>
/// <param name="optOuts">Where Marketo unsubscribe times seen in the log are kept for the opt-out step (null: not kept).</param>
internal sealed class IncrementalPass(MarketoClient marketo, SalesforceClient? salesforce, PeopleStore people, SyncRunStore runs, PeopleSync owner, OptOutStore? optOuts = null)
{
    /// <summary>How many empty pages in a row (moreResult:true, no rows) are followed before giving up for this run.</summary>
    private const int MaxEmptyPages = 50;

    /// <summary>Salesforce changes are read again from a little before the run started, on Salesforce's clock (changes committed while the run read carry earlier stamps).</summary>
    private static readonly TimeSpan SalesforceMargin = TimeSpan.FromMinutes(10);

    private sealed record Stream(string Name, string Endpoint, Func<SyncRunResult, string?> Token, Func<SyncRunResult, string, SyncRunResult> WithToken);

    private static readonly Stream[] Streams =
    [
        new("lead changes", ActivityStreams.LeadChanges, r => r.LeadChangesToken, (r, t) => r with { LeadChangesToken = t }),
        new("conversions, owner changes and merges", ActivityStreams.Activities, r => r.MergesToken, (r, t) => r with { MergesToken = t }),
        new("deleted leads", ActivityStreams.DeletedLeads, r => r.DeletesToken, (r, t) => r with { DeletesToken = t }),
    ];

    /// <summary>A page (or the opportunity refresh) applied, or how it stopped the run (<see cref="RunStop"/>, as for full passes).</summary>
    private sealed record Applied(IReadOnlyList<PersonWrite> Changes, MarketoResponse? Page, RunStop? Stop = null);

    /// <summary>False for a watch poll that leaves the opportunity refresh (and its SystemModstamp watermark) to a later poll.</summary>
    public bool RefreshOpportunities { get; init; } = true;

    /// <summary>True for the watch poll that reads the day's usage: deleted leads wait for the next poll (see <see cref="SyncOptions.SkipDeletedLeads"/>); the run records it (<see cref="SyncRunResult.ReadDeletedLeads"/>).</summary>
    public bool SkipDeletedLeads { get; init; }

    /// <summary>True when Marketo refused a saved token as older than the history it keeps: the caller runs a full pass.</summary>
    public bool WatermarkExpired { get; private set; }

    /// <param name="marketoCallsBefore">The Marketo call count before the run's own preliminary calls (the usage seed), so they count too.</param>
    public async IAsyncEnumerable<SyncOutput> RunAsync(SyncRunResult run, bool reportChanges, long marketoCallsBefore, long? maxApiCalls, [EnumeratorCancellation] CancellationToken ct)
    {
        bool CapReached(SyncRunResult _) => maxApiCalls is { } cap && marketo.CallsMade - marketoCallsBefore >= cap;
        var observer = EngineObserver.Current;
        var startedAt = DateTimeOffset.UtcNow;
        var marketoAtStart = marketoCallsBefore - run.MarketoCalls;
        var salesforceAtStart = (salesforce?.CallsMade ?? 0) - run.SalesforceCalls;

        foreach (var stream in Streams)
        {
            var token = stream.Token(run);
            if (token is null || (SkipDeletedLeads && stream.Endpoint == ActivityStreams.DeletedLeads)) continue;
            var empty = 0;
            while (true)
            {
                var applied = await ApplyPageAsync(stream, token, run.RunId, ct).ConfigureAwait(false);
                if (applied.Stop is { } stop)
                {
                    run = owner.Finish(run with { MarketoCalls = marketo.CallsMade - marketoAtStart, SalesforceCalls = (salesforce?.CallsMade ?? 0) - salesforceAtStart },
                        stop);
                    yield return new SyncFinished(run);
                    if (stop.Rethrow is { } e) PeopleSync.ExceptionDispatchRethrow(e);
                    yield break;
                }
                var page = applied.Page!;
                token = page.NextPageToken is { Length: > 0 } next ? next : token;
                run = Count(stream.WithToken(run, token), applied.Changes) with
                {
                    PagesDone = run.PagesDone + 1,
                    MarketoCalls = marketo.CallsMade - marketoAtStart,
                    SalesforceCalls = (salesforce?.CallsMade ?? 0) - salesforceAtStart,
                };
                // Deletes read to the log's end: known up to the run's start (the watermark's age counts from it).
                if (stream.Endpoint == ActivityStreams.DeletedLeads && page.MoreResult != true)
                    run = run with { ReadDeletedLeads = true, DeletesReadAt = run.StartedAt };
                runs.Save(run); // the watermark moves only once the page is applied
                if (reportChanges)
                    foreach (var write in applied.Changes)
                        if (write.Change != PersonChange.Unchanged) yield return PersonChanged.Of(write);
                observer.Progress(new EngineProgress("Start-SalesSync", $"Incremental: {stream.Name}, page {run.PagesDone}; {run.Added} added, {run.Updated} updated, {run.Removed} removed; {run.MarketoCalls} Marketo calls"));
                if (CapReached(run))
                {
                    run = owner.Finish(run, SyncRunStatus.Stopped, $"Stopped after {marketo.CallsMade - marketoCallsBefore} Marketo calls in this invocation (-MaxApiCalls {maxApiCalls}), while reading {stream.Name}.", reason: SyncStopReason.MaxApiCalls);
                    yield return new SyncFinished(run);
                    yield break;
                }
                if (page.MoreResult != true) break;
                empty = page.Result.Count == 0 ? empty + 1 : 0;
                if (empty >= MaxEmptyPages)
                {
                    observer.Warning($"Marketo sent {MaxEmptyPages} empty pages of {stream.Name} in a row; the next run continues from here.");
                    break;
                }
            }
        }

        var refreshed = await RefreshOpportunitiesAsync(run, ct).ConfigureAwait(false);
        if (refreshed.Stop is { } sfStop)
        {
            run = owner.Finish(run, sfStop with { Then = null });
            yield return new SyncFinished(run);
            if (sfStop.Rethrow is { } e) PeopleSync.ExceptionDispatchRethrow(e);
            yield break;
        }
        run = Count(run, refreshed.Changes);
        if (reportChanges)
            foreach (var write in refreshed.Changes)
                if (write.Change != PersonChange.Unchanged) yield return PersonChanged.Of(write);

        run = owner.Finish(run with
        {
            SalesforceSince = salesforce is null || !RefreshOpportunities ? run.SalesforceSince : ServerTime(startedAt) - SalesforceMargin,
            MarketoCalls = marketo.CallsMade - marketoAtStart,
            SalesforceCalls = (salesforce?.CallsMade ?? 0) - salesforceAtStart,
        }, SyncRunStatus.Completed, run.Message);
        observer.Verbose($"Incremental run {run.RunId} completed: {run.Added} added, {run.Updated} updated, {run.Removed} removed; {run.MarketoCalls} Marketo and {run.SalesforceCalls} Salesforce calls.");
        yield return new SyncFinished(run);
    }

    /// <summary>
    /// A local instant on Salesforce's clock (its Date headers), else on Marketo's (both keep true time), so a
    /// fast or slow local clock does not move the SystemModstamp watermark; the local time only when neither answered.
    /// </summary>
    private DateTimeOffset ServerTime(DateTimeOffset local) =>
        salesforce?.ServerClock.ToServerTime(local) ?? marketo.ServerClock.ToServerTime(local) ?? local;

    private static SyncRunResult Count(SyncRunResult run, IReadOnlyList<PersonWrite> changes) => run with
    {
        Added = run.Added + changes.Count(c => c.Change == PersonChange.Added),
        Updated = run.Updated + changes.Count(c => c.Change == PersonChange.Updated),
        Removed = run.Removed + changes.Count(c => c.Change == PersonChange.Removed),
        Unchanged = run.Unchanged + changes.Count(c => c.Change == PersonChange.Unchanged),
    };

    private async Task<Applied> ApplyPageAsync(Stream stream, string token, int runId, CancellationToken ct)
    {
        try
        {
            MarketoResponse page;
            try
            {
                page = await marketo.GetAsync(stream.Endpoint, ActivityStreams.Query(stream.Endpoint, token).ToList(), ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Code is "1003" or "1001" && e.Kind == ApiFailureKind.InvalidRequest)
            {
                // The token itself was refused (an instance that says so for a watermark past its history).
                WatermarkExpired = true;
                return new Applied([], null, new RunStop(SyncRunStatus.Failed,
                    $"Marketo refused the saved {stream.Name} watermark ({e.Code}: {e.ApiMessage}); it is older than the activity history Marketo keeps.", null)
                {
                    Then = "This Start-SalesSync runs a full pass in its place.",
                });
            }
            IReadOnlyList<long> fetch, remove;
            if (stream.Endpoint == ActivityStreams.LeadChanges)
            {
                (fetch, remove) = (ActivityStreams.ChangedLeads(page.Result).Distinct().ToList(), []);
            }
            else if (stream.Endpoint == ActivityStreams.Activities)
            {
                var (winners, losers) = ActivityStreams.Merges(page.Result);
                if (winners.Count > losers.Count)
                    EngineObserver.Current.Warning($"{winners.Count - losers.Count} Merge Leads activities named no merged-away lead SalesSync could read; those people stay until the next full pass (Start-SalesSync -Full).");
                // Converted or re-owned people are fetched again: a conversion brings the contact (and its opportunity),
                // an owner gained adds the person, an owner lost removes them.
                (fetch, remove) = (winners.Concat(ActivityStreams.ConvertedOrReowned(page.Result)).Distinct().ToList(), losers.Distinct().ToList());
            }
            else (fetch, remove) = ([], ActivityStreams.DeletedLeadIds(page.Result).Distinct().ToList());
            var changes = new List<PersonWrite>();
            changes.AddRange(people.Remove(remove).Select(p => new PersonWrite(p, PersonChange.Removed)));
            changes.AddRange(await FetchAndApplyAsync(fetch.Except(remove).ToList(), runId, ct).ConfigureAwait(false));
            // When synced people unsubscribed (Marketo's clock), for the opt-out step; kept before the watermark moves.
            if (optOuts is not null && stream.Endpoint == ActivityStreams.LeadChanges)
                optOuts.SaveMarketoUnsubscribes(ActivityStreams.Unsubscribes(page.Result).Where(u => people.Find(u.LeadId) is not null).ToList());
            return new Applied(changes, page);
        }
        catch (Exception e) when (RunStop.Classify(e, $"while reading {stream.Name}", ct) is { } stop)
        {
            return new Applied([], null, stop);
        }
    }

    /// <summary>Fetches touched people by id; keeps the eligible, removes the rest (no longer eligible, or gone).</summary>
    private async Task<IReadOnlyList<PersonWrite>> FetchAndApplyAsync(IReadOnlyList<long> ids, int runId, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var now = DateTimeOffset.UtcNow;
        var found = new List<PersonRecord>();
        await foreach (var lead in marketo.GetLeadsAsync("id", ids.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), MarketoPersonFields.RestNames, ct).ConfigureAwait(false))
            if (MarketoPersonFields.FromRest(lead, now) is { } person) found.Add(person);
        var eligible = await owner.WithOpportunitiesAsync(found.Where(MarketoPersonFields.IsEligible).ToList(), ct).ConfigureAwait(false);
        var keep = eligible.Select(p => p.MarketoId).ToHashSet();
        var changes = new List<PersonWrite>();
        changes.AddRange(people.Remove(ids.Where(i => !keep.Contains(i))).Select(p => new PersonWrite(p, PersonChange.Removed)));
        changes.AddRange(people.Upsert(eligible, runId));
        return changes;
    }

    /// <summary>
    /// Contacts whose opportunity roles changed (or were deleted) in Salesforce since the last run, or whose
    /// opportunities changed, get their opportunity again (SystemModstamp watermark; never all roles).
    /// </summary>
    private async Task<Applied> RefreshOpportunitiesAsync(SyncRunResult run, CancellationToken ct)
    {
        if (salesforce is null || !RefreshOpportunities || run.SalesforceSince is not { } since) return new Applied([], null);
        try
        {
            var contacts = new HashSet<string>(StringComparer.Ordinal);
            void AddContact(JsonElement role)
            {
                if (role.TryGetProperty("ContactId", out var c) && c.ValueKind == JsonValueKind.String && SalesforceIds.To18(c.GetString()) is { } id) contacts.Add(id);
            }
            var roles = $"SELECT ContactId FROM OpportunityContactRole WHERE SystemModstamp > {Soql.Literal(since)}";
            await foreach (var role in salesforce.QueryAsync(roles, includeDeleted: true, ct).ConfigureAwait(false)) AddContact(role);
            // A changed opportunity can change which role wins when none is primary (latest LastModifiedDate):
            // the roles of opportunities modified since the last run are read again too.
            var opportunities = new List<object?>();
            var changedOpportunities = $"SELECT Id FROM Opportunity WHERE SystemModstamp > {Soql.Literal(since)}";
            await foreach (var opportunity in salesforce.QueryAsync(changedOpportunities, includeDeleted: true, ct).ConfigureAwait(false))
                if (opportunity.TryGetProperty("Id", out var o) && o.ValueKind == JsonValueKind.String) opportunities.Add(o.GetString());
            foreach (var chunk in Soql.InListChunks(opportunities))
                await foreach (var role in salesforce.QueryAsync($"SELECT ContactId FROM OpportunityContactRole WHERE OpportunityId IN {chunk}", includeDeleted: true, ct).ConfigureAwait(false))
                    AddContact(role);
            var affected = people.FindByContacts(contacts);
            var refreshed = await owner.WithOpportunitiesAsync(affected, ct).ConfigureAwait(false);
            var changed = refreshed.Where(p => people.Find(p.MarketoId) is { } before && before.SalesforceOpportunityId != p.SalesforceOpportunityId).ToList();
            return new Applied(people.Upsert(changed, run.RunId), null);
        }
        catch (Exception e) when (RunStop.Classify(e, "while reading Salesforce opportunity roles", ct) is { } stop)
        {
            return new Applied([], null, stop);
        }
    }
}
