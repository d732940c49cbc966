using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// The sandbox's Marketo activity endpoints as Adobe documents them (raw HTTP, no engine code):
/// Get Paging Token, Get Lead Changes, Get Lead Activities, Get Deleted Leads and Get Activity Types;
/// paging tokens across pages and as a watermark, listId/leadIds scoping, short and empty pages,
/// retention pruning, and the /rest gate (limits, stats).
/// </summary>
public partial class MarketoActivityContractTests
{
    private const string LeadChanges = "rest/v1/activities/leadchanges.json";
    private const string Activities = "rest/v1/activities.json";
    private const string DeletedLeads = "rest/v1/activities/deletedleads.json";

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")]
    private static partial Regex ActivityDate();

    // ---------- helpers ----------

    private static Task<RunningSandbox> Start(params string[] extra) =>
        RunningSandbox.StartAsync(["--people", "300", "--seed", "7", "--limits", "off", .. extra]);

    /// <summary>A GET with a fresh token (the clock may have moved past the last one); asserts HTTP 200.</summary>
    private static async Task<JsonNode> Get(RunningSandbox sb, string pathAndQuery)
    {
        var (status, body, _) = await sb.GetAsync(sb.Marketo, pathAndQuery, await sb.MarketoTokenAsync());
        Assert.Equal(200, status);
        Assert.NotNull(body);
        return body!;
    }

    private static async Task<string> Error(RunningSandbox sb, string pathAndQuery)
    {
        var body = await Get(sb, pathAndQuery);
        Assert.False(body["success"]!.GetValue<bool>(), body.ToJsonString());
        return SandboxTestHelpers.ErrorCode(body)!;
    }

