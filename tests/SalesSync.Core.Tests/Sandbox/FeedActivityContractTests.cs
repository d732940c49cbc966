using System.Globalization;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// The sandbox's person-feed activities (issue 17) over raw HTTP: the types as Adobe lists them, a deterministic world
/// with web, email and interesting-moment activity (off unless asked), rows oldest first, retention by type on the
/// sandbox clock, and long paging tokens that need POST _method=GET.
/// </summary>
public class FeedActivityContractTests
{
    private const string Activities = "rest/v1/activities.json";

    private static Task<RunningSandbox> Start(params string[] extra) =>
        RunningSandbox.StartAsync(["--people", "200", "--seed", "11", "--limits", "off", .. extra]);

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<JsonNode> Ok(RunningSandbox sb, string pathAndQuery)
    {
        var (status, body, _) = await sb.GetAsync(sb.Marketo, pathAndQuery, await sb.MarketoTokenAsync());
        Assert.Equal(200, status);
        Assert.True(body!["success"]!.GetValue<bool>(), body.ToJsonString());
        return body;
    }

    /// <summary>Every row of a walk from <paramref name="since"/> (pages followed while moreResult).</summary>
    private static async Task<List<JsonObject>> Walk(RunningSandbox sb, DateTimeOffset since, string query)
    {
        var token = (await Ok(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + Uri.EscapeDataString(Iso(since))))["nextPageToken"]!.GetValue<string>();
        var rows = new List<JsonObject>();
        for (var n = 0; n < 1000; n++)
        {
            var page = await Ok(sb, $"{Activities}?nextPageToken={Uri.EscapeDataString(token)}&{query}");
            rows.AddRange(page["result"]!.AsArray().Select(r => r!.AsObject()));
            token = page["nextPageToken"]!.GetValue<string>();
            if (!page["moreResult"]!.GetValue<bool>()) return rows;
        }
        Assert.Fail("moreResult never became false");
        return rows;
    }

    private static string? Attribute(JsonObject row, string name) =>
        row["attributes"]!.AsArray().FirstOrDefault(a => a!["name"]!.GetValue<string>() == name)?["value"]?.ToString();

    [Fact]
    public async Task FeedTypesAreDescribedWithTheirDocumentedAttributes()
    {
        await using var sb = await Start();
        var types = (await Ok(sb, "rest/v1/activities/types.json"))["result"]!.AsArray().Select(t => t!.AsObject()).ToDictionary(t => t["id"]!.GetValue<int>());
        var expected = new Dictionary<int, string>
        {
            [1] = "Visit Webpage", [2] = "Fill Out Form", [3] = "Click Link", [6] = "Send Email", [7] = "Email Delivered", [8] = "Email Bounced",
            [9] = "Unsubscribe Email", [10] = "Open Email", [11] = "Click Email", [26] = "SFDC Activity", [27] = "Email Bounced Soft",
            [30] = "SFDC Activity Updated", [39] = "Send Sales Email", [40] = "Open Sales Email", [41] = "Click Sales Email",
            [45] = "Receive Sales Email", [46] = "Interesting Moment", [48] = "Sales Email Bounced",
        };
        foreach (var (id, name) in expected) Assert.Equal(name, types[id]["name"]!.GetValue<string>());
        string[] Names(int id) => types[id]["attributes"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()).ToArray();
        Assert.Equal(["Date", "Source", "Type"], Names(46));
        Assert.Equal("Description", types[46]["primaryAttribute"]!["name"]!.GetValue<string>());
        Assert.Contains("Webpage URL", Names(1));
        Assert.Contains("Link", Names(11));
        Assert.Contains("Mailing ID", Names(6));
        Assert.Equal(types.Keys.Order(), types.Keys); // by id
    }

    [Fact]
    public void FeedWorldIsDeterministicDatedInsideItsWindowAndOffByDefault()
    {
        var anchor = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var a = WorldGenerator.Generate(300, 5);
        var b = WorldGenerator.Generate(300, 5);
        Assert.Empty(a.FeedLog());
        var ea = FeedHistory.Generate(a.People, 5, anchor);
        Assert.Equal(ea, FeedHistory.Generate(b.People, 5, anchor));
        Assert.NotEqual(ea, FeedHistory.Generate(b.People, 6, anchor));
        var created = a.People.ToDictionary(p => p.Id, p => (DateTimeOffset)p["createdAt"]!);
        Assert.All(ea, e => Assert.True(e.At < anchor && e.At > created[e.LeadId]));
        Assert.All(ea.Where(e => e.TypeId != FeedHistory.InterestingMoment), e => Assert.True(e.At >= anchor - FeedHistory.Window));
        // Most people have something in the last 90 days, of every family the grid shows.
        var recent = ea.Where(e => e.At >= anchor.AddDays(-90)).ToList();
        Assert.True(recent.Select(e => e.LeadId).Distinct().Count() > 150);
        foreach (var type in new[] { 1, 2, 3, 6, 7, 10, 11, 46 }) Assert.Contains(recent, e => e.TypeId == type);
    }

