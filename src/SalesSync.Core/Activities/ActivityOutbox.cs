using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Activities;

/// <summary>What one flush did, per destination.</summary>
public sealed record DeliveryReport(int MarketoDelivered, int MarketoFailed, int SalesforceDelivered, int SalesforceFailed, int StillPending, string? StoppedBecause)
{
    public static DeliveryReport operator +(DeliveryReport a, DeliveryReport b) => new(
        a.MarketoDelivered + b.MarketoDelivered, a.MarketoFailed + b.MarketoFailed, a.SalesforceDelivered + b.SalesforceDelivered,
        a.SalesforceFailed + b.SalesforceFailed, b.StillPending, Both(a.StoppedBecause, b.StoppedBecause));

    /// <summary>Both reasons when both destinations stopped (an outage of both is reported once, whole).</summary>
    internal static string? Both(string? a, string? b) => a is null || a == b ? b : b is null ? a : $"{a} {b}";
}

/// <summary>
/// Delivers stored activities exactly once: Marketo through Add Custom Activities (300 per call), Salesforce
/// as completed Tasks through sObject Collections (200 per call, allOrNone=false). A batch is marked Sending
/// before the call; when a call's outcome is unknown (timeout, reset, 5xx, a crash), what arrived is looked up
/// first, matched on SalesSync's own activity id (Marketo: those people's activities carrying it, at most
/// <see cref="MaxMarketoLookupCalls"/> calls per delivery; Salesforce: those people's Tasks created since the
/// send, whose subject ends with it), and only the rest is sent again. An outage or a spent quota stops the
/// flush and leaves the rest pending for the next one.
/// </summary>
internal sealed class ActivityOutbox(MarketoClient marketo, SalesforceClient? salesforce, ActivityStore store, SettingsStore settings, Connection.OutcomeGrace grace)
{
    /// <summary>
    /// The most Marketo calls one delivery spends looking up activities with an unknown outcome (a paging token and
    /// activities.json pages): a walk not finished within it counts as a lookup that could not be made.
    /// </summary>
    public const int MaxMarketoLookupCalls = 100;

    /// <summary>How long before a Task's send its CreatedDate may read (clock differences): the lookup reads from there.</summary>
    private static readonly TimeSpan SalesforceLookupMargin = TimeSpan.FromMinutes(15);

    public const int MarketoBatch = MarketoClient.MaxBatchSize;
    public const int SalesforceBatch = 200;

    /// <summary>Per-record Salesforce errors that pass (row locks, a busy server): the record stays pending, up to this many tries.</summary>
    private const int MaxSalesforceAttempts = 5;

    private static readonly HashSet<string> PassingSalesforceErrors = new(StringComparer.Ordinal)
        { "UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT", "FAILED_WRITE", "INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE" };

    private readonly CustomActivityClient _custom = new(marketo);
    private readonly ActivityTypeSetup _types = new(marketo);
    private readonly TaskOwners? _owners = salesforce is null ? null : new TaskOwners(salesforce);

    /// <summary>Where each settled batch is reported (the caller's progress), if anywhere.</summary>
    public ActivityProgress? Progress { get; set; }

    /// <summary>Whether this delivery already checked the types again after Marketo refused one (once per delivery).</summary>
    private bool _typesRechecked;

    /// <summary>Leads already looked up in this delivery's lifetime: converted (with where to) or not (null).</summary>
    private readonly Dictionary<string, (string Contact, string? Account, string? Opportunity)?> _leadsChecked = new(StringComparer.Ordinal);

    /// <summary>Delivers full batches only (<paramref name="all"/> false: the pipeline is still filling) or everything pending.</summary>
    public Task<DeliveryReport> DeliverAsync(bool all, CancellationToken ct) => OutboxLock.For(store).ExclusiveAsync(() => DeliverLockedAsync(all, ct), ct);

    /// <summary>Delivers; the caller holds the database's <see cref="OutboxLock"/>.</summary>
    internal async Task<DeliveryReport> DeliverLockedAsync(bool all, CancellationToken ct)
    {
        var marketoReport = await DeliverMarketoAsync(all, ct).ConfigureAwait(false);
        var salesforceReport = await DeliverSalesforceAsync(all, ct).ConfigureAwait(false);
        return (marketoReport + salesforceReport) with { StillPending = store.CountUnsettled(salesforceToo: salesforce is not null) };
    }