    private static async Task<JsonNode> Ok(RunningSandbox sb, string pathAndQuery)
    {
        var body = await Get(sb, pathAndQuery);
        Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
        return body;
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<string> TokenSince(RunningSandbox sb, DateTimeOffset since)
    {
        var body = await Ok(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + Uri.EscapeDataString(Iso(since)));
        return body["nextPageToken"]!.GetValue<string>();
    }

    private static async Task<DateTimeOffset> Clock(RunningSandbox sb) =>
        DateTimeOffset.Parse(JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "clock")))!["now"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static async Task<string> TokenNow(RunningSandbox sb) => await TokenSince(sb, (await Clock(sb)).AddSeconds(-1));

    private static string Q(string path, string token, string query = "") =>
        $"{path}?nextPageToken={Uri.EscapeDataString(token)}{(query.Length > 0 ? "&" + query : "")}";

    private static async Task<long> Create(RunningSandbox sb, object fields)
    {
        var response = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), fields);
        Assert.Equal(201, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<long>();
    }

    private static async Task Patch(RunningSandbox sb, long id, object fields) =>
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{id}"), fields)).EnsureSuccessStatusCode();

    private static async Task Delete(RunningSandbox sb, long id) =>
        Assert.Equal(204, (int)(await sb.Http.DeleteAsync(new Uri(sb.Control, $"people/{id}"))).StatusCode);

    private static async Task Merge(RunningSandbox sb, long winner, params long[] losers) =>
        (await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people/merge"), new { winnerId = winner, loserIds = losers })).EnsureSuccessStatusCode();

    private static async Task<List<JsonObject>> ControlLog(RunningSandbox sb) =>
        (await sb.Http.GetStringAsync(new Uri(sb.Control, "activities"))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private sealed record PageInfo(JsonArray Result, string Token, bool More);

    /// <summary>Pages until moreResult is false; every page must carry a nextPageToken and moreResult.</summary>
    private static async Task<(List<PageInfo> Pages, string Last)> Drain(RunningSandbox sb, string path, string token, string query = "", int maxPages = 500)
    {
        var pages = new List<PageInfo>();
        for (var n = 0; n < maxPages; n++)
        {
            var body = await Ok(sb, Q(path, token, query));
            Assert.NotNull(body["nextPageToken"]);
            Assert.NotNull(body["moreResult"]);
            var page = new PageInfo(body["result"]!.AsArray(), body["nextPageToken"]!.GetValue<string>(), body["moreResult"]!.GetValue<bool>());
            pages.Add(page);
            token = page.Token;
            if (!page.More) return (pages, token);
        }
        Assert.Fail("moreResult never became false");
        return default;
    }

    private static List<JsonObject> Rows(IEnumerable<PageInfo> pages) => pages.SelectMany(p => p.Result.Select(r => r!.AsObject())).ToList();

    private static long Id(JsonNode row) => row["id"]!.GetValue<long>();

    private static string? Attribute(JsonNode row, string name) =>
        row["attributes"]!.AsArray().FirstOrDefault(a => a!["name"]!.GetValue<string>() == name)?["value"]?.ToJsonString().Trim('"');

    // ---------- Get Paging Token ----------

    [Theory]
    [InlineData("2015-10-06T13:22:17Z")]
    [InlineData("2015-10-06T13:22:17-08:00")]
    [InlineData("2015-10-06T13:22:17+05:30")]
    [InlineData("2015-10-06T13:22:17+0000")]
    [InlineData("2015-10-06")]
    [InlineData("2015-10-06T13:22-0700")]
    [InlineData("2015-10-06T13:22:17.123Z")]
    [InlineData("2015-10-06T13:22:17")]
    public async Task PagingTokenAcceptsTheDocumentedForms(string since)
    {
        await using var sb = await Start();
        var body = await Ok(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + Uri.EscapeDataString(since));
        Assert.Equal(["nextPageToken", "requestId", "success"], body.AsObject().Select(kv => kv.Key).Order());
        var token = body["nextPageToken"]!.GetValue<string>();
        Assert.Matches("^[A-Z2-7]+=*$", token); // base32 like Marketo's: must be URL-encoded when it carries '='
    }

    [Theory]
    [InlineData("", "701")]
    [InlineData("yesterday", "704")]
    [InlineData("2015-13-01T00:00:00Z", "704")]
    [InlineData("2015-02-30", "704")]
    [InlineData("2015-10-06T25:00:00Z", "704")]
    [InlineData("10/06/2015", "704")]
    public async Task PagingTokenRefusesAMissingOrBadDate(string since, string code)
    {
        await using var sb = await Start();
        var query = since.Length == 0 ? "" : "?sinceDatetime=" + Uri.EscapeDataString(since);
        Assert.Equal(code, await Error(sb, "rest/v1/activities/pagingtoken.json" + query));
        Assert.Equal("701", await Error(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime="));
    }

    [Fact]
    public async Task AnOffsetWhosePlusWasNotUrlEncodedIsABadDate()
    {
        await using var sb = await Start();
        // '+' unencoded in a query string arrives as a space, as on Marketo: the docs say to URL-encode.
        Assert.Equal("704", await Error(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=2015-10-06T13:22:17+08:00"));
        await Ok(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=2015-10-06T13%3A22%3A17%2B08%3A00");
        // Swagger's spelling only: the prose's sinceDateTime is another parameter, so the date is missing.
        Assert.Equal("701", await Error(sb, "rest/v1/activities/pagingtoken.json?sinceDateTime=2015-10-06T13%3A22%3A17Z"));
    }

    [Fact]
    public async Task AFreshSandboxLogsOnlyEachGeneratedPersonsNewLead()
    {
        await using var sb = await Start();
        // Nothing is logged after start-up (the control API's log and count show what was logged since).
        Assert.Equal(0, (await sb.StatsAsync())["world"]!["activities"]!.GetValue<int>());
        Assert.Empty(await ControlLog(sb));
        // New Lead is never purged, so a token from 2000 reads every generated person's New Lead, dated its createdAt, oldest first.
        var (pages, _) = await Drain(sb, Activities, await TokenSince(sb, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero)), "activityTypeIds=12");
        var newLeads = Rows(pages);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), newLeads.Select(r => r["leadId"]!.GetValue<long>()).Order());
        Assert.Equal(newLeads.Select(r => r["activityDate"]!.GetValue<string>()).Order(StringComparer.Ordinal), newLeads.Select(r => r["activityDate"]!.GetValue<string>()));
        lock (sb.Host.State.World.Sync)
            Assert.All(newLeads, r => Assert.Equal(Iso((DateTimeOffset)sb.Host.State.World.FindPerson(r["leadId"]!.GetValue<long>())!["createdAt"]!), r["activityDate"]!.GetValue<string>()));
        Assert.All(Rows((await Drain(sb, Activities, await TokenSince(sb, (await Clock(sb)).AddDays(-700)), "activityTypeIds=12,32")).Pages), r => Assert.Equal(12, r["activityTypeId"]!.GetValue<int>()));
        var (changes, _) = await Drain(sb, LeadChanges, await TokenSince(sb, (await Clock(sb)).AddDays(-30)), "fields=email,firstName");
        Assert.Empty(Rows(changes));
        var (deletes, _) = await Drain(sb, DeletedLeads, await TokenSince(sb, (await Clock(sb)).AddDays(-13)));
        Assert.Empty(Rows(deletes));
    }

    // ---------- Get Lead Changes ----------

    [Fact]
    public async Task LeadChangesReturnsNewLeadsAndChangesOfTheNamedFieldsOnly()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        var before = await Clock(sb);
        var id = await Create(sb, new { email = "ada@example.com", firstName = "Ada", lastName = "Lovelace" });
        await Patch(sb, id, new { firstName = "Augusta", title = "Countess" }); // title is not asked for
        await Patch(sb, 7, new { lastName = "Changed", company = "Elsewhere Inc." });
        var after = await Clock(sb);

        var body = await Ok(sb, Q(LeadChanges, token, "fields=firstName,lastName,email"));
        Assert.False(body["moreResult"]!.GetValue<bool>());
        Assert.NotNull(body["nextPageToken"]);
        var rows = body["result"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(3, rows.Count);

        var created = rows[0];
        Assert.Equal(["activityDate", "activityTypeId", "attributes", "fields", "id", "leadId", "marketoGUID"], created.Select(kv => kv.Key).Order());
        Assert.Equal(12, created["activityTypeId"]!.GetValue<int>());
        Assert.Equal(id, created["leadId"]!.GetValue<long>());
        Assert.Empty(created["fields"]!.AsArray());
        Assert.Equal(Id(created).ToString(CultureInfo.InvariantCulture), created["marketoGUID"]!.GetValue<string>());
        Assert.Equal("Web service API", Attribute(created, "Source Type"));

        var renamed = rows[1];
        Assert.Equal(13, renamed["activityTypeId"]!.GetValue<int>());
        Assert.Equal(id, renamed["leadId"]!.GetValue<long>());
        var field = renamed["fields"]!.AsArray().Single()!;
        Assert.Equal(3, field["id"]!.GetValue<int>());
        Assert.Equal("firstName", field["name"]!.GetValue<string>());
        Assert.Equal("Augusta", field["newValue"]!.GetValue<string>());
        Assert.Equal("Ada", field["oldValue"]!.GetValue<string>());
        // "Lead ID" is a number, as in Adobe's sample (attribute values are polymorphic).
        var leadIdAttribute = renamed["attributes"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "Lead ID")!;
        Assert.Equal(id, leadIdAttribute["value"]!.GetValue<long>());
        Assert.NotNull(Attribute(renamed, "Reason"));

        Assert.Equal(7, rows[2]["leadId"]!.GetValue<long>());
        Assert.Equal("lastName", rows[2]["fields"]![0]!["name"]!.GetValue<string>());

        // In log order, stamped with the sandbox clock.
        Assert.True(Id(rows[0]) < Id(rows[1]) && Id(rows[1]) < Id(rows[2]));
        foreach (var row in rows)
        {
            var date = row["activityDate"]!.GetValue<string>();
            Assert.Matches(ActivityDate(), date);
            var at = DateTimeOffset.Parse(date, CultureInfo.InvariantCulture);
            Assert.InRange(at, before.AddSeconds(-1), after);
        }

        // Asked for title alone: the New Lead and the title change, nothing of the other fields.
        var titleOnly = (await Ok(sb, Q(LeadChanges, token, "fields=title")))["result"]!.AsArray();
        Assert.Equal([12, 13], titleOnly.Select(r => r!["activityTypeId"]!.GetValue<int>()));
        Assert.Equal("title", titleOnly[1]!["fields"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task LeadChangesChecksItsParameters()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        Assert.Equal("701", await Error(sb, Q(LeadChanges, token)));                      // fields is required
        Assert.Equal("701", await Error(sb, Q(LeadChanges, token, "fields=")));
        Assert.Equal("701", await Error(sb, LeadChanges + "?fields=email"));              // so is the token
        Assert.Equal("1006", await Error(sb, Q(LeadChanges, token, "fields=email,noSuchField")));
        Assert.Equal("1003", await Error(sb, Q(LeadChanges, token, "fields=email&batchSize=301")));
        Assert.Equal("1003", await Error(sb, Q(LeadChanges, token, "fields=email&batchSize=0")));
        Assert.Equal("1003", await Error(sb, Q(LeadChanges, token, "fields=email&leadIds=" + string.Join(',', Enumerable.Range(1, 31)))));
        Assert.Equal("1001", await Error(sb, Q(LeadChanges, token, "fields=email&leadIds=1,x")));
        Assert.Equal("1001", await Error(sb, Q(LeadChanges, token, "fields=email&listId=abc")));
        Assert.Equal("1013", await Error(sb, Q(LeadChanges, token, "fields=email&listId=4242")));
        Assert.Equal("1001", await Error(sb, Q(LeadChanges, "not-a-token", "fields=email")));
        // A Lead Database (position) token is not an activity token.
        var leads = await Ok(sb, "rest/v1/lists/1001/leads.json?batchSize=1");
        Assert.Equal("1001", await Error(sb, Q(LeadChanges, leads["nextPageToken"]!.GetValue<string>(), "fields=email")));
        // 30 lead ids and batchSize 300 are fine; fields may repeat as a multi-valued parameter.
        await Ok(sb, Q(LeadChanges, token, "fields=email&fields=firstName&batchSize=300&leadIds=" + string.Join(',', Enumerable.Range(1, 30))));
    }

    // ---------- Get Lead Activities ----------

    [Fact]
    public async Task ActivitiesReturnsTheAskedTypesWithPrimaryAttributesAndAttributes()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        var id = await Create(sb, new { email = "grace@example.com", firstName = "Grace", lastName = "Hopper" });
        await Patch(sb, id, new { title = "Rear Admiral" });
        await Merge(sb, 10, 11, 12);
        await Delete(sb, 20);

        var merges = await Ok(sb, Q(Activities, token, "activityTypeIds=32"));
        var merge = merges["result"]!.AsArray().Single()!.AsObject();
        Assert.Equal(["activityDate", "activityTypeId", "attributes", "id", "leadId", "marketoGUID", "primaryAttributeValue", "primaryAttributeValueId"],
            merge.Select(kv => kv.Key).Order());
        Assert.Equal(10, merge["leadId"]!.GetValue<long>());
        Assert.Equal("11,12", Attribute(merge, "Merge ids"));
        Assert.Equal("false", Attribute(merge, "Merged in Sales"));
        Assert.Equal(10, merge["primaryAttributeValueId"]!.GetValue<long>());

        // The docs' own form: activityTypeIds repeated.
        var all = await Ok(sb, Q(Activities, token, "activityTypeIds=12&activityTypeIds=13&activityTypeIds=32&activityTypeIds=37"));
        var rows = all["result"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal([12, 13, 32, 37], rows.Select(r => r["activityTypeId"]!.GetValue<int>()));
        Assert.Equal("Grace Hopper", rows[0]["primaryAttributeValue"]!.GetValue<string>());
        Assert.Equal(6, rows[1]["primaryAttributeValueId"]!.GetValue<long>());       // the field's id
        Assert.Equal("Job Title", rows[1]["primaryAttributeValue"]!.GetValue<string>()); // and display name
        Assert.Equal("Rear Admiral", Attribute(rows[1], "New Value"));
        Assert.Equal(20, rows[3]["leadId"]!.GetValue<long>());
        Assert.False(rows[1].ContainsKey("fields"));

        var onlyNew = await Ok(sb, Q(Activities, token, "activityTypeIds=12"));
        Assert.Single(onlyNew["result"]!.AsArray());
        var byAsset = await Ok(sb, Q(Activities, token, "activityTypeIds=13&assetIds=6"));
        Assert.Single(byAsset["result"]!.AsArray());
        Assert.Empty((await Ok(sb, Q(Activities, token, "activityTypeIds=13&assetIds=3")))["result"]!.AsArray());
        // Types the log never writes are valid ids with no rows.
        Assert.Empty((await Ok(sb, Q(Activities, token, "activityTypeIds=1,2,6")))["result"]!.AsArray());
    }

    [Fact]
    public async Task ActivitiesChecksItsParameters()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        Assert.Equal("701", await Error(sb, Q(Activities, token)));
        Assert.Equal("701", await Error(sb, Activities + "?activityTypeIds=12"));
        Assert.Equal("1003", await Error(sb, Q(Activities, token, "activityTypeIds=1,2,3,6,7,8,9,10,11,12,13")));
        await Ok(sb, Q(Activities, token, "activityTypeIds=1,2,3,6,7,8,9,10,11,12"));
        Assert.Equal("1001", await Error(sb, Q(Activities, token, "activityTypeIds=12,newLead")));
        Assert.Equal("1001", await Error(sb, Q(Activities, token, "activityTypeIds=12&assetIds=x")));
        Assert.Equal("1003", await Error(sb, Q(Activities, token, "activityTypeIds=12&batchSize=500")));
        Assert.Equal("1003", await Error(sb, Q(Activities, token, "activityTypeIds=12&leadIds=" + string.Join(',', Enumerable.Range(1, 31)))));
        Assert.Equal("1013", await Error(sb, Q(Activities, token, "activityTypeIds=12&listId=99")));
        Assert.Equal("1001", await Error(sb, Q(Activities, token + "x", "activityTypeIds=12")));
    }

    [Fact]
    public async Task ActivitiesAnswersThePostWithMethodGetForm()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        await Merge(sb, 30, 31);
        var (status, body, _) = await sb.PostFormAsync(sb.Marketo, Activities + "?_method=GET", await sb.MarketoTokenAsync(),
            ("nextPageToken", token), ("activityTypeIds", "32"));
        Assert.Equal(200, status);
        Assert.True(body!["success"]!.GetValue<bool>(), body.ToJsonString());
        Assert.Equal(30, body["result"]![0]!["leadId"]!.GetValue<long>());
    }

    // ---------- Get Deleted Leads and Get Activity Types ----------

    [Fact]
    public async Task DeletedLeadsHaveTheDocumentedShape()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        string name;
        lock (sb.Host.State.World.Sync)
        {
            var p = sb.Host.State.World.FindPerson(42)!;
            name = $"{p["firstName"]} {p["lastName"]}";
        }
        await Delete(sb, 42);
        await Patch(sb, 43, new { firstName = "Noise" });
        await Delete(sb, 44);

        var body = await Ok(sb, Q(DeletedLeads, token));
        Assert.False(body["moreResult"]!.GetValue<bool>());
        Assert.NotNull(body["nextPageToken"]);
        var rows = body["result"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal([42L, 44L], rows.Select(r => r["leadId"]!.GetValue<long>()));
        var row = rows[0];
        Assert.Equal(["activityDate", "activityTypeId", "attributes", "id", "leadId", "marketoGUID", "primaryAttributeValue", "primaryAttributeValueId"],
            row.Select(kv => kv.Key).Order());
        Assert.Equal(37, row["activityTypeId"]!.GetValue<int>());
        Assert.Equal(name, row["primaryAttributeValue"]!.GetValue<string>());
        Assert.Empty(row["attributes"]!.AsArray());
        Assert.Matches(ActivityDate(), row["activityDate"]!.GetValue<string>());

        Assert.Equal("701", await Error(sb, DeletedLeads));
        Assert.Equal("1003", await Error(sb, Q(DeletedLeads, token, "batchSize=301")));
        Assert.Equal("1001", await Error(sb, Q(DeletedLeads, "GIYDAOBNGEYS2MBWKQYDAORQGA5DAMBOGAYDAKZQGAYDALBQ")));
    }

    [Fact]
    public async Task ActivityTypesDescribeTheTypesTheLogWrites()
    {
        await using var sb = await Start();
        var body = await Ok(sb, "rest/v1/activities/types.json");
        var types = body["result"]!.AsArray().Select(t => t!.AsObject()).ToDictionary(t => t["id"]!.GetValue<int>());
        foreach (var (id, name) in new[] { (12, "New Lead"), (13, "Change Data Value"), (32, "Merge Leads"), (37, "Delete Lead") })
        {
            var t = types[id];
            Assert.Equal(name, t["name"]!.GetValue<string>());
            Assert.NotNull(t["description"]);
            Assert.NotNull(t["primaryAttribute"]!["name"]);
            Assert.NotNull(t["primaryAttribute"]!["dataType"]);
            Assert.All(t["attributes"]!.AsArray(), a => Assert.NotNull(a!["dataType"]));
        }
        Assert.Contains(types[32]["attributes"]!.AsArray(), a => a!["name"]!.GetValue<string>() == "Merge ids");
        Assert.Contains(types[13]["attributes"]!.AsArray(), a => a!["name"]!.GetValue<string>() == "New Value");
    }

    // ---------- paging and watermarks ----------

    [Fact]
    public async Task PagesCarryATokenEveryTimeAndMoreResultUntilTheEnd()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        for (var i = 1; i <= 25; i++) await Patch(sb, i, new { title = $"Title {i}" });

        var (pages, _) = await Drain(sb, LeadChanges, token, "fields=title&batchSize=10");
        Assert.Equal([10, 10, 5], pages.Select(p => p.Result.Count));
        Assert.Equal([true, true, false], pages.Select(p => p.More));
        Assert.Equal(3, pages.Select(p => p.Token).Distinct().Count());
        var rows = Rows(pages);
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), rows.Select(r => r["leadId"]!.GetValue<long>()));
        Assert.Equal(rows.Select(Id).Order(), rows.Select(Id));
        Assert.Equal(25, rows.Select(Id).Distinct().Count());
        var dates = rows.Select(r => r["activityDate"]!.GetValue<string>()).ToList();
        Assert.Equal(dates.Order(StringComparer.Ordinal), dates);

        // Exactly a batch: the full page already says no more, and the next call is empty.
        var (exact, last) = await Drain(sb, LeadChanges, token, "fields=title&batchSize=25");
        Assert.Single(exact);
        Assert.False(exact[0].More);
        var empty = await Ok(sb, Q(LeadChanges, last, "fields=title"));
        Assert.Empty(empty["result"]!.AsArray());
        Assert.False(empty["moreResult"]!.GetValue<bool>());
        Assert.NotNull(empty["nextPageToken"]);
    }

    [Fact]
    public async Task TheLastTokenIsAWatermarkThatReturnsExactlyTheNewActivities()
    {
        await using var sb = await Start();
        var start = await TokenNow(sb);
        await Patch(sb, 5, new { firstName = "Before" });
        await Delete(sb, 6);
        await Merge(sb, 7, 8);
        var (_, changes) = await Drain(sb, LeadChanges, start, "fields=firstName,email");
        var (_, deletes) = await Drain(sb, DeletedLeads, start);
        var (_, merges) = await Drain(sb, Activities, start, "activityTypeIds=32");

        // Nothing new: empty, no more, and still a token.
        foreach (var (path, token, query) in new[] { (LeadChanges, changes, "fields=firstName,email"), (DeletedLeads, deletes, ""), (Activities, merges, "activityTypeIds=32") })
        {
            var idle = await Ok(sb, Q(path, token, query));
            Assert.Empty(idle["result"]!.AsArray());
            Assert.False(idle["moreResult"]!.GetValue<bool>());
            Assert.False(string.IsNullOrEmpty(idle["nextPageToken"]!.GetValue<string>()));
        }

        await sb.AdvanceClockAsync(3600);
        var newId = await Create(sb, new { email = "later@example.com", firstName = "Later" });
        await Patch(sb, 9, new { email = "changed.9@example.com", title = "ignored" });
        await Delete(sb, 10);
        await Merge(sb, 11, 12);

        var (changePages, changes2) = await Drain(sb, LeadChanges, changes, "fields=firstName,email");
        var newChanges = Rows(changePages);
        Assert.Equal([(12, newId), (13, 9L)], newChanges.Select(r => (r["activityTypeId"]!.GetValue<int>(), r["leadId"]!.GetValue<long>())));
        Assert.Equal("email", newChanges[1]["fields"]![0]!["name"]!.GetValue<string>());
        Assert.Equal([10L], Rows((await Drain(sb, DeletedLeads, deletes)).Pages).Select(r => r["leadId"]!.GetValue<long>()));
        Assert.Equal([11L], Rows((await Drain(sb, Activities, merges, "activityTypeIds=32")).Pages).Select(r => r["leadId"]!.GetValue<long>()));
        // The activities carry the sandbox clock's time (an hour ahead of the wall clock now).
        var clock = await Clock(sb);
        Assert.InRange(DateTimeOffset.Parse(newChanges[0]["activityDate"]!.GetValue<string>(), CultureInfo.InvariantCulture), clock.AddMinutes(-5), clock);
        Assert.True(clock > DateTimeOffset.UtcNow.AddMinutes(50));

        // And the watermark moves on: polling again gives nothing.
        Assert.Empty(Rows((await Drain(sb, LeadChanges, changes2, "fields=firstName,email")).Pages));
    }

    [Fact]
    public async Task APagingTokenForTheFutureReturnsOnlyWhatHappensFromThen()
    {
        await using var sb = await Start();
        var future = await TokenSince(sb, (await Clock(sb)).AddHours(2));
        await Patch(sb, 1, new { firstName = "TooEarly" });
        Assert.Empty(Rows((await Drain(sb, LeadChanges, future, "fields=firstName")).Pages));
        await sb.AdvanceClockAsync(3 * 3600);
        await Patch(sb, 2, new { firstName = "InTime" });
        Assert.Equal([2L], Rows((await Drain(sb, LeadChanges, future, "fields=firstName")).Pages).Select(r => r["leadId"]!.GetValue<long>()));
    }

    [Fact]
    public async Task EveryControlChangeShowsUpInOrderAsMarketoLogsIt()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        long a, b, loser, deleted;
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var pair = world.People.GroupBy(p => p.Email!, StringComparer.OrdinalIgnoreCase).First(g => g.Count() == 2 && !g.First().Unsubscribed).ToList();
            (a, b) = (pair[0].Id, pair[1].Id);
            var others = world.People.Select(p => p.Id).Where(id => id != a && id != b).Skip(50).Take(2).ToList();
            (loser, deleted) = (others[0], others[1]);
        }
        var created = await Create(sb, new { email = "x@example.com", firstName = "X" });
        await Patch(sb, a, new { unsubscribed = true });   // Durable Unsubscribe: b changes too, logged as 13
        await Merge(sb, created, loser);
        await Delete(sb, deleted);

        var types = "activityTypeIds=12,13,32,37";
        var rows = Rows((await Drain(sb, Activities, token, types)).Pages);
        Assert.Equal([(12, created), (13, a), (13, b), (32, created), (37, deleted)],
            rows.Select(r => (r["activityTypeId"]!.GetValue<int>(), r["leadId"]!.GetValue<long>())));
        Assert.Equal(rows.Select(Id).Order(), rows.Select(Id));
        Assert.Equal("true", Attribute(rows[2], "New Value"));
        Assert.Equal("Unsubscribed", rows[2]["primaryAttributeValue"]!.GetValue<string>());
        // The same rows as the control API's ground truth of the log.
        Assert.Equal((await ControlLog(sb)).Select(r => r["id"]!.GetValue<long>()), rows.Select(Id));
    }

    // ---------- scoping ----------

    [Fact]
    public async Task ListIdAndLeadIdsScopeTheActivities()
    {
        await using var sb = await Start();
        long member, outsider;
        var world = sb.Host.State.World;
        lock (world.Sync)
        {
            var list = world.Lists[1002].Members;
            member = list[0];
            outsider = world.People.First(p => !list.Contains(p.Id)).Id;
        }
        var token = await TokenNow(sb);
        await Patch(sb, member, new { firstName = "Member" });
        await Patch(sb, outsider, new { firstName = "Outsider" });

        var inList = Rows((await Drain(sb, LeadChanges, token, "fields=firstName&listId=1002")).Pages);
        Assert.Equal([member], inList.Select(r => r["leadId"]!.GetValue<long>()));
        var inListActivities = Rows((await Drain(sb, Activities, token, "activityTypeIds=13&listId=1002")).Pages);
        Assert.Equal([member], inListActivities.Select(r => r["leadId"]!.GetValue<long>()));
        Assert.Empty(Rows((await Drain(sb, LeadChanges, token, "fields=firstName&listId=1003")).Pages));

        var byLead = Rows((await Drain(sb, LeadChanges, token, $"fields=firstName&leadIds={outsider}")).Pages);
        Assert.Equal([outsider], byLead.Select(r => r["leadId"]!.GetValue<long>()));
        Assert.Equal(2, Rows((await Drain(sb, Activities, token, $"activityTypeIds=13&leadIds={member},{outsider}")).Pages).Count);

        // Current members only: once deleted, the member's earlier changes drop out of the list's scope.
        await Delete(sb, member);
        Assert.Empty(Rows((await Drain(sb, LeadChanges, token, "fields=firstName&listId=1002")).Pages));
    }

    [Fact]
    public async Task AListOfTenThousandMembersOrMoreIs1003()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "17500", "--seed", "3", "--limits", "off");
        int size;
        lock (sb.Host.State.World.Sync) size = sb.Host.State.World.Lists[1001].Members.Count;
        Assert.True(size >= 10_000, $"list 1001 has {size} members");
        var token = await TokenNow(sb);
        Assert.Equal("1003", await Error(sb, Q(LeadChanges, token, "fields=email&listId=1001")));
        Assert.Equal("1003", await Error(sb, Q(Activities, token, "activityTypeIds=13&listId=1001")));
        await Ok(sb, Q(Activities, token, "activityTypeIds=13&listId=1002"));
    }

    // ---------- realism knobs ----------

    [Fact]
    public async Task ShortPagesOptionServesShortAndEmptyPagesWhileMoreResultIsTrue()
    {
        await using var sb = await Start("--activity-short-pages");
        var token = await TokenNow(sb);
        for (var i = 1; i <= 60; i++) await Patch(sb, i, new { title = $"T{i}", company = $"C{i}" });
        var truth = (await ControlLog(sb)).Select(r => r["id"]!.GetValue<long>()).ToList();
        Assert.Equal(120, truth.Count);

        foreach (var (path, query, expected) in new[]
                 {
                     (Activities, "activityTypeIds=13&batchSize=10", truth),
                     (LeadChanges, "fields=title,company&batchSize=10", truth),
                 })
        {
            var (pages, _) = await Drain(sb, path, token, query);
            Assert.Equal(expected, Rows(pages).Select(Id));                       // nothing lost, nothing twice, in order
            Assert.Contains(pages, p => p.More && p.Result.Count == 0);           // empty while more remain
            Assert.Contains(pages, p => p.More && p.Result.Count is > 0 and < 10); // short while more remain
            Assert.All(pages.Where(p => p.Result.Count == 0 && p.More), p => Assert.False(string.IsNullOrEmpty(p.Token)));
            Assert.Equal(pages.Count, pages.Select(p => p.Token).Distinct().Count()); // every token is new
        }
    }

    [Fact]
    public async Task WithoutTheOptionOnlyTheLastPageIsShort()
    {
        await using var sb = await Start();
        var token = await TokenNow(sb);
        for (var i = 1; i <= 35; i++) await Patch(sb, i, new { title = $"T{i}" });
        var (pages, _) = await Drain(sb, Activities, token, "activityTypeIds=13&batchSize=10");
        Assert.All(pages.Where(p => p.More), p => Assert.Equal(10, p.Result.Count));
        Assert.Equal(35, Rows(pages).Count);
    }

    // ---------- retention ----------

    [Fact]
    public async Task HistoryIsPrunedByTheSandboxClockAndOlderTokensAreRefused()
    {
        await using var sb = await Start();
        var start = await TokenNow(sb);
        var created = await Create(sb, new { email = "kept@example.com", firstName = "Kept" });
        await Patch(sb, 3, new { title = "Changed" });
        await Merge(sb, 4, 5);
        await Delete(sb, 6);
        var (_, afterDeletes) = await Drain(sb, DeletedLeads, start);

        await sb.AdvanceClockAsync(TimeSpan.FromDays(15).TotalSeconds);
        // Deletes older than 14 days are gone, and a token from before them is refused.
        Assert.DoesNotContain(await ControlLog(sb), r => r["activityTypeId"]!.GetValue<int>() == 37);
        Assert.Equal("1003", await Error(sb, Q(DeletedLeads, start)));
        Assert.Equal("1003", await Error(sb, Q(DeletedLeads, afterDeletes)));     // 15 days since that watermark too
        Assert.Equal("1003", await Error(sb, Q(DeletedLeads, await TokenSince(sb, (await Clock(sb)).AddDays(-15)))));
        Assert.Empty(Rows((await Drain(sb, DeletedLeads, await TokenSince(sb, (await Clock(sb)).AddDays(-13)))).Pages));
        // Changes are kept for 90 days, so the same old token still reads them.
        Assert.Equal(2, Rows((await Drain(sb, LeadChanges, start, "fields=title")).Pages).Count);
        Assert.Equal("1003", await Error(sb, Q(Activities, start, "activityTypeIds=13,37")));
        Assert.Single(Rows((await Drain(sb, Activities, start, "activityTypeIds=13")).Pages));
        var (_, fresh) = await Drain(sb, DeletedLeads, await TokenNow(sb));

        await sb.AdvanceClockAsync(TimeSpan.FromDays(80).TotalSeconds);
        Assert.Equal("1003", await Error(sb, Q(LeadChanges, start, "fields=title")));
        Assert.Equal("1003", await Error(sb, Q(DeletedLeads, fresh)));
        var log = await ControlLog(sb);
        Assert.DoesNotContain(log, r => r["activityTypeId"]!.GetValue<int>() == 13);
        // New Lead is never purged and Merge Leads stays 25 months: the old token still reads them.
        Assert.Equal([12, 32], log.Select(r => r["activityTypeId"]!.GetValue<int>()));
        var kept = Rows((await Drain(sb, Activities, start, "activityTypeIds=12,32")).Pages);
        Assert.Equal([(12, created), (32, 4L)], kept.Select(r => (r["activityTypeId"]!.GetValue<int>(), r["leadId"]!.GetValue<long>())));
        Assert.Equal(2, (await sb.StatsAsync())["world"]!["activities"]!.GetValue<int>());
    }

    // ---------- the /rest gate ----------

    [Fact]
    public async Task ActivityCallsCountAgainstTheLimitsLikeOtherRestCalls()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--marketo-rate-limit", "4", "--marketo-rate-window", "600");
        var bearer = await sb.MarketoTokenAsync();
        async Task<string?> Call(string pathAndQuery) => SandboxTestHelpers.ErrorCode((await sb.GetAsync(sb.Marketo, pathAndQuery, bearer)).Body);

        Assert.Equal("601", SandboxTestHelpers.ErrorCode((await sb.GetAsync(sb.Marketo, "rest/v1/activities/types.json", null)).Body));
        var since = Uri.EscapeDataString(Iso(DateTimeOffset.UtcNow));
        var tokenBody = (await sb.GetAsync(sb.Marketo, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + since, bearer)).Body!;
        var token = tokenBody["nextPageToken"]!.GetValue<string>();
        Assert.Null(await Call(Q(LeadChanges, token, "fields=email")));
        Assert.Null(await Call(Q(Activities, token, "activityTypeIds=32")));
        Assert.Null(await Call(Q(DeletedLeads, token)));
        Assert.Equal("606", await Call("rest/v1/activities/types.json"));
        Assert.Equal("606", await Call(Q(LeadChanges, token, "fields=email")));

        var marketo = (await sb.StatsAsync())["marketo"]!;
        Assert.Equal(4, marketo["dailyUsed"]!.GetValue<int>());
        Assert.Equal(1, marketo["calls"]!["GET /rest/v1/activities/pagingtoken.json"]!.GetValue<int>());
        Assert.Equal(2, marketo["calls"]!["GET /rest/v1/activities/leadchanges.json"]!.GetValue<int>());
        Assert.Equal(1, marketo["calls"]!["GET /rest/v1/activities.json"]!.GetValue<int>());
        Assert.Equal(1, marketo["calls"]!["GET /rest/v1/activities/deletedleads.json"]!.GetValue<int>());
        Assert.Equal(2, marketo["calls"]!["GET /rest/v1/activities/types.json"]!.GetValue<int>());
        Assert.Equal(2, marketo["errors"]!["606"]!.GetValue<int>());

        // Injected faults reach these paths too.
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/activities/*", kind = "error", code = "604" });
        await sb.AdvanceClockAsync(601);
        Assert.Equal("604", await Call(Q(DeletedLeads, token)));
    }
}
