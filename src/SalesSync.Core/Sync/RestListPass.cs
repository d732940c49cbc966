using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// A full pass over REST: pages a static list of the sales-owned people, 300 per call, keeps the
/// eligible members with their opportunity, and saves the page token after every page. Paging one
/// list is sequential by nature (each page's token comes from the previous page).
/// </summary>
internal sealed class RestListPass(MarketoClient marketo, PeopleSync owner, long listId)
{
    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var token = state.Run.NextPageToken;
        var page = state.Run.PagesDone;
        // A resumed run whose last page is saved (no next token) only has the sweep left.
        if (page > 0 && token is null) yield break;

        while (true)
        {
            IReadOnlyList<PersonRecord> people = [];
            string? next = null;
            PassStop? stop = null;
            try
            {
                (people, next) = await NextPageAsync(token, ct).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                stop = FullPassRun.Classify(e, $"at page {page + 1} of static list {listId}", ct);
                if (stop is null) throw;
            }
            if (stop is not null)
            {
                yield return new SyncFinished(state.Stop(stop));
                yield break;
            }
            page++;
            token = next;
            var changes = state.Apply(people, r => r with { PagesDone = page, NextPageToken = next });
            if (options.ReportChanges)
                foreach (var (person, change) in changes)
                    if (change != PersonChange.Unchanged) yield return new PersonChanged(person, change);
            state.Progress($"Full pass, static list {listId} (REST)", $"Page {page}: {people.Count} persons, next page {(next is null ? "none (last page)" : "requested")}");
            if (token is null) yield break;
            if (state.CapReached(options.MaxApiCalls))
            {
                yield return new SyncFinished(state.Stop(state.CapStop(options.MaxApiCalls, $"at page {page + 1}")));
                yield break;
            }
        }
    }

    /// <summary>Fetches and maps one page (eligible members only, with their opportunities).</summary>
    private async Task<(IReadOnlyList<PersonRecord> People, string? Next)> NextPageAsync(string? token, CancellationToken ct)
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
        return (await owner.WithOpportunitiesAsync(people, ct).ConfigureAwait(false), response.ContinuationToken);
    }
}