    [Fact]
    public async Task FeedRowsComeOldestFirstWithTheirAttributesAndEqualTheLog()
    {
        await using var sb = await Start("--feed-activities");
        var world = sb.Host.State.World;
        var now = sb.Host.State.Clock.UtcNow;
        var leads = Enumerable.Range(1, 30).Select(i => (long)i).ToHashSet();
        var rows = await Walk(sb, now.AddDays(-60), $"activityTypeIds=1,3,6,7,10,11,46&leadIds={string.Join(',', leads)}");
        List<MarketoActivity> truth;
        lock (world.Sync) truth = world.FeedLog().Where(r => leads.Contains(r.LeadId) && r.ActivityDate >= now.AddDays(-60) && r.ActivityTypeId is 1 or 3 or 6 or 7 or 10 or 11 or 46).ToList();
        Assert.NotEmpty(truth);
        Assert.Equal(truth.Select(r => r.MarketoGuid), rows.Select(r => r["marketoGUID"]!.GetValue<string>()));
        var dates = rows.Select(r => DateTimeOffset.Parse(r["activityDate"]!.GetValue<string>(), CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(dates.Order(), dates);
        var moment = rows.First(r => r["activityTypeId"]!.GetValue<int>() == 46);
        Assert.Contains(Attribute(moment, "Type"), new[] { "Email", "Milestone", "Web" });
        Assert.Contains(FeedHistory.Moments, m => m.Description == moment["primaryAttributeValue"]!.GetValue<string>());
        var visit = rows.First(r => r["activityTypeId"]!.GetValue<int>() == 1);
        Assert.StartsWith("www.example.com/", visit["primaryAttributeValue"]!.GetValue<string>());
        Assert.NotNull(Attribute(visit, "Webpage URL"));
        var send = rows.First(r => r["activityTypeId"]!.GetValue<int>() == 6);
        Assert.Equal(send["primaryAttributeValueId"]!.ToString(), Attribute(send, "Mailing ID"));
    }

    [Fact]
    public async Task RetentionDropsWebAndSendsAfter90DaysAndKeepsMomentsForMonths()
    {
        await using var sb = await Start("--feed-activities");
        var world = sb.Host.State.World;
        var now = sb.Host.State.Clock.UtcNow;
        List<MarketoActivity> log;
        lock (world.Sync) { world.Prune(now); log = world.FeedLog().ToList(); }
        Assert.DoesNotContain(log, r => r.ActivityTypeId is 1 or 3 or 6 or 7 && r.ActivityDate < now.AddDays(-90));
        Assert.Contains(log, r => r.ActivityTypeId is 10 && r.ActivityDate < now.AddDays(-90)); // opens: 25 months
        Assert.Contains(log, r => r.ActivityTypeId is 46 && r.ActivityDate < now.AddDays(-200));
        var visitsBefore = log.Count(r => r.ActivityTypeId == 1);

        await sb.AdvanceClockAsync(TimeSpan.FromDays(30).TotalSeconds);
        var later = sb.Host.State.Clock.UtcNow;
        // The endpoints prune on the sandbox clock: the oldest month of visits is gone, moments stay.
        var rows = await Walk(sb, later.AddDays(-89), "activityTypeIds=1,46");
        Assert.DoesNotContain(rows, r => r["activityTypeId"]!.GetValue<int>() == 1 && DateTimeOffset.Parse(r["activityDate"]!.GetValue<string>(), CultureInfo.InvariantCulture) < later.AddDays(-90));
        lock (world.Sync) log = world.FeedLog().ToList();
        Assert.True(log.Count(r => r.ActivityTypeId == 1) < visitsBefore);
        Assert.Contains(log, r => r.ActivityTypeId is 46 && r.ActivityDate < later.AddDays(-200));
    }

    [Fact]
    public async Task ALongPagingTokenIs414AsAGetAndWorksAsPostMethodGet()
    {
        await using var sb = await Start("--feed-activities", "--paging-token-length", "9216");
        var now = sb.Host.State.Clock.UtcNow;
        var token = (await Ok(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + Uri.EscapeDataString(Iso(now.AddDays(-30)))))["nextPageToken"]!.GetValue<string>();
        Assert.True(token.Length >= 9216);
        var (status, _, _) = await sb.GetAsync(sb.Marketo, $"{Activities}?nextPageToken={Uri.EscapeDataString(token)}&activityTypeIds=1,6&leadIds=1,2,3", await sb.MarketoTokenAsync());
        Assert.Equal(414, status);

        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri(sb.Marketo, Activities + "?_method=GET"))
        {
            Content = new FormUrlEncodedContent([new("nextPageToken", token), new("activityTypeIds", "1,6"), new("leadIds", "1,2,3")]),
        };
        post.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        using var response = await sb.Http.SendAsync(post);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
        Assert.True(body["nextPageToken"]!.GetValue<string>().Length >= 9216); // every page's token keeps its length
    }
}
