using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Store;

namespace SalesSync.Core.Unsubscribes;

/// <summary>
/// Live unsubscribe checks for one caller (a pipeline): emails are queued, looked up up to 300 per call with
/// Marketo's long query (<c>POST leads.json?_method=GET</c>, <c>filterType=email</c>), and remembered, so
/// an email repeated in the pipeline costs one lookup. Several lookups run side by side, as many as the
/// connection's share of Marketo's concurrency limit (the rate gate still paces every call), and each is sized
/// so its records rarely need a second page (<see cref="LookupBatchSizer"/>). Fails closed: an email Marketo
/// could not answer for gets a failure, never a verdict.
/// </summary>
public sealed class UnsubscribeLookup
{
    /// <summary>Emails per lookup call at most: Marketo's filterValues limit.</summary>
    public const int BatchSize = MarketoClient.MaxBatchSize;

    private static readonly string[] Fields = ["id", "email", "unsubscribed", "unsubscribedReason"];

    private readonly MarketoClient _marketo;
    private readonly SyncStore? _store;
    private readonly TimeProvider _time;
    private readonly int _remember;
    private readonly LookupBatchSizer _sizer = new();
    private readonly object _sync = new(); // guards what answered lookups write: _known, _knownOrder, the tallies
    private readonly Dictionary<string, UnsubscribeVerdict> _known = new(StringComparer.Ordinal);
    private readonly Queue<string> _knownOrder = new();
    // Queued in arrival order, so the oldest requests are answered first and a caller can emit in input order.
    private LinkedList<Pending> _pending = new();
    private readonly HashSet<string> _pendingKeys = new(StringComparer.Ordinal);
    private volatile SalesSyncApiException? _quotaSpent;
    private int _callsMade;
    private bool? _storeKnowsPeople;
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private long _answered, _safe, _unsubscribed, _failed;

    private sealed class Pending(string key, string email)
    {
        public string Key { get; } = key;
        public string Email { get; } = email;

        /// <summary>Synced people with the email (null until the local database was asked).</summary>
        public int? Synced { get; set; }
    }

    /// <param name="remember">How many verdicts are kept for repeats; the oldest are forgotten beyond it, so memory stays flat on any pipeline.</param>
    /// <param name="store">The local database, whose synced duplicates size the lookups (none: the last lookups alone do).</param>
    internal UnsubscribeLookup(MarketoClient marketo, int remember = 100_000, TimeProvider? time = null, SyncStore? store = null)
    {
        _marketo = marketo;
        _remember = Math.Max(BatchSize, remember);
        _time = time ?? TimeProvider.System;
        _store = store;
    }

    /// <summary>Emails queued and not looked up yet (distinct, without regard to case).</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Lookup calls made (each up to 300 emails; a page of more than 300 matching records is a call too).</summary>
    public int CallsMade => Volatile.Read(ref _callsMade);

    /// <summary>Lookups a flush runs side by side: the connection's share of Marketo's concurrency limit.</summary>
    public int SideBySide => Math.Max(1, _marketo.Gate.Settings.ConcurrentCalls);

    /// <summary>When set, every answered lookup reports progress under this activity (Write-Progress in a cmdlet).</summary>
    public string? ProgressActivity { get; set; }

    /// <summary>
    /// The verdict when it is already known (an invalid address is known at once and costs no call);
    /// otherwise null, and the email is queued for the next lookup.
    /// </summary>
    public UnsubscribeVerdict? Request(string email)
    {
        if (EmailAddress.Problem(email) is { } problem)
            return UnsubscribeVerdict.Failed(email ?? "", UnsubscribeCheckFailure.InvalidEmail, problem, _time.GetUtcNow());
        var key = EmailAddress.Key(email);
        lock (_sync)
            if (_known.TryGetValue(key, out var known)) return known with { Email = EmailAddress.Clean(email) };
        if (_pendingKeys.Add(key)) _pending.AddLast(new Pending(key, EmailAddress.Clean(email)));
        return null;
    }

