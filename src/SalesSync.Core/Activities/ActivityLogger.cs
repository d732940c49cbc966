using System.Globalization;
using SalesSync.Core.Marketo;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Activities;

/// <summary>One activity as a caller asks for it: the kind, the person (Marketo id or email), when, and attribute values by API name.</summary>
public sealed record ActivityRequest
{
    public required SalesActivityKind Kind { get; init; }

    /// <summary>
    /// The caller's own id for the activity (for example a CSV column), so sending the same rows again logs
    /// only those not logged yet; null = SalesSync makes one.
    /// </summary>
    public string? ActivityId { get; init; }
    public long? MarketoId { get; init; }
    public string? Email { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public IReadOnlyDictionary<string, string?> Attributes { get; init; } = new Dictionary<string, string?>();
}

/// <summary>What became of an activity handed to <see cref="ActivityLogger.Submit"/>, or settled by its unsubscribe check.</summary>
public enum SubmitOutcome
{
    /// <summary>Stored as pending: delivered by the next delivery.</summary>
    Stored,

    /// <summary>A sent email stored Held while its Marketo unsubscribe check is queued (<see cref="ActivityLogger.CheckHeldAsync"/>).</summary>
    Held,

    /// <summary>A sent email Marketo could not be asked about now (an outage, the quota): stored Held, checked again by the next delivery.</summary>
    Deferred,

    /// <summary>Refused by the send guard: stored as Refused with the reason, never delivered.</summary>
    Refused,
}

/// <summary>One activity's outcome under the send guard, with the guard's decision when it refused or deferred it.</summary>
public sealed record Submission(SalesActivity Activity, SubmitOutcome Outcome, Unsubscribes.GuardDecision? Decision = null);

/// <summary>
/// Logs sales activities for one caller (a cmdlet invocation): checks and resolves each request against the
/// synced people, stores activities before anything is sent, and delivers through the outbox in the batches
/// the APIs take (Marketo 300, Salesforce 200), flushing the rest at the end.
/// </summary>
public sealed partial class ActivityLogger
{
    /// <summary>How many stored activities a caller lets accumulate before sending: one Marketo call's worth.</summary>
    public const int BatchSize = ActivityOutbox.MarketoBatch;

    private readonly PeopleStore _people;
    private readonly ActivityStore _activities;
    private readonly ActivitySettings _settings;
    private readonly ActivityOutbox _outbox;

    private readonly Func<Unsubscribes.SendGuard> _guardFactory;

    /// <summary>This caller's guard (its lookups batched like its activities); null when the admin turned it off.</summary>
    private readonly Unsubscribes.SendGuard? _guard;

    /// <summary>This caller's sent emails stored Held while their Marketo check is queued, in the order submitted.</summary>
    private readonly List<SalesActivity> _awaitingCheck = [];

    internal ActivityLogger(MarketoClient marketo, SalesforceClient? salesforce, SyncStore store, Connection.OutcomeGrace grace)
    {
        _guardFactory = () => new Unsubscribes.SendGuard(new Unsubscribes.UnsubscribeLookup(marketo), store);
        _people = store.People;
        _activities = store.Activities;
        _settings = store.Settings.Activities;
        _guard = _settings.UnsubscribeGuard ? _guardFactory() : null;
        _outbox = new ActivityOutbox(marketo, salesforce, store.Activities, store.Settings, grace);
        _lock = OutboxLock.For(store.Activities);
        // An encrypted database's rows are not journaled (the journal is plain text): each is committed as it is accepted.
        _journal = store.Activities.Encrypted ? null : new AcceptJournal(store.Path, store.Activities.JournalIdentity);
    }

    // ---------- group commit ----------
    //
    // Accepted activities are appended to this caller's journal (durable against a kill) and stored in LiteDB a group
    // at a time: when a group is full, and before anything reads the store (a delivery, a held-row check, -PassThru).

