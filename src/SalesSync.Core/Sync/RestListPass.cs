using System.Globalization;
using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// A full pass over REST: pages static lists of the sales-owned people, 300 per call, keeps the eligible
/// members with their opportunity, and saves each list's page token after every page. Paging one list is
/// sequential by nature (each page's token comes from the previous page), so one list runs at one call per
/// response time (about 300 persons/s at a real instance's ~1 s). Several lists are paged side by side,
/// one page of each in flight (never more than the in-flight share), so with five or more lists the rate
/// limit, not the response time, sets the pace. Costs one call per page of each list; nothing more.
/// </summary>
internal sealed class RestListPass(MarketoClient marketo, PeopleSync owner, IReadOnlyList<long> listIds)
{
    private sealed record Page(long ListId, IReadOnlyList<PersonRecord> People, string? Next);

    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var lists = listIds.Distinct().ToList();
        var cursors = StartingCursors(state.Run, lists).ToDictionary(c => c.ListId);
        var inFlightLimit = Math.Max(1, marketo.Gate.Settings.ConcurrentCalls);
        var fetches = new Dictionary<long, Task<Page>>();
        using var stopFetching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        PassStop? stop = null;

        void Dispatch()
        {
            if (stop is not null) return;
            foreach (var cursor in cursors.Values)
            {
                if (fetches.Count >= inFlightLimit) return;
                if (cursor.Done || fetches.ContainsKey(cursor.ListId)) continue;
                if (options.MaxApiCalls is { } cap && state.InvocationCalls + fetches.Count >= cap) return;
                fetches[cursor.ListId] = NextPageAsync(cursor, stopFetching.Token);
            }
        }

        try
        {
            Dispatch();
            // Once a stop is decided no page is requested, but pages already in flight are still applied (their calls are
            // spent); Ctrl+C drops them instead, to stop at once.
            while (fetches.Count > 0 || (stop is null && cursors.Values.Any(c => !c.Done)))
            {
                if (fetches.Count == 0)
                {
                    // Lists remain but the cap allowed no call: stop before any page, resumably (never a "complete" pass).
                    stop = state.CapStop(options.MaxApiCalls, "at the next page of each list not yet done");
                    break;
                }
                if (ct.IsCancellationRequested && stop is not null) break;
                var arrived = await Task.WhenAny(fetches.Values).ConfigureAwait(false);
                var listId = fetches.First(f => f.Value == arrived).Key;
                fetches.Remove(listId);
                Page page;
                try
                {
                    page = await arrived.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    var failed = FullPassRun.Classify(e, $"at page {cursors[listId].PagesDone + 1} of static list {listId}", ct);
                    if (failed is null) throw;
                    stop ??= failed;
                    continue;
                }
                var cursor = cursors[listId] = cursors[listId] with { PagesDone = cursors[listId].PagesDone + 1, NextPageToken = page.Next, Done = page.Next is null };
                var saved = cursors.Values.ToList();
                var pagesDone = saved.Sum(c => c.PagesDone);
                var changes = state.Apply(page.People, r => r with { ListCursors = saved, PagesDone = pagesDone, NextPageToken = null });
                if (options.ReportChanges)
                    foreach (var (person, change) in changes)
                        if (change != PersonChange.Unchanged) yield return new PersonChanged(person, change);
                var open = cursors.Values.Count(c => !c.Done);
                state.Progress(lists.Count == 1 ? $"Full pass, static list {listId} (REST)" : $"Full pass, {lists.Count} static lists (REST)", string.Create(CultureInfo.InvariantCulture,
                    $"List {listId} page {cursor.PagesDone}: {page.People.Count} persons, next page {(page.Next is null ? "none (list done)" : "requested")}; {open} of {lists.Count} list(s) still paging"));
                if (stop is null && state.CapReached(options.MaxApiCalls))
                    stop = state.CapStop(options.MaxApiCalls, "at the next page of each list not yet done");
                Dispatch();
            }
        }
        finally
        {
            // Pages fetched but not applied (Ctrl+C, or an exception) are dropped: each list's checkpoint is before them.
            // No call outlives the pass.
            stopFetching.Cancel();
            foreach (var pending in fetches.Values)
            {
                try { await pending.ConfigureAwait(false); }
                catch (Exception) { /* dropped with its page */ }
            }
        }
        if (stop is not null) yield return new SyncFinished(state.Stop(stop));
    }

    /// <summary>
    /// Each list's cursor: saved ones of a resumed run, else a fresh one. A run recorded before cursors existed
    /// (one list, its page count and token on the run) resumes from those.
    /// </summary>
    private static IEnumerable<ListCursor> StartingCursors(SyncRunResult run, IReadOnlyList<long> lists)
    {
        foreach (var listId in lists)
        {
            if (run.ListCursors.FirstOrDefault(c => c.ListId == listId) is { } saved) yield return saved;
            else if (run.ListCursors.Count == 0 && lists.Count == 1 && run.PagesDone > 0) yield return new ListCursor(listId, run.PagesDone, run.NextPageToken, run.NextPageToken is null);
            else yield return new ListCursor(listId, 0, null, false);
        }
    }

    /// <summary>Fetches and maps one page of one list (eligible members only, with their opportunities).</summary>
    private async Task<Page> NextPageAsync(ListCursor cursor, CancellationToken ct)
    {
        var (listId, token) = (cursor.ListId, cursor.NextPageToken);
        MarketoResponse response;
        try
        {
            response = await marketo.GetStaticListPageAsync(listId, MarketoPersonFields.RestNames, token, ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (token is not null && e.Kind == ApiFailureKind.InvalidRequest && e.Code is "1001" or "1003")
        {
            // The saved page token is no longer valid: page the list again from the start (the run's stamps stay valid).
            EngineObserver.Current.Warning($"The saved paging token of static list {listId} was refused ({e.Code}); paging the list again from its first page.");
            response = await marketo.GetStaticListPageAsync(listId, MarketoPersonFields.RestNames, null, ct).ConfigureAwait(false);
        }
        var now = DateTimeOffset.UtcNow;
        var people = response.Result.Select(lead => MarketoPersonFields.FromRest(lead, now)).OfType<PersonRecord>().Where(MarketoPersonFields.IsEligible).ToList();
        return new Page(listId, await owner.WithOpportunitiesAsync(people, ct).ConfigureAwait(false), response.ContinuationToken);
    }
}