    /// <summary>The verdict for an email that was requested and looked up (null while it is still queued).</summary>
    public UnsubscribeVerdict? Find(string email)
    {
        if (EmailAddress.Problem(email) is { } problem)
            return UnsubscribeVerdict.Failed(email ?? "", UnsubscribeCheckFailure.InvalidEmail, problem, _time.GetUtcNow());
        lock (_sync)
            return _known.TryGetValue(EmailAddress.Key(email), out var known) ? known with { Email = EmailAddress.Clean(email) } : null;
    }

    /// <summary>
    /// Looks up whole batches (<paramref name="all"/> false: 300 emails, or fewer whose records would fill a page)
    /// or everything queued, several lookups side by side within the connection's share of the concurrency limit.
    /// </summary>
    public async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        var share = SideBySide;
        var running = new List<(List<Pending> Batch, Task Lookup)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _clock.Start();
        try
        {
            while (true)
            {
                // Until one lookup has answered, the sizes are guesses: the first runs alone, so the rest learn from it.
                if (running.Count >= share || (running.Count > 0 && !_sizer.Learned))
                {
                    await Finish(await Task.WhenAny(running.Select(r => r.Lookup)).ConfigureAwait(false)).ConfigureAwait(false);
                    continue;
                }
                if (NextBatch(all) is not { } batch) break;
                running.Add((batch, LookupAsync(batch, stop.Token)));
            }
            while (running.Count > 0) await Finish(await Task.WhenAny(running.Select(r => r.Lookup)).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch
        {
            // No lookup outlives the flush: the others are cancelled and awaited; what they asked for stays queued, in order.
            stop.Cancel();
            try { await Task.WhenAll(running.Select(r => r.Lookup)).ConfigureAwait(false); } catch (Exception) when (stop.IsCancellationRequested) { }
            var requeued = new LinkedList<Pending>(running.SelectMany(r => r.Batch).Concat(_pending));
            foreach (var (batch, _) in running) foreach (var p in batch) _pendingKeys.Add(p.Key);
            _pending = requeued;
            throw;
        }

        async Task Finish(Task done)
        {
            var index = running.FindIndex(r => r.Lookup == done);
            await done.ConfigureAwait(false); // a failure propagates with its batch still in running (requeued above)
            running.RemoveAt(index);
        }
    }

    /// <summary>Takes the next lookup's emails off the queue; null when none is due (<paramref name="all"/> false and no whole batch).</summary>
    private List<Pending>? NextBatch(bool all)
    {
        if (_pending.Count == 0) return null;
        var head = _pending.Take(BatchSize).ToList();
        CountSynced(head);
        var take = _sizer.Take(head.Select(p => p.Synced ?? 0).ToList());
        if (!all && take == head.Count && head.Count < BatchSize) return null; // not full yet: wait for more
        var batch = head.GetRange(0, take);
        foreach (var p in batch)
        {
            _pending.RemoveFirst();
            _pendingKeys.Remove(p.Key);
        }
        return batch;
    }

    /// <summary>Asks the local database once per email how many synced people have it (duplicates), when it has people at all.</summary>
    private void CountSynced(List<Pending> emails)
    {
        _storeKnowsPeople ??= _store is not null && _store.PeopleCountIfAny > 0;
        var unknown = emails.Where(p => p.Synced is null).ToList();
        if (unknown.Count == 0) return;
        var counts = _storeKnowsPeople == true
            ? _store!.People.SyncedEmails(unknown.Select(p => p.Email).ToList()).GroupBy(EmailAddress.Key).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal)
            : [];
        foreach (var p in unknown) p.Synced = counts.GetValueOrDefault(p.Key);
    }