    /// <summary>How many accepted activities one transaction stores.</summary>
    public const int GroupSize = BatchSize;

    /// <summary>This caller's journal; null for an encrypted database (rows committed one by one instead).</summary>
    private readonly AcceptJournal? _journal;
    private readonly List<SalesActivity> _group = [];

    /// <summary>The id SalesSync made for this caller's last <see cref="Prepare"/>, until it is submitted: the only id whose store check may be skipped.</summary>
    private string? _madeHere;

    /// <summary>Accepts an activity into the group: journaled before this returns, committed with its group (at once without a journal).</summary>
    private void Stage(SalesActivity activity)
    {
        _activities.ReplayLeftOverOnce(); // before this process journals or stores anything
        if (!_lock.TryStage(activity))
            throw Taken(activity.ActivityId);
        try
        {
            // Checked again once claimed: a Commit adds its group to the store before it unstages it.
            if (_activities.Find(activity.ActivityId) is not null) throw Taken(activity.ActivityId);
            _journal?.Append(activity);
        }
        catch
        {
            _lock.Unstage([activity]);
            throw;
        }
        _group.Add(activity);
        if (_journal is not null && _group.Count < GroupSize) return;
        try
        {
            Commit();
        }
        catch when (_journal is null)
        {
            // Not stored and in no journal: the row is not accepted (the caller reports it), nothing of it is left staged.
            _group.Remove(activity);
            _lock.Unstage([activity]);
            throw;
        }
    }

    /// <summary>
    /// Stores the accepted group in one transaction (nothing to do when it is empty). A row whose id another caller
    /// stored meanwhile is dropped from the group and the journal (with a warning) and the rest stored.
    /// </summary>
    public void Commit()
    {
        while (_group.Count > 0)
        {
            try
            {
                _activities.Add(_group, guardOff: _guard is null);
            }
            catch (SalesActivityException e) when (e.Reason == ActivityFailureReason.DuplicateActivityId)
            {
                var taken = _group.Where(a => _activities.Find(a.ActivityId) is not null).ToList();
                // Ids the store tells apart only by case (a journal written before ids were staged without regard to
                // case): the later copies go.
                if (taken.Count == 0) taken = _group.GroupBy(a => a.ActivityId, StringComparer.OrdinalIgnoreCase).SelectMany(g => g.Skip(1)).ToList();
                if (taken.Count == 0) throw;
                DropTaken(taken);
                continue;
            }
            _lock.Unstage(_group);
            _group.Clear();
            _journal?.Clear();
        }
    }

    private void DropTaken(IReadOnlyList<SalesActivity> taken)
    {
        var ids = taken.Select(a => a.ActivityId).ToHashSet(StringComparer.OrdinalIgnoreCase);
        _group.RemoveAll(a => ids.Contains(a.ActivityId));
        _lock.Unstage(taken);
        foreach (var id in ids) _lock.Let(id);
        _awaitingCheck.RemoveAll(a => ids.Contains(a.ActivityId));
        _journal?.Rewrite(_group);
        foreach (var id in ids)
            Diagnostics.EngineObserver.Current.Warning($"Activity {id} was logged by another runspace or process meanwhile; this caller's copy is not stored again.");
    }

