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

/// <summary>
/// Logs sales activities for one caller (a cmdlet invocation): checks and resolves each request against the
/// synced people, stores activities before anything is sent, and delivers through the outbox in the batches
/// the APIs take (Marketo 300, Salesforce 200), flushing the rest at the end.
/// </summary>
public sealed partial class ActivityLogger
{
    /// <summary>How far ahead of now an activity may be dated (clocks differ a little; a future activity is a mistake).</summary>
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(10);

    /// <summary>How many stored activities a caller lets accumulate before sending: one Marketo call's worth.</summary>
    public const int BatchSize = ActivityOutbox.MarketoBatch;

    private readonly PeopleStore _people;
    private readonly ActivityStore _activities;
    private readonly ActivitySettings _settings;
    private readonly ActivityOutbox _outbox;

    private readonly Func<Unsubscribes.SendGuard?> _guardFactory;

    internal ActivityLogger(MarketoClient marketo, SalesforceClient? salesforce, SyncStore store, Connection.OutcomeGrace grace)
    {
        _guardFactory = () => new Unsubscribes.SendGuard(new Unsubscribes.UnsubscribeLookup(marketo), store);
        _people = store.People;
        _activities = store.Activities;
        _settings = store.Settings.Activities;
        _outbox = new ActivityOutbox(marketo, salesforce, store.Activities, grace);
    }

    /// <summary>The settings this logger applies (which kinds go to Salesforce).</summary>
    public ActivitySettings Settings => _settings;

