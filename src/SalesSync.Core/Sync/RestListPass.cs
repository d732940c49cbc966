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
/// response time (about 300 persons/s at a real instance's ~1 s). Several lists are paged side by side, one
/// Marketo page of each in flight (never more than the in-flight share); a list's next page is requested as
/// soon as its previous page arrives, while that page's Salesforce opportunities are looked up, so with five
/// or more lists the rate limit, not the response times, sets the pace. Costs one call per page of each list.
/// Pages are applied per list in page order: a list's checkpoint never passes a page not yet written.
/// </summary>
internal sealed class RestListPass(MarketoClient marketo, PeopleSync owner, IReadOnlyList<long> listIds)
{
    /// <summary>One page of a list: its eligible members (with opportunities once looked up) and the next page's token.</summary>
    private sealed record Page(long ListId, IReadOnlyList<PersonRecord> People, string? Next);

    /// <summary>Where each list's paging stands in this invocation, ahead of its saved cursor.</summary>
    private sealed class ListState(ListCursor cursor)
    {
        public ListCursor Saved { get; set; } = cursor;
        public string? TokenToFetch { get; set; } = cursor.NextPageToken;
        public bool AllFetched { get; set; } = cursor.Done;
        public Task<Page>? Fetch { get; set; }
        public Queue<Task<Page>> Resolving { get; } = new();

        /// <summary>A page of this list failed: nothing after it may be applied in this invocation.</summary>
        public bool Abandoned { get; set; }
    }

    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var lists = listIds.Distinct().ToList();
        var states = StartingCursors(state.Run, lists).Select(c => new ListState(c)).ToList();
        var inFlightLimit = Math.Max(1, marketo.Gate.Settings.ConcurrentCalls);
        using var stopFetching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        RunStop? stop = null;
        var dropped = new List<Task<Page>>(); // pages of an abandoned list still being looked up: awaited before the pass returns
        int Fetching() => states.Count(l => l.Fetch is not null);
        bool Busy() => states.Any(l => l.Fetch is not null || l.Resolving.Count > 0);

        void Dispatch()
        {
            if (stop is not null) return;
            foreach (var list in states)
            {
                if (Fetching() >= inFlightLimit) return;
                // One page ahead at most: a list whose pages wait for Salesforce fetches no further until one is applied.
                if (list.AllFetched || list.Fetch is not null || list.Resolving.Count > 1) continue;
                if (options.MaxApiCalls is { } cap && state.InvocationCalls + Fetching() >= cap) return;
                list.Fetch = FetchPageAsync(list.Saved.ListId, list.TokenToFetch, stopFetching.Token);
            }
        }

        try
        {
            Dispatch();
            // Once a stop is decided no page is requested, but pages already fetched are still applied (their calls are
            // spent); Ctrl+C drops them instead, to stop at once.
            while (Busy() || (stop is null && states.Any(l => !l.AllFetched)))
            {
                if (!Busy())
                {
                    // Lists remain but the cap allowed no call: stop resumably (never a "complete" pass).
                    stop = state.CapStop(options.MaxApiCalls, "at the next page of each list not yet done");
                    break;
                }
                if (ct.IsCancellationRequested && stop is not null) break;
                var waiting = states.SelectMany(l => l.Resolving.Take(1).Concat(l.Fetch is { } f ? [f] : [])).ToList();
                var done = await Task.WhenAny(waiting).ConfigureAwait(false);

                if (states.FirstOrDefault(l => l.Fetch == done) is { } fetched)
                {
                    fetched.Fetch = null;
                    Page raw;
                    try
                    {
                        raw = await done.ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        var failed = RunStop.Classify(e, $"at page {fetched.Saved.PagesDone + fetched.Resolving.Count + 1} of static list {fetched.Saved.ListId}", ct);
                        if (failed is null) throw;
                        stop ??= failed;
                        continue;
                    }
                    if (fetched.Abandoned) continue; // an earlier page of this list failed: this one waits for the resume
                    fetched.TokenToFetch = raw.Next;
                    fetched.AllFetched = raw.Next is null;
                    fetched.Resolving.Enqueue(ResolveAsync(raw, stopFetching.Token));
                    Dispatch(); // this list's next page goes out while the opportunities of this one are looked up
                    continue;
                }

                var list = states.First(l => l.Resolving.Count > 0 && l.Resolving.Peek() == done);
                list.Resolving.Dequeue();
                Page page;
                try
                {
                    page = await done.ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    var failed = RunStop.Classify(e, $"at page {list.Saved.PagesDone + 1} of static list {list.Saved.ListId}", ct);
                    if (failed is null) throw;
                    stop ??= failed;
                    // Its later pages (queued or still being fetched) wait for this one: the list resumes from its checkpoint.
                    list.Abandoned = true;
                    dropped.AddRange(list.Resolving);
                    list.Resolving.Clear();
                    continue;
                }
                list.Saved = list.Saved with { PagesDone = list.Saved.PagesDone + 1, NextPageToken = page.Next, Done = page.Next is null };
                var saved = states.Select(l => l.Saved).ToList();
                var pagesDone = saved.Sum(c => c.PagesDone);
                var changes = state.Apply(page.People, r => r with { ListCursors = saved, PagesDone = pagesDone, NextPageToken = null });
                if (options.ReportChanges)
                    foreach (var write in changes)
                        if (write.Change != PersonChange.Unchanged) yield return PersonChanged.Of(write);
                var open = saved.Count(c => !c.Done);
                state.Progress(lists.Count == 1 ? $"Full pass, static list {page.ListId} (REST)" : $"Full pass, {lists.Count} static lists (REST)", string.Create(CultureInfo.InvariantCulture,
                    $"List {page.ListId} page {list.Saved.PagesDone}: {page.People.Count} persons, next page {(page.Next is null ? "none (list done)" : "requested")}; {open} of {lists.Count} list(s) still paging"));
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
            foreach (var pending in states.SelectMany(l => l.Resolving.Concat(l.Fetch is { } f ? [f] : [])).Concat(dropped))
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

    /// <summary>Fetches one page of one list from Marketo and keeps its eligible members.</summary>
    private async Task<Page> FetchPageAsync(long listId, string? token, CancellationToken ct)
    {
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
        return new Page(listId, people, response.ContinuationToken);
    }

    /// <summary>Looks up the page's contacts' opportunities in Salesforce (when connected).</summary>
    private async Task<Page> ResolveAsync(Page fetched, CancellationToken ct) =>
        fetched with { People = await owner.WithOpportunitiesAsync(fetched.People, ct).ConfigureAwait(false) };
}
