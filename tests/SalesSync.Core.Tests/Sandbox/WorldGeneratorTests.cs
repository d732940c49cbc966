using System.Text.Json;
using SalesSync.Sandbox.Control;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Core.Tests.Sandbox;

public class WorldGeneratorTests
{
    private static string Fingerprint(SandboxWorld world)
    {
        var people = world.People.Select(p => ControlApi.GroundTruth(p).ToJsonString(SandboxJson.Options));
        var sf = SalesforceSchema.Types.Keys.Order().SelectMany(t => world.Salesforce.All(t))
            .Select(r => JsonSerializer.Serialize(r.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key, kv => kv.Value?.ToString())));
        return string.Join('\n', people.Concat(sf));
    }

    [Fact]
    public void SameSeedGivesTheSameWorld()
    {
        Assert.Equal(Fingerprint(WorldGenerator.Generate(3000, 5)), Fingerprint(WorldGenerator.Generate(3000, 5)));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWorlds()
    {
        Assert.NotEqual(Fingerprint(WorldGenerator.Generate(500, 1)), Fingerprint(WorldGenerator.Generate(500, 2)));
    }

    [Fact]
    public void EverySalesforceIdOnTheMarketoSideResolves()
    {
        var world = WorldGenerator.Generate(5000, 9);
        var sf = world.Salesforce;
        foreach (var p in world.People)
        {
            var type = p["sfdcType"] as string;
            if (p["sfdcLeadId"] is string leadId)
            {
                var lead = sf.Find(leadId);
                Assert.NotNull(lead);
                Assert.Equal("Lead", lead!.Type);
                Assert.Equal(p.Email, lead["Email"]);
                Assert.Equal(lead["OwnerId"], p["sfdcLeadOwnerId"]);
            }
            if (p["sfdcContactId"] is string contactId)
            {
                var contact = sf.Find(contactId);
                Assert.NotNull(contact);
                Assert.Equal("Contact", contact!.Type);
                Assert.Equal(contact["AccountId"], p["sfdcAccountId"]);
                Assert.Equal(contact["OwnerId"], p["sfdcLeadOwnerId"]);
            }
            if (p["sfdcAccountId"] is string accountId) Assert.Equal("Account", sf.Find(accountId)?.Type);
            if (p["sfdcLeadOwnerId"] is string ownerId) Assert.Equal("User", sf.Find(ownerId)?.Type);
            Assert.Equal(type is not null, p["sfdcLeadOwnerId"] is not null);
            Assert.Null(p["sfdcId"]);
        }
        foreach (var role in sf.All("OpportunityContactRole"))
        {
            Assert.Equal("Opportunity", sf.Find((string)role["OpportunityId"]!)?.Type);
            Assert.Equal("Contact", sf.Find((string)role["ContactId"]!)?.Type);
        }
        Assert.NotEmpty(sf.All("OpportunityContactRole"));
    }

    [Fact]
    public void TheWorldHasTheDocumentedShape()
    {
        var world = WorldGenerator.Generate(10_000, 3);
        var people = world.People.ToList();
        var owned = people.Count(p => p["sfdcLeadOwnerId"] is not null) / (double)people.Count;
        Assert.InRange(owned, 0.55, 0.65);

        var duplicateRecords = people.GroupBy(p => p.Email!, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Sum(g => g.Count() - 1);
        Assert.InRange(duplicateRecords / (double)people.Count, 0.01, 0.03);

        // Durable unsubscribe: every record with the same email has the same status.
        Assert.All(people.GroupBy(p => p.Email!, StringComparer.OrdinalIgnoreCase), g => Assert.Single(g.Select(p => p.Unsubscribed).Distinct()));
        Assert.InRange(people.Count(p => p.Unsubscribed) / (double)people.Count, 0.03, 0.15);

        var years = people.Select(p => ((DateTimeOffset)p["createdAt"]!).Year).Distinct().Count();
        Assert.True(years >= 8, $"createdAt spans only {years} years");
        Assert.Contains(people, p => ((string)p["firstName"]!).Contains('明'));
        Assert.Contains(people, p => ((string)p["firstName"]!).Contains("🚀"));
        Assert.Contains(people, p => p["company"] is string c && c.Contains(',') && c.Contains('"') && c.Contains('\n'));
        Assert.Contains(people, p => p["title"] is string t && t.Contains('\n'));
        Assert.Contains(people, p => p["company"] is string c && c.Length == 255);
        Assert.Contains(people, p => p["linkedInProfileURL"] is string);
        Assert.Contains(people, p => p["leadSource"] is string);
        Assert.Contains(people, p => p["sfdcType"] is "Lead");
        Assert.Contains(people, p => p["sfdcType"] is "Contact");
        Assert.Contains(people, p => p["sfdcType"] is null);
    }

    [Fact]
    public void OneHundredThousandPeopleGenerate()
    {
        var world = WorldGenerator.Generate(100_000, 1);
        Assert.Equal(100_000, world.PeopleCount);
    }
}
