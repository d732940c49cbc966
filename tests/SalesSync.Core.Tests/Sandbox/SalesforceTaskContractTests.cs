using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// The sandbox's Salesforce Task held to what Salesforce documents for it, as a two-way reminder sync reads and writes
/// it (issue 16; reminders-activity-feed.md §4): Status/IsClosed, Priority, ActivityDate, Subject, WhoId/OwnerId, the
/// audit stamps, queryAll and the Recycle Bin, getDeleted/getUpdated, collections, SOQL paging, and the seller control hooks.
/// </summary>
public class SalesforceTaskContractTests : IAsyncLifetime
{
    private const string V = "services/data/v66.0";
    private RunningSandbox _sb = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "300", "--seed", "16");
        _token = await _sb.SalesforceTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    private Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, object? body = null, params (string, string)[] headers) =>
        _sb.SalesforceSendAsync(method, $"{V}/{path}", _token, body, headers);

    private async Task<JsonNode> Query(string soql, string resource = "query", params (string, string)[] headers)
    {
        var (status, body, _) = await _sb.SalesforceSendAsync(HttpMethod.Get, $"{V}/{resource}?q={Uri.EscapeDataString(soql)}", _token, null, headers);
        Assert.True(status == 200, body?.ToJsonString());
        return body!;
    }

    private async Task<JsonNode> Truth(string id) => JsonNode.Parse(await _sb.Http.GetStringAsync(new Uri(_sb.Control, $"salesforce/Task/{id}")))!;

    /// <summary>A control call: status and parsed JSON.</summary>
    private async Task<(int Status, JsonNode? Body)> Control(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_sb.Control, path));
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: new System.Text.Json.JsonSerializerOptions());
        var response = await _sb.Http.SendAsync(request);
        return ((int)response.StatusCode, await SandboxTestHelpers.ParseAsync(response));
    }

    private List<SalesforceRecord> Live(string type, Func<SalesforceRecord, bool>? where = null)
    {
        var world = _sb.Host.State.World;
        lock (world.Sync) return world.Salesforce.All(type).Where(r => r["IsDeleted"] is false && (where is null || where(r))).ToList();
    }

    private string RunningUserId => _sb.Host.State.World.Salesforce.RunningUserId!;
    private string Queue => _sb.Host.State.World.Salesforce.TaskQueueId!;
    private DateTimeOffset Now => _sb.Host.State.Clock.UtcNow;
    private string Seller(int index) => Live("User", u => u["IsActive"] is true && u.Id != RunningUserId && u.Id != _sb.Host.State.World.Salesforce.LeadQueueUserId)[index].Id;

    private async Task<string> CreateTask(object fields)
    {
        var (status, body, _) = await Send(HttpMethod.Post, "sobjects/Task", fields);
        Assert.True(status == 201, body?.ToJsonString());
        return body!["id"]!.GetValue<string>();
    }

    private static object Record(string id, object fields)
    {
        var o = System.Text.Json.JsonSerializer.SerializeToNode(fields)!.AsObject();
        o["attributes"] = new JsonObject { ["type"] = "Task" };
        o["id"] = id;
        return o;
    }

    private static string Str(JsonNode? node, string name) => node![name]!.GetValue<string>();
    private static DateTimeOffset Stamp(JsonNode? node, string name) =>
        DateTimeOffset.Parse(Str(node, name).Replace("+0000", "Z"), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
    private static string At(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    private static string Code(JsonNode? body) => body!.AsArray()[0]!["errorCode"]!.GetValue<string>();
    private static string RecordCode(JsonNode? result) => result!["errors"]![0]!["statusCode"]!.GetValue<string>();

    // Task object reference: Status is a picklist "Required, defaulted on create" to Not Started; "Each predefined Status
    // field implies a value for the IsClosed flag"; CompletedDateTime is set when saved closed and reset to NULL when reopened.
    [Fact]
    public async Task StatusDrivesIsClosedAndCompletedDateTime()
    {
        var contact = Live("Contact")[0].Id;
        foreach (var status in SalesforceSchema.TaskStatuses)
        {
            var id = await CreateTask(new { Subject = $"status {status}", WhoId = contact, Status = status });
            var task = await Truth(id);
            Assert.Equal(status == "Completed", task["IsClosed"]!.GetValue<bool>());
            Assert.Equal(status == "Completed", task["CompletedDateTime"] is not null);
        }
        var open = await CreateTask(new { Subject = "defaults", WhoId = contact });
        Assert.Equal("Not Started", Str(await Truth(open), "Status"));
        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{open}", new { Status = "Completed" })).Status);
        Assert.NotNull((await Truth(open))["CompletedDateTime"]);
        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{open}", new { Status = "Not Started" })).Status);
        var reopened = await Truth(open);
        Assert.False(reopened["IsClosed"]!.GetValue<bool>());
        Assert.Null(reopened["CompletedDateTime"]);
        var (bad, error, _) = await Send(HttpMethod.Patch, $"sobjects/Task/{open}", new { Status = "Done" });
        Assert.Equal(400, bad);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Code(error));
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code((await Send(HttpMethod.Patch, $"sobjects/Task/{open}", new { IsClosed = true })).Body));
    }

    // Task object reference: Priority "Required, defaulted" to Normal, standard values High/Normal/Low; IsHighPriority is
    // read-only and follows Priority.
    [Fact]
    public async Task PriorityDrivesIsHighPriority()
    {
        var contact = Live("Contact")[0].Id;
        var id = await CreateTask(new { Subject = "priority", WhoId = contact });
        Assert.Equal("Normal", Str(await Truth(id), "Priority"));
        foreach (var (priority, high) in new[] { ("High", true), ("Low", false), ("Normal", false) })
        {
            Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Priority = priority })).Status);
            var row = (await Query($"SELECT Priority, IsHighPriority FROM Task WHERE Id = {Soql.Id(id)}"))["records"]![0]!;
            Assert.Equal(priority, Str(row, "Priority"));
            Assert.Equal(high, row["IsHighPriority"]!.GetValue<bool>());
        }
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Code((await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Priority = "Urgent" })).Body));
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code((await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { IsHighPriority = true })).Body));
    }

    // Task object reference: ActivityDate is a date, "always set to midnight in UTC ... do not attempt to alter it to
    // accommodate time zone differences": it goes in and comes back as yyyy-MM-dd, across DST changes and year end.
    [Fact]
    public async Task ActivityDateStaysADateWithoutTimeZoneShift()
    {
        var contact = Live("Contact")[0].Id;
        string[] dates = ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2026-12-31", "2027-01-01"];
        var ids = new List<string>();
        foreach (var date in dates) ids.Add(await CreateTask(new { Subject = $"due {date} [ss:due]", WhoId = contact, ActivityDate = date }));
        var rows = (await Query("SELECT Id, ActivityDate FROM Task WHERE Subject LIKE '%[ss:due]%' ORDER BY ActivityDate"))["records"]!.AsArray();
        Assert.Equal(dates, rows.Select(r => Str(r, "ActivityDate")));
        var (_, read, _) = await Send(HttpMethod.Get, $"sobjects/Task/{ids[4]}?fields=ActivityDate");
        Assert.Equal("2026-12-31", Str(read, "ActivityDate"));
        Assert.Single((await Query("SELECT Id FROM Task WHERE ActivityDate = 2026-12-31 AND Subject LIKE '%[ss:due]%'"))["records"]!.AsArray());
        Assert.Equal(400, (await Send(HttpMethod.Patch, $"sobjects/Task/{ids[0]}", new { ActivityDate = "next week" })).Status);
    }

    // Task object reference: Subject is limited to 255 characters; WhoId ("Name ID") is a Lead or Contact; OwnerId
    // ("Assigned To ID") defaults to the running user and may be reassigned to another user.
    [Fact]
    public async Task SubjectWhoAndOwnerAreCheckedAsDocumented()
    {
        var contact = Live("Contact")[0].Id;
        var lead = Live("Lead", l => l["IsConverted"] is false)[0].Id;
        var account = Live("Account")[0].Id;
        var ok = await CreateTask(new { Subject = new string('s', 255), WhoId = lead });
        Assert.Equal(RunningUserId, Str(await Truth(ok), "OwnerId"));
        var (status, body, _) = await Send(HttpMethod.Post, "sobjects/Task", new { Subject = new string('s', 256), WhoId = contact });
        Assert.Equal(400, status);
        Assert.Equal("STRING_TOO_LONG", Code(body));
        Assert.Equal("FIELD_INTEGRITY_EXCEPTION", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "x", WhoId = account })).Body));
        var seller = Seller(0);
        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{ok}", new { OwnerId = seller, WhoId = contact })).Status);
        var moved = await Truth(ok);
        Assert.Equal(seller, Str(moved, "OwnerId"));
        Assert.Equal(contact, Str(moved, "WhoId"));
    }

    // System fields (Object Reference "System Fields"): SystemModstamp and LastModifiedDate change on every write,
    // CreatedById/LastModifiedById name who wrote: here SalesSync's integration user (the token's user) through the API,
    // the seller through the control hooks. IsRecurrence is false unless a series made the Task.
    [Fact]
    public async Task EveryWriteMovesSystemModstampAndNamesTheWriter()
    {
        var contact = Live("Contact")[0].Id;
        var id = await CreateTask(new { Subject = "stamps", WhoId = contact });
        var stamps = new List<DateTimeOffset>();
        async Task Capture()
        {
            var t = await Truth(id);
            stamps.Add(Stamp(t, "SystemModstamp"));
            Assert.Equal(Str(t, "SystemModstamp"), Str(t, "LastModifiedDate"));
        }
        await Capture();
        var created = await Truth(id);
        Assert.Equal(RunningUserId, Str(created, "CreatedById"));
        Assert.Equal(RunningUserId, Str(created, "LastModifiedById"));
        Assert.False(created["IsRecurrence"]!.GetValue<bool>());
        for (var i = 0; i < 3; i++)
        {
            // Same values, back to back: a write is a write.
            Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Priority = "High" })).Status);
            await Capture();
            Assert.True((await Send(HttpMethod.Patch, "composite/sobjects", new { records = new[] { Record(id, new { Priority = "High" }) } })).Body![0]!["success"]!.GetValue<bool>());
            await Capture();
        }
        var seller = Seller(1);
        Assert.Equal(200, (await Control(HttpMethod.Patch, $"salesforce/Task/{id}?as={seller}", new { Description = "edited in Salesforce" })).Status);
        await Capture();
        Assert.Equal(200, (await Control(HttpMethod.Delete, $"salesforce/Task/{id}")).Status);
        await Capture();
        Assert.Equal(stamps.Count, stamps.Distinct().Count());
        Assert.Equal(stamps.Order(), stamps);
        var deleted = await Truth(id);
        Assert.Equal(RunningUserId, Str(deleted, "CreatedById"));
        Assert.Equal(RunningUserId, Str(deleted, "LastModifiedById")); // deleted as the owner, the integration user
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "series", IsRecurrence = true })).Body));
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "x", SystemModstamp = At(Now) })).Body));
    }

    // queryAll(): "returns records that have been deleted because of a merge or delete" (IsDeleted = true) while query()
    // never does; deleted records stay in the Recycle Bin 15 days (getDeleted: "no more than 15 days previous").
    [Fact]
    public async Task QueryAllSeesDeletedTasksWhileTheRecycleBinKeepsThemAndQueryNever()
    {
        var contact = Live("Contact")[0].Id;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await CreateTask(new { Subject = $"bin {i} [ss:bin]", WhoId = contact }));
        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{ids[0]}")).Status);
        Assert.Equal(200, (await Control(HttpMethod.Delete, $"salesforce/Task/{ids[1]}")).Status);
        const string bin = "SELECT Id, IsDeleted FROM Task WHERE Subject LIKE '%[ss:bin]%' ORDER BY Subject";
        Assert.Equal([ids[2]], (await Query(bin))["records"]!.AsArray().Select(r => Str(r, "Id")));
        var all = (await Query(bin, "queryAll"))["records"]!.AsArray();
        Assert.Equal(ids, all.Select(r => Str(r, "Id")));
        Assert.Equal([true, true, false], all.Select(r => r!["IsDeleted"]!.GetValue<bool>()));
        Assert.Equal(2, (await Query("SELECT COUNT() FROM Task WHERE IsDeleted = true AND Subject LIKE '%[ss:bin]%'", "queryAll"))["totalSize"]!.GetValue<int>());
        Assert.Equal(0, (await Query("SELECT COUNT() FROM Task WHERE IsDeleted = true AND Subject LIKE '%[ss:bin]%'"))["totalSize"]!.GetValue<int>());

        // One deletion 14 days old stays visible; one 16 days old has left the Recycle Bin.
        Assert.Equal(200, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { ids[0] }, deletedDate = At(Now.AddDays(-14)) })).Status);
        Assert.Equal(200, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { ids[1] }, deletedDate = At(Now.AddDays(-16)) })).Status);
        Assert.Equal([ids[0], ids[2]], (await Query(bin, "queryAll"))["records"]!.AsArray().Select(r => Str(r, "Id")));
        Assert.True((await Truth(ids[1]))["IsDeleted"]!.GetValue<bool>()); // the ground truth still shows it
    }

    // sObject Get Deleted: {deletedRecords:[{id, deletedDate}], earliestDateAvailable, latestDateCovered}; "no more than
    // 15 days previous"; SOAP getDeleted rules: start must precede end by more than a minute, else INVALID_REPLICATION_DATE,
    // and a start whose deletions are gone is INVALID_REPLICATION_DATE; seconds are ignored; deletedDate is the SystemModstamp.
    [Fact]
    public async Task DeletedEndpointReportsTheFifteenDayWindowAndRefusesOlderStarts()
    {
        var contact = Live("Contact")[0].Id;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await CreateTask(new { Subject = $"gone {i}", WhoId = contact }));
        var (deleteStatus, deletes, _) = await Send(HttpMethod.Delete, $"composite/sobjects?ids={string.Join(',', ids)}&allOrNone=false");
        Assert.Equal(200, deleteStatus);
        Assert.All(deletes!.AsArray(), d => Assert.True(d!["success"]!.GetValue<bool>()));
        Assert.Equal(200, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { ids[0] }, deletedDate = At(Now.AddDays(-14)) })).Status);
        Assert.Equal(200, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { ids[1] }, secondsAgo = 3 * 3600 })).Status);

        await _sb.AdvanceClockAsync(120); // answers cover whole minutes up to now: let the last deletion's minute end
        var now = Now;
        string Window(DateTimeOffset start, DateTimeOffset end) =>
            $"sobjects/Task/deleted/?start={Uri.EscapeDataString(start.ToString("yyyy-MM-dd'T'HH:mm:ss+00:00", CultureInfo.InvariantCulture))}&end={Uri.EscapeDataString(At(end))}";
        var (status, body, _) = await Send(HttpMethod.Get, Window(now.AddDays(-14.5), now.AddMinutes(5)));
        Assert.Equal(200, status);
        var records = body!["deletedRecords"]!.AsArray();
        Assert.Equal(ids, records.Select(r => Str(r, "id")));
        Assert.Equal(Stamp(await Truth(ids[1]), "SystemModstamp"), Stamp(records[1], "deletedDate"));
        var earliest = Stamp(body, "earliestDateAvailable");
        Assert.InRange(earliest, now.AddDays(-15).AddMinutes(-1), now.AddDays(-15).AddMinutes(1));
        Assert.Equal(0, earliest.Second);
        var covered = Stamp(body, "latestDateCovered");
        Assert.InRange(covered, now.AddMinutes(-1), now.AddMinutes(1)); // the end lies ahead: covered up to now, to the minute

        // A narrower window, and latestDateCovered = end when the end is past.
        (_, body, _) = await Send(HttpMethod.Get, Window(now.AddHours(-4), now.AddHours(-2)));
        Assert.Equal([ids[1]], body!["deletedRecords"]!.AsArray().Select(r => Str(r, "id")));
        Assert.Equal(At(now.AddHours(-2)).Remove(16), At(Stamp(body, "latestDateCovered")).Remove(16));

        (status, body, _) = await Send(HttpMethod.Get, Window(now.AddDays(-16), now));
        Assert.Equal(400, status);
        Assert.Equal("INVALID_REPLICATION_DATE", Code(body));
        Assert.Equal("INVALID_REPLICATION_DATE", Code((await Send(HttpMethod.Get, Window(now, now.AddSeconds(30)))).Body));
        Assert.Equal("INVALID_REPLICATION_DATE", Code((await Send(HttpMethod.Get, Window(now, now.AddHours(-1)))).Body));
        Assert.Equal("MISSING_ARGUMENT", Code((await Send(HttpMethod.Get, "sobjects/Task/deleted/?start=2026-01-01T00:00:00Z")).Body));
        Assert.Equal(404, (await Send(HttpMethod.Get, "sobjects/Bogus/deleted/?start=2026-01-01T00:00:00Z&end=2026-01-02T00:00:00Z")).Status);
        var calls = (await _sb.StatsAsync())["salesforce"]!["calls"]!;
        Assert.Equal(6, calls["GET /services/data/vXX.X/sobjects/Task/deleted"]!.GetValue<int>()); // counted apart from record reads
    }

    // sObject Get Updated: {ids, latestDateCovered}, by SystemModstamp, 30 days back at most; deleted records are not updated ones.
    [Fact]
    public async Task UpdatedEndpointListsTasksChangedInTheWindow()
    {
        var contact = Live("Contact")[0].Id;
        var start = Now.AddMinutes(-2);
        var changed = await CreateTask(new { Subject = "changed", WhoId = contact });
        var gone = await CreateTask(new { Subject = "gone", WhoId = contact });
        var old = await CreateTask(new { Subject = "old", WhoId = contact });
        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{gone}")).Status);
        Assert.Equal(200, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { old }, secondsAgo = 86_400 })).Status);
        await _sb.AdvanceClockAsync(120); // answers cover whole minutes up to now
        var (status, body, _) = await Send(HttpMethod.Get, $"sobjects/Task/updated/?start={Uri.EscapeDataString(At(start))}&end={Uri.EscapeDataString(At(Now.AddMinutes(2)))}");
        Assert.Equal(200, status);
        Assert.Equal([changed], body!["ids"]!.AsArray().Select(i => i!.GetValue<string>()));
        Assert.NotNull(body["latestDateCovered"]);
        Assert.Equal("INVALID_REPLICATION_DATE",
            Code((await Send(HttpMethod.Get, $"sobjects/Task/updated/?start={At(Now.AddDays(-31))}&end={At(Now)}")).Body));
    }

    // sObject Collections delete: DELETE composite/sobjects?ids=…&allOrNone=false answers 200 with one result per id, in
    // request order, each {id, success, errors:[{statusCode, message, fields}]}.
    [Fact]
    public async Task CollectionDeleteAnswersPerTaskInRequestOrder()
    {
        var contact = Live("Contact")[0].Id;
        var a = await CreateTask(new { Subject = "a", WhoId = contact });
        var b = await CreateTask(new { Subject = "b", WhoId = contact });
        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{b}")).Status);
        var (status, body, _) = await Send(HttpMethod.Delete, $"composite/sobjects?ids={b},{a},00T5g00000zzzzzAAA&allOrNone=false");
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.Equal("ENTITY_IS_DELETED", RecordCode(results[0]));
        Assert.True(results[1]!["success"]!.GetValue<bool>());
        Assert.Equal(a, Str(results[1], "id"));
        Assert.Equal("INVALID_CROSS_REFERENCE_KEY", RecordCode(results[2]));
        Assert.True((await Truth(a))["IsDeleted"]!.GetValue<bool>());
    }

    // sObject Collections update: PATCH composite/sobjects, each record with its id, up to 200, results in request
    // order; one record's failure leaves the others written when allOrNone is false.
    [Fact]
    public async Task CollectionPatchUpdatesTasksPerRecord()
    {
        var contact = Live("Contact")[0].Id;
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await CreateTask(new { Subject = $"patch {i}", WhoId = contact, ActivityDate = "2026-06-01" }));
        var (status, body, _) = await Send(HttpMethod.Patch, "composite/sobjects", new
        {
            allOrNone = false,
            records = new[]
            {
                Record(ids[0], new { Status = "Completed", ActivityDate = "2026-06-02" }),
                Record(ids[1], new { Priority = "Urgent" }),
                Record(ids[2], new { Priority = "High", Description = "call Ana back" }),
            },
        });
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal([true, false, true], results.Select(r => r!["success"]!.GetValue<bool>()));
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", RecordCode(results[1]));
        var first = await Truth(ids[0]);
        Assert.True(first["IsClosed"]!.GetValue<bool>());
        Assert.Equal("2026-06-02", Str(first, "ActivityDate"));
        Assert.Equal("Normal", Str(await Truth(ids[1]), "Priority"));
        var third = await Truth(ids[2]);
        Assert.True(third["IsHighPriority"]!.GetValue<bool>());
        Assert.Equal("call Ana back", Str(third, "Description"));
    }

    // SOQL (REST query/queryAll): the reminder sync's poll — SystemModstamp > a datetime, OwnerId IN, WhoId IN,
    // IsRecurrence = false, ORDER BY SystemModstamp, Id — paged by nextRecordsUrl at the Sforce-Query-Options batchSize
    // (minimum 200), totalSize counting the whole result; LIMIT caps it.
    [Fact]
    public async Task ASeriesIsItsMainRecordAndOccurrencesWithRecurrenceActivityId_AndTaskSubtypeFilters()
    {
        var contact = Live("Contact")[0].Id;
        var (status, body) = await Control(HttpMethod.Post, "salesforce/Task?occurrences=3", new JsonObject
        {
            ["Subject"] = "weekly series", ["WhoId"] = contact, ["OwnerId"] = Seller(0), ["ActivityDate"] = "2026-06-01", ["TaskSubtype"] = "Task", ["IsRecurrence"] = true,
        });
        Assert.True(status == 201, body?.ToJsonString());
        var main = Str(body, "Id");
        var series = (await Query($"SELECT Id, IsRecurrence, RecurrenceActivityId, ActivityDate, TaskSubtype FROM Task WHERE Subject = 'weekly series' AND TaskSubtype = 'Task' ORDER BY ActivityDate"))["records"]!.AsArray();
        Assert.Equal(4, series.Count);
        Assert.True(series[0]!["IsRecurrence"]!.GetValue<bool>());
        Assert.Null(series[0]!["RecurrenceActivityId"]);
        Assert.All(series.Skip(1), o =>
        {
            Assert.False(o!["IsRecurrence"]!.GetValue<bool>());
            Assert.Equal(main, Str(o, "RecurrenceActivityId"));
        });
        Assert.Equal(["2026-06-01", "2026-06-08", "2026-06-15", "2026-06-22"], series.Select(o => Str(o, "ActivityDate")));
        Assert.Equal(0, (await Query("SELECT Id FROM Task WHERE Subject = 'weekly series' AND TaskSubtype = 'Call'"))["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task TheReminderPollQueryFiltersOrdersAndPages()
    {
        var contacts = Live("Contact").Take(3).Select(c => c.Id).ToList();
        var lead = Live("Lead", l => l["IsConverted"] is false)[0].Id;
        string seller = Seller(0), other = Seller(1);
        var since = Now.AddSeconds(-1);
        var created = new List<JsonObject>();
        for (var i = 0; i < 450; i++)
            created.Add(new JsonObject { ["Subject"] = $"poll {i}", ["WhoId"] = i % 4 == 3 ? lead : contacts[i % 3], ["OwnerId"] = seller, ["ActivityDate"] = "2026-06-01" });
        created.Add(new JsonObject { ["Subject"] = "series", ["WhoId"] = contacts[0], ["OwnerId"] = seller, ["IsRecurrence"] = true });
        created.Add(new JsonObject { ["Subject"] = "someone else's", ["WhoId"] = contacts[0], ["OwnerId"] = other });
        created.Add(new JsonObject { ["Subject"] = "a queue's", ["WhoId"] = contacts[0], ["OwnerId"] = Queue });
        var (status, body) = await Control(HttpMethod.Post, "salesforce/Task", new JsonArray([.. created]));
        Assert.True(status == 201, body?.ToJsonString());
        var ids = body!.AsArray().Select(t => Str(t, "Id")).ToList();
        Assert.True(body[450]!["IsRecurrence"]!.GetValue<bool>());
        Assert.Equal(200, (await Control(HttpMethod.Delete, $"salesforce/Task/{ids[8]}")).Status);

        var soql = "SELECT Id, Subject, Status, Priority, ActivityDate, Description, WhoId, OwnerId, IsDeleted, SystemModstamp FROM Task"
            + $" WHERE SystemModstamp > {At(since)} AND OwnerId IN ({Soql.Id(seller)}) AND WhoId IN ({string.Join(',', contacts.Select(Soql.Id))})"
            + " AND IsRecurrence = false AND RecurrenceActivityId = null ORDER BY SystemModstamp, Id";
        var page = await Query(soql, "queryAll", ("Sforce-Query-Options", "batchSize=200"));
        var expected = 450 - 450 / 4; // the lead's Tasks are not asked for
        Assert.Equal(expected, page["totalSize"]!.GetValue<int>());
        var rows = new List<JsonNode>(page["records"]!.AsArray().Select(r => r!));
        Assert.Equal(200, rows.Count);
        while (page["done"]!.GetValue<bool>() == false)
        {
            var next = Str(page, "nextRecordsUrl");
            Assert.StartsWith($"/{V}/query/", next);
            var (s, p, _) = await _sb.GetAsync(_sb.Salesforce, next.TrimStart('/'), _token);
            Assert.Equal(200, s);
            page = p!;
            rows.AddRange(page["records"]!.AsArray().Select(r => r!));
        }
        Assert.Equal(expected, rows.Count);
        Assert.Equal(expected, rows.Select(r => Str(r, "Id")).Distinct().Count());
        var order = rows.Select(r => (Stamp(r, "SystemModstamp"), Str(r, "Id"))).ToList();
        Assert.Equal(order.OrderBy(o => o.Item1).ThenBy(o => o.Item2, StringComparer.Ordinal), order);
        Assert.Single(rows, r => r["IsDeleted"]!.GetValue<bool>());
        Assert.Equal(expected - 1, (await Query(soql))["totalSize"]!.GetValue<int>()); // query leaves the deleted one out
        Assert.Equal(5, (await Query(soql + " LIMIT 5"))["records"]!.AsArray().Count);

        // Task object reference: OwnerId is a User or, from v48.0, a Queue; Owner is polymorphic.
        var queued = Assert.Single((await Query($"SELECT Id, Owner.Name, CreatedById FROM Task WHERE OwnerId = {Soql.Id(Queue)}"))["records"]!.AsArray());
        Assert.Equal("Group", Str(queued!["Owner"]!["attributes"], "type"));
        Assert.Equal("Sales Follow-ups", Str(queued["Owner"], "Name"));
        Assert.Equal(RunningUserId, Str(queued, "CreatedById"));
    }

    // The control hooks a demo or test uses to act as the seller in Salesforce: create, edit any writable field,
    // complete, delete, undelete, backdate; a recurring Task's ActivityDate and Status are fixed by its series (Task reference).
    [Fact]
    public async Task ASellerCreatesEditsCompletesDeletesUndeletesAndBackdatesTasks()
    {
        var contact = Live("Contact")[0].Id;
        var seller = Seller(2);
        var (status, task) = await Control(HttpMethod.Post, $"salesforce/Task?as={seller}", new { Subject = "Call Ana back", WhoId = contact, ActivityDate = "2026-06-04", Priority = "High" });
        Assert.Equal(201, status);
        var id = Str(task, "Id");
        Assert.Equal(seller, Str(task, "OwnerId"));
        Assert.Equal(seller, Str(task, "CreatedById"));
        Assert.True(task!["IsHighPriority"]!.GetValue<bool>());

        (status, task) = await Control(HttpMethod.Patch, $"salesforce/Task/{id}", new { Subject = "Call Ana back (moved)", ActivityDate = "2026-06-05", Status = "In Progress" });
        Assert.Equal(200, status);
        Assert.Equal(("In Progress", "2026-06-05", false), (Str(task, "Status"), Str(task, "ActivityDate"), task!["IsClosed"]!.GetValue<bool>()));
        (status, var refused) = await Control(HttpMethod.Patch, $"salesforce/Task/{id}", new { Priority = "Urgent" });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Str(refused!["errors"]![0], "statusCode"));

        (_, task) = await Control(HttpMethod.Post, $"salesforce/Task/{id}/complete");
        Assert.True(task!["IsClosed"]!.GetValue<bool>());
        Assert.Equal("Completed", Str(task, "Status"));
        (_, task) = await Control(HttpMethod.Delete, $"salesforce/Task/{id}");
        Assert.True(task!["IsDeleted"]!.GetValue<bool>());
        Assert.Equal(400, (await Control(HttpMethod.Post, $"salesforce/Task/{id}/complete")).Status);
        (_, task) = await Control(HttpMethod.Post, $"salesforce/Task/{id}/undelete");
        Assert.False(task!["IsDeleted"]!.GetValue<bool>());
        Assert.Single((await Query($"SELECT Id FROM Task WHERE Id = {Soql.Id(id)}"))["records"]!.AsArray());

        var (backdated, stamps) = await Control(HttpMethod.Post, "salesforce/Task/backdate",
            new { ids = new[] { id }, createdDate = At(Now.AddDays(-3)), systemModstamp = At(Now.AddHours(-25)) });
        Assert.Equal(200, backdated);
        Assert.Equal(At(Now.AddDays(-3)).Remove(13), At(Stamp(stamps![0], "CreatedDate")).Remove(13));
        Assert.True(Stamp(stamps[0], "LastModifiedDate") <= Stamp(stamps[0], "SystemModstamp"));
        Assert.Equal(400, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { id }, systemModstamp = At(Now.AddDays(1)) })).Status);
        Assert.Equal(400, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { id }, deletedDate = At(Now.AddDays(-1)) })).Status);
        Assert.Equal(404, (await Control(HttpMethod.Post, "salesforce/Task/backdate", new { ids = new[] { "00T5g00000zzzzzAAA" }, secondsAgo = 60 })).Status);

        (_, task) = await Control(HttpMethod.Post, "salesforce/Task", new { Subject = "Weekly check-in", WhoId = contact, OwnerId = seller, IsRecurrence = true, ActivityDate = "2026-06-01" });
        var series = Str(task, "Id");
        Assert.True(task!["IsRecurrence"]!.GetValue<bool>());
        var (denied, error, _) = await Send(HttpMethod.Patch, $"sobjects/Task/{series}", new { ActivityDate = "2026-06-08" });
        Assert.Equal(400, denied);
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code(error));
        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{series}", new { Description = "agenda" })).Status);

        var dump = (await _sb.Http.GetStringAsync(new Uri(_sb.Control, "salesforce/Task"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(dump, line => line.Contains(id, StringComparison.Ordinal));
    }
}