    /// <summary>The checked type ids: checked once per connection (see <see cref="ActivityTypeSetup.ReadyIdsAsync"/>).</summary>
    internal Task<IReadOnlyDictionary<SalesActivityFamily, int>> TypeIdsAsync(CancellationToken ct) => _types.ReadyIdsAsync(ct);

    /// <summary>
    /// The type ids for a delivery; null (with why) when Marketo cannot be asked now, so an outage stops the
    /// delivery like any other and leaves everything pending (types not installed is still the caller's error).
    /// </summary>
    private async Task<(IReadOnlyDictionary<SalesActivityFamily, int>? Ids, string? Why)> TypeIdsOrStopAsync(CancellationToken ct)
    {
        try
        {
            return (await TypeIdsAsync(ct).ConfigureAwait(false), null);
        }
        catch (SalesSyncApiException e) when (e.Kind is not ApiFailureKind.Unauthorized)
        {
            return (null, $"Marketo: could not check SalesSync's activity types ({e.Message}).");
        }
    }

    /// <summary>Marketo's per-record answers that mean the type itself was refused (deleted, unapproved, an attribute gone).</summary>
    private static bool TypeRefused(CustomActivityResult r) =>
        !r.Added && (r.Code is "1013" or "1006" || (r.Code == "1003" && r.Message?.Contains("activity type", StringComparison.OrdinalIgnoreCase) == true));

    // ---------- Marketo ----------

