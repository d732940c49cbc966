using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// The sandbox's Marketo custom activities as Adobe documents them (raw HTTP, no engine code): custom activity
/// type management (draft, approve, discard, delete, attributes; the limits of 10 types and 20 attributes) and
/// Add Custom Activities (per-record results, refusals, activities.json, commitThenDrop); plus the Salesforce
/// per-record UNABLE_TO_LOCK_ROW fault and the control API dumps they rely on.
/// </summary>
public class CustomActivityContractTests
{
    private const string Types = "rest/v1/activities/external/types.json";
    private const string CreateType = "rest/v1/activities/external/type.json";
    private const string AddActivities = "rest/v1/activities/external.json";

    // ---------- helpers ----------

    private static Task<RunningSandbox> Start(params string[] extra) =>
        RunningSandbox.StartAsync(["--people", "60", "--seed", "5", "--limits", "off", .. extra]);

    private static async Task<JsonNode> Send(RunningSandbox sb, HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(sb.Marketo, path));
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        request.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        var response = await sb.Http.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static Task<JsonNode> Post(RunningSandbox sb, string path, JsonNode? body = null) => Send(sb, HttpMethod.Post, path, body);
    private static Task<JsonNode> Get(RunningSandbox sb, string path) => Send(sb, HttpMethod.Get, path);

    /// <summary>The one result of a successful call.</summary>
    private static JsonObject Ok(JsonNode body)
    {
        Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
        return body["result"]![0]!.AsObject();
    }

    private static string Code(JsonNode body)
    {
        var code = SandboxTestHelpers.ErrorCode(body);
        Assert.True(code is not null, "expected an error: " + body.ToJsonString());
        return code!;
    }

    private static string TypePath(string apiName, string action) => $"rest/v1/activities/external/type/{apiName}/{action}";

    private static JsonObject TypeBody(string apiName, string? dataType = null) => new()
    {
        ["apiName"] = apiName,
        ["name"] = "Attend " + apiName,
        ["description"] = "Attend the conference",
        ["triggerName"] = "Attends " + apiName,
        ["filterName"] = "Attended " + apiName,
        ["primaryAttribute"] = dataType is null
            ? new JsonObject { ["apiName"] = "conferenceName", ["name"] = "Conference Name", ["description"] = "Name of the conference" }
            : new JsonObject { ["apiName"] = "conferenceName", ["name"] = "Conference Name", ["dataType"] = dataType },
    };

    private static JsonObject Attribute(string apiName, string name, string dataType, bool? isPrimary = null)
    {
        var o = new JsonObject { ["apiName"] = apiName, ["name"] = name, ["dataType"] = dataType };
        if (isPrimary is { } primary) o["isPrimary"] = primary;
        return o;
    }

    private static JsonObject Attributes(params JsonObject[] attributes) =>
        new() { ["attributes"] = new JsonArray(attributes.Select(a => a.DeepClone()).ToArray()) };

    /// <summary>An approved type with the docs' conferenceDate (datetime) and numberOfAttendees (integer); returns its id.</summary>
    private static async Task<int> ApprovedConferenceType(RunningSandbox sb, string apiName = "attendConference")
    {
        var id = Ok(await Post(sb, CreateType, TypeBody(apiName)))["id"]!.GetValue<int>();
        Ok(await Post(sb, TypePath(apiName, "attributes/create.json"), Attributes(
            Attribute("conferenceDate", "Conference Date", "datetime"),
            Attribute("numberOfAttendees", "Number of Attendees", "integer"),
            Attribute("notes", "Notes", "text"),
            Attribute("notes2", "Notes 2", "text"),
            Attribute("notes3", "Notes 3", "text"),
            Attribute("venue", "Venue", "string"))));
        Ok(await Post(sb, TypePath(apiName, "approve.json")));
        return id;
    }

