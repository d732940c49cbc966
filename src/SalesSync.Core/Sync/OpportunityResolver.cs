using System.Globalization;
using System.Text.Json;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;

namespace SalesSync.Core.Sync;

/// <summary>
/// A contact's opportunity, from Salesforce's OpportunityContactRole: the role marked IsPrimary; if none
/// is, the role whose opportunity was modified last (ties: the greater opportunity id). Leads and
/// contacts without a role have none.
/// </summary>
internal static class OpportunityResolver
{
    private sealed record Candidate(bool Primary, DateTimeOffset Modified, string OpportunityId);

    /// <summary>Looks up the roles of the given contacts (chunked IN lists); keys are 18-character contact ids.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ForContactsAsync(SalesforceClient salesforce, IEnumerable<string> contactIds, CancellationToken ct)
    {
        var ids = contactIds.Where(SalesforceIds.IsId).Select(id => SalesforceIds.To18(id)!).Distinct(StringComparer.Ordinal).ToList();
        var best = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        if (ids.Count == 0) return new Dictionary<string, string>();
        foreach (var chunk in Soql.InListChunks(ids.Cast<object?>()))
        {
            var soql = $"SELECT ContactId, OpportunityId, IsPrimary, Opportunity.LastModifiedDate FROM OpportunityContactRole WHERE ContactId IN {chunk}";
            await foreach (var role in salesforce.QueryAsync(soql, includeDeleted: false, ct).ConfigureAwait(false))
            {
                if (Read(role) is not ({ } contact, { } candidate)) continue;
                if (!best.TryGetValue(contact, out var current) || Better(candidate, current)) best[contact] = candidate;
            }
        }
        return best.ToDictionary(p => p.Key, p => p.Value.OpportunityId, StringComparer.Ordinal);
    }

    private static bool Better(Candidate a, Candidate b)
    {
        if (a.Primary != b.Primary) return a.Primary;
        if (a.Modified != b.Modified) return a.Modified > b.Modified;
        return string.CompareOrdinal(a.OpportunityId, b.OpportunityId) > 0;
    }

    private static (string? Contact, Candidate? Candidate) Read(JsonElement role)
    {
        string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var contact = SalesforceIds.To18(Str(role, "ContactId"));
        var opportunity = Str(role, "OpportunityId");
        if (contact is null || opportunity is null) return (null, null);
        var primary = role.TryGetProperty("IsPrimary", out var p) && p.ValueKind == JsonValueKind.True;
        var modified = role.TryGetProperty("Opportunity", out var opp) && opp.ValueKind == JsonValueKind.Object
            && Str(opp, "LastModifiedDate") is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue;
        return (contact, new Candidate(primary, modified, SalesforceIds.To18(opportunity)!));
    }
}
