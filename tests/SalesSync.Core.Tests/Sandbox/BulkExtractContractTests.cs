using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// The sandbox's Marketo Bulk Lead Extract as Adobe documents it (raw HTTP, no engine code): the job
/// lifecycle on refresh ticks, the file (CSV/TSV/SSV, null literals, checksum, byte ranges), the create
/// checks (31 days, 1035, 1013, 1006), the shared queue and daily allocation (1029), per-user jobs, the
/// job list, and the download faults a client's resume and checksum logic must survive.
/// </summary>
public class BulkExtractContractTests
{
    private const string Root = "bulk/v1/leads/export/";
    private static readonly string[] Fields =
        ["id", "email", "firstName", "lastName", "company", "title", "unsubscribed", "sfdcLeadOwnerId", "createdAt", "updatedAt"];

    // ---------- helpers ----------

    /// <summary>Ticks every 0.1 s and 0.1 s of processing: a job completes within about half a second.</summary>
    private static Task<RunningSandbox> Start(params string[] extra) =>
        RunningSandbox.StartAsync(["--people", "300", "--seed", "7", "--limits", "off",
            "--bulk-status-refresh-seconds", "0.1", "--bulk-processing-seconds", "0.1", .. extra]);

    /// <summary>A sandbox whose jobs move only when the test advances its clock (ticks every 60 s, as Marketo's).</summary>
    private static Task<RunningSandbox> StartOnTheClock(params string[] extra) =>
        RunningSandbox.StartAsync(["--people", "300", "--seed", "7", "--limits", "off", .. extra]);

    private static async Task<JsonNode> Send(RunningSandbox sb, HttpMethod method, string path, object? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(sb.Marketo, path));
        request.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        if (json is not null) request.Content = JsonContent.Create(json);
        using var response = await sb.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static JsonObject Job(JsonNode body)
    {
        Assert.True(body["success"]!.GetValue<bool>(), body.ToJsonString());
        return body["result"]!.AsArray().Single()!.AsObject();
    }

    private static (string Code, string Message) Refusal(JsonNode body)
    {
        Assert.False(body["success"]!.GetValue<bool>(), body.ToJsonString());
        var error = body["errors"]![0]!;
        return (error["code"]!.GetValue<string>(), error["message"]!.GetValue<string>());
    }

    private static Task<JsonNode> CreateRaw(RunningSandbox sb, object body) => Send(sb, HttpMethod.Post, Root + "create.json", body);

    private static async Task<string> Create(RunningSandbox sb, object filter, string[]? fields = null, string? format = null, object? headers = null)
    {
        var body = new Dictionary<string, object> { ["fields"] = fields ?? Fields, ["filter"] = filter };
        if (format is not null) body["format"] = format;
        if (headers is not null) body["columnHeaderNames"] = headers;
        var job = Job(await CreateRaw(sb, body));
        Assert.Equal("Created", job["status"]!.GetValue<string>());
        return job["exportId"]!.GetValue<string>();
    }

    private static Task<JsonNode> Enqueue(RunningSandbox sb, string id) => Send(sb, HttpMethod.Post, $"{Root}{id}/enqueue.json");
    private static Task<JsonNode> Cancel(RunningSandbox sb, string id) => Send(sb, HttpMethod.Post, $"{Root}{id}/cancel.json");
    private static async Task<JsonObject> Status(RunningSandbox sb, string id) => Job(await Send(sb, HttpMethod.Get, $"{Root}{id}/status.json"));

