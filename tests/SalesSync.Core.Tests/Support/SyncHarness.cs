using System.Globalization;
using SalesSync.Core.Connection;
using SalesSync.Core.People;
using SalesSync.Sandbox.Data;
using SalesSync.Core.Http;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Tests.Support;

/// <summary>What the people-sync tests share: connection settings for a sandbox, and a run collected whole.</summary>
internal static class SyncHarness
{
    /// <summary>Settings for the sandbox with the instance's full limits, fast retries and a database in <paramref name="temp"/>.</summary>
    public static ConnectionSettings Settings(RunningSandbox sb, TempFolder temp, bool salesforce) => new()
    {
        MarketoUri = sb.Marketo,
        MarketoClientId = sb.Host.State.Marketo.ClientId,
        MarketoClientSecret = new Secret(sb.Host.State.Marketo.ClientSecret),
        SalesforceUri = salesforce ? sb.Salesforce : null,
        SalesforceClientId = salesforce ? sb.Host.State.Salesforce.ClientId : null,
        SalesforceClientSecret = salesforce ? new Secret(sb.Host.State.Salesforce.ClientSecret) : null,
        DatabasePath = temp.File("sync.db"),
        MarketoLimits = new() { CallsPerWindow = 100, ConcurrentCalls = 10, DailyCallBudget = 0 },
        Retry = RunningSandbox.FastRetry,
    };

    /// <summary>Runs a sync to its end: the last run object and every change it reported.</summary>
    public static async Task<(SyncRunResult Run, List<PersonChanged> Changes)> SyncAsync(SalesSyncSession session, SyncOptions options, CancellationToken ct = default)
    {
        var changes = new List<PersonChanged>();
        SyncRunResult? run = null;
        await foreach (var output in session.SyncPeopleAsync(options with { ReportChanges = true }, ct))
        {
            if (output is PersonChanged c) changes.Add(c);
            if (output is SyncFinished f) run = f.Run;
        }
        return (run!, changes);
    }

    /// <summary>
    /// What the sync must hold: the eligible people (members of <paramref name="listId"/>, or everyone when null),
    /// with the values Marketo holds and the contact's opportunity.
    /// </summary>
    public static Dictionary<long, PersonRecord> GroundTruth(RunningSandbox sb, long? listId)
    {
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var opportunities = world.Salesforce.All("Opportunity").ToDictionary(o => o.Id);
            var best = world.Salesforce.All("OpportunityContactRole").Where(r => r["IsDeleted"] is not true)
                .GroupBy(r => (string)r["ContactId"]!)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(r => r["IsPrimary"] is true)
                    .ThenByDescending(r => (DateTimeOffset)opportunities[(string)r["OpportunityId"]!]["LastModifiedDate"]!)
                    .ThenByDescending(r => (string)r["OpportunityId"]!, StringComparer.Ordinal).First());
            var truth = new Dictionary<long, PersonRecord>();
            var people = listId is { } list ? world.Lists[(int)list].Members.Select(id => world.FindPerson(id)!) : world.People;
            foreach (var p in people)
            {
                string? S(string f) => MarketoPerson.AsLogString(p[f]);
                var type = S("sfdcType");
                if (type is not ("Lead" or "Contact") || string.IsNullOrEmpty(S("sfdcLeadOwnerId"))) continue;
                truth[p.Id] = new PersonRecord
                {
                    MarketoId = p.Id, FirstName = S("firstName"), LastName = S("lastName"), Email = S("email"), Company = S("company"),
                    Title = S("title"), Phone = S("phone"), LinkedInUrl = S("linkedInProfileURL"), Source = S("leadSource"),
                    SalesforceType = type, SalesforceLeadId = S("sfdcLeadId"), SalesforceContactId = S("sfdcContactId"),
                    SalesforceAccountId = S("sfdcAccountId"), SalesOwnerId = S("sfdcLeadOwnerId"), Unsubscribed = p.Unsubscribed,
                    SalesforceOpportunityId = type == "Contact" && S("sfdcContactId") is { } c && best.TryGetValue(c, out var role) ? (string)role["OpportunityId"]! : null,
                    MarketoUpdatedAt = p["updatedAt"] is DateTimeOffset u ? DateTimeOffset.Parse(u.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : null,
                };
            }
            return truth;
        }
    }

    /// <param name="onlyUnsyncedFieldsChanged">
    /// People whose changes since the last run touched no synced field: an incremental run rightly does not fetch
    /// them, so their MarketoUpdatedAt (which Marketo moved) is the one the run before read.
    /// </param>
    public static void AssertMatchesTruth(RunningSandbox sb, SalesSyncSession session, long? listId, IReadOnlyCollection<long>? onlyUnsyncedFieldsChanged = null)
    {
        var truth = GroundTruth(sb, listId);
        var synced = session.GetPeople(PersonQuery.All).ToList();
        Assert.Equal(truth.Keys.Order(), synced.Select(p => p.MarketoId));
        foreach (var person in synced)
        {
            var expected = truth[person.MarketoId];
            if (onlyUnsyncedFieldsChanged?.Contains(person.MarketoId) == true) expected = expected with { MarketoUpdatedAt = person.MarketoUpdatedAt };
            Assert.Equal(expected, person with { SyncedAt = default });
        }
        Assert.Contains(synced, p => p.SalesforceOpportunityId is not null);
    }
}
