using System.Globalization;
using System.Text.Json;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Unsubscribes;

/// <summary>
/// Live unsubscribe checks for one caller (a pipeline): emails are queued, looked up 300 per call with
/// Marketo's long query (<c>POST leads.json?_method=GET</c>, <c>filterType=email</c>), and remembered, so
/// an email repeated in the pipeline costs one lookup. Fails closed: an email Marketo could not answer
/// for gets a failure, never a verdict.
/// </summary>
public sealed class UnsubscribeLookup
{
    /// <summary>Emails per lookup call: Marketo's filterValues limit.</summary>
    public const int BatchSize = MarketoClient.MaxBatchSize;

    private static readonly string[] Fields = ["id", "email", "unsubscribed", "unsubscribedReason"];

    private readonly MarketoClient _marketo;
    private readonly TimeProvider _time;
    private readonly int _remember;
    private readonly Dictionary<string, UnsubscribeVerdict> _known = new(StringComparer.Ordinal);
    private readonly Queue<string> _knownOrder = new();
    // Queued in arrival order, so the oldest requests are answered first and a caller can emit in input order.
    private readonly Queue<KeyValuePair<string, string>> _pending = new(); // key -> address as given
    private readonly HashSet<string> _pendingKeys = new(StringComparer.Ordinal);
    private SalesSyncApiException? _quotaSpent;

    /// <param name="remember">How many verdicts are kept for repeats; the oldest are forgotten beyond it, so memory stays flat on any pipeline.</param>
    internal UnsubscribeLookup(MarketoClient marketo, int remember = 100_000, TimeProvider? time = null)
    {
        _marketo = marketo;
        _remember = Math.Max(BatchSize, remember);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Emails queued and not looked up yet (distinct, without regard to case).</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Lookup calls made (each up to 300 emails; a page of more than 300 matching records is a call too).</summary>
    public int CallsMade { get; private set; }

    /// <summary>
    /// The verdict when it is already known (an invalid address is known at once and costs no call);
    /// otherwise null, and the email is queued for the next lookup.
    /// </summary>
    public UnsubscribeVerdict? Request(string email)
    {
        if (EmailAddress.Problem(email) is { } problem)
            return UnsubscribeVerdict.Failed(email ?? "", UnsubscribeCheckFailure.InvalidEmail, problem, _time.GetUtcNow());
        var key = EmailAddress.Key(email);
        if (_known.TryGetValue(key, out var known)) return known with { Email = EmailAddress.Clean(email) };
        if (_pendingKeys.Add(key)) _pending.Enqueue(new(key, EmailAddress.Clean(email)));
        return null;
    }

    /// <summary>The verdict for an email that was requested and looked up (null while it is still queued).</summary>
    public UnsubscribeVerdict? Find(string email)
    {
        if (EmailAddress.Problem(email) is { } problem)
            return UnsubscribeVerdict.Failed(email ?? "", UnsubscribeCheckFailure.InvalidEmail, problem, _time.GetUtcNow());
        return _known.TryGetValue(EmailAddress.Key(email), out var known) ? known with { Email = EmailAddress.Clean(email) } : null;
    }

    /// <summary>Looks up whole batches of 300 (<paramref name="all"/> false) or everything queued.</summary>
    public async Task FlushAsync(bool all, CancellationToken cancellationToken)
    {
        while (_pending.Count >= BatchSize || (all && _pending.Count > 0))
        {
            var batch = _pending.Take(BatchSize).ToList();
            await CheckAsync(batch, cancellationToken).ConfigureAwait(false);
            // Dequeued only once answered: a cancelled lookup leaves the batch queued.
            foreach (var (key, _) in batch)
            {
                _pending.Dequeue();
                _pendingKeys.Remove(key);
            }
        }
    }

    private async Task CheckAsync(IReadOnlyList<KeyValuePair<string, string>> batch, CancellationToken ct)
    {
        var at = _time.GetUtcNow();
        if (_quotaSpent is { } spent)
        {
            foreach (var (key, email) in batch) Remember(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.QuotaExhausted, spent.Message, at));
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
                CallsMade++;
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
            await CheckAsync(batch.Take(half).ToList(), ct).ConfigureAwait(false);
            await CheckAsync(batch.Skip(half).ToList(), ct).ConfigureAwait(false);
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
            foreach (var (key, email) in batch) Remember(key, UnsubscribeVerdict.Failed(email, failure, e.Message, at));
            return;
        }

        if (unattributed is not null && batch.Count > 1)
        {
            // None of the batch can be called "not found", but one email should not hold up the others (review M2): ask in
            // halves until the record is tied to one email (at most about 2 calls per halving, 9 halvings for 300).
            EngineObserver.Current.Verbose($"{unattributed}; asking the {batch.Count} emails of that lookup again in halves to find which one it belongs to.");
            var half = batch.Count / 2;
            await CheckAsync(batch.Take(half).ToList(), ct).ConfigureAwait(false);
            await CheckAsync(batch.Skip(half).ToList(), ct).ConfigureAwait(false);
            return;
        }
        if (unattributed is not null)
        {
            // Asked alone, the email still brings a record Marketo ties to it by a rule SalesSync cannot follow: it cannot be
            // checked (a refusal, which the send guard keeps to this one email), never "safe to email".
            var (key, email) = batch[0];
            EngineObserver.Current.Warning($"{unattributed} when asked for one email alone; that email is reported as not checkable, not as safe to email.");
            Remember(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.Refused, $"{unattributed}, so Marketo's answer for this email cannot be trusted.", at));
            return;
        }

        var byEmail = records.GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.OrderBy(r => r.Id).ToList(), StringComparer.Ordinal);
        foreach (var (key, email) in batch)
        {
            if (byEmail.TryGetValue(key, out var unclear) && unclear.Any(m => m.Unsubscribed is null))
            {
                // Marketo leaves out fields it holds no value for: an answer without the flag is no answer.
                Remember(key, UnsubscribeVerdict.Failed(email, UnsubscribeCheckFailure.MarketoUnavailable,
                    $"Marketo did not give the unsubscribed flag of person {string.Join(", ", unclear.Where(m => m.Unsubscribed is null).Select(m => m.Id))}.", at));
                continue;
            }
            if (!byEmail.TryGetValue(key, out var matches))
            {
                Remember(key, new UnsubscribeVerdict { Email = email, Found = false, CheckedAt = at });
                continue;
            }
            var unsubscribed = matches.Where(m => m.Unsubscribed == true).ToList();
            Remember(key, new UnsubscribeVerdict
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
