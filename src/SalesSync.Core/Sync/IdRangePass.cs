using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;

namespace SalesSync.Core.Sync;

/// <summary>
/// A full pass over REST without a list: Marketo ids in blocks of 300 consecutive ids, one call each
/// (leads.json, filterType=id), several blocks in flight at once. Paging a list is sequential (each
/// page's token comes from the one before), so at a real instance's ~1 s per call it caps near 300
/// persons/s; blocks of ids are independent, so the rate limit (not the response time) becomes the
/// ceiling. The cost is one call per 300 ids, deleted and marketing-only ids included. Blocks are
/// applied in id order, so the checkpoint is simply how many blocks are done.
/// The scan ends at evidence, not at a guess: every block up to the highest id ever created (the newest New Lead
/// activity, see <see cref="IdScanEnd"/>) is read, empty or not, so people past any run of deleted ids are synced.
/// People created after that evidence was read are the next incremental run's (their New Lead is after its watermark).
/// </summary>
internal sealed class IdRangePass(MarketoClient marketo, PeopleSync owner, long highestKnownId, HighestIdEvidence? evidence = null)
{
    /// <summary>
    /// Only when the activity log gives no evidence (an empty instance, or a connection without activity read
    /// permission): the scan then ends this many empty blocks (15,000 ids) past the highest id seen or stored,
    /// after a far-ahead probe, and the run says its end was a guess.
    /// </summary>
    internal const int EmptyBlocksToEnd = 50;

    private static readonly int BlockSize = MarketoClient.MaxBatchSize;

    public async IAsyncEnumerable<SyncOutput> RunAsync(FullPassRun state, SyncOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
        var inFlightLimit = Math.Max(1, marketo.Gate.Settings.ConcurrentCalls);
        var next = state.Run.PagesDone; // blocks [0, PagesDone) are applied
        RunStop? stop = null;
        var end = evidence;
        // A cap already spent (-MaxApiCalls) stops the pass below before any block; the evidence would only add calls.
        if (end is null && !state.CapReached(options.MaxApiCalls))
        {
            // A run that has no end yet (explicit -Method Rest, or a guessed end before): read it, within the call cap.
            try
            {
                // Under -MaxApiCalls the search takes at most half of what is left, so blocks are read in every invocation.
                var allowance = options.MaxApiCalls is { } cap ? (int)Math.Clamp((cap - state.InvocationCalls) / 2, 1, IdScanEnd.MaxCalls) : IdScanEnd.MaxCalls;
                end = await IdScanEnd.FindAsync(marketo, DateTimeOffset.UtcNow, null, ct, allowance).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Kind != ApiFailureKind.QuotaExhausted && !ct.IsCancellationRequested)
            {
                // No activity permission, or the log refused: the scan still runs, to a guessed end it reports as such.
                EngineObserver.Current.Warning($"Could not read Marketo's New Lead activities ({e.Code}) to find the highest Marketo id; the id scan ends {EmptyBlocksToEnd} empty blocks past the last person it sees, which can miss people past a long run of deleted ids.");
            }
            catch (Exception e)
            {
                stop = RunStop.Classify(e, "while reading the newest New Lead activities", ct);
                if (stop is null) throw;
            }
        }
        if (stop is not null)
        {
            yield return new SyncFinished(state.Stop(stop));
            yield break;
        }
        // With evidence, every block through the highest id is read and nothing past it; without, the old empty tail.
        var guessed = end is not { HighestId: not null, Complete: true };
        // Kept on the run: a resume scans to the same end without reading the log again (people created since are the
        // next incremental run's, their New Lead being after this run's watermark).
        if (!guessed && state.Run.ScanEndId != end!.HighestId) state.Checkpoint(r => r with { ScanEndId = end.HighestId });
        var tail = guessed ? EmptyBlocksToEnd : 0;
        // From the people stored (this run's included) and the evidence, not from the blocks done: a guessed end's empty
        // tail counts from the last person seen, so a resumed run does not push it further out each time.
        var lastBlockWithPeople = Math.Max((highestKnownId - 1) / BlockSize, end?.HighestId is { } highest ? (highest - 1) / BlockSize : -1);
        if (guessed && !state.CapReached(options.MaxApiCalls))
            state.Checkpoint(r => r with { Message = $"The id scan's end was a guess ({end?.Describe() ?? "the activity log could not be read"}): it ended {EmptyBlocksToEnd} empty blocks past the last person seen, so people past a longer run of deleted ids may be missing until they change." });
        var fetches = new Dictionary<long, Task<Block>>();
        using var stopFetching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var clock = Stopwatch.StartNew();
        long idsScanned = 0;
        var applied = next;

        try
        {
            while (true)
            {
                // Keep the in-flight share busy; stop dispatching at the evidence (or once the guessed empty tail is long enough).
                while (fetches.Count < inFlightLimit && next <= lastBlockWithPeople + tail
                       && (options.MaxApiCalls is not { } cap || state.InvocationCalls + fetches.Count(f => !f.Value.IsCompleted) < cap))
                {
                    var block = next++;
                    fetches[block] = FetchBlockAsync(block, stopFetching.Token);
                }
                if (!fetches.TryGetValue(applied, out var oldest))
                {
                    if (next <= lastBlockWithPeople + tail || state.CapReached(options.MaxApiCalls))
                    {
                        // Nothing in flight though blocks remain (or a probe would pass the cap): -MaxApiCalls allowed no
                        // call. Stop resumably; a pass that read nothing must never count as complete (it would remove everyone).
                        stop = state.CapStop(options.MaxApiCalls, $"at Marketo id {applied * BlockSize + 1}");
                        break;
                    }
                    // The evidence's block is read: done.
                    if (!guessed) break;
                    // A guessed end: a long run of deleted ids (a purged import) would end the scan early, so one
                    // more call looks far ahead (sampled ids, so only extra evidence) before the pass ends.
                    long? ahead = null;
                    try
                    {
                        ahead = await FirstLivingIdBeyondAsync(next * BlockSize + 1, ct).ConfigureAwait(false);
                    }
                    catch (Exception e)
                    {
                        stop = RunStop.Classify(e, $"looking beyond Marketo id {next * BlockSize:N0}", ct);
                        if (stop is null) throw;
                    }
                    if (stop is not null || ahead is not { } found) break;
                    // Every block up to the one found is scanned too: the probe samples ids, it does not prove the gap empty.
                    EngineObserver.Current.Verbose($"A person lives at Marketo id {found:N0}, past {next * BlockSize:N0}: the scan goes on through the gap.");
                    lastBlockWithPeople = (found - 1) / BlockSize;
                    continue;
                }

                // The oldest block, then every block after it that has already arrived: one transaction for all of them.
                var ready = new List<Block>();
                try
                {
                    ready.Add(await oldest.ConfigureAwait(false));
                    while (fetches.TryGetValue(applied + ready.Count, out var next2) && next2.IsCompleted) ready.Add(await next2.ConfigureAwait(false));
                }
                catch (Exception e)
                {
                    stop = RunStop.Classify(e, $"at Marketo ids from {(applied + ready.Count) * BlockSize + 1}", ct);
                    if (stop is null) throw;
                }
                if (stop is not null && ready.Count == 0) break;
                for (var i = 0; i < ready.Count; i++)
                {
                    fetches.Remove(applied + i);
                    if (guessed && ready[i].AnyoneAlive) lastBlockWithPeople = Math.Max(lastBlockWithPeople, applied + i);
                }
                applied += ready.Count;
                idsScanned += (long)ready.Count * BlockSize;
                var done = applied;
                var changes = state.Apply(ready.SelectMany(b => b.SalesOwned).ToList(), r => r with { PagesDone = done });
                if (options.ReportChanges)
                    foreach (var write in changes)
                        if (write.Change != PersonChange.Unchanged) yield return PersonChanged.Of(write);
                if (stop is not null) break;
                var seconds = Math.Max(clock.Elapsed.TotalSeconds, 0.001);
                state.Progress("Full pass, Marketo ids (REST)", string.Create(CultureInfo.InvariantCulture,
                    $"Ids up to {applied * BlockSize:N0} of {(lastBlockWithPeople + 1) * BlockSize:N0}{(guessed ? " or more" : "")} ({idsScanned / seconds:N0} ids/s, {fetches.Count} blocks in flight): {changes.Count} sales-owned in the last {ready.Count} block(s)"));
                if (state.CapReached(options.MaxApiCalls))
                {
                    stop = state.CapStop(options.MaxApiCalls, $"at Marketo id {applied * BlockSize + 1}");
                    break;
                }
            }
        }
        finally
        {
            // Blocks fetched ahead are dropped (the checkpoint is before them); wait so no call outlives the pass.
            stopFetching.Cancel();
            foreach (var pending in fetches.Values)
            {
                try { await pending.ConfigureAwait(false); }
                catch (Exception) { /* dropped with the block */ }
            }
        }
        // A scan that saw nobody is refused by PeopleSync before its sweep, as for every source.
        if (stop is not null) yield return new SyncFinished(state.Stop(stop));
    }

