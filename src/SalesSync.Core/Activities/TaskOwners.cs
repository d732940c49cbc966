using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;

namespace SalesSync.Core.Activities;

/// <summary>A Salesforce user as a Task owner: active or not, and the time zone the Task's date is in (null: unknown).</summary>
internal sealed record TaskOwner(string Id, bool IsActive, TimeZoneInfo? TimeZone);

/// <summary>
/// The Salesforce users that own Tasks: whether each is active (Salesforce refuses a Task owned by an inactive
/// user) and its time zone (TimeZoneSidKey: a Task's ActivityDate is a day in its owner's zone). Read with one
/// query per 200 users and kept for the connection (its Salesforce client); a user Salesforce later reports
/// inactive is read again.
/// </summary>
internal sealed class TaskOwners(SalesforceClient salesforce)
{
    private static readonly ConditionalWeakTable<SalesforceClient, ConcurrentDictionary<string, TaskOwner?>> Known = new();

    private ConcurrentDictionary<string, TaskOwner?> Cache => Known.GetOrCreateValue(salesforce);

    /// <summary>The users among these ids (15 or 18 characters; others are left out), by 18-character id; null for an id that is no user.</summary>
    public async Task<IReadOnlyDictionary<string, TaskOwner?>> LookUpAsync(IEnumerable<string?> ids, CancellationToken ct)
    {
        var wanted = ids.Select(SalesforceIds.To18).OfType<string>().Where(id => id.Length == 18).Distinct(StringComparer.Ordinal).ToList();
        var unknown = wanted.Where(id => !Cache.ContainsKey(id)).ToList();
        if (unknown.Count > 0)
        {
            var found = new Dictionary<string, TaskOwner>(StringComparer.Ordinal);
            foreach (var chunk in Soql.InListChunks(unknown.Cast<object?>()))
                await foreach (var user in salesforce.QueryAsync($"SELECT Id, IsActive, TimeZoneSidKey FROM User WHERE Id IN {chunk}", false, ct).ConfigureAwait(false))
                {
                    if (!user.TryGetProperty("Id", out var id) || SalesforceIds.To18(id.GetString()) is not { } userId) continue;
                    var active = !user.TryGetProperty("IsActive", out var a) || a.ValueKind != JsonValueKind.False;
                    var zone = user.TryGetProperty("TimeZoneSidKey", out var z) && z.ValueKind == JsonValueKind.String ? Zone(z.GetString()) : null;
                    found[userId] = new TaskOwner(userId, active, zone);
                }
            // Cached only once every chunk answered: a failed query leaves nothing half-known.
            foreach (var id in unknown) Cache[id] = found.GetValueOrDefault(id);
        }
        return wanted.ToDictionary(id => id, id => Cache.GetValueOrDefault(id), StringComparer.Ordinal);
    }

    /// <summary>
    /// Checks a user id for the fallback Task owner: 15 or 18 letters and digits, a User (005…), active in
    /// Salesforce (read fresh). Returns its 18-character id; a <see cref="SalesActivityException"/> says what is wrong.
    /// </summary>
    public async Task<string> CheckActiveAsync(string userId, CancellationToken ct)
    {
        var id = userId.Trim();
        if (id.Length is not (15 or 18) || !id.All(char.IsAsciiLetterOrDigit) || !id.StartsWith("005", StringComparison.Ordinal))
            throw new SalesActivityException(ActivityFailureReason.InvalidValue,
                $"'{userId}' is not a Salesforce user id (15 or 18 letters and digits starting with 005).");
        var full = SalesforceIds.To18(id)!;
        Cache.TryRemove(full, out _);
        var owner = (await LookUpAsync([full], ct).ConfigureAwait(false))[full];
        if (owner is null)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"Salesforce has no user {id}.");
        if (!owner.IsActive)
            throw new SalesActivityException(ActivityFailureReason.InvalidValue, $"Salesforce user {id} is inactive; a Task owner must be an active user.");
        return full;
    }

    /// <summary>Salesforce refused a Task of this owner (inactive): it is read again next time.</summary>
    public void Forget(string? id)
    {
        if (SalesforceIds.To18(id) is { } key) Cache.TryRemove(key, out _);
    }

    /// <summary>The zone of a TimeZoneSidKey (IANA names such as America/Los_Angeles, and GMT); null when this machine does not know it.</summary>
    public static TimeZoneInfo? Zone(string? sidKey) =>
        !string.IsNullOrEmpty(sidKey) && TimeZoneInfo.TryFindSystemTimeZoneById(sidKey, out var zone) ? zone : null;
}