    private async Task<DeliveryReport> DeliverMarketoAsync(bool all, CancellationToken ct)
    {
        int delivered = 0, failed = 0;
        // Activities whose outcome is still unknown stay Sending (never sent again blind); the rest go on regardless,
        // so one unfinished lookup does not hold back everything behind it.
        var held = store.Count(true, DeliveryState.Sending) > 0 ? await ReconcileMarketoAsync(ct).ConfigureAwait(false) : null;
        while (store.Count(true, DeliveryState.Pending) is var pending && pending > 0 && (all || pending >= MarketoBatch))
        {
            var (typeIds, unreachable) = await TypeIdsOrStopAsync(ct).ConfigureAwait(false);
            if (typeIds is null) return new DeliveryReport(delivered, failed, 0, 0, 0, unreachable);
            var batch = MarkSending(store.InState(true, DeliveryState.Pending, MarketoBatch), marketoSide: true);
            IReadOnlyList<CustomActivityResult> results;
            try
            {
                results = await _custom.AddAsync(batch.Select(a => MarketoRecord(a, typeIds)).ToList(), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Refused(e))
            {
                // Refused before processing: nothing landed. A rejected request fails its batch (recorded with the
                // reason, so it never blocks the activities behind it); a quota or throttling stop leaves it pending.
                var rejected = e is SalesSyncApiException { Kind: ApiFailureKind.InvalidRequest };
                store.Save(batch.Select(a => a with
                {
                    Marketo = rejected ? new Delivery(DeliveryState.Failed, null, $"Marketo refused the request: {e.Message}", a.Marketo.Attempts, DateTimeOffset.UtcNow)
                                       : a.Marketo with { State = DeliveryState.Pending, UncheckedSince = null },
                }).ToList());
                if (rejected) return new DeliveryReport(delivered, failed + batch.Count, 0, 0, 0, $"Marketo rejected a batch of {batch.Count} activities ({e.Message}); they are marked Failed.");
                if (e is SalesSyncApiException { Kind: ApiFailureKind.Unauthorized } denied)
                    throw new SalesSyncApiException(MarketoClient.ServiceName, denied.Code, $"Marketo refused the activities: {denied.ApiMessage}", denied.Kind, denied);
                return new DeliveryReport(delivered, failed, 0, 0, 0, $"Marketo: {e.Message}");
            }
            catch (Exception e) when (e is SalesSyncApiException or OperationCanceledException)
            {
                // The outcome is unknown: the batch stays Sending and is looked up before anything is sent again.
                // Verbose: the stop reason says it once (an outage must not add a warning per batch).
                EngineObserver.Current.Verbose($"Marketo: the outcome of sending {batch.Count} activities is unknown ({e.Message}); checking what arrived.");
                if (e is OperationCanceledException) throw;
                var stop = await ReconcileMarketoAsync(ct).ConfigureAwait(false);
                return new DeliveryReport(delivered, failed, 0, 0, 0, stop ?? $"Marketo: {e.Message}");
            }
            var now = DateTimeOffset.UtcNow;
            // Marketo refused the type itself (deleted, unapproved since the check): check the types again once
            // and send those again; a second refusal in the same delivery fails them with Marketo's reason.
            var recheck = !_typesRechecked && results.Any(TypeRefused);
            if (recheck)
            {
                _typesRechecked = true;
                _types.Forget();
                EngineObserver.Current.Verbose("Marketo refused SalesSync's activity type; checking the types again.");
            }
            var saved = batch.Zip(results, (a, r) => r.Added
                ? a with { Marketo = new Delivery(DeliveryState.Delivered, r.MarketoGuid, null, a.Marketo.Attempts, now) }
                : recheck && TypeRefused(r) ? a with { Marketo = a.Marketo with { State = DeliveryState.Pending } }
                : a with { Marketo = new Delivery(DeliveryState.Failed, null, $"{r.Code}: {r.Message}", a.Marketo.Attempts, now) }).ToList();
            store.Save(saved);
            delivered += saved.Count(a => a.Marketo.State == DeliveryState.Delivered);
            failed += saved.Count(a => a.Marketo.State == DeliveryState.Failed);
            Progress?.Delivered(marketo: true, saved.Count(a => a.Marketo.State == DeliveryState.Delivered), saved.Count(a => a.Marketo.State == DeliveryState.Failed),
                Progress is null ? 0 : store.Count(true, DeliveryState.Pending));
        }
        return new DeliveryReport(delivered, failed, 0, 0, 0, held);
    }

    /// <summary>Activities left Sending: found in Marketo → delivered; not found → pending again. Null when done, else why it stopped.</summary>
    private async Task<string?> ReconcileMarketoAsync(CancellationToken ct)
    {
        var (typeIds, unreachable) = await TypeIdsOrStopAsync(ct).ConfigureAwait(false);
        if (typeIds is null) return unreachable;
        var budget = new CustomActivityClient.CallBudget(MaxMarketoLookupCalls);
        while (store.InState(true, DeliveryState.Sending, MarketoBatch) is { Count: > 0 } sending)
        {
            IReadOnlyDictionary<string, string> found;
            try
            {
                // Marketo files a custom activity under the date it was given: a backfill is looked for from then.
                found = await _custom.FindLoggedAsync(typeIds.Values.ToList(),
                    sending.Select(a => new CustomActivityClient.Sought(a.MarketoId, a.ActivityId, (a.OccurredAt < a.LoggedAt ? a.OccurredAt : a.LoggedAt) - TimeSpan.FromMinutes(5))).ToList(),
                    budget, ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e)
            {
                var given = GiveUp(sending, marketoSide: true, e.Message);
                return $"Marketo: could not check which activities arrived ({e.Message}); they are checked again before the next send.{given}";
            }
            var now = DateTimeOffset.UtcNow;
            // Not found yet, but sent within the grace period: it may still land, so it is not sent again yet.
            bool MayStillLand(SalesActivity a) => a.Marketo.At is { } sent && now - sent < grace.Marketo;
            var settled = sending.Where(a => found.ContainsKey(a.ActivityId) || !MayStillLand(a)).ToList();
            store.Save(settled.Select(a => found.TryGetValue(a.ActivityId, out var guid)
                ? a with { Marketo = new Delivery(DeliveryState.Delivered, guid, null, a.Marketo.Attempts, now) }
                : a with { Marketo = a.Marketo with { State = DeliveryState.Pending, UncheckedSince = null } }).ToList());
            EngineObserver.Current.Verbose($"Marketo: {settled.Count(a => found.ContainsKey(a.ActivityId))} of {sending.Count} activities with an unknown outcome had arrived; {settled.Count(a => !found.ContainsKey(a.ActivityId))} are sent again.");
            if (settled.Count < sending.Count)
                return $"Marketo: {sending.Count - settled.Count} activities sent moments ago have an unknown outcome and may still arrive; they are checked again after {sending.Where(MayStillLand).Max(a => a.Marketo.At!.Value) + grace.Marketo:u}.";
        }
        return null;
    }

    private static JsonObject MarketoRecord(SalesActivity a, IReadOnlyDictionary<SalesActivityFamily, int> typeIds)
    {
        var type = SalesActivityCatalog.TypeOf(a.Kind);
        var attributes = new JsonArray
        {
            new JsonObject { ["apiName"] = SalesActivityCatalog.Action.ApiName, ["value"] = SalesActivityCatalog.ActionOf(a.Kind) },
            new JsonObject { ["apiName"] = SalesActivityCatalog.ActivityIdAttribute, ["value"] = a.ActivityId },
        };
        foreach (var attribute in type.Attributes)
            if (attribute != SalesActivityCatalog.Action && attribute != SalesActivityCatalog.ActivityId && a.Attribute(attribute.ApiName) is { } value)
                attributes.Add(new JsonObject { ["apiName"] = attribute.ApiName, ["value"] = value });
        return new JsonObject
        {
            ["leadId"] = a.MarketoId,
            ["activityDate"] = a.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["activityTypeId"] = typeIds[type.Family],
            ["primaryAttributeValue"] = a.Attribute(type.Primary.ApiName) ?? SalesActivityCatalog.ActionOf(a.Kind),
            ["attributes"] = attributes,
        };
    }

    // ---------- Salesforce ----------

    private async Task<DeliveryReport> DeliverSalesforceAsync(bool all, CancellationToken ct)
    {
        if (salesforce is null) return new DeliveryReport(0, 0, 0, 0, 0, null);
        int delivered = 0, failed = 0;
        var held = store.Count(false, DeliveryState.Sending) > 0 ? await ReconcileSalesforceAsync(ct).ConfigureAwait(false) : null;
        var path = salesforce.DataPath("composite/sobjects");
        while (store.Count(false, DeliveryState.Pending) is var pending && pending > 0 && (all || pending >= SalesforceBatch))
        {
            IReadOnlyList<SalesActivity> next;
            IReadOnlyDictionary<string, TaskOwner?> owners;
            try
            {
                next = await OnConvertedContactsAsync(store.InState(false, DeliveryState.Pending, SalesforceBatch), ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Kind is not ApiFailureKind.Unauthorized)
            {
                return new DeliveryReport(0, 0, delivered, failed, 0, $"Salesforce: could not look up converted leads ({e.Message}).");
            }
            var fallbackId = settings.Activities.FallbackTaskOwnerId;
            try
            {
                owners = await _owners!.LookUpAsync(next.Select(a => a.SalesOwnerId).Append(fallbackId), ct).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e) when (e.Kind is not ApiFailureKind.Unauthorized)
            {
                return new DeliveryReport(0, 0, delivered, failed, 0, $"Salesforce: could not look up the tasks' owners ({e.Message}).");
            }
            // A Task owned by an inactive user is refused by Salesforce: it goes to the fallback owner, or fails
            // here, without a call, with a reason that says how to fix it.
            var plan = next.ToDictionary(a => a.ActivityId, a => OwnerOf(a, owners, fallbackId), StringComparer.Ordinal);
            var unowned = next.Where(a => plan[a.ActivityId].Refusal is not null).ToList();
            if (unowned.Count > 0)
            {
                var now = DateTimeOffset.UtcNow;
                store.Save(unowned.Select(a => a with { Salesforce = new Delivery(DeliveryState.Failed, null, plan[a.ActivityId].Refusal, a.Salesforce.Attempts, now) }).ToList());
                failed += unowned.Count;
                next = next.Where(a => plan[a.ActivityId].Refusal is null).ToList();
                if (next.Count == 0) continue;
            }
            var batch = MarkSending(next, marketoSide: false);
            var body = new JsonObject { ["allOrNone"] = false, ["records"] = new JsonArray(batch.Select(a => (JsonNode)SalesforceTask.Record(a, plan[a.ActivityId].Owner)).ToArray()) };
            JsonDocument response;
            try
            {
                response = await salesforce.WriteAsync(RestSharp.Method.Post, path, body.ToJsonString(), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Refused(e))
            {
                var rejected = e is SalesSyncApiException { Kind: ApiFailureKind.InvalidRequest };
                store.Save(batch.Select(a => a with
                {
                    Salesforce = rejected ? new Delivery(DeliveryState.Failed, null, $"Salesforce refused the request: {e.Message}", a.Salesforce.Attempts, DateTimeOffset.UtcNow)
                                          : a.Salesforce with { State = DeliveryState.Pending, UncheckedSince = null },
                }).ToList());
                if (rejected) return new DeliveryReport(0, 0, delivered, failed + batch.Count, 0, $"Salesforce rejected a batch of {batch.Count} tasks ({e.Message}); they are marked Failed.");
                if (e is SalesSyncApiException { Kind: ApiFailureKind.Unauthorized } denied)
                    throw new SalesSyncApiException(SalesforceClient.ServiceName, denied.Code, $"Salesforce refused the tasks: {denied.ApiMessage}", denied.Kind, denied);
                return new DeliveryReport(0, 0, delivered, failed, 0, $"Salesforce: {e.Message}");
            }
            catch (Exception e) when (e is SalesSyncApiException or OperationCanceledException)
            {
                EngineObserver.Current.Verbose($"Salesforce: the outcome of creating {batch.Count} tasks is unknown ({e.Message}); checking what arrived.");
                if (e is OperationCanceledException) throw;
                var stop = await ReconcileSalesforceAsync(ct).ConfigureAwait(false);
                return new DeliveryReport(0, 0, delivered, failed, 0, stop ?? $"Salesforce: {e.Message}");
            }
            using (response)
            {
                var results = response.RootElement.ValueKind == JsonValueKind.Array ? response.RootElement.EnumerateArray().ToList() : [];
                if (results.Count != batch.Count)
                {
                    // Not the documented answer: treat as unknown and look the tasks up.
                    var stop = await ReconcileSalesforceAsync(ct).ConfigureAwait(false);
                    return new DeliveryReport(0, 0, delivered, failed, 0, stop ?? "Salesforce: the collection answer did not match the request");
                }
                var now = DateTimeOffset.UtcNow;
                var saved = batch.Zip(results, (a, r) => SalesforceOutcome(a, r, now)).ToList();
                foreach (var a in saved.Where(a => a.Salesforce.Reason?.StartsWith(InactiveOwner, StringComparison.Ordinal) == true))
                    _owners!.Forget(plan[a.ActivityId].Owner?.Id ?? a.SalesOwnerId); // deactivated since it was read: read again next time
                store.Save(saved);
                delivered += saved.Count(a => a.Salesforce.State == DeliveryState.Delivered);
                failed += saved.Count(a => a.Salesforce.State == DeliveryState.Failed);
                Progress?.Delivered(marketo: false, saved.Count(a => a.Salesforce.State == DeliveryState.Delivered), saved.Count(a => a.Salesforce.State == DeliveryState.Failed),
                    Progress is null ? 0 : store.Count(false, DeliveryState.Pending));
                // Passing errors (row locks) go round again within this flush, bounded by their attempts.
            }
        }
        return new DeliveryReport(0, 0, delivered, failed, 0, held);
    }

    /// <summary>
    /// A lead converted in Salesforce (Marketo may not know yet) cannot take a task: its contact can, as
    /// Salesforce's docs advise. Before a batch is sent, the leads in it are looked up (one query per 200)
    /// and the converted ones are logged on their contact, account and opportunity instead.
    /// </summary>
    private async Task<IReadOnlyList<SalesActivity>> OnConvertedContactsAsync(IReadOnlyList<SalesActivity> batch, CancellationToken ct)
    {
        var unknown = batch.Where(a => a.SalesforceContactId is null && a.SalesforceLeadId is not null)
            .Select(a => People.SalesforceIds.To18(a.SalesforceLeadId)!).Distinct().Where(id => !_leadsChecked.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            foreach (var id in unknown) _leadsChecked[id] = null; // checked: not converted unless the query says so
            foreach (var chunk in Soql.InListChunks(unknown.Cast<object?>()))
                await foreach (var lead in salesforce!.QueryAsync($"SELECT Id, ConvertedContactId, ConvertedAccountId, ConvertedOpportunityId FROM Lead WHERE IsConverted = true AND Id IN {chunk}", false, ct).ConfigureAwait(false))
                {
                    string? Text(string name) => lead.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                    if (Text("Id") is { } id && Text("ConvertedContactId") is { } contact)
                        _leadsChecked[People.SalesforceIds.To18(id)!] = (contact, Text("ConvertedAccountId"), Text("ConvertedOpportunityId"));
                }
        }
        var contacts = batch.Where(a => a.SalesforceContactId is null && a.SalesforceLeadId is not null)
            .Select(a => People.SalesforceIds.To18(a.SalesforceLeadId)!).Distinct()
            .Where(id => _leadsChecked.TryGetValue(id, out var c) && c is not null).ToDictionary(id => id, id => _leadsChecked[id]!.Value, StringComparer.Ordinal);
        if (contacts.Count == 0) return batch;
        EngineObserver.Current.Verbose($"Salesforce: {contacts.Count} lead(s) in this batch were converted; their tasks go to the converted contacts.");
        return batch.Select(a => a.SalesforceContactId is null && a.SalesforceLeadId is { } lead && contacts.TryGetValue(People.SalesforceIds.To18(lead)!, out var c)
            ? a with { SalesforceContactId = c.Contact, SalesforceAccountId = c.Account ?? a.SalesforceAccountId, SalesforceOpportunityId = c.Opportunity ?? a.SalesforceOpportunityId }
            : a).ToList();
    }

    /// <summary>How Salesforce names a Task refused for its inactive owner (the reason of such a failed delivery begins with it).</summary>
    private const string InactiveOwner = "INACTIVE_OWNER_OR_USER";

    /// <summary>What a Task owned by an inactive user needs: a fallback owner, then a retry.</summary>
    private const string InactiveOwnerFix =
        "Set-SalesActivitySetting -FallbackTaskOwnerId <id of an active Salesforce user> gives such tasks that owner; then Sync-SalesActivity -RetryFailed sends them.";

    /// <summary>The Task's owner: the person's sales owner; when that user is inactive, the fallback owner; neither: why not (the failure reason).</summary>
    private static (TaskOwner? Owner, string? Refusal) OwnerOf(SalesActivity a, IReadOnlyDictionary<string, TaskOwner?> owners, string? fallbackId)
    {
        var owner = People.SalesforceIds.To18(a.SalesOwnerId) is { } id ? owners.GetValueOrDefault(id) : null;
        if (owner is null || owner.IsActive) return (owner, null); // not a user (a queue) or unknown: Salesforce decides
        var fallback = People.SalesforceIds.To18(fallbackId) is { } f ? owners.GetValueOrDefault(f) : null;
        if (fallback is { IsActive: true }) return (fallback, null);
        return (null, fallbackId is null
            ? $"{InactiveOwner}: the Salesforce owner {a.SalesOwnerId} of Marketo person {a.MarketoId} is an inactive user, and no fallback task owner is set. {InactiveOwnerFix}"
            : $"{InactiveOwner}: the Salesforce owner {a.SalesOwnerId} of Marketo person {a.MarketoId} is an inactive user, and so is the fallback task owner {fallbackId}. {InactiveOwnerFix}");
    }

    private static SalesActivity SalesforceOutcome(SalesActivity a, JsonElement result, DateTimeOffset now)
    {
        if (result.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.True)
            return a with { Salesforce = new Delivery(DeliveryState.Delivered, result.TryGetProperty("id", out var id) ? id.GetString() : null, null, a.Salesforce.Attempts, now) };
        var error = result.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0 ? errors[0] : default;
        string? Text(string name) => error.ValueKind == JsonValueKind.Object && error.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var code = Text("statusCode") ?? Text("errorCode") ?? "UNKNOWN";
        var reason = code == InactiveOwner ? $"{code}: {Text("message")}. {InactiveOwnerFix}" : $"{code}: {Text("message")}";
        var passes = PassingSalesforceErrors.Contains(code) && a.Salesforce.Attempts < MaxSalesforceAttempts;
        return a with { Salesforce = new Delivery(passes ? DeliveryState.Pending : DeliveryState.Failed, null, reason, a.Salesforce.Attempts, now) };
    }

    /// <summary>
    /// Tasks left Sending, looked up by who they are for (WhoId, indexed) and when they were made (CreatedDate from
    /// the send less a margin): found with SalesSync's activity id at the end of the subject and the same WhoId (or the
    /// contact a lead was converted to since) → delivered; not found → pending again. One query per 200 activities, and
    /// for leads not found one more for their conversions (more only when one person's tasks since the send fill pages).
    /// </summary>
    private async Task<string?> ReconcileSalesforceAsync(CancellationToken ct)
    {
        while (store.InState(false, DeliveryState.Sending, SalesforceBatch) is { Count: > 0 } sending)
        {
            static string? Who(SalesActivity a) => People.SalesforceIds.To18(a.SalesforceContactId ?? a.SalesforceLeadId);
            var since = sending.Min(a => a.Salesforce.At ?? a.LoggedAt) - SalesforceLookupMargin;
            var sinceLiteral = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            var found = new Dictionary<string, string>(StringComparer.Ordinal);
            try
            {
                async Task FindTasksAsync(IEnumerable<string> whoIds, IReadOnlyDictionary<string, List<string>>? leadsOfContact)
                {
                    foreach (var chunk in Soql.InListChunks(whoIds.Distinct(StringComparer.Ordinal).Cast<object?>()))
                        await foreach (var task in salesforce!.QueryAsync($"SELECT Id, Subject, WhoId FROM Task WHERE WhoId IN {chunk} AND CreatedDate >= {sinceLiteral}", includeDeleted: true, ct).ConfigureAwait(false))
                        {
                            string? Text(string name) => task.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
                            if (SalesforceTask.ActivityIdOf(Text("Subject")) is not { } activityId || Text("Id") is not { } id) continue;
                            var who = People.SalesforceIds.To18(Text("WhoId"));
                            var sentTo = who is not null && leadsOfContact?.GetValueOrDefault(who) is { } leads ? leads : [who];
                            foreach (var person in sentTo) found[$"{activityId}|{person}"] = id;
                        }
                }
                await FindTasksAsync(sending.Select(Who).OfType<string>(), null).ConfigureAwait(false);
                // A lead converted since the send: Salesforce moved its tasks to the contact, so look there too (else the
                // task would read as lost and be sent again).
                var leadsNotFound = sending.Where(a => a.SalesforceContactId is null && !found.ContainsKey($"{a.ActivityId}|{Who(a)}"))
                    .Select(Who).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                // Several leads may have been converted into one contact: each lead's tasks are looked for there.
                var leadsOfContact = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                foreach (var chunk in Soql.InListChunks(leadsNotFound.Cast<object?>()))
                    await foreach (var lead in salesforce!.QueryAsync($"SELECT Id, ConvertedContactId FROM Lead WHERE Id IN {chunk} AND IsConverted = true", includeDeleted: false, ct).ConfigureAwait(false))
                        if (People.SalesforceIds.To18(lead.TryGetProperty("ConvertedContactId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null) is { } contact
                            && People.SalesforceIds.To18(lead.TryGetProperty("Id", out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null) is { } leadId)
                            (leadsOfContact.TryGetValue(contact, out var leads) ? leads : leadsOfContact[contact] = []).Add(leadId);
                if (leadsOfContact.Count > 0) await FindTasksAsync(leadsOfContact.Keys, leadsOfContact).ConfigureAwait(false);
            }
            catch (SalesSyncApiException e)
            {
                var given = GiveUp(sending, marketoSide: false, e.Message);
                return $"Salesforce: could not check which tasks arrived ({e.Message}); they are checked again before the next send.{given}";
            }
            var now = DateTimeOffset.UtcNow;
            string? TaskOf(SalesActivity a) => found.TryGetValue($"{a.ActivityId}|{Who(a)}", out var id) ? id : null;
            // Salesforce may go on with a request for minutes after the client gave up: not found yet is not "lost" yet.
            bool MayStillLand(SalesActivity a) => a.Salesforce.At is { } sent && now - sent < grace.Salesforce;
            var settled = sending.Where(a => TaskOf(a) is not null || !MayStillLand(a)).ToList();
            store.Save(settled.Select(a => TaskOf(a) is { } id
                ? a with { Salesforce = new Delivery(DeliveryState.Delivered, id, null, a.Salesforce.Attempts, now) }
                : a with { Salesforce = a.Salesforce with { State = DeliveryState.Pending, UncheckedSince = null } }).ToList());
            var arrived = settled.Count(a => TaskOf(a) is not null);
            EngineObserver.Current.Verbose($"Salesforce: {arrived} of {sending.Count} tasks with an unknown outcome had arrived; {settled.Count - arrived} are sent again.");
            if (settled.Count < sending.Count)
                return $"Salesforce: {sending.Count - settled.Count} tasks sent moments ago have an unknown outcome and may still arrive; they are checked again after {sending.Where(MayStillLand).Max(a => a.Salesforce.At!.Value) + grace.Salesforce:u}.";
        }
        return null;
    }

    // ---------- shared ----------

    /// <summary>
    /// Unknown outcomes that no lookup could settle within <see cref="Connection.OutcomeGrace.GiveUpAfter"/>
    /// become Failed as unconfirmed (the reason says how to check and resend), so they stop being looked up on
    /// every delivery. Returns a sentence for the stop message, or "".
    /// </summary>
    private string GiveUp(IReadOnlyList<SalesActivity> sending, bool marketoSide, string why)
    {
        var now = DateTimeOffset.UtcNow;
        Delivery Of(SalesActivity a) => marketoSide ? a.Marketo : a.Salesforce;
        SalesActivity With(SalesActivity a, Delivery d) => marketoSide ? a with { Marketo = d } : a with { Salesforce = d };
        // The clock starts at the first failed lookup: one failure long after the send is not a day of failures.
        bool Stale(SalesActivity a) => now - (Of(a).UncheckedSince ?? now) >= grace.GiveUpAfter;
        var stale = sending.Where(Stale).ToList();
        var first = sending.Where(a => Of(a).UncheckedSince is null && !Stale(a)).ToList();
        string Reason(SalesActivity a) =>
            $"{UnconfirmedPrefix} sent {Of(a).At:u}, but whether it arrived could not be checked for {grace.GiveUpAfter.TotalHours:0.#} h ({why}). " +
            $"Sync-SalesActivity -RetryFailed looks for SalesSync activity id {a.ActivityId} in {(marketoSide ? "Marketo's activity log" : "Salesforce's Tasks")} again and sends it only if it is not there.";
        store.Save(first.Select(a => With(a, Of(a) with { UncheckedSince = now }))
            .Concat(stale.Select(a => With(a, Of(a) with { State = DeliveryState.Failed, Reason = Reason(a), UncheckedSince = null }))).ToList());
        return stale.Count == 0 ? "" : $" {stale.Count} whose outcome stayed unconfirmable for {grace.GiveUpAfter.TotalHours:0.#} h are marked Failed (unconfirmed).";
    }

    /// <summary>How the reason of an activity given up as unconfirmed begins.</summary>
    public const string UnconfirmedPrefix = "Unconfirmed:";

    private List<SalesActivity> MarkSending(IReadOnlyList<SalesActivity> batch, bool marketoSide)
    {
        var now = DateTimeOffset.UtcNow;
        var sending = batch.Select(a => marketoSide
            ? a with { Marketo = a.Marketo with { State = DeliveryState.Sending, Attempts = a.Marketo.Attempts + 1, At = now, UncheckedSince = null } }
            : a with { Salesforce = a.Salesforce with { State = DeliveryState.Sending, Attempts = a.Salesforce.Attempts + 1, At = now, UncheckedSince = null } }).ToList();
        store.Save(sending); // saved before the call: a crash during it leaves them to be looked up, never blindly resent
        return sending;
    }

    /// <summary>Failures that prove the call did nothing: a spent quota, throttling that outlasted the retries, a rejected request.</summary>
    private static bool Refused(Exception e) => e is SalesSyncApiException
    {
        Kind: ApiFailureKind.QuotaExhausted or ApiFailureKind.Throttled or ApiFailureKind.InvalidRequest or ApiFailureKind.Unauthorized,
    };
}