    private static JsonObject Activity(long leadId, int typeId, string primary = "Game Giveaway", string date = "2026-09-26T06:56:35+07:00", params (string Key, JsonNode? Value)[] attributes) => new()
    {
        ["leadId"] = leadId,
        ["activityDate"] = date,
        ["activityTypeId"] = typeId,
        ["primaryAttributeValue"] = primary,
        ["attributes"] = new JsonArray(attributes.Select(a => (JsonNode)new JsonObject { ["apiName"] = a.Key, ["value"] = a.Value }).ToArray()),
    };

    private static JsonObject Input(params JsonObject[] records) => new() { ["input"] = new JsonArray(records) };

    private static async Task<JsonArray> Add(RunningSandbox sb, params JsonObject[] records)
    {
        var body = await Post(sb, AddActivities, Input(records));
        Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
        return body["result"]!.AsArray();
    }

    /// <summary>The record-level code of a skipped result (under <c>errors</c>, as the docs show for this endpoint).</summary>
    private static string SkipCode(JsonNode result)
    {
        Assert.Equal("skipped", result["status"]!.GetValue<string>());
        Assert.Null(result["reasons"]);
        return result["errors"]![0]!["code"]!.GetValue<string>();
    }

    private static async Task<List<JsonObject>> ControlLines(RunningSandbox sb, string path) =>
        (await sb.Http.GetStringAsync(new Uri(sb.Control, path))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<DateTimeOffset> Clock(RunningSandbox sb) =>
        DateTimeOffset.Parse(JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "clock")))!["now"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    /// <summary>Every row of activities.json for the types from a paging token at <paramref name="since"/>, page by page.</summary>
    private static async Task<(List<JsonObject> Rows, string Watermark)> ReadActivities(RunningSandbox sb, string since, string typeIds, int batchSize = 300, string? token = null)
    {
        token ??= (await Get(sb, "rest/v1/activities/pagingtoken.json?sinceDatetime=" + Uri.EscapeDataString(since)))["nextPageToken"]!.GetValue<string>();
        var rows = new List<JsonObject>();
        for (var page = 0; page < 100; page++)
        {
            var body = await Get(sb, $"rest/v1/activities.json?nextPageToken={Uri.EscapeDataString(token)}&activityTypeIds={typeIds}&batchSize={batchSize}");
            Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
            rows.AddRange(body["result"]!.AsArray().Select(r => r!.AsObject()));
            token = body["nextPageToken"]!.GetValue<string>();
            if (!body["moreResult"]!.GetValue<bool>()) return (rows, token);
        }
        Assert.Fail("moreResult never became false");
        return default;
    }

    // ---------- custom activity type management ----------

    [Fact]
    public async Task ATypeIsCreatedAsADraftThenApprovedEditedAsADraftDiscardedAndDeleted()
    {
        await using var sb = await Start();
        var created = Ok(await Post(sb, CreateType, TypeBody("attendConference")));
        Assert.Equal("draft", created["status"]!.GetValue<string>());
        Assert.Equal(100_001, created["id"]!.GetValue<int>());
        Assert.Equal("string", created["primaryAttribute"]!["dataType"]!.GetValue<string>());  // the docs' create sends none
        Assert.Null(created["attributes"]);
        var listed = Ok(await Get(sb, Types));
        Assert.Equal(["id", "apiName", "name", "description", "triggerName", "filterName", "createdAt", "updatedAt", "status"],
            listed.Select(kv => kv.Key));
        // A draft is no activity type yet.
        Assert.DoesNotContain((await Get(sb, "rest/v1/activities/types.json"))["result"]!.AsArray(), t => t!["id"]!.GetValue<int>() == 100_001);

        var withAttributes = Ok(await Post(sb, TypePath("attendConference", "attributes/create.json"), Attributes(
            Attribute("conferenceDate", "Conference Date", "datetime"), Attribute("numberOfAttendees", "Number of Attendees", "integer"))));
        Assert.Equal(["conferenceDate", "numberOfAttendees"], withAttributes["attributes"]!.AsArray().Select(a => a!["apiName"]!.GetValue<string>()));
        // Never approved: describe shows the draft, the only version.
        Assert.Equal("draft", Ok(await Get(sb, TypePath("attendConference", "describe.json")))["status"]!.GetValue<string>());

        var approved = Ok(await Post(sb, TypePath("attendConference", "approve.json")));
        Assert.Equal("approved", approved["status"]!.GetValue<string>());
        var live = (await Get(sb, "rest/v1/activities/types.json"))["result"]!.AsArray().Single(t => t!["id"]!.GetValue<int>() == 100_001)!;
        Assert.Equal("Attend attendConference", live["name"]!.GetValue<string>());
        Assert.Equal("Conference Name", live["primaryAttribute"]!["name"]!.GetValue<string>());
        Assert.Equal([("Conference Date", "datetime"), ("Number of Attendees", "integer")],
            live["attributes"]!.AsArray().Select(a => (a!["name"]!.GetValue<string>(), a["dataType"]!.GetValue<string>())));

        // Changes go to a draft; the live version stays until approved.
        var edited = Ok(await Post(sb, TypePath("attendConference", "attributes/update.json"), Attributes(
            new JsonObject { ["apiName"] = "numberOfAttendees", ["name"] = "Headcount" })));
        Assert.Equal("approved with draft", edited["status"]!.GetValue<string>());
        Ok(await Post(sb, "rest/v1/activities/external/type/attendConference.json", new JsonObject { ["name"] = "Attend Summit" }));
        var approvedView = Ok(await Get(sb, TypePath("attendConference", "describe.json")));
        var draftView = Ok(await Get(sb, TypePath("attendConference", "describe.json?draft=true")));
        Assert.Equal(("Attend attendConference", "Number of Attendees"), (approvedView["name"]!.GetValue<string>(), approvedView["attributes"]![1]!["name"]!.GetValue<string>()));
        Assert.Equal(("Attend Summit", "Headcount"), (draftView["name"]!.GetValue<string>(), draftView["attributes"]![1]!["name"]!.GetValue<string>()));
        Assert.Equal("approved with draft", Ok(await Get(sb, Types))["status"]!.GetValue<string>());

        var discarded = Ok(await Post(sb, TypePath("attendConference", "discardDraft.json")));
        Assert.Equal(("approved", "Attend attendConference"), (discarded["status"]!.GetValue<string>(), discarded["name"]!.GetValue<string>()));
        Assert.Equal("709", Code(await Post(sb, TypePath("attendConference", "discardDraft.json"))));
        Assert.Equal("709", Code(await Post(sb, TypePath("attendConference", "approve.json"))));

        Ok(await Post(sb, TypePath("attendConference", "attributes/delete.json"), Attributes(new JsonObject { ["apiName"] = "conferenceDate" })));
        Ok(await Post(sb, TypePath("attendConference", "approve.json")));
        Assert.Equal(["Number of Attendees"], Ok(await Get(sb, TypePath("attendConference", "describe.json")))["attributes"]!.AsArray().Select(a => a!["name"]!.GetValue<string>()));

        Assert.Equal("deleted", Ok(await Post(sb, TypePath("attendConference", "delete.json")))["status"]!.GetValue<string>());
        Assert.Empty((await Get(sb, Types))["result"]!.AsArray());
        Assert.Equal("1013", Code(await Get(sb, TypePath("attendConference", "describe.json"))));
        // Ids are not reused.
        Assert.Equal(100_002, Ok(await Post(sb, CreateType, TypeBody("attendConference")))["id"]!.GetValue<int>());
    }

    [Fact]
    public async Task TypeRequestsAreCheckedAsDocumented()
    {
        await using var sb = await Start();
        Ok(await Post(sb, CreateType, TypeBody("webinar")));
        Assert.Equal("1017", Code(await Post(sb, CreateType, TypeBody("Webinar"))));                 // API names are unique
        var sameTrigger = TypeBody("webinar2");
        sameTrigger["triggerName"] = "Attends webinar";
        Assert.Equal("1017", Code(await Post(sb, CreateType, sameTrigger)));                          // trigger names too
        var noTrigger = TypeBody("webinar3");
        noTrigger.Remove("triggerName");
        Assert.Equal("701", Code(await Post(sb, CreateType, noTrigger)));
        Assert.Equal("1003", Code(await Post(sb, CreateType, TypeBody("web-inar"))));               // alphanumeric only
        Assert.Equal("1003", Code(await Post(sb, CreateType, TypeBody("12345"))));                  // at least one letter
        var badName = TypeBody("webinar4");
        badName["name"] = "Attend (Webinar)";
        Assert.Equal("1003", Code(await Post(sb, CreateType, badName)));                            // letters, digits, spaces, underscores
        Assert.Equal("1003", Code(await Post(sb, CreateType, TypeBody("webinar5", dataType: "number"))));
        Assert.Equal("1003", Code(await Post(sb, TypePath("webinar", "attributes/create.json"), Attributes(Attribute("x", "X", "url")))));
        Assert.Equal("1017", Code(await Post(sb, TypePath("webinar", "attributes/create.json"), Attributes(Attribute("conferenceName", "Again", "string")))));
        Assert.Equal("1006", Code(await Post(sb, TypePath("webinar", "attributes/update.json"), Attributes(new JsonObject { ["apiName"] = "nothing", ["name"] = "N" }))));
        Assert.Equal("1003", Code(await Post(sb, TypePath("webinar", "attributes/delete.json"), Attributes(new JsonObject { ["apiName"] = "conferenceName" }))));
        Assert.Equal("1013", Code(await Post(sb, TypePath("nothing", "approve.json"))));
        Assert.Equal("709", Code(await Post(sb, TypePath("webinar", "discardDraft.json"))));        // never approved: delete it instead
        Assert.Equal("612", Code(await Send(sb, HttpMethod.Post, CreateType, TypeBody("webinar6"), "text/plain")));

        // The primary attribute moves only once the old one is demoted (in the same call here).
        Ok(await Post(sb, TypePath("webinar", "attributes/create.json"), Attributes(Attribute("sessionId", "Session ID", "integer"))));
        Assert.Equal("1003", Code(await Post(sb, TypePath("webinar", "attributes/update.json"), Attributes(new JsonObject { ["apiName"] = "sessionId", ["isPrimary"] = true }))));
        var moved = Ok(await Post(sb, TypePath("webinar", "attributes/update.json"), Attributes(
            new JsonObject { ["apiName"] = "conferenceName", ["isPrimary"] = false }, new JsonObject { ["apiName"] = "sessionId", ["isPrimary"] = true })));
        Assert.Equal("sessionId", moved["primaryAttribute"]!["apiName"]!.GetValue<string>());
        Assert.Equal(["conferenceName"], moved["attributes"]!.AsArray().Select(a => a!["apiName"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TheInstanceHoldsTenCustomTypesWhoeverCreatedThem()
    {
        await using var sb = await Start();
        var foreign = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "custom-activity-types/foreign"), new { count = 8 });
        Assert.Equal(201, (int)foreign.StatusCode);
        Ok(await Post(sb, CreateType, TypeBody("ninth")));
        Ok(await Post(sb, CreateType, TypeBody("tenth")));
        var full = await Post(sb, CreateType, TypeBody("eleventh"));
        Assert.Equal("1027", Code(full));
        Assert.Equal("Max Activity Type Limit Reached", full["errors"]![0]!["message"]!.GetValue<string>()[..31]);
        // Other integrations' types are approved and listed like any other.
        Assert.Equal(10, (await Get(sb, Types))["result"]!.AsArray().Count);
        Assert.Equal(400, (int)(await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "custom-activity-types/foreign"), new { count = 1 })).StatusCode);

        var removed = JsonNode.Parse(await (await sb.Http.DeleteAsync(new Uri(sb.Control, "custom-activity-types/foreign"))).Content.ReadAsStringAsync())!;
        Assert.Equal(8, removed["removed"]!.GetValue<int>());
        Ok(await Post(sb, CreateType, TypeBody("eleventh")));
        var all = await ControlJson(sb, "custom-activity-types");
        Assert.Equal(["ninth", "tenth", "eleventh"], all.AsArray().Select(t => t!["apiName"]!.GetValue<string>()));
        Assert.Equal(3, JsonNode.Parse(await (await sb.Http.DeleteAsync(new Uri(sb.Control, "custom-activity-types"))).Content.ReadAsStringAsync())!["removed"]!.GetValue<int>());
    }

    private static async Task<JsonNode> ControlJson(RunningSandbox sb, string path) => JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, path)))!;

    [Fact]
    public async Task ATypeHoldsAtMostTwentySecondaryAttributes()
    {
        await using var sb = await Start();
        Ok(await Post(sb, CreateType, TypeBody("survey")));
        var twentyOne = Enumerable.Range(1, 21).Select(i => Attribute($"answer{i}", $"Answer {i}", "string")).ToArray();
        var refused = await Post(sb, TypePath("survey", "attributes/create.json"), Attributes(twentyOne));
        Assert.Equal("1028", Code(refused));
        Assert.Null(Ok(await Get(sb, TypePath("survey", "describe.json")))["attributes"]);        // nothing of a refused call is kept
        Assert.Equal(20, Ok(await Post(sb, TypePath("survey", "attributes/create.json"), Attributes(twentyOne[..20])))["attributes"]!.AsArray().Count);
        Assert.Equal("1028", Code(await Post(sb, TypePath("survey", "attributes/create.json"), Attributes(twentyOne[20]))));
        // Swapping the primary with a secondary keeps 20 secondary attributes.
        var swapped = Ok(await Post(sb, TypePath("survey", "attributes/update.json"), Attributes(
            new JsonObject { ["apiName"] = "conferenceName", ["isPrimary"] = false }, new JsonObject { ["apiName"] = "answer1", ["isPrimary"] = true })));
        Assert.Equal(("answer1", 20), (swapped["primaryAttribute"]!["apiName"]!.GetValue<string>(), swapped["attributes"]!.AsArray().Count));
    }

    // ---------- Add Custom Activities ----------

    [Fact]
    public async Task ActivitiesAreAddedOrSkippedPerRecordInInputOrder()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        var results = await Add(sb,
            Activity(1, typeId, attributes: [("numberOfAttendees", 12)]),
            Activity(999_999, typeId),
            Activity(2, typeId, attributes: [("Venue", "Hall B")]));                     // by display name
        Assert.Equal(3, results.Count);
        Assert.Equal("added", results[0]!["status"]!.GetValue<string>());
        Assert.Equal(results[0]!["id"]!.GetValue<long>().ToString(CultureInfo.InvariantCulture), results[0]!["marketoGUID"]!.GetValue<string>());
        Assert.Equal("1004", SkipCode(results[1]!));
        Assert.Equal("Lead not found", results[1]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("added", results[2]!["status"]!.GetValue<string>());

        var logged = await ControlLines(sb, $"activities?typeId={typeId}");
        Assert.Equal([1L, 2L], logged.Select(a => a["leadId"]!.GetValue<long>()));
        Assert.Equal([results[0]!["id"]!.GetValue<long>(), results[2]!["id"]!.GetValue<long>()], logged.Select(a => a["id"]!.GetValue<long>()));
        Assert.Equal("2026-09-25T23:56:35Z", logged[0]["activityDate"]!.GetValue<string>());
        Assert.Empty(await ControlLines(sb, "activities?typeId=12"));
        Assert.Equal(1, (await sb.StatsAsync())["marketo"]!["errors"]!["1004"]!.GetValue<int>());
    }

    [Fact]
    public async Task AddedActivitiesShowInActivitiesJsonWithTheirPrimaryAttributeAndAttributes()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        var now = await Clock(sb);
        var backfilled = now.AddDays(-3);
        await Add(sb, Activity(7, typeId, "Summit 2026", backfilled.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            ("conferenceDate", "2026-10-01T09:00:00-05:00"), ("numberOfAttendees", "12"), ("venue", null)));

        var (rows, _) = await ReadActivities(sb, Iso(backfilled.AddDays(-1)), typeId.ToString(CultureInfo.InvariantCulture));
        var row = Assert.Single(rows);
        Assert.Equal(["id", "marketoGUID", "leadId", "activityDate", "activityTypeId", "primaryAttributeValue", "attributes"], row.Select(kv => kv.Key));
        Assert.Equal(Iso(backfilled), row["activityDate"]!.GetValue<string>());
        Assert.Equal("Summit 2026", row["primaryAttributeValue"]!.GetValue<string>());
        // Values keep their type (the integer is a number), empty ones are left out, datetimes read in UTC.
        Assert.Equal("""[{"name":"Conference Date","value":"2026-10-01T14:00:00Z"},{"name":"Number of Attendees","value":12}]""",
            row["attributes"]!.ToJsonString());
    }

    [Fact]
    public async Task ABackfilledActivityIsReadAlikeAtEveryBatchSizeButNotBehindAWatermark()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        var now = await Clock(sb);
        var since = Iso(now.AddDays(-10));
        var (_, watermark) = await ReadActivities(sb, since, $"12,{typeId}");
        await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), new { email = "new@example.com" });  // New Lead 12, dated now
        await Add(sb, Activity(3, typeId, "Backfilled", Iso(now.AddDays(-2))), Activity(4, typeId, "Later", Iso(now.AddHours(1))));

        var types = $"12,{typeId}";
        var whole = (await ReadActivities(sb, since, types)).Rows.Select(r => r["primaryAttributeValue"]!.GetValue<string>()).ToList();
        var oneByOne = (await ReadActivities(sb, since, types, batchSize: 1)).Rows.Select(r => r["primaryAttributeValue"]!.GetValue<string>()).ToList();
        Assert.Equal(["new@example.com", "Backfilled", "Later"], whole);
        Assert.Equal(whole, oneByOne);
        // A token read through an earlier time does not see what is dated before that time.
        var (sinceWatermark, _) = await ReadActivities(sb, since, types, token: watermark);
        Assert.Equal(["new@example.com", "Later"], sinceWatermark.Select(r => r["primaryAttributeValue"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RecordsOfDraftBuiltInOrUnknownTypesAndBadValuesAreSkipped()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        var draftId = Ok(await Post(sb, CreateType, TypeBody("draftOnly")))["id"]!.GetValue<int>();
        var missingDate = Activity(1, typeId);
        missingDate.Remove("activityDate");
        var otherApiName = Activity(1, typeId);
        otherApiName["apiName"] = "draftOnly";
        var text = new string('x', 30_000);
        var results = await Add(sb,
            Activity(1, draftId),                                               // 0 a draft is not live
            Activity(1, 12),                                                    // 1 New Lead is Marketo's own type
            Activity(1, 100_999),                                               // 2 no such type
            otherApiName,                                                       // 3 apiName of another type
            missingDate,                                                        // 4
            Activity(1, typeId, date: "26/09/2026"),                            // 5
            Activity(1, typeId, attributes: [("nothing", "x")]),                  // 6
            Activity(1, typeId, attributes: [("numberOfAttendees", "twelve")]),   // 7
            Activity(1, typeId, attributes: [("venue", new string('v', 256))]),   // 8 strings hold 255 characters
            Activity(1, typeId, attributes: [("notes", text + "x")]),             // 9 text holds 30,000 bytes
            Activity(1, typeId, attributes: [("notes", text), ("notes2", text), ("notes3", text)]),  // 10 attributes > 65,536 bytes
            Activity(1, typeId, attributes: [("conferenceName", "Primary")]),     // 11 the primary goes in primaryAttributeValue
            Activity(1, typeId, attributes: [("venue", "A"), ("Venue", "B")]),  // 12 given twice
            Activity(1, typeId, attributes: [("notes", text), ("notes2", text)]));  // 13 under both limits: added
        Assert.Equal(["1003", "1003", "1013", "1003", "1002", "1001", "1006", "1001", "1003", "1003", "1049", "1003", "1036"],
            results.Take(13).Select(r => SkipCode(r!)));
        Assert.Equal("added", results[13]!["status"]!.GetValue<string>());
        Assert.Single(await ControlLines(sb, $"activities?typeId={typeId},{draftId},12"));
    }

    [Fact]
    public async Task AtMostThreeHundredActivitiesGoInOneCall()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        var tooMany = await Post(sb, AddActivities, Input(Enumerable.Range(0, 301).Select(i => Activity(1 + i % 60, typeId)).ToArray()));
        Assert.Equal("1003", Code(tooMany));
        Assert.Empty(await ControlLines(sb, $"activities?typeId={typeId}"));
        var results = await Add(sb, Enumerable.Range(0, 300).Select(i => Activity(1 + i % 60, typeId)).ToArray());
        Assert.All(results, r => Assert.Equal("added", r!["status"]!.GetValue<string>()));
        Assert.Equal(300, (await ControlLines(sb, $"activities?typeId={typeId}")).Count);
        Assert.Equal("701", Code(await Post(sb, AddActivities, new JsonObject { ["input"] = new JsonArray() })));
    }

    [Fact]
    public async Task CommitThenDropAddsTheActivitiesThoughTheAnswerIsLost()
    {
        await using var sb = await Start();
        var typeId = await ApprovedConferenceType(sb);
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/activities/external.json", kind = "commitThenDrop" });
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => Post(sb, AddActivities, Input(Activity(5, typeId), Activity(6, typeId))));
        Assert.Equal([5L, 6L], (await ControlLines(sb, $"activities?typeId={typeId}")).Select(a => a["leadId"]!.GetValue<long>()));
        // No idempotency key: the client's retry adds them again, as in Marketo.
        await Add(sb, Activity(5, typeId), Activity(6, typeId));
        Assert.Equal(4, (await ControlLines(sb, $"activities?typeId={typeId}")).Count);
        Assert.Equal(1, (await sb.StatsAsync())["marketo"]!["errors"]!["commitThenDrop"]!.GetValue<int>());
    }

    [Fact]
    public async Task CustomActivityCallsPassTheRestGateAndCountPerEndpoint()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "20", "--marketo-rate-limit", "4", "--marketo-rate-window", "600");
        var noToken = await sb.Http.PostAsync(new Uri(sb.Marketo, AddActivities), new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal("601", SandboxTestHelpers.ErrorCode(JsonNode.Parse(await noToken.Content.ReadAsStringAsync())));
        Ok(await Post(sb, CreateType, TypeBody("call")));
        Ok(await Post(sb, TypePath("call", "approve.json")));
        await Add(sb, Activity(1, 100_001));
        await sb.FaultAsync(new { service = "marketo", path = "/rest/v1/activities/external*", kind = "error", code = "615" });
        Assert.Equal("615", Code(await Post(sb, AddActivities, Input(Activity(1, 100_001)))));
        Ok(await Get(sb, Types));
        Assert.Equal("606", Code(await Get(sb, Types)));

        var calls = (await sb.StatsAsync())["marketo"]!["calls"]!;
        Assert.Equal(1, calls["POST /rest/v1/activities/external/type.json"]!.GetValue<int>());
        Assert.Equal(1, calls["POST /rest/v1/activities/external/type/{apiName}/approve.json"]!.GetValue<int>());
        Assert.Equal(3, calls["POST /rest/v1/activities/external.json"]!.GetValue<int>());
        Assert.Equal(2, calls["GET /rest/v1/activities/external/types.json"]!.GetValue<int>());
    }

    // ---------- Salesforce: per-record UNABLE_TO_LOCK_ROW, Task dump ----------

    [Fact]
    public async Task UnableToLockRowFailsOnlyTheInjectedRecordsOfACollection()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "7", "--limits", "off");
        var token = await sb.SalesforceTokenAsync();
        var world = sb.Host.State.World;
        string contactId;
        lock (world.Sync) contactId = world.Salesforce.All("Contact").First(c => c["IsDeleted"] is false).Id;
        object TaskRecord(string subject) => new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Task" }, ["Subject"] = subject, ["WhoId"] = contactId };
        async Task<JsonArray> Create(bool allOrNone, params string[] subjects)
        {
            var (status, body, _) = await sb.SalesforceSendAsync(HttpMethod.Post, "services/data/v66.0/composite/sobjects", token,
                new { allOrNone, records = subjects.Select(TaskRecord).ToArray() });
            Assert.Equal(200, status);
            return body!.AsArray();
        }

        Assert.Equal(400, (int)(await sb.PostFaultRawAsync(new { service = "marketo", kind = "recordError" })).StatusCode);
        await sb.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", kind = "recordError", count = 2 });
        var results = await Create(false, "Email: one", "Email: two", "Email: three", "Email: four");
        foreach (var failed in results.Take(2))
        {
            Assert.False(failed!["success"]!.GetValue<bool>());
            Assert.Null(failed["id"]);
            Assert.Equal("UNABLE_TO_LOCK_ROW", failed["errors"]![0]!["statusCode"]!.GetValue<string>());
            Assert.Equal($"unable to obtain exclusive access to this record or 1 records: {contactId}", failed["errors"]![0]!["message"]!.GetValue<string>());
        }
        Assert.All(results.Skip(2), r => Assert.True(r!["success"]!.GetValue<bool>()));
        var tasks = await ControlLines(sb, "salesforce/Task?subject=email:");
        Assert.Equal(["Email: three", "Email: four"], tasks.Select(t => t["Subject"]!.GetValue<string>()));
        Assert.Equal(2, (await sb.StatsAsync())["salesforce"]!["errors"]!["UNABLE_TO_LOCK_ROW"]!.GetValue<int>());

        // The retry of the failed records succeeds: the rule is used up.
        Assert.All(await Create(false, "Email: one", "Email: two"), r => Assert.True(r!["success"]!.GetValue<bool>()));
        // With allOrNone, one locked row rolls the whole request back.
        await sb.FaultAsync(new { service = "salesforce", kind = "recordError", count = 1 });
        var rolledBack = await Create(true, "Call: a", "Call: b");
        Assert.Equal(["UNABLE_TO_LOCK_ROW", "ALL_OR_NONE_OPERATION_ROLLED_BACK"], rolledBack.Select(r => r!["errors"]![0]!["statusCode"]!.GetValue<string>()));
        Assert.Empty(await ControlLines(sb, "salesforce/Task?subject=call:"));
        // The dump counts no API call and lists every Task.
        var before = (await sb.StatsAsync())["salesforce"]!["totalCalls"]!.GetValue<int>();
        Assert.Equal(4, (await ControlLines(sb, "salesforce/Task")).Count);
        Assert.Equal(before, (await sb.StatsAsync())["salesforce"]!["totalCalls"]!.GetValue<int>());
    }
}