    /// <summary>One lookup (with its halvings and pages); its verdicts are kept when it is complete.</summary>
    private async Task LookupAsync(List<Pending> batch, CancellationToken ct)
    {
        var verdicts = new List<KeyValuePair<string, UnsubscribeVerdict>>(batch.Count);
        await CheckAsync(batch.Select(p => new KeyValuePair<string, string>(p.Key, p.Email)).ToList(), verdicts, ct).ConfigureAwait(false);
        var byKey = new Dictionary<string, UnsubscribeVerdict>(StringComparer.Ordinal);
        foreach (var (key, verdict) in verdicts) byKey[key] = verdict;
        _sizer.Observe(batch.Where(p => byKey.TryGetValue(p.Key, out var v) && v.Failure is null)
            .Select(p => (p.Synced ?? 0, byKey[p.Key].MarketoIds.Count)).ToList());
        lock (_sync)
        {
            foreach (var (key, verdict) in verdicts)
            {
                Remember(key, verdict);
                _answered++;
                if (verdict.Failure is not null) _failed++;
                else if (verdict.Unsubscribed) _unsubscribed++;
                else _safe++;
            }
        }
        if (ProgressActivity is { } activity)
        {
            long answered, safe, unsubscribed, failed;
            lock (_sync) (answered, safe, unsubscribed, failed) = (_answered, _safe, _unsubscribed, _failed);
            var rate = answered / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
            EngineObserver.Current.Progress(new EngineProgress(activity, string.Create(CultureInfo.InvariantCulture,
                $"{answered:N0} emails looked up in Marketo ({rate:N0}/s): {safe:N0} safe, {unsubscribed:N0} unsubscribed, {failed:N0} not checked; {CallsMade:N0} calls, {_pending.Count:N0} queued")));
        }
    }

    private async Task CheckAsync(IReadOnlyList<KeyValuePair<string, string>> batch, List<KeyValuePair<string, UnsubscribeVerdict>> verdicts, CancellationToken ct)
    {
        var at = _time.GetUtcNow();
        if (_quotaSpent is { } spent)
        {
            foreach (var (key, email) in batch) Add(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.QuotaExhausted, spent.Message, at));
            return;
        }
        var records = new List<(long Id, string Key, bool? Unsubscribed, string? Reason)>();
        var asked = batch.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        string? unattributed = null;
        try
        {
            string? pageToken = null;
            do
            {
                var parameters = new List<KeyValuePair<string, string>>
                {
                    new("filterType", "email"),
                    new("filterValues", string.Join(',', batch.Select(e => e.Value))),
                    new("fields", string.Join(',', Fields)),
                    new("batchSize", BatchSize.ToString(CultureInfo.InvariantCulture)),
                };
                if (pageToken is not null) parameters.Add(new("nextPageToken", pageToken));
                Interlocked.Increment(ref _callsMade);
                var page = await _marketo.GetByPostAsync("rest/v1/leads.json", parameters, ct).ConfigureAwait(false);
                foreach (var lead in page.Result)
                {
                    // A record that cannot be tied to an asked email (Marketo matched more loosely than the key, or sent an
                    // id that is no number) may be the unsubscribed one: none of the batch can then be called "not found".
                    if (Id(lead) is { } id && MarketoResponse.String(lead, "email") is { } email && asked.Contains(EmailAddress.Key(email)))
                        records.Add((id, EmailAddress.Key(email), Flag(lead, "unsubscribed"), MarketoResponse.String(lead, "unsubscribedReason")));
                    else
                        unattributed ??= $"Marketo returned person {MarketoResponse.String(lead, "id") ?? "(no id)"} with an email that matches none of the emails asked for, or an id that is not a number";
                }
                pageToken = page.ContinuationToken;
            } while (pageToken is not null);
        }
        catch (SalesSyncApiException e) when (e.Code == "1003" && batch.Count > 1)
        {
            // More matching records than one filter may return (duplicates): ask in halves.
            EngineObserver.Current.Verbose($"Marketo: {batch.Count} emails match too many records for one lookup ({e.ApiMessage}); looking them up in halves.");
            var half = batch.Count / 2;
            await CheckAsync(batch.Take(half).ToList(), verdicts, ct).ConfigureAwait(false);
            await CheckAsync(batch.Skip(half).ToList(), verdicts, ct).ConfigureAwait(false);
            return;
        }
        catch (SalesSyncApiException e)
        {
            var failure = e.Kind switch
            {
                ApiFailureKind.QuotaExhausted => UnsubscribeCheckFailure.QuotaExhausted,
                ApiFailureKind.Unauthorized or ApiFailureKind.InvalidRequest => UnsubscribeCheckFailure.Refused,
                _ => UnsubscribeCheckFailure.MarketoUnavailable,
            };
            if (failure == UnsubscribeCheckFailure.QuotaExhausted) _quotaSpent = e;
            EngineObserver.Current.Warning($"Marketo could not check {batch.Count} email(s) for unsubscribes: {e.Message} They are reported as errors, not as safe to email.");
            // Remembered for this pipeline only (a repeat in it gets the same error); the next command asks again.
            foreach (var (key, email) in batch) Add(key, UnsubscribeVerdict.Failed(email, failure, e.Message, at));
            return;
        }