    private static async Task<JsonObject> WaitFor(RunningSandbox sb, string id, string status, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var job = await Status(sb, id);
            if (job["status"]!.GetValue<string>() == status) return job;
            if (DateTime.UtcNow > deadline) Assert.Fail($"Job never became {status}: {job.ToJsonString()}");
            await Task.Delay(50);
        }
    }

    private static async Task<(string Id, JsonObject Job)> Export(RunningSandbox sb, object filter, string[]? fields = null, string? format = null, object? headers = null)
    {
        var id = await Create(sb, filter, fields, format, headers);
        Assert.Equal("Queued", Job(await Enqueue(sb, id))["status"]!.GetValue<string>());
        return (id, await WaitFor(sb, id, "Completed"));
    }

    private static async Task<HttpResponseMessage> FileResponse(RunningSandbox sb, string id, string? range = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sb.Marketo, $"{Root}{id}/file.json"));
        request.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        if (range is not null) request.Headers.TryAddWithoutValidation("Range", range);
        return await sb.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<byte[]> Download(RunningSandbox sb, string id)
    {
        using var response = await FileResponse(sb, id);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static async Task<DateTimeOffset> Clock(RunningSandbox sb) =>
        DateTimeOffset.Parse(JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "clock")))!["now"]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static DateTimeOffset At(JsonNode job, string member) => DateTimeOffset.Parse(job[member]!.GetValue<string>(), CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<object> CreatedAround(RunningSandbox sb)
    {
        var now = await Clock(sb);
        return new { createdAt = new { startAt = Iso(now.AddDays(-1)), endAt = Iso(now.AddDays(1)) } };
    }

    private static async Task<long> AddPerson(RunningSandbox sb, object fields)
    {
        var response = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "people"), fields);
        Assert.Equal(201, (int)response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!.GetValue<long>();
    }

    private static async Task<List<JsonObject>> People(RunningSandbox sb) =>
        (await sb.Http.GetStringAsync(new Uri(sb.Control, "people"))).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static async Task<JsonObject> Control(RunningSandbox sb, string path, object body)
    {
        var response = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, path), body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private static async Task<List<string>> AddForeignJobs(RunningSandbox sb, int count) =>
        (await Control(sb, "bulk/foreign-jobs", new { count }))["exportIds"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    private static async Task RemoveForeignJobs(RunningSandbox sb) =>
        (await sb.Http.DeleteAsync(new Uri(sb.Control, "bulk/foreign-jobs"))).EnsureSuccessStatusCode();

    /// <summary>An RFC 4180 reader: records end with CRLF, quoted fields may hold the delimiter, quotes ("") and line breaks.</summary>
    private static List<List<string>> ParseDelimited(string text, char delimiter)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"' && field.Length == 0) quoted = true;
            else if (c == delimiter) { record.Add(field.ToString()); field.Clear(); }
            else if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
            {
                record.Add(field.ToString());
                field.Clear();
                records.Add(record);
                record = [];
                i++;
            }
            else field.Append(c);
        }
        Assert.True(field.Length == 0 && record.Count == 0 && !quoted, "the file must end with CRLF after the last record");
        return records;
    }

    /// <summary>A ground-truth value as the file must write it: text as stored, null as the literal null.</summary>
    private static string Expected(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.TryGetValue(out string? s) => s.Length == 0 ? "null" : s,
        JsonValue v when v.TryGetValue(out bool b) => b ? "true" : "false",
        _ => value.ToJsonString(),
    };

    // ---------- lifecycle ----------

    [Fact]
    public async Task StatusMovesOnlyAtRefreshTicksSoPollingFasterGainsNothing()
    {
        // Default interval (60 s) and processing time (5 s); the test moves the sandbox clock itself.
        await using var sb = await StartOnTheClock();
        var id = await Create(sb, await CreatedAround(sb));
        var created = await Status(sb, id);
        Assert.Equal(["createdAt", "exportId", "format", "status"], created.Select(kv => kv.Key).Order());
        Assert.Equal("CSV", created["format"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id);

        var queued = Job(await Enqueue(sb, id));
        Assert.Equal("Queued", queued["status"]!.GetValue<string>());
        Assert.NotNull(queued["queuedAt"]);
        Assert.Equal("Queued", (await Status(sb, id))["status"]!.GetValue<string>());

        // Within the first minute the job may start (the first tick after it was queued), and must by then.
        await sb.AdvanceClockAsync(61);
        var processing = await Status(sb, id);
        Assert.Equal("Processing", processing["status"]!.GetValue<string>());
        var startedAt = At(processing, "startedAt");
        Assert.InRange(startedAt - At(queued, "queuedAt"), TimeSpan.Zero, TimeSpan.FromSeconds(60));
        Assert.Null(processing["finishedAt"]);

        // Processing takes 5 s, but nothing is reported before the next tick, however often one asks.
        var wait = startedAt.AddSeconds(50) - await Clock(sb);
        if (wait > TimeSpan.Zero) await sb.AdvanceClockAsync(wait.TotalSeconds);
        for (var i = 0; i < 5; i++) Assert.Equal("Processing", (await Status(sb, id))["status"]!.GetValue<string>());
        using (var early = await FileResponse(sb, id)) Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);

        await sb.AdvanceClockAsync(11);
        var done = await Status(sb, id);
        Assert.Equal("Completed", done["status"]!.GetValue<string>());
        Assert.Equal(startedAt.AddSeconds(60), At(done, "finishedAt"));
        Assert.Equal(["createdAt", "exportId", "fileChecksum", "fileSize", "finishedAt", "format", "numberOfRecords", "queuedAt", "startedAt", "status"],
            done.Select(kv => kv.Key).Order());
    }

    [Fact]
    public async Task TheFileHoldsThePeopleAsStoredWithNullLiteralsAndQuotingAndItsChecksum()
    {
        await using var sb = await Start();
        var hard = await AddPerson(sb, new
        {
            email = "bulk.hard@example.com", firstName = "Zoë 🚀, \"the\" one", lastName = "王\n小明",
            company = "Acme, Inc. \"West\"\r\nDivision", title = (string?)null, unsubscribed = true,
        });
        var plain = await AddPerson(sb, new { email = "plain@example.com", firstName = "Plain", lastName = "Person", company = "", title = "CTO" });
        var now = await Clock(sb);
        var (from, to) = (Iso(now.AddDays(-1)), Iso(now.AddDays(1)));
        var (id, job) = await Export(sb, new { createdAt = new { startAt = from, endAt = to } });

        var bytes = await Download(sb, id);
        Assert.Equal(job["fileSize"]!.GetValue<long>(), bytes.LongLength);
        Assert.Equal(job["fileChecksum"]!.GetValue<string>(), Sha256(bytes));
        Assert.False(bytes.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }), "no byte-order mark");
        var text = Encoding.UTF8.GetString(bytes);
        Assert.Contains("\"Zoë 🚀, \"\"the\"\" one\"", text);
        Assert.Contains("\"王\n小明\"", text);
        Assert.Contains("\"Acme, Inc. \"\"West\"\"\r\nDivision\"", text);

        var records = ParseDelimited(text, ',');
        Assert.Equal(Fields, records[0]);
        var rows = records.Skip(1).ToList();
        Assert.Equal(job["numberOfRecords"]!.GetValue<long>(), rows.Count);

        // Exactly the people created in the window, in id order, every value as the ground truth has it.
        var (start, end) = (DateTimeOffset.Parse(from, CultureInfo.InvariantCulture), DateTimeOffset.Parse(to, CultureInfo.InvariantCulture));
        var truth = (await People(sb)).Where(p => At(p, "createdAt") >= start && At(p, "createdAt") <= end).ToList();
        Assert.Contains(truth, p => p["id"]!.GetValue<long>() == hard);
        Assert.Equal(truth.Select(p => p["id"]!.ToJsonString()), rows.Select(r => r[0]));
        foreach (var (person, row) in truth.Zip(rows))
            Assert.Equal(Fields.Select(f => Expected(person[f])), row);

        var hardRow = rows.Single(r => r[0] == hard.ToString(CultureInfo.InvariantCulture));
        Assert.Equal("null", hardRow[Array.IndexOf(Fields, "title")]);
        Assert.Equal("null", hardRow[Array.IndexOf(Fields, "sfdcLeadOwnerId")]);
        Assert.Equal("true", hardRow[Array.IndexOf(Fields, "unsubscribed")]);
        Assert.Equal("null", rows.Single(r => r[0] == plain.ToString(CultureInfo.InvariantCulture))[Array.IndexOf(Fields, "company")]);
    }

    [Theory]
    [InlineData("TSV", '\t', "text/tab-separated-values")]
    [InlineData("SSV", ';', "text/plain")]
    [InlineData("csv", ',', "text/csv")]
    public async Task FormatsUseTheirDelimiterAndColumnHeaderNamesRenameColumns(string format, char delimiter, string contentType)
    {
        await using var sb = await Start();
        await AddPerson(sb, new { email = "semi;colon@example.com", firstName = "Tab\there", lastName = "Plain" });
        var (id, job) = await Export(sb, await CreatedAround(sb), ["id", "firstName", "email", "lastName"], format,
            new { id = "Marketo Id", email = "E-mail; address", leadSource = "not exported" });
        Assert.Equal(format.ToUpperInvariant(), job["format"]!.GetValue<string>());
        using var response = await FileResponse(sb, id);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var records = ParseDelimited(await response.Content.ReadAsStringAsync(), delimiter);
        Assert.Equal(["Marketo Id", "firstName", "E-mail; address", "lastName"], records[0]);
        Assert.Contains(records, r => r[1] == "Tab\there" && r[2] == "semi;colon@example.com" && r[3] == "Plain");
    }

    // ---------- file download ----------

    [Fact]
    public async Task RangesAnswer206AndAResumedDownloadIsTheSameFile()
    {
        await using var sb = await Start();
        var (id, job) = await Export(sb, new { staticListId = 1002 });
        var total = job["fileSize"]!.GetValue<long>();
        Assert.True(total > 1000, $"file of {total} bytes");

        using (var whole = await FileResponse(sb, id))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal("bytes", whole.Headers.AcceptRanges.Single());
            Assert.Equal(total, whole.Content.Headers.ContentLength);
        }
        var full = await Download(sb, id);

        using var first = await FileResponse(sb, id, "bytes=0-999");
        Assert.Equal(HttpStatusCode.PartialContent, first.StatusCode);
        Assert.Equal("bytes", first.Headers.AcceptRanges.Single());
        Assert.Equal($"bytes 0-999/{total}", first.Content.Headers.ContentRange!.ToString());
        Assert.Equal(1000, first.Content.Headers.ContentLength);
        var head = await first.Content.ReadAsByteArrayAsync();

        using var rest = await FileResponse(sb, id, "bytes=1000-");
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal($"bytes 1000-{total - 1}/{total}", rest.Content.Headers.ContentRange!.ToString());
        Assert.Equal(full, head.Concat(await rest.Content.ReadAsByteArrayAsync()).ToArray());

        using var probe = await FileResponse(sb, id, "bytes=0-0"); // how some clients check that a file exists
        Assert.Equal(HttpStatusCode.PartialContent, probe.StatusCode);
        Assert.Equal(1, probe.Content.Headers.ContentLength);

        using var pastTheEnd = await FileResponse(sb, id, $"bytes={total}-");
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, pastTheEnd.StatusCode);
        Assert.Equal($"bytes */{total}", pastTheEnd.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task TheFileIs404PlainTextUntilCompletedAndAfterSevenDays()
    {
        await using var sb = await StartOnTheClock();
        var id = await Create(sb, new { staticListId = 1003 });
        foreach (var path in new[] { id, Guid.NewGuid().ToString(), "not-a-job" })
        {
            using var response = await FileResponse(sb, path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        }
        Job(await Enqueue(sb, id));
        await sb.AdvanceClockAsync(61);
        using (var processing = await FileResponse(sb, id)) Assert.Equal(HttpStatusCode.NotFound, processing.StatusCode);
        await sb.AdvanceClockAsync(60);
        var job = await Status(sb, id);
        Assert.Equal("Completed", job["status"]!.GetValue<string>());
        Assert.Equal(0, job["numberOfRecords"]!.GetValue<long>()); // the empty list: a header row only
        Assert.Equal("id,email,firstName,lastName,company,title,unsubscribed,sfdcLeadOwnerId,createdAt,updatedAt\r\n", Encoding.UTF8.GetString(await Download(sb, id)));

        await sb.AdvanceClockAsync(TimeSpan.FromDays(7).TotalSeconds);
        using (var expired = await FileResponse(sb, id)) Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal("Completed", (await Status(sb, id))["status"]!.GetValue<string>());

        var unknown = Refusal(await Send(sb, HttpMethod.Get, $"{Root}{Guid.NewGuid()}/status.json"));
        Assert.Equal("1003", unknown.Code);
        Assert.Contains("not found", unknown.Message);
    }

    // ---------- create checks ----------

    [Fact]
    public async Task CreateChecksFieldsFormatAndExactlyOneFilterOfAtMost31Days()
    {
        await using var sb = await Start();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        object Window(string field, DateTimeOffset from, DateTimeOffset to) =>
            new Dictionary<string, object> { [field] = new { startAt = Iso(from), endAt = Iso(to) } };

        await Create(sb, Window("createdAt", start, start.AddDays(31)));
        await Create(sb, Window("updatedAt", start, start.AddDays(31)));
        var tooLong = Refusal(await CreateRaw(sb, new { fields = Fields, filter = Window("createdAt", start, start.AddDays(31).AddSeconds(1)) }));
        Assert.Equal("1003", tooLong.Code);
        Assert.Contains("31 days", tooLong.Message);
        var backwards = Refusal(await CreateRaw(sb, new { fields = Fields, filter = Window("updatedAt", start, start.AddSeconds(-1)) }));
        Assert.Equal("1003", backwards.Code);
        Assert.Contains("before", backwards.Message);

        Assert.Equal("704", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { createdAt = new { startAt = "yesterday", endAt = "2026-01-02T00:00:00Z" } } })).Code);
        Assert.Equal("1003", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { createdAt = new { startAt = "2026-01-01T00:00:00Z" } } })).Code);
        Assert.Equal("701", Refusal(await CreateRaw(sb, new { filter = new { staticListId = 1002 } })).Code);
        var unknownField = Refusal(await CreateRaw(sb, new { fields = new[] { "email", "shoeSize" }, filter = new { staticListId = 1002 } }));
        Assert.Equal(("1006", "Field 'shoeSize' not found"), unknownField);
        Assert.Equal("1003", Refusal(await CreateRaw(sb, new { fields = Fields, format = "XLSX", filter = new { staticListId = 1002 } })).Code);
        Assert.Equal("1003", Refusal(await CreateRaw(sb, new { fields = Fields })).Code);
        Assert.Equal("1003", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { staticListId = 1002, smartListId = 1001 } })).Code);
        Assert.Equal("1003", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { emailDomain = "example.com" } })).Code);
        Assert.Equal(("1013", "Static list not found"), Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { staticListId = 999 } })));
        Assert.Equal("1013", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { staticListName = "No Such List" } })).Code);
        Assert.Equal(("1013", "Smart list not found"), Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { smartListName = "No Such List" } })));

        // A body that is not JSON, or not sent as JSON.
        using var form = new HttpRequestMessage(HttpMethod.Post, new Uri(sb.Marketo, Root + "create.json"))
        {
            Content = new FormUrlEncodedContent([new("fields", "email")]),
        };
        form.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        Assert.Equal("612", Refusal(JsonNode.Parse(await (await sb.Http.SendAsync(form)).Content.ReadAsStringAsync())!).Code);
        using var broken = new HttpRequestMessage(HttpMethod.Post, new Uri(sb.Marketo, Root + "create.json"))
        {
            Content = new StringContent("{\"fields\":[", Encoding.UTF8, "application/json"),
        };
        broken.Headers.Authorization = new("Bearer", await sb.MarketoTokenAsync());
        Assert.Equal("609", Refusal(JsonNode.Parse(await (await sb.Http.SendAsync(broken)).Content.ReadAsStringAsync())!).Code);
    }

    [Fact]
    public async Task UnsupportedFiltersAnswer1035ByOptionOrControlSwitch()
    {
        await using var sb = await Start("--bulk-unsupported-filters", "updatedAt");
        var window = new { startAt = "2026-01-01T00:00:00Z", endAt = "2026-01-02T00:00:00Z" };
        Assert.Equal(("1035", "Unsupported filter type for target subscription"), Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { updatedAt = window } })));
        await Create(sb, new { smartListId = 1001 });
        await Create(sb, new { createdAt = window });

        await Control(sb, "bulk/unsupported-filters", new { filters = new[] { "smartList" } });
        Assert.Equal("1035", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { smartListId = 1001 } })).Code);
        Assert.Equal("1035", Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { smartListName = "Sales-owned people" } })).Code);
        await Create(sb, new { updatedAt = window });
        await Create(sb, new { staticListName = "Webinar Attendees 2026" });
        var bad = await sb.Http.PostAsJsonAsync(new Uri(sb.Control, "bulk/unsupported-filters"), new { filters = new[] { "createdAt" } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    // ---------- what the filters select ----------

    [Fact]
    public async Task ListFiltersSelectMembersAndTheSmartListRuleWhenTheJobRuns()
    {
        await using var sb = await StartOnTheClock();
        var world = sb.Host.State.World;
        List<long> webinar;
        lock (world.Sync) webinar = world.Lists[1002].Members.Order().ToList();
        var salesOwned = (await People(sb))
            .Where(p => p["sfdcType"]?.GetValue<string>() is "Lead" or "Contact" && p["sfdcLeadOwnerId"] is not null)
            .Select(p => p["id"]!.GetValue<long>()).ToList();

        var byListName = await Create(sb, new { staticListName = "webinar attendees 2026" }, ["id"]);
        var bySmartId = await Create(sb, new { smartListId = 1001 }, ["id"]);
        var bySmartName = await Create(sb, new { smartListName = "Sales-owned people" }, ["id"]);
        foreach (var id in new[] { byListName, bySmartId, bySmartName }) Job(await Enqueue(sb, id));
        // Evaluated when the job runs: a person who loses the owner after create is not in the file.
        var leaver = salesOwned[3];
        (await sb.Http.PatchAsJsonAsync(new Uri(sb.Control, $"people/{leaver}"), new { sfdcLeadOwnerId = (string?)null })).EnsureSuccessStatusCode();
        await sb.AdvanceClockAsync(181); // three ticks: two jobs run at a time

        async Task<List<long>> Ids(string id)
        {
            Assert.Equal("Completed", (await Status(sb, id))["status"]!.GetValue<string>());
            return ParseDelimited(Encoding.UTF8.GetString(await Download(sb, id)), ',').Skip(1).Select(r => long.Parse(r[0], CultureInfo.InvariantCulture)).ToList();
        }
        Assert.Equal(webinar, await Ids(byListName));
        var expected = salesOwned.Where(p => p != leaver).ToList();
        Assert.Equal(expected, await Ids(bySmartId));
        Assert.Equal(expected, await Ids(bySmartName));
    }

    // ---------- the shared queue and the daily allocation ----------

    [Fact]
    public async Task AFullQueueOfAnotherIntegrationsJobsIs1029TooManyJobsInQueue()
    {
        await using var sb = await Start();
        var id = await Create(sb, new { staticListId = 1003 });
        var foreign = await AddForeignJobs(sb, 10);
        Assert.Equal(("1029", "Too many jobs in queue"), Refusal(await Enqueue(sb, id)));
        // Another integration's jobs are invisible to this API user.
        Assert.Equal("1003", Refusal(await Send(sb, HttpMethod.Get, $"{Root}{foreign[0]}/status.json")).Code);
        Assert.Equal("1003", Refusal(await Cancel(sb, foreign[0])).Code);

        await RemoveForeignJobs(sb);
        Assert.Equal("Queued", Job(await Enqueue(sb, id))["status"]!.GetValue<string>());
        Assert.Equal(("1029", "Job already queued"), Refusal(await Enqueue(sb, id)));
        await WaitFor(sb, id, "Completed");
    }

    [Fact]
    public async Task OnlyTwoJobsProcessAtATime()
    {
        await using var sb = await Start();
        await AddForeignJobs(sb, 2); // they hold both processing slots until removed
        var id = await Create(sb, new { staticListId = 1003 });
        Job(await Enqueue(sb, id));
        await Task.Delay(600); // six ticks
        var snapshot = JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "bulk")))!;
        Assert.Equal(2, snapshot["processing"]!.GetValue<int>());
        Assert.Equal("Queued", (await Status(sb, id))["status"]!.GetValue<string>());

        var freed = await Clock(sb);
        await RemoveForeignJobs(sb);
        var done = await WaitFor(sb, id, "Completed");
        var freedSecond = new DateTimeOffset(freed.Ticks - freed.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero); // the API writes whole seconds
        Assert.True(At(done, "startedAt") >= freedSecond, $"started {done["startedAt"]}, slots freed at {freed:O}");
    }

    [Fact]
    public async Task TheDailyFileAllocationIs1029UntilMidnightCentral()
    {
        await using var sb = await StartOnTheClock("--bulk-daily-quota-mb", "1");
        var quota = 1024L * 1024;
        await Control(sb, "bulk/quota-used", new { bytes = quota - 1 });
        var first = await Create(sb, new { staticListId = 1002 });
        Job(await Enqueue(sb, first)); // one byte left: allowed, and its file takes the allocation over
        await sb.AdvanceClockAsync(121);
        Assert.Equal("Completed", (await Status(sb, first))["status"]!.GetValue<string>());
        var bulk = JsonNode.Parse(await sb.Http.GetStringAsync(new Uri(sb.Control, "bulk")))!;
        Assert.True(bulk["bytesUsedToday"]!.GetValue<long>() > quota);

        var (code, message) = Refusal(await CreateRaw(sb, new { fields = Fields, filter = new { staticListId = 1002 } }));
        Assert.Equal("1029", code);
        Assert.Matches(@"^Export daily quota \d+MB exceeded$", message); // as public clients match it
        Assert.Equal("Export daily quota 1MB exceeded", message);

        // The allocation resets at 00:00 America/Chicago, like the daily call quota.
        var central = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
        var now = await Clock(sb);
        var local = TimeZoneInfo.ConvertTime(now, central);
        var midnight = new DateTimeOffset(local.Date.AddDays(1), central.GetUtcOffset(local.Date.AddDays(1)));
        await sb.AdvanceClockAsync((midnight - now).TotalSeconds + 1);
        var second = await Create(sb, new { staticListId = 1003 });
        await Control(sb, "bulk/quota-used", new { megabytes = 1 }); // spent again: enqueue is refused too
        Assert.Equal(("1029", "Export daily quota 1MB exceeded"), Refusal(await Enqueue(sb, second)));
    }

    // ---------- cancel, failure, list ----------

    [Fact]
    public async Task CancelStopsAQueuedJobAndFreesItsSlot()
    {
        await using var sb = await Start();
        await AddForeignJobs(sb, 2);
        var id = await Create(sb, new { staticListId = 1002 });
        Job(await Enqueue(sb, id));
        var cancelled = Job(await Cancel(sb, id));
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal("Cancelled", Job(await Cancel(sb, id))["status"]!.GetValue<string>()); // again: unchanged
        Assert.Equal("1003", Refusal(await Enqueue(sb, id)).Code);
        await RemoveForeignJobs(sb);
        await Task.Delay(300);
        Assert.Equal("Cancelled", (await Status(sb, id))["status"]!.GetValue<string>());
        using var file = await FileResponse(sb, id);
        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);

        var unqueued = await Create(sb, new { staticListId = 1002 });
        Assert.Equal("Cancelled", Job(await Cancel(sb, unqueued))["status"]!.GetValue<string>());
        var (finished, _) = await Export(sb, new { staticListId = 1003 });
        Assert.Equal("1003", Refusal(await Cancel(sb, finished)).Code);
    }

    [Fact]
    public async Task AFailedJobSaysWhyAndHasNoFile()
    {
        await using var sb = await Start();
        await Control(sb, "bulk/fail-next", new { count = 1, message = "Export failed: disk full" });
        var id = await Create(sb, new { staticListId = 1002 });
        Job(await Enqueue(sb, id));
        var failed = await WaitFor(sb, id, "Failed");
        Assert.Equal("Export failed: disk full", failed["errorMsg"]!.GetValue<string>());
        Assert.Null(failed["fileChecksum"]);
        using var file = await FileResponse(sb, id);
        Assert.Equal(HttpStatusCode.NotFound, file.StatusCode);
        await Export(sb, new { staticListId = 1003 }); // the next one runs normally
    }

    [Fact]
    public async Task TheJobListShowsOwnJobsOfTheLastSevenDaysByStatusInPages()
    {
        await using var sb = await Start();
        await AddForeignJobs(sb, 1);
        var (done, _) = await Export(sb, new { staticListId = 1003 });
        var created = await Create(sb, new { staticListId = 1003 });
        var cancelled = await Create(sb, new { staticListId = 1003 });
        Job(await Cancel(sb, cancelled));

        async Task<JsonNode> ListJobs(string query) => await Send(sb, HttpMethod.Get, "bulk/v1/leads/export.json" + query);
        List<string> Ids(JsonNode body) => body["result"]!.AsArray().Select(j => j!["exportId"]!.GetValue<string>()).ToList();

        Assert.Equal([done, created, cancelled], Ids(await ListJobs("")));
        Assert.Equal([done], Ids(await ListJobs("?status=Completed")));
        Assert.Equal([created, cancelled], Ids(await ListJobs("?status=Created,Canceled")));
        Assert.Equal("1003", Refusal(await ListJobs("?status=Done")).Code);
        var first = await ListJobs("?batchSize=2");
        Assert.Equal([done, created], Ids(first));
        Assert.True(first["moreResult"]!.GetValue<bool>());
        var second = await ListJobs("?batchSize=2&nextPageToken=" + Uri.EscapeDataString(first["nextPageToken"]!.GetValue<string>()));
        Assert.Equal([cancelled], Ids(second));
        Assert.Null(second["nextPageToken"]);
        var listed = (await ListJobs("?status=Completed"))["result"]![0]!;
        Assert.Equal((await Status(sb, done)).ToJsonString(), listed.ToJsonString());

        await sb.AdvanceClockAsync(TimeSpan.FromDays(7).TotalSeconds + 1);
        Assert.Empty(Ids(await ListJobs("")));
        Assert.Equal("Completed", (await Status(sb, done))["status"]!.GetValue<string>()); // status outlives the list
    }

    // ---------- faults a client must survive ----------

    [Fact]
    public async Task ADownloadDroppedAfterNBytesResumesWithARange()
    {
        await using var sb = await Start();
        var (id, job) = await Export(sb, new { staticListId = 1002 });
        var checksum = job["fileChecksum"]!.GetValue<string>();
        await sb.FaultAsync(new { service = "marketo", method = "GET", path = "/bulk/v1/leads/export/*/file.json", kind = "dropAfterBytes", bytes = 1500 });

        var received = new MemoryStream();
        using (var cut = await FileResponse(sb, id))
        {
            Assert.Equal(HttpStatusCode.OK, cut.StatusCode);
            await using var stream = await cut.Content.ReadAsStreamAsync();
            await Assert.ThrowsAnyAsync<Exception>(() => stream.CopyToAsync(received));
        }
        Assert.Equal(1500, received.Length);

        using var rest = await FileResponse(sb, id, $"bytes={received.Length}-");
        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        await (await rest.Content.ReadAsStreamAsync()).CopyToAsync(received);
        Assert.Equal(checksum, Sha256(received.ToArray()));
        Assert.Equal(1, (await sb.StatsAsync())["marketo"]!["errors"]!["dropAfterBytes"]!.GetValue<int>());
    }

    [Fact]
    public async Task ACorruptedByteFailsTheChecksum()
    {
        await using var sb = await Start();
        var (id, job) = await Export(sb, new { staticListId = 1002 });
        await sb.FaultAsync(new { service = "marketo", path = $"/bulk/v1/leads/export/{id}/file.json", kind = "corruptByte", offset = 700 });
        var damaged = await Download(sb, id);
        var clean = await Download(sb, id);
        Assert.Equal(job["fileChecksum"]!.GetValue<string>(), Sha256(clean));
        Assert.NotEqual(Sha256(clean), Sha256(damaged));
        Assert.Equal(clean.Length, damaged.Length);
        Assert.Equal([700], Enumerable.Range(0, clean.Length).Where(i => clean[i] != damaged[i]));
    }

    // ---------- the API gate ----------

    [Fact]
    public async Task BulkCallsPassTheRestGateAndAreCountedPerEndpoint()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100", "--marketo-rate-limit", "6", "--marketo-rate-window", "600",
            "--bulk-status-refresh-seconds", "0.1", "--bulk-processing-seconds", "0.1");
        using (var anonymous = await sb.Http.PostAsJsonAsync(new Uri(sb.Marketo, Root + "create.json"), new { fields = Fields, filter = new { staticListId = 1003 } }))
            Assert.Equal("601", Refusal(JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!).Code);

        var id = await Create(sb, new { staticListId = 1003 });
        Job(await Enqueue(sb, id));
        await Task.Delay(400);
        Assert.Equal("Completed", (await Status(sb, id))["status"]!.GetValue<string>());
        await Download(sb, id);
        Assert.Equal("610", Refusal(await Send(sb, HttpMethod.Get, "bulk/v1/leads/export/nothing.json")).Code);
        Job(await Send(sb, HttpMethod.Get, $"{Root}{id}/status.json"));
        Assert.Equal("606", Refusal(await Send(sb, HttpMethod.Get, $"{Root}{id}/status.json")).Code);

        var marketo = (await sb.StatsAsync())["marketo"]!;
        Assert.Equal(6, marketo["dailyUsed"]!.GetValue<int>());
        Assert.Equal(1, marketo["calls"]!["POST /bulk/v1/leads/export/{id}/enqueue.json"]!.GetValue<int>());
        Assert.Equal(3, marketo["calls"]!["GET /bulk/v1/leads/export/{id}/status.json"]!.GetValue<int>());
        Assert.Equal(1, marketo["calls"]!["GET /bulk/v1/leads/export/{id}/file.json"]!.GetValue<int>());
        Assert.Equal(2, marketo["calls"]!["POST /bulk/v1/leads/export/create.json"]!.GetValue<int>());
        Assert.Equal(1, marketo["errors"]!["601"]!.GetValue<int>());
        Assert.Equal(1, marketo["errors"]!["606"]!.GetValue<int>());
    }

    [Fact]
    public async Task AHundredThousandPersonExportCompletes()
    {
        await using var sb = await RunningSandbox.StartAsync("--people", "100000", "--seed", "5", "--limits", "off",
            "--bulk-status-refresh-seconds", "0.1", "--bulk-processing-seconds", "0.1");
        int members;
        lock (sb.Host.State.World.Sync) members = sb.Host.State.World.Lists[1001].Members.Count;
        var (id, job) = await Export(sb, new { staticListId = 1001 }, Fields);
        Assert.Equal(members, job["numberOfRecords"]!.GetValue<long>());
        var bytes = await Download(sb, id);
        Assert.Equal(job["fileChecksum"]!.GetValue<string>(), Sha256(bytes));
        Assert.Equal(members + 1, ParseDelimited(Encoding.UTF8.GetString(bytes), ',').Count);
    }
}