    /// <summary>
    /// Commits what is accepted and removes the journal: the caller is done (also after Ctrl+C or an error). When the
    /// commit fails, the journal is replayed in place (rows already stored skipped); if that fails too, the file stays
    /// for the next process and a warning names it. Nothing stays staged or held live either way.
    /// </summary>
    public void Close()
    {
        try
        {
            Commit();
            _journal?.Dispose();
        }
        catch (Exception) when (_journal is not null && _group.Count > 0)
        {
            _journal.Release();
            AcceptJournal.ReplayFile(_journal.Path, _activities.JournalIdentity, _activities);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Gives up this caller's claims in the process: staged ids and live holds (safe to call more than once).</summary>
    public void Release()
    {
        _lock.Unstage(_group);
        _group.Clear();
        foreach (var a in _awaitingCheck) _lock.Let(a.ActivityId);
        _awaitingCheck.Clear();
    }

    private static SalesActivityException Taken(string activityId) => new(ActivityFailureReason.DuplicateActivityId,
        $"An activity with the id {activityId} is already logged (another runspace or process logged it meanwhile); it is not logged again.") { Value = activityId };

    /// <summary>Where this caller's progress goes (accepted here, deliveries from the outbox); null: none.</summary>
    public ActivityProgress? Progress
    {
        get => _outbox.Progress;
        set => _outbox.Progress = value;
    }

    /// <summary>The settings this logger applies (which kinds go to Salesforce).</summary>
    public ActivitySettings Settings => _settings;

    /// <summary>
    /// A checked activity for the request, not yet stored; a <see cref="SalesActivityException"/> says what is wrong
    /// with it. Values are trimmed (a blank one counts as not given); ids, kinds' call statuses and emails are read in
    /// any case; every rule a value breaks is checked before the person is looked up.
    /// </summary>
    public SalesActivity Prepare(ActivityRequest request, DateTimeOffset now)
    {
        var callerId = request.ActivityId?.Trim() is { Length: > 0 } trimmed ? trimmed : null;
        if (callerId is not null && !CallerIdPattern().IsMatch(callerId))
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"ActivityId '{callerId}' must be 1 to 64 letters, digits, '.', '_', ':' or '-' (it ends every Salesforce Task subject).") { Value = callerId };
        var allowed = SalesActivityCatalog.AllowedFor(request.Kind).ToDictionary(a => a.ApiName, StringComparer.OrdinalIgnoreCase);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in request.Attributes)
        {
            var value = raw?.Trim();
            if (string.IsNullOrEmpty(value)) continue; // a CSV's empty column, a parameter not given
            if (!allowed.TryGetValue(name, out var attribute))
                throw new SalesActivityException(ActivityFailureReason.UnknownAttribute,
                    $"-{char.ToUpperInvariant(name[0]) + name[1..]} does not apply to {request.Kind}; it takes {string.Join(", ", allowed.Values.Select(a => "-" + ParameterName(a)))}.") { Value = value };
            values[attribute.ApiName] = Check(attribute, value);
        }
        var missing = SalesActivityCatalog.RequiredFor(request.Kind).Where(a => !values.ContainsKey(a.ApiName)).ToList();
        if (missing.Count > 0)
            throw new SalesActivityException(ActivityFailureReason.MissingAttribute, $"{request.Kind} needs {string.Join(" and ", missing.Select(a => "-" + ParameterName(a)))}; add the parameter or column.") { Value = request.Kind.ToString() };
        var occurred = request.OccurredAt ?? now;
        if (occurred > now + SalesActivityCatalog.FutureSkew)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"OccurredAt {occurred:u} is in the future (more than {SalesActivityCatalog.FutureSkew.TotalMinutes:0} minutes ahead of this computer's clock); activities record what already happened: give the time it happened.") { Value = occurred };
        if (occurred < now - SalesActivityCatalog.MaxAge)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"OccurredAt {occurred:u} is more than 24 months ago: Marketo keeps custom activities 25 months from their date and would discard it on arrival. Give a date after {now - SalesActivityCatalog.MaxAge:yyyy-MM-dd}.") { Value = occurred };

