using System.Text.Json;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Sync;

/// <summary>
/// Reads the Salesforce Users that own the people a run sees (Name, Email, IsActive), once per run: one query per
/// chunk of new owner ids (<see cref="Soql.InListChunks"/>), the answer kept with <see cref="PeopleStore.SaveOwners"/>.
/// Only user ids (005…) are asked; a queue owner has no name here. Created per run, so each run reads its owners
/// fresh; a run without Salesforce has no reader, and what earlier runs read stays as it was.
/// </summary>
internal sealed class SalesOwnerReader(SalesforceClient salesforce, PeopleStore people)
{
    private const string UserPrefix = "005";
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Reads the owners among these ids that this run has not read yet.</summary>
    public async Task ReadAsync(IEnumerable<string?> ownerIds, CancellationToken ct)
    {
        var wanted = ownerIds.Where(SalesforceIds.IsId).Select(id => SalesforceIds.To18(id)!)
            .Where(id => id.StartsWith(UserPrefix, StringComparison.Ordinal) && !_read.Contains(id)).Distinct(StringComparer.Ordinal).ToList();
        if (wanted.Count == 0) return;
        var found = new List<SalesOwner>();
        var now = DateTimeOffset.UtcNow;
        // A failure stops the page like a failed opportunity read (the run resumes there); nothing is saved half-read.
        foreach (var chunk in Soql.InListChunks(wanted.Cast<object?>()))
            await foreach (var user in salesforce.QueryAsync($"SELECT Id, Name, Email, IsActive FROM User WHERE Id IN {chunk}", false, ct).ConfigureAwait(false))
                if (Read(user, now) is { } owner) found.Add(owner);
        people.SaveOwners(found, wanted);
        _read.UnionWith(wanted);
    }

    /// <summary>One User row of the owner query (IsActive missing reads as active).</summary>
    internal static SalesOwner? Read(JsonElement user, DateTimeOffset readAt)
    {
        string? Str(string name) => user.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        if (SalesforceIds.To18(Str("Id")) is not { Length: 18 } id) return null;
        var active = !user.TryGetProperty("IsActive", out var a) || a.ValueKind != JsonValueKind.False;
        return new SalesOwner(id, Str("Name"), Str("Email"), active, readAt);
    }
}