    /// <summary>A checked activity for the request, not yet stored; a <see cref="SalesActivityException"/> says what is wrong with it.</summary>
    public SalesActivity Prepare(ActivityRequest request, DateTimeOffset now)
    {
        var person = Resolve(request);
        var allowed = SalesActivityCatalog.AllowedFor(request.Kind).ToDictionary(a => a.ApiName, StringComparer.OrdinalIgnoreCase);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, raw) in request.Attributes)
        {
            if (string.IsNullOrEmpty(raw)) continue; // a CSV's empty column, a parameter not given
            if (!allowed.TryGetValue(name, out var attribute))
                throw new SalesActivityException(ActivityFailureReason.UnknownAttribute,
                    $"'{name}' does not apply to {request.Kind}; it takes {string.Join(", ", allowed.Values.Select(a => a.ApiName))}.");
            values[attribute.ApiName] = Check(attribute, raw);
        }
        var missing = SalesActivityCatalog.RequiredFor(request.Kind).Where(a => !values.ContainsKey(a.ApiName)).Select(a => a.ApiName).ToList();
        if (missing.Count > 0)
            throw new SalesActivityException(ActivityFailureReason.MissingAttribute, $"{request.Kind} needs {string.Join(" and ", missing)}.");
        var occurred = request.OccurredAt ?? now;
        if (occurred > now + FutureTolerance)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"The activity is dated {occurred:u}, in the future; activities record what already happened.");

        var toSalesforce = _settings.SalesforceKinds.Contains(request.Kind) && (person.SalesforceContactId ?? person.SalesforceLeadId) is not null;
        if (request.ActivityId is { } given && !CallerIdPattern().IsMatch(given))
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"ActivityId '{given}' must be 1 to 64 letters, digits, '.', '_', ':' or '-' (it ends every Salesforce Task subject).");
        return new SalesActivity
        {
            ActivityId = request.ActivityId ?? SalesActivity.NewId(),
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

    /// <summary>Whether an activity with this id is already in the log (a caller's id sent again is skipped).</summary>
    public bool IsLogged(string activityId) => _activities.Find(activityId) is not null;

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial System.Text.RegularExpressions.Regex CallerIdPattern();

    /// <summary>Checks that SalesSync's custom activity types are installed and approved (a clear error naming Install-SalesActivityType if not).</summary>
    public Task EnsureTypesAsync(CancellationToken ct) => _outbox.TypeIdsAsync(ct);

    /// <summary>Stores activities as pending without sending (a caller stores each one as it accepts it).</summary>
    public void Store(IReadOnlyList<SalesActivity> batch)
    {
        if (batch.Count > 0) _activities.Add(batch);
    }

    /// <summary>Held activities a live caller in this process is still checking: a flush elsewhere leaves them to it.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> LiveHolds = new(StringComparer.Ordinal);

    /// <summary>
    /// Stores a sent email whose unsubscribe check is outstanding as Held (never sent in that state), so a crash
    /// before the check loses nothing: the next flush checks it again.
    /// </summary>
    public void Hold(SalesActivity activity)
    {
        LiveHolds[activity.ActivityId] = 0;
        _activities.Add([Held(activity)]);
    }

    /// <summary>Checked and allowed: held activities become pending (only those still held).</summary>
    public void Release(IReadOnlyList<string> activityIds) => Settle(activityIds, release: true);

    /// <summary>Checked and refused: held activities are removed, never sent.</summary>
    public void Discard(IReadOnlyList<string> activityIds) => Settle(activityIds, release: false);

    /// <summary>A stopping caller leaves its held activities to the next flush, which checks them again.</summary>
    public void Abandon(IReadOnlyList<string> activityIds)
    {
        foreach (var id in activityIds) LiveHolds.TryRemove(id, out _);
    }

    private void Settle(IReadOnlyList<string> activityIds, bool release)
    {
        var held = activityIds.Select(_activities.Find).OfType<SalesActivity>().Where(a => a.Marketo.State == DeliveryState.Held).ToList();
        if (release) _activities.Save(held.Select(Released).ToList());
        else _activities.Remove(held.Select(a => a.ActivityId).ToList());
        foreach (var id in activityIds) LiveHolds.TryRemove(id, out _);
    }

    private static SalesActivity Held(SalesActivity a) => a with
    {
        Marketo = a.Marketo with { State = DeliveryState.Held },
        Salesforce = a.Salesforce.State == DeliveryState.Pending ? a.Salesforce with { State = DeliveryState.Held } : a.Salesforce,
    };

    private static SalesActivity Released(SalesActivity a) => a with
    {
        Marketo = a.Marketo with { State = DeliveryState.Pending },
        Salesforce = a.Salesforce.State == DeliveryState.Held ? a.Salesforce with { State = DeliveryState.Pending } : a.Salesforce,
    };

    /// <summary>
    /// Held activities left by a caller that stopped (Ctrl+C, a crash) are checked now, 300 per lookup: allowed
    /// ones become pending, refused ones are removed (each a warning). A check that cannot be made leaves them held.
    /// </summary>
    internal async Task ResolveLeftHoldsAsync(Func<Unsubscribes.SendGuard?> guardFactory, CancellationToken ct)
    {
        var guard = _settings.UnsubscribeGuard ? guardFactory() : null;
        // Read past the rows live callers hold, so theirs never hide abandoned ones behind them.
        while (_activities.InState(true, DeliveryState.Held, BatchSize + LiveHolds.Count).Where(a => !LiveHolds.ContainsKey(a.ActivityId)).Take(BatchSize).ToList() is { Count: > 0 } left)
        {
            if (guard is null)
            {
                _activities.Save(left.Where(a => _activities.Find(a.ActivityId) is { Marketo.State: DeliveryState.Held }).Select(Released).ToList());
                continue;
            }
            var screened = left.Select(a => (Activity: a, Decision: guard.Screen(a))).ToList(); // Salesforce opt-outs decide at once
            await guard.FlushAsync(all: true, ct).ConfigureAwait(false);
            var decisions = screened.Select(x => (x.Activity, Decision: x.Decision ?? guard.Decide(x.Activity))).ToList();
            if (decisions.Any(d => d.Decision is null or { ErrorId: "UnsubscribeCheckFailed" }))
            {
                Diagnostics.EngineObserver.Current.Warning($"{left.Count} sent emails held for their unsubscribe check could not be checked now; they stay held until the next delivery.");
                return;
            }
            // Only rows still held (a live caller may have settled one meanwhile) change.
            bool StillHeld(SalesActivity a) => _activities.Find(a.ActivityId) is { Marketo.State: DeliveryState.Held };
            _activities.Save(decisions.Where(d => d.Decision!.Allowed && StillHeld(d.Activity)).Select(d => Released(d.Activity)).ToList());
            _activities.Remove(decisions.Where(d => !d.Decision!.Allowed && StillHeld(d.Activity)).Select(d => d.Activity.ActivityId).ToList());
            foreach (var (a, d) in decisions.Where(d => !d.Decision!.Allowed))
                Diagnostics.EngineObserver.Current.Warning($"Activity {a.ActivityId}, held for its unsubscribe check when SalesSync stopped, is not logged: {d!.Message}");
            Diagnostics.EngineObserver.Current.Verbose($"Held sent emails checked: {decisions.Count(d => d.Decision!.Allowed)} released, {decisions.Count(d => !d.Decision!.Allowed)} refused.");
        }
    }

    /// <summary>Stores the activities (one transaction), then sends whatever fills a whole API batch.</summary>
    public Task<DeliveryReport> AddAsync(IReadOnlyList<SalesActivity> batch, CancellationToken ct)
    {
        if (batch.Count > 0) _activities.Add(batch);
        return _outbox.DeliverAsync(all: false, ct);
    }

    /// <summary>Sends what fills whole API batches (<paramref name="all"/> false) or everything pending.</summary>
    public Task<DeliveryReport> DeliverAsync(bool all, CancellationToken ct) => _outbox.DeliverAsync(all, ct);

    /// <summary>Sends everything pending (this caller's and any left by earlier runs), after checking held ones left by a stop.</summary>
    public Task<DeliveryReport> FlushAsync(CancellationToken ct) =>
        _outbox.ExclusiveAsync(async () =>
        {
            await ResolveLeftHoldsAsync(_guardFactory, ct).ConfigureAwait(false);
            return await _outbox.DeliverLockedAsync(all: true, ct).ConfigureAwait(false);
        }, ct);

    /// <summary>Failed deliveries sent again (all, or these activities), while no delivery runs: see <see cref="ActivityStore.RequeueFailed"/>.</summary>
    internal Task<(int Marketo, int Salesforce)> RequeueFailedAsync(IReadOnlyList<string>? activityIds, CancellationToken ct) =>
        _outbox.ExclusiveAsync(() => Task.FromResult(_activities.RequeueFailed(activityIds)), ct);

    /// <summary>The stored state of activities (after a flush), for -PassThru.</summary>
    public IReadOnlyList<SalesActivity> Current(IReadOnlyList<string> activityIds) =>
        activityIds.Count == 0 ? [] : activityIds.Chunk(500).SelectMany(ids => _activities.Query(new ActivityQuery { ActivityIds = ids })).ToList();

    private PersonRecord Resolve(ActivityRequest request)
    {
        if (request.MarketoId is { } id)
        {
            var person = _people.Find(id) ?? throw new SalesActivityException(ActivityFailureReason.PersonNotSynced,
                $"Marketo person {id} is not a synced sales person (run Start-SalesSync, or check the id).");
            if (request.Email is { Length: > 0 } email && !string.Equals(email, person.Email, StringComparison.OrdinalIgnoreCase))
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"Marketo person {id} has the email {person.Email}, not {email}.");
            return person;
        }
        if (request.Email is not { Length: > 0 } address)
            throw new SalesActivityException(ActivityFailureReason.MissingPerson, "Give the person: -MarketoId, or -Email of a synced person.");
        if (address.IndexOfAny(['*', '?']) >= 0 || !address.Contains('@'))
            throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"'{address}' is not an email address.");
        var matches = _people.Query(new PersonQuery { Email = address, First = 3 }).ToList();
        return matches.Count switch
        {
            0 => throw new SalesActivityException(ActivityFailureReason.PersonNotSynced, $"No synced sales person has the email {address}."),
            1 => matches[0],
            _ => throw new SalesActivityException(ActivityFailureReason.AmbiguousEmail,
                $"Several synced people have the email {address} (Marketo ids {string.Join(", ", matches.Select(m => m.MarketoId))}); give -MarketoId to choose."),
        };
    }

    private static string Check(ActivityAttribute attribute, string value)
    {
        if (value.Length > attribute.MaxLength)
            throw new SalesActivityException(ActivityFailureReason.ValueTooLong,
                $"{attribute.ApiName} is {value.Length} characters; Marketo keeps at most {attribute.MaxLength}.");
        switch (attribute.DataType)
        {
            case "integer" when !int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _):
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"{attribute.ApiName} must be a whole number, not '{value}'.");
            case "link" when !Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"):
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"{attribute.ApiName} must be an http(s) URL, not '{value}'.");
            case "email" when !value.Contains('@'):
                throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"{attribute.ApiName} must be an email address, not '{value}'.");
        }
        return value;
    }
}
