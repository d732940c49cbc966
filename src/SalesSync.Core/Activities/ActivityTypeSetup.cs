using SalesSync.Core.Diagnostics;
using SalesSync.Core.Marketo;

namespace SalesSync.Core.Activities;

/// <summary>What Install-SalesActivityType found or did for one type.</summary>
public sealed record ActivityTypeStatus(string ApiName, string Name, int? MarketoId, string State, string Action, IReadOnlyList<string> AddedAttributes);

/// <summary>Why sales activities cannot be sent or logged as asked.</summary>
public enum ActivityFailureReason
{
    TypesNotInstalled,
    PersonNotSynced,
    AmbiguousEmail,
    MissingPerson,
    MissingAttribute,
    UnknownAttribute,
    InvalidValue,
    ValueTooLong,

    /// <summary>The caller's ActivityId was logged by another runspace or process between the check and the store.</summary>
    DuplicateActivityId,

    /// <summary>The caller's ActivityId is already logged for a different activity (another person, kind or attributes).</summary>
    ActivityIdReused,
}

public sealed class SalesActivityException(ActivityFailureReason reason, string message) : Exception(message)
{
    public ActivityFailureReason Reason { get; } = reason;

    /// <summary>The offending value (an id, a date, an attribute's text), for the caller's error record; null when it is the whole request.</summary>
    public object? Value { get; init; }
}

/// <summary>
/// SalesSync's three custom activity types in Marketo: an idempotent install (creates what is missing,
/// adds missing attributes, approves) and the check a send makes first (each type approved with every
/// attribute live). Marketo allows 10 custom types and 20 attributes per type for all integrations together.
/// </summary>
internal sealed class ActivityTypeSetup(MarketoClient marketo)
{
    private readonly CustomActivityClient _api = new(marketo);

    /// <summary>
    /// The type ids a connection (its Marketo client) found ready: checked once per connection, so a loop of
    /// single sends does not pay four calls each; forgotten when Marketo refuses a type, or after an install.
    /// </summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MarketoClient, ReadyTypes> Ready = new();

    private sealed class ReadyTypes
    {
        public volatile IReadOnlyDictionary<SalesActivityFamily, int>? Ids;
    }

    /// <summary>The checked type ids of this connection, checking them (one call plus one per type) only the first time.</summary>
    public async Task<IReadOnlyDictionary<SalesActivityFamily, int>> ReadyIdsAsync(CancellationToken ct)
    {
        var ready = Ready.GetOrCreateValue(marketo);
        if (ready.Ids is { } known) return known;
        var ids = await RequireAsync(ct).ConfigureAwait(false);
        ready.Ids = ids;
        return ids;
    }

    /// <summary>Forgets the checked type ids (Marketo refused a type, or they were just installed): the next send checks again.</summary>
    public void Forget() => Ready.GetOrCreateValue(marketo).Ids = null;

    public async Task<IReadOnlyList<ActivityTypeStatus>> InstallAsync(bool whatIf, CancellationToken ct)
    {
        if (!whatIf) Forget();
        var existing = (await _api.GetTypesAsync(ct).ConfigureAwait(false)).ToDictionary(t => t.ApiName, StringComparer.OrdinalIgnoreCase);
        var results = new List<ActivityTypeStatus>();
        foreach (var type in SalesActivityCatalog.Types)
        {
            var wanted = type.Attributes.Select(a => a.ApiName).ToList();
            if (!existing.TryGetValue(type.ApiName, out var found))
            {
                if (!whatIf)
                {
                    await _api.CreateTypeAsync(type, ct).ConfigureAwait(false);
                    await _api.CreateAttributesAsync(type.ApiName, type.Attributes, ct).ConfigureAwait(false);
                    await _api.ApproveAsync(type.ApiName, ct).ConfigureAwait(false);
                    EngineObserver.Current.Verbose($"Created and approved custom activity type {type.ApiName} with {type.Attributes.Count} attributes.");
                }
                var created = whatIf ? null : (await _api.GetTypesAsync(ct).ConfigureAwait(false)).FirstOrDefault(t => t.ApiName.Equals(type.ApiName, StringComparison.OrdinalIgnoreCase));
                results.Add(new ActivityTypeStatus(type.ApiName, type.Name, created?.Id, created?.Status ?? "missing", whatIf ? "WouldCreate" : "Created", wanted));
                continue;
            }
            var present = await _api.AttributeNamesAsync(type.ApiName, draft: found.HasDraft, ct).ConfigureAwait(false);
            var missing = type.Attributes.Where(a => !present.Contains(a.ApiName)).ToList();
            if (missing.Count == 0 && found.IsApproved && !found.HasDraft)
            {
                results.Add(new ActivityTypeStatus(type.ApiName, type.Name, found.Id, found.Status, "Exists", []));
                continue;
            }
            if (!whatIf)
            {
                if (missing.Count > 0) await _api.CreateAttributesAsync(type.ApiName, missing, ct).ConfigureAwait(false);
                await _api.ApproveAsync(type.ApiName, ct).ConfigureAwait(false);
                EngineObserver.Current.Verbose($"Custom activity type {type.ApiName}: {(missing.Count > 0 ? $"added {string.Join(", ", missing.Select(a => a.ApiName))} and " : "")}approved.");
            }
            results.Add(new ActivityTypeStatus(type.ApiName, type.Name, found.Id, whatIf ? found.Status : "approved",
                whatIf ? (missing.Count > 0 ? "WouldAddAttributes" : "WouldApprove") : (missing.Count > 0 ? "AttributesAdded" : "Approved"), missing.Select(a => a.ApiName).ToList()));
        }
        return results;
    }

    /// <summary>
    /// The Marketo type id of each family, once each type is approved with all of SalesSync's attributes live;
    /// otherwise a clear error naming Install-SalesActivityType. Costs one call plus one per type.
    /// </summary>
    public async Task<IReadOnlyDictionary<SalesActivityFamily, int>> RequireAsync(CancellationToken ct)
    {
        var existing = (await _api.GetTypesAsync(ct).ConfigureAwait(false)).ToDictionary(t => t.ApiName, StringComparer.OrdinalIgnoreCase);
        var ids = new Dictionary<SalesActivityFamily, int>();
        var problems = new List<string>();
        foreach (var type in SalesActivityCatalog.Types)
        {
            if (!existing.TryGetValue(type.ApiName, out var found)) { problems.Add($"{type.ApiName} does not exist"); continue; }
            if (!found.IsApproved) { problems.Add($"{type.ApiName} is not approved ({found.Status})"); continue; }
            var live = await _api.AttributeNamesAsync(type.ApiName, draft: false, ct).ConfigureAwait(false);
            var missing = type.Attributes.Where(a => !live.Contains(a.ApiName)).Select(a => a.ApiName).ToList();
            if (missing.Count > 0) { problems.Add($"{type.ApiName} lacks {string.Join(", ", missing)}"); continue; }
            ids[type.Family] = found.Id;
        }
        if (problems.Count > 0)
            throw new SalesActivityException(ActivityFailureReason.TypesNotInstalled,
                $"SalesSync's custom activity types are not ready in Marketo ({string.Join("; ", problems)}). Run Install-SalesActivityType (try -WhatIf first), then send again.");
        return ids;
    }
}