        if (unattributed is not null && batch.Count > 1)
        {
            // None of the batch can be called "not found", but one email should not hold up the others (review M2): ask in
            // halves until the record is tied to one email (at most about 2 calls per halving, 9 halvings for 300).
            EngineObserver.Current.Verbose($"{unattributed}; asking the {batch.Count} emails of that lookup again in halves to find which one it belongs to.");
            var half = batch.Count / 2;
            await CheckAsync(batch.Take(half).ToList(), verdicts, ct).ConfigureAwait(false);
            await CheckAsync(batch.Skip(half).ToList(), verdicts, ct).ConfigureAwait(false);
            return;
        }
        if (unattributed is not null)
        {
            // Asked alone, the email still brings a record Marketo ties to it by a rule SalesSync cannot follow: it cannot be
            // checked (a refusal, which the send guard keeps to this one email), never "safe to email".
            var (key, email) = batch[0];
            EngineObserver.Current.Warning($"{unattributed} when asked for one email alone; that email is reported as not checkable, not as safe to email.");
            Add(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.Refused, $"{unattributed}, so Marketo's answer for this email cannot be trusted.", at));
            return;
        }

        var byEmail = records.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Id).ToList(), StringComparer.Ordinal);
        foreach (var (key, email) in batch)
        {
            if (byEmail.TryGetValue(key, out var unclear) && unclear.Any(m => m.Unsubscribed is null))
            {
                // Marketo leaves out fields it holds no value for: an answer without the flag is no answer.
                Add(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.MarketoUnavailable,
                    $"Marketo did not give the unsubscribed flag of person {string.Join(", ", unclear.Where(m => m.Unsubscribed is null).Select(m => m.Id))}.", at));
                continue;
            }
            if (!byEmail.TryGetValue(key, out var matches))
            {
                Add(key, new UnsubscribeVerdict { Email = email, Found = false, CheckedAt = at });
                continue;
            }
            var unsubscribed = matches.Where(m => m.Unsubscribed == true).ToList();
            Add(key, new UnsubscribeVerdict
            {
                Email = email,
                Found = true,
                Unsubscribed = unsubscribed.Count > 0,
                MarketoIds = matches.Select(m => m.Id).Distinct().ToList(),
                UnsubscribedIds = unsubscribed.Select(m => m.Id).Distinct().ToList(),
                Reason = unsubscribed.Select(m => m.Reason).FirstOrDefault(r => !string.IsNullOrEmpty(r)),
                CheckedAt = at,
            });
        }
        void Add(string key, UnsubscribeVerdict verdict) => verdicts.Add(new(key, verdict));
    }

    private void Remember(string key, UnsubscribeVerdict verdict)
    {
        if (_known.TryAdd(key, verdict)) _knownOrder.Enqueue(key);
        else _known[key] = verdict;
        while (_knownOrder.Count > _remember) _known.Remove(_knownOrder.Dequeue());
    }

    private static long? Id(JsonElement lead) =>
        lead.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) ? value : null;

    /// <summary>A boolean field as Marketo gives it (true/false, or their text); null when it is absent or not a boolean.</summary>
    private static bool? Flag(JsonElement lead, string name) =>
        !lead.TryGetProperty(name, out var v) ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean()
        : v.ValueKind == JsonValueKind.String && bool.TryParse(v.GetString(), out var b) ? b : null;
}