        var person = Resolve(request);
        var toSalesforce = _settings.SalesforceKinds.Contains(request.Kind) && (person.SalesforceContactId ?? person.SalesforceLeadId) is not null;
        return new SalesActivity
        {
            ActivityId = callerId ?? MadeHere(SalesActivity.NewId()),
            Kind = request.Kind,
            MarketoId = person.MarketoId,
            Email = person.Email,
            SalesforceLeadId = person.SalesforceLeadId,
            SalesforceContactId = person.SalesforceContactId,
            SalesforceAccountId = person.SalesforceAccountId,
            SalesforceOpportunityId = person.SalesforceOpportunityId,
            SalesOwnerId = person.SalesOwnerId,
            OccurredAt = occurred,
            LoggedAt = now,
            Attributes = values,
            Marketo = Delivery.Pending,
            Salesforce = toSalesforce ? Delivery.Pending : Delivery.NotRequired,
        };
    }

    private string MadeHere(string id) => _madeHere = id;

    /// <summary>Whether an activity with this id is already in the log (a caller's id sent again is skipped).</summary>
    public bool IsLogged(string activityId) => _lock.Staged(activityId) is not null || _activities.Find(activityId) is not null;

    /// <summary>
    /// The stored activity a prepared one repeats (same caller id, person, kind and attributes: sending it again is a
    /// skip), or null when the id is new. The id logged for a different activity is an ActivityIdReused
    /// <see cref="SalesActivityException"/> naming the stored one. The time is not compared: a CSV read back gives it
    /// to the second, and a time left out means "now".
    /// </summary>
    public SalesActivity? AlreadyLogged(SalesActivity prepared)
    {
        if ((_lock.Staged(prepared.ActivityId) ?? _activities.Find(prepared.ActivityId)) is not { } stored) return null;
        var differences = new List<string>();
        if (stored.MarketoId != prepared.MarketoId) differences.Add($"Marketo person {stored.MarketoId}, not {prepared.MarketoId}");
        if (stored.Kind != prepared.Kind) differences.Add($"{stored.Kind}, not {prepared.Kind}");
        foreach (var name in stored.Attributes.Keys.Union(prepared.Attributes.Keys).Order(StringComparer.Ordinal))
            if (!string.Equals(stored.Attribute(name), prepared.Attribute(name), StringComparison.Ordinal))
                differences.Add($"{name} '{stored.Attribute(name)}', not '{prepared.Attribute(name)}'");
        if (differences.Count == 0) return stored;
        throw new SalesActivityException(ActivityFailureReason.ActivityIdReused,
            $"ActivityId {stored.ActivityId} is already logged for a different activity ({stored.Kind} for Marketo person {stored.MarketoId}, " +
            $"occurred {stored.OccurredAt:u}, logged {stored.LoggedAt:u}; it has {string.Join("; ", differences.Take(3))}). " +
            "Give this activity an ActivityId of its own (or none: SalesSync makes one).") { Value = stored.ActivityId };
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex CallerIdPattern();

    /// <summary>
    /// Checks that SalesSync's custom activity types are installed and approved (a clear error naming
    /// Install-SalesActivityType if not). Checked once per connection: later calls cost nothing.
    /// </summary>
    public Task EnsureTypesAsync(CancellationToken ct) => _outbox.TypeIdsAsync(ct);

    // ---------- the send guard and held rows ----------
    //
    // A sent email (EmailSent) is delivered only once the guard allowed it: Salesforce opt-outs decide at once,
    // a Marketo unsubscribe check is batched (300 emails a call). While its check is outstanding the email is
    // stored Held (never sent in that state), so a crash loses nothing; the check makes it Pending (allowed) or
    // Refused (kept on record with the reason, never delivered, never deleted). A check Marketo cannot make now
    // (an outage, the daily quota) leaves it Held for the next delivery, which checks it again row by row.

    /// <summary>Whether this logger checks sent emails (the admin's UnsubscribeGuard setting when it was made).</summary>
    public bool GuardOn => _guard is not null;

    /// <summary>The database's delivery lock and the held rows live callers in this process are still checking (a flush elsewhere leaves those to them).</summary>
    private readonly OutboxLock _lock;

    /// <summary>
    /// Stores a checked activity (from <see cref="Prepare"/>) under the send guard: Stored (pending), Held (its
    /// Marketo check is queued: <see cref="CheckHeldAsync"/> settles it), Deferred (Marketo cannot be asked now;
    /// held for the next delivery) or Refused (stored as Refused with the reason). A caller id another caller
    /// stored meanwhile is a <see cref="SalesActivityException"/> (DuplicateActivityId); nothing else is stored then.
    /// </summary>
    public Submission Submit(SalesActivity activity)
    {
        // A caller's own id may be taken already (SalesSync's own ids, made for this caller, are random: 80 bits never
        // collide); an SS- id a caller typed is checked like any other.
        var madeHere = string.Equals(_madeHere, activity.ActivityId, StringComparison.Ordinal);
        _madeHere = null;
        if (!madeHere && _activities.Find(activity.ActivityId) is not null)
            throw Taken(activity.ActivityId);
        if (_guard is null || !Unsubscribes.SendGuard.Applies(activity.Kind))
        {
            Stage(activity);
            return new Submission(activity, SubmitOutcome.Stored);
        }
        switch (_guard.Screen(activity))
        {
            case null:
                Hold(activity);
                _awaitingCheck.Add(activity);
                return new Submission(activity, SubmitOutcome.Held);
            case { Allowed: true }:
                Stage(activity);
                return new Submission(activity, SubmitOutcome.Stored);
            case { MustWait: true } wait:
                Hold(activity);
                Abandon([activity.ActivityId]);
                return new Submission(activity, SubmitOutcome.Deferred, wait);
            case var refusal:
                var refused = AsRefused(activity, refusal);
                Stage(refused);
                return new Submission(refused, SubmitOutcome.Refused, refusal);
        }
    }

    /// <summary>Whether enough sent emails await their check to fill a lookup (or repeats of a few addresses piled up).</summary>
    public bool ChecksDue => _guard is not null && _awaitingCheck.Count > 0
        && (_guard.PendingChecks >= Unsubscribes.UnsubscribeLookup.BatchSize || _awaitingCheck.Count >= 5 * Unsubscribes.UnsubscribeLookup.BatchSize);

    /// <summary>
    /// Runs the queued Marketo checks (whole lookups, or all with <paramref name="all"/>) and settles the held
    /// activities they answer, in the order they were submitted: Stored (released), Refused, or Deferred.
    /// </summary>
    public async Task<IReadOnlyList<Submission>> CheckHeldAsync(bool all, CancellationToken ct)
    {
        if (_guard is null || _awaitingCheck.Count == 0) return [];
        Commit(); // the held rows are settled in the store
        await _guard.FlushAsync(all, ct).ConfigureAwait(false);
        // The first one still queued and those behind it wait, so the order holds.
        var decided = _awaitingCheck.Select(a => (Activity: a, Decision: _guard.Decide(a))).TakeWhile(d => d.Decision is not null)
            .Select(d => (d.Activity, Decision: d.Decision!)).ToList();
        _awaitingCheck.RemoveRange(0, decided.Count);
        return Settle(decided);
    }

    /// <summary>A stopping caller (Ctrl+C, an error) leaves the emails still awaiting their check to the next delivery.</summary>
    public void AbandonHeld()
    {
        Abandon(_awaitingCheck.Select(a => a.ActivityId).ToList());
        _awaitingCheck.Clear();
    }

    /// <summary>
    /// Stores a sent email whose unsubscribe check is outstanding as Held (never sent in that state), so a crash
    /// before the check loses nothing: the next flush checks it again.
    /// </summary>
    public void Hold(SalesActivity activity)
    {
        _lock.Hold(activity.ActivityId);
        try
        {
            Stage(Held(activity));
        }
        catch
        {
            _lock.Let(activity.ActivityId);
            throw;
        }
    }

    /// <summary>Leaves these held activities to the next flush, which checks them again.</summary>
    public void Abandon(IReadOnlyList<string> activityIds)
    {
        Commit(); // the next flush finds them in the store
        foreach (var id in activityIds) _lock.Let(id);
    }

    /// <summary>
    /// Applies guard decisions to held rows, each on its own: allowed ones become pending, refused ones Refused
    /// (kept, with the reason), ones that must wait stay held. Only rows still held change (a flush elsewhere may
    /// have settled an abandoned one meanwhile).
    /// </summary>
    private List<Submission> Settle(IReadOnlyList<(SalesActivity Activity, Unsubscribes.GuardDecision Decision)> decided)
    {
        var results = new List<Submission>(decided.Count);
        var changed = new List<SalesActivity>();
        foreach (var (activity, decision) in decided)
        {
            var stillHeld = _activities.Find(activity.ActivityId) is { Marketo.State: DeliveryState.Held };
            if (decision.Allowed)
            {
                if (stillHeld) changed.Add(Released(activity));
                results.Add(new Submission(activity, SubmitOutcome.Stored));
            }
            else if (decision.MustWait)
                results.Add(new Submission(activity, SubmitOutcome.Deferred, decision));
            else
            {
                var refused = AsRefused(activity, decision);
                if (stillHeld) changed.Add(refused);
                results.Add(new Submission(refused, SubmitOutcome.Refused, decision));
            }
        }
        _activities.Save(changed);
        Abandon(decided.Select(d => d.Activity.ActivityId).ToList());
        return results;
    }

    internal static SalesActivity Held(SalesActivity a) => a with
    {
        Marketo = a.Marketo with { State = DeliveryState.Held },
        Salesforce = a.Salesforce.State == DeliveryState.Pending ? a.Salesforce with { State = DeliveryState.Held } : a.Salesforce,
    };

    internal static SalesActivity Released(SalesActivity a) => a with
    {
        Marketo = a.Marketo with { State = DeliveryState.Pending },
        Salesforce = a.Salesforce.State == DeliveryState.Held ? a.Salesforce with { State = DeliveryState.Pending } : a.Salesforce,
    };

    /// <summary>Refused by the guard: kept with the reason ("ErrorId: message") at every destination it was going to, never delivered.</summary>
    private static SalesActivity AsRefused(SalesActivity a, Unsubscribes.GuardDecision decision)
    {
        var refused = new Delivery(DeliveryState.Refused, null, $"{decision.ErrorId}: {decision.Message}", 0, DateTimeOffset.UtcNow);
        return a with
        {
            Marketo = refused,
            Salesforce = a.Salesforce.State is DeliveryState.Pending or DeliveryState.Held ? refused : a.Salesforce,
        };
    }

    /// <summary>
    /// Held activities left by a caller that stopped (Ctrl+C, a crash) are checked now, 300 per lookup, each
    /// decided on its own: allowed ones become pending, refused ones (an address Marketo cannot check included)
    /// Refused, each with a warning. Only those Marketo could not be asked about now stay held; the rows behind
    /// them are still checked, unless a whole lookup could not be made (an outage or the quota: the rest waits too).
    /// </summary>
    /// <returns>Why some stay held (for the delivery's stop reason, so an outage is reported once), or null.</returns>
    internal async Task<string?> ResolveLeftHoldsAsync(CancellationToken ct)
    {
        var guard = _settings.UnsubscribeGuard ? _guardFactory() : null;
        var waiting = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string? why = null;
        int released = 0, refused = 0;
        while (LeftHeld(waiting) is { Count: > 0 } left)
        {
            if (guard is null)
            {
                // Released unchecked: on the report's list of sends made while the guard was off (recorded first, so a
                // crash in between lists one that was not sent rather than hide one that was).
                _activities.RecordGuardOffSends(left);
                var settled = Settle(left.Select(a => (a, Unsubscribes.GuardDecision.Allow)).ToList());
                released += settled.Count;
                continue;
            }
            var screened = left.Select(a => (Activity: a, Decision: guard.Screen(a))).ToList(); // Salesforce opt-outs decide at once
            await guard.FlushAsync(all: true, ct).ConfigureAwait(false);
            var decisions = screened.Select(x => (x.Activity, Decision: x.Decision ?? guard.Decide(x.Activity)
                ?? new Unsubscribes.GuardDecision(false, Unsubscribes.GuardDecision.CheckFailedNow, "the lookup did not answer"))).ToList();
            foreach (var result in Settle(decisions))
            {
                switch (result.Outcome)
                {
                    case SubmitOutcome.Stored:
                        released++;
                        break;
                    case SubmitOutcome.Deferred:
                        waiting.Add(result.Activity.ActivityId);
                        why ??= result.Decision!.Verdict?.FailureMessage ?? result.Decision.Message;
                        break;
                    default:
                        refused++;
                        Diagnostics.EngineObserver.Current.Warning(
                            $"Activity {result.Activity.ActivityId}, a sent email held for its unsubscribe check, is refused ({result.Decision!.ErrorId}): {result.Decision.Message}");
                        break;
                }
            }
            // A lookup that failed for every row (an outage, the quota) would fail for the rows behind them too.
            if (decisions.All(d => d.Decision.MustWait)) break;
        }
        if (released + refused > 0) Diagnostics.EngineObserver.Current.Verbose($"Held sent emails checked: {released} released, {refused} refused.");
        return waiting.Count > 0
            ? $"Sent emails held for their unsubscribe check could not all be checked now ({why}); they stay held (never sent unchecked) until the next delivery."
            : null;
    }

    /// <summary>The next held rows no live caller holds and this flush has not already left waiting.</summary>
    private List<SalesActivity> LeftHeld(IReadOnlySet<string> waiting) =>
        _activities.InState(true, DeliveryState.Held, BatchSize + _lock.LiveCount + waiting.Count)
            .Where(a => !_lock.IsHeldLive(a.ActivityId) && !waiting.Contains(a.ActivityId)).Take(BatchSize).ToList();

    /// <summary>
    /// Stores the activities (one transaction) WITHOUT the send guard, then sends whatever fills a whole API batch:
    /// for tests and benchmarks that bring their own data. Callers log through <see cref="Submit"/>.
    /// </summary>
    internal Task<DeliveryReport> AddAsync(IReadOnlyList<SalesActivity> batch, CancellationToken ct)
    {
        if (batch.Count > 0) _activities.Add(batch);
        return _outbox.DeliverAsync(all: false, ct);
    }

    /// <summary>Sends what fills whole API batches (<paramref name="all"/> false) or everything pending.</summary>
    public Task<DeliveryReport> DeliverAsync(bool all, CancellationToken ct)
    {
        _activities.ReplayLeftOverOnce();
        Commit();
        return _outbox.DeliverAsync(all, ct);
    }

    /// <summary>Sends everything pending (this caller's and any left by earlier runs), after checking held ones left by a stop.</summary>
    public Task<DeliveryReport> FlushAsync(CancellationToken ct) =>
        _lock.ExclusiveAsync(async () =>
        {
            _activities.ReplayLeftOverOnce();
            Commit();
            return await FlushLockedAsync(ct).ConfigureAwait(false);
        }, ct);

    private async Task<DeliveryReport> FlushLockedAsync(CancellationToken ct)
    {
        var stillHeld = await ResolveLeftHoldsAsync(ct).ConfigureAwait(false);
        var report = await _outbox.DeliverLockedAsync(all: true, ct).ConfigureAwait(false);
        return report with { StoppedBecause = DeliveryReport.Both(stillHeld, report.StoppedBecause) };
    }

    /// <summary>Failed deliveries sent again (all, or these activities), while no delivery runs: see <see cref="ActivityStore.RequeueFailed"/>.</summary>
    internal Task<(int Marketo, int Salesforce)> RequeueFailedAsync(IReadOnlyList<string>? activityIds, CancellationToken ct) =>
        _lock.ExclusiveAsync(() => Task.FromResult(_activities.RequeueFailed(activityIds)), ct);

    /// <summary>The stored state of activities (after a flush), for -PassThru.</summary>
    public IReadOnlyList<SalesActivity> Current(IReadOnlyList<string> activityIds)
    {
        Commit();
        return activityIds.Count == 0 ? [] : activityIds.Chunk(500).SelectMany(ids => _activities.Query(new ActivityQuery { ActivityIds = ids })).ToList();
    }

    private PersonRecord Resolve(ActivityRequest request)
    {
        try
        {
            return PersonResolver.Resolve(_people, request.MarketoId, request.Email);
        }
        catch (PersonLookupException e)
        {
            var reason = e.Reason switch
            {
                PersonLookupFailure.PersonNotSynced => ActivityFailureReason.PersonNotSynced,
                PersonLookupFailure.AmbiguousEmail => ActivityFailureReason.AmbiguousEmail,
                PersonLookupFailure.MissingPerson => ActivityFailureReason.MissingPerson,
                _ => ActivityFailureReason.InvalidValue,
            };
            throw new SalesActivityException(reason, e.Message) { Value = e.Value };
        }
    }

    /// <summary>One attribute value (trimmed, not empty) against Marketo's rules and the documented values; returns it as stored.</summary>
    private static string Check(ActivityAttribute attribute, string value)
    {
        var name = ParameterName(attribute);
        // A number too big is said as a number (the most seconds), not as a count of characters.
        if (attribute.DataType == "integer" && value.Length > 0 && value.TrimStart('-', '+').All(char.IsAsciiDigit) && !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"-{name} {value} is too large: Marketo takes at most {int.MaxValue} (about 68 years of seconds).") { Value = value };
        if (value.Length > attribute.MaxLength)
            throw new SalesActivityException(ActivityFailureReason.ValueTooLong,
                $"-{name} is {value.Length} characters; Marketo keeps at most {attribute.MaxLength}. Shorten it.") { Value = value };
        // NUL and every other control character is refused, and Unicode's line and paragraph separators (U+2028/U+2029)
        // in one-line fields; multi-line free text keeps tabs and line breaks.
        var control = value.IndexOfAny(value.Where(c => char.IsControl(c) ? !(attribute.MultiLine && c is '\t' or '\r' or '\n')
            : !attribute.MultiLine && char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.LineSeparator or System.Globalization.UnicodeCategory.ParagraphSeparator).Take(1).ToArray());
        if (control >= 0)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"-{name} holds the control character U+{(int)value[control]:X4}; remove it" +
                (attribute.MultiLine ? " (tabs and line breaks are kept in this field)." : " (this field is one line: no tabs or line breaks).")) { Value = value };
        if (attribute == SalesActivityCatalog.CallStatus)
            return SalesActivityCatalog.CallStatusOf(value) ?? throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"-CallStatus '{value}' is not a call status Marketo documents; use {string.Join(", ", SalesActivityCatalog.CallStatuses.Select(s => $"'{s}'"))}.") { Value = value };
        switch (attribute.DataType)
        {
            case "integer" when !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number):
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"-{name} must be a whole number, not '{value}'.") { Value = value };
            case "integer" when attribute == SalesActivityCatalog.DurationSeconds && int.Parse(value, CultureInfo.InvariantCulture) < 0:
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"-{name} must be 0 or more seconds, not {value}.") { Value = value };
            case "link" when !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"):
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"-{name} must be an http(s) URL such as https://example.com/page, not '{value}'.") { Value = value };
            case "email" when Unsubscribes.EmailAddress.Problem(value) is { } problem:
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"-{name}: {problem}") { Value = value };
            case "integer":
                return int.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
        }
        return value;
    }

    /// <summary>The attribute as the caller names it: Send-SalesActivity's parameter (and CSV column), not Marketo's API name.</summary>
    internal static string ParameterName(ActivityAttribute attribute) =>
        attribute == SalesActivityCatalog.Source ? "ActivitySource" : char.ToUpperInvariant(attribute.ApiName[0]) + attribute.ApiName[1..];
}