    /// <summary>
    /// One call: 300 ids spread ever wider from <paramref name="from"/> (steps growing by 6% from about 900 ids,
    /// up to about 2 billion). The lowest living one, or null when none lives.
    /// </summary>
    private async Task<long?> FirstLivingIdBeyondAsync(long from, CancellationToken ct)
    {
        var ids = new SortedSet<long>();
        for (var k = 0; ids.Count < BlockSize && k < 1000; k++)
        {
            var id = from + (long)(EmptyBlocksToEnd * BlockSize * (Math.Pow(1.06, k) - 1));
            if (id > int.MaxValue) break;
            ids.Add(id);
        }
        long? lowest = null;
        await foreach (var lead in marketo.GetLeadsAsync("id", ids.Select(i => i.ToString(CultureInfo.InvariantCulture)), ["id"], ct).ConfigureAwait(false))
            if (MarketoResponse.String(lead, "id") is { } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && (lowest is null || id < lowest))
                lowest = id;
        return lowest;
    }

    /// <summary>A block's sales-owned people, and whether anyone (sales-owned or not) lives in it: only empty blocks end the scan.</summary>
    private sealed record Block(List<PersonRecord> SalesOwned, bool AnyoneAlive);

    /// <summary>One block: its sales-owned people with their opportunities (the Salesforce lookup runs in parallel too).</summary>
    private async Task<Block> FetchBlockAsync(long block, CancellationToken ct)
    {
        var first = block * BlockSize + 1;
        var ids = Enumerable.Range(0, BlockSize).Select(i => (first + i).ToString(CultureInfo.InvariantCulture));
        var people = new List<PersonRecord>();
        var alive = false;
        var now = DateTimeOffset.UtcNow;
        await foreach (var lead in marketo.GetLeadsAsync("id", ids, MarketoPersonFields.RestNames, ct).ConfigureAwait(false))
        {
            if (MarketoPersonFields.FromRest(lead, now) is not { } person) continue;
            alive = true;
            if (MarketoPersonFields.IsEligible(person)) people.Add(person);
        }
        return new Block(await owner.WithOpportunitiesAsync(people, ct).ConfigureAwait(false), alive);
    }
}
