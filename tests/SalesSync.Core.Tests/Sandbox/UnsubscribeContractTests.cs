using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>
/// What an unsubscribe feature needs from the sandbox, held to the docs (marketo-api.md §4.1, §9.5, §12;
/// salesforce-api.md §4.2, §6): the email lookup on leads.json (GET and the long-query POST), Durable Unsubscribe,
/// opt-out writes through sObject Collections with and without Sforce-Auto-Assign, the SOQL an opt-out sync runs,
/// and the stats that tell a test whether anything was written to Marketo.
/// </summary>
public class UnsubscribeContractTests : IAsyncLifetime
{
    private const string V = "services/data/v66.0";
    private const string LookupFields = "id,email,unsubscribed,unsubscribedReason";
    private RunningSandbox _sb = null!;
    private string _marketoToken = null!;
    private string _salesforceToken = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "1200", "--seed", "7", "--limits", "off");
        _marketoToken = await _sb.MarketoTokenAsync();
        _salesforceToken = await _sb.SalesforceTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    // ---- helpers -------------------------------------------------------------------------------------------

    private async Task<JsonNode> GetLeads(string query)
    {
        var (status, body, _) = await _sb.GetAsync(_sb.Marketo, $"rest/v1/leads.json?{query}", _marketoToken);
        Assert.Equal(200, status);
        return body!;
    }

    private async Task<JsonNode> PostLeads(string pathQuery, params (string, string)[] form)
    {
        var (status, body, _) = await _sb.PostFormAsync(_sb.Marketo, $"rest/v1/leads.json{pathQuery}", _marketoToken, form);
        Assert.Equal(200, status);
        return body!;
    }

    /// <summary>Creates a Marketo person through the control API; returns its ground truth.</summary>
    private async Task<JsonNode> CreatePerson(object fields)
    {
        var response = await _sb.Http.PostAsJsonAsync(new Uri(_sb.Control, "people"), fields);
        Assert.Equal(201, (int)response.StatusCode);
        return (await SandboxTestHelpers.ParseAsync(response))!;
    }

    private async Task<JsonNode> PatchPerson(long id, object fields)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(_sb.Control, $"people/{id}")) { Content = JsonContent.Create(fields) };
        var response = await _sb.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await SandboxTestHelpers.ParseAsync(response))!;
    }

    private async Task<JsonNode> Person(long id) => JsonNode.Parse(await _sb.Http.GetStringAsync(new Uri(_sb.Control, $"people/{id}")))!;

    private static long IdOf(JsonNode person) => person["id"]!.GetValue<long>();

    private static List<long> Ids(JsonNode page) => page["result"]!.AsArray().Select(r => r!["id"]!.GetValue<long>()).ToList();

    private static void AssertError(JsonNode body, string code)
    {
        Assert.False(body["success"]!.GetValue<bool>());
        Assert.Equal(code, body["errors"]![0]!["code"]!.GetValue<string>());
        Assert.Null(body["result"]);
    }

    private Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> SalesforceSend(HttpMethod method, string path, object? body = null, params (string, string)[] headers) =>
        _sb.SalesforceSendAsync(method, $"{V}/{path}", _salesforceToken, body, headers);

    private async Task<JsonNode> Query(string soql)
    {
        var (status, body, _) = await _sb.GetAsync(_sb.Salesforce, $"{V}/query?q={Uri.EscapeDataString(soql)}", _salesforceToken);
        Assert.Equal(200, status);
        return body!;
    }

    /// <summary>Every record of a query, following nextRecordsUrl.</summary>
    private async Task<List<JsonNode>> QueryAll(string soql)
    {
        var page = await Query(soql);
        var records = page["records"]!.AsArray().Select(r => r!).ToList();
        while (page["nextRecordsUrl"]?.GetValue<string>() is { } next)
        {
            var (status, body, _) = await _sb.GetAsync(_sb.Salesforce, next.TrimStart('/'), _salesforceToken);
            Assert.Equal(200, status);
            page = body!;
            records.AddRange(page["records"]!.AsArray().Select(r => r!));
        }
        Assert.Equal(page["totalSize"]!.GetValue<int>(), records.Count);
        return records;
    }

    private async Task<JsonNode> Truth(string type, string id) =>
        JsonNode.Parse(await _sb.Http.GetStringAsync(new Uri(_sb.Control, $"salesforce/{type}/{id}")))!;

    private List<SalesforceRecord> Live(string type, Func<SalesforceRecord, bool>? where = null)
    {
        var world = _sb.Host.State.World;
        lock (world.Sync) return world.Salesforce.All(type).Where(r => r["IsDeleted"] is false && (where is null || where(r))).ToList();
    }

    private static DateTimeOffset SalesforceDate(JsonNode? value) =>
        DateTimeOffset.Parse(value!.GetValue<string>().Replace("+0000", "Z"), CultureInfo.InvariantCulture);

    private static string SoqlDate(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static object OptOut(string type, string id) => new JsonObject
    {
        ["attributes"] = new JsonObject { ["type"] = type },
        ["id"] = id,
        ["HasOptedOutOfEmail"] = true,
    };

    private static object Collection(params object[] records) => new { allOrNone = false, records };

    private static string RecordCode(JsonNode result) => result["errors"]![0]!["statusCode"]!.GetValue<string>();

    // ---- Marketo: the email lookup -------------------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_EmailLookupFindsEveryRecordOfTheEmailInAnyCaseAndOmitsNulls()
    {
        var first = await CreatePerson(new { email = "Casey.Lookup@Example.com", firstName = "Casey" });
        var second = await CreatePerson(new { email = "casey.lookup@example.com", lastName = "Lookup" });
        var other = await CreatePerson(new { email = "other.lookup@example.com", unsubscribed = true, unsubscribedReason = "Asked by phone" });

        var body = await GetLeads($"filterType=email&filterValues=CASEY.LOOKUP@example.COM,Other.Lookup@Example.com&fields={LookupFields}");
        Assert.True(body["success"]!.GetValue<bool>());
        var result = body["result"]!.AsArray();
        Assert.Equal(new[] { IdOf(first), IdOf(second), IdOf(other) }.Order(), Ids(body).Order());
        Assert.Null(body["moreResult"]);
        Assert.Null(body["nextPageToken"]);
        foreach (var lead in result)
        {
            Assert.All(lead!.AsObject(), kv => Assert.NotNull(kv.Value)); // null fields are left out
            Assert.All(lead.AsObject(), kv => Assert.Contains(kv.Key, LookupFields.Split(',')));
        }
        var casey = result.Single(l => l!["id"]!.GetValue<long>() == IdOf(first))!;
        Assert.Equal("Casey.Lookup@Example.com", casey["email"]!.GetValue<string>()); // as stored, not as asked
        Assert.False(casey["unsubscribed"]!.GetValue<bool>());
        Assert.Null(casey["unsubscribedReason"]); // null: omitted
        var unsubscribed = result.Single(l => l!["id"]!.GetValue<long>() == IdOf(other))!;
        Assert.True(unsubscribed["unsubscribed"]!.GetValue<bool>());
        Assert.Equal("Asked by phone", unsubscribed["unsubscribedReason"]!.GetValue<string>());

        // A generated duplicate (two persons, one email) comes back twice, asked for once.
        List<MarketoPerson> twins;
        var world = _sb.Host.State.World;
        lock (world.Sync)
        {
            twins = world.People.GroupBy(p => p.Email!.ToLowerInvariant()).First(g => g.Count() == 2).ToList();
        }
        var duplicate = await GetLeads($"filterType=email&filterValues={Uri.EscapeDataString(twins[0].Email!.ToUpperInvariant())}&fields={LookupFields}");
        Assert.Equal(twins.Select(t => t.Id), Ids(duplicate));
        Assert.All(duplicate["result"]!.AsArray(), l => Assert.Equal(twins[0].Unsubscribed, l!["unsubscribed"]!.GetValue<bool>()));

        // No match: an empty result, not an error.
        var none = await GetLeads("filterType=email&filterValues=nobody.at.all@example.net&fields=id,unsubscribed");
        Assert.True(none["success"]!.GetValue<bool>());
        Assert.Empty(none["result"]!.AsArray());
    }

    [Fact]
    public async Task Unsubscribe_LongQueryPostWithMethodGetInTheUrlOrTheFormBodyAnswersAsTheGet()
    {
        var a = await CreatePerson(new { email = "long.query.a@example.com", unsubscribed = true, unsubscribedReason = "Unsubscribed via email link" });
        var b = await CreatePerson(new { email = "Long.Query.B@example.com" });
        var values = "long.query.a@example.com,LONG.QUERY.B@EXAMPLE.COM";

        var viaGet = await GetLeads($"filterType=email&filterValues={Uri.EscapeDataString(values)}&fields={LookupFields}");
        var methodInUrl = await PostLeads("?_method=GET", ("filterType", "email"), ("filterValues", values), ("fields", LookupFields), ("batchSize", "300"));
        var methodInBody = await PostLeads("", ("_method", "GET"), ("filterType", "email"), ("filterValues", values), ("fields", LookupFields));
        Assert.Equal(new[] { IdOf(a), IdOf(b) }, Ids(viaGet));
        foreach (var answer in new[] { methodInUrl, methodInBody })
        {
            Assert.True(answer["success"]!.GetValue<bool>());
            Assert.Equal(viaGet["result"]!.ToJsonString(), answer["result"]!.ToJsonString());
        }

        // The long form is what 300 addresses need: far past a comfortable GET URL, still one call.
        var many = Enumerable.Range(0, 298).Select(i => $"nobody.{i}.padding.for.a.long.query@example.invalid")
            .Append("long.query.a@example.com").Append("Long.Query.B@Example.com").ToList();
        Assert.True(string.Join(",", many).Length > 8 * 1024);
        var long300 = await PostLeads("?_method=GET", ("filterType", "email"), ("filterValues", string.Join(",", many)), ("fields", LookupFields));
        Assert.Equal(new[] { IdOf(a), IdOf(b) }, Ids(long300));

        // 301 values: 1003, in either place _method is given, and on the GET.
        var tooMany = string.Join(",", many.Append("one.more@example.com"));
        AssertError(await PostLeads("?_method=GET", ("filterType", "email"), ("filterValues", tooMany), ("fields", LookupFields)), "1003");
        AssertError(await PostLeads("", ("_method", "GET"), ("filterType", "email"), ("filterValues", tooMany)), "1003");
        AssertError(await GetLeads($"filterType=email&filterValues={string.Join(",", Enumerable.Range(0, 301).Select(i => $"x{i}@e.io"))}"), "1003");
    }

    [Fact]
    public async Task Unsubscribe_EmailLookupPagesWithNextPageTokenInTheQueryOrTheFormBody()
    {
        var created = new List<long>();
        foreach (var email in new[] { "paged@example.com", "PAGED@example.com", "Paged@Example.Com", "paged@EXAMPLE.com", "pAgEd@example.com" })
            created.Add(IdOf(await CreatePerson(new { email })));

        // GET, batchSize 2: 2 + 2 + 1, moreResult and a token while more remain, neither on the last page.
        var seen = new List<long>();
        var page = await GetLeads($"filterType=email&filterValues=paged@example.com&fields={LookupFields}&batchSize=2");
        var pages = 1;
        while (true)
        {
            seen.AddRange(Ids(page));
            if (page["nextPageToken"] is null)
            {
                Assert.Null(page["moreResult"]);
                break;
            }
            Assert.True(page["moreResult"]!.GetValue<bool>());
            Assert.Equal(2, page["result"]!.AsArray().Count);
            var token = page["nextPageToken"]!.GetValue<string>();
            page = await GetLeads($"filterType=email&filterValues=paged@example.com&fields={LookupFields}&batchSize=2&nextPageToken={Uri.EscapeDataString(token)}");
            pages++;
        }
        Assert.Equal(3, pages);
        Assert.Equal(created, seen);

        // The long form, with every parameter (nextPageToken and batchSize too) in the form body.
        seen.Clear();
        var form = new List<(string, string)> { ("_method", "GET"), ("filterType", "email"), ("filterValues", "PAGED@EXAMPLE.COM"), ("fields", LookupFields), ("batchSize", "2") };
        page = await PostLeads("", form.ToArray());
        seen.AddRange(Ids(page));
        while (page["nextPageToken"]?.GetValue<string>() is { } next)
        {
            page = await PostLeads("", form.Append(("nextPageToken", next)).ToArray());
            seen.AddRange(Ids(page));
        }
        Assert.Equal(created, seen);
    }

    // ---- Marketo: Durable Unsubscribe ----------------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_DurableUnsubscribeReachesEveryRecordOfTheEmailWithTheReason()
    {
        var one = IdOf(await CreatePerson(new { email = "durable.person@example.com", firstName = "One" }));
        var two = IdOf(await CreatePerson(new { email = "Durable.Person@Example.COM", firstName = "Two" }));
        var three = IdOf(await CreatePerson(new { email = "DURABLE.PERSON@EXAMPLE.COM", firstName = "Three" }));
        var stranger = IdOf(await CreatePerson(new { email = "durable.stranger@example.com" }));
        var nextActivity = _sb.Host.State.World.NextActivityId;

        await PatchPerson(two, new { unsubscribed = true, unsubscribedReason = "Clicked unsubscribe in sales email" });
        var lookup = await GetLeads($"filterType=email&filterValues=durable.person@example.com&fields={LookupFields}");
        Assert.Equal(new[] { one, two, three }, Ids(lookup));
        Assert.All(lookup["result"]!.AsArray(), l =>
        {
            Assert.True(l!["unsubscribed"]!.GetValue<bool>());
            Assert.Equal("Clicked unsubscribe in sales email", l["unsubscribedReason"]!.GetValue<string>());
        });
        Assert.False((await Person(stranger))["unsubscribed"]!.GetValue<bool>());

        // Each change is logged as Change Data Value (13) on its own person: the twins' too.
        List<MarketoActivity> logged;
        var world = _sb.Host.State.World;
        lock (world.Sync) logged = world.Activities.Where(x => x.Id >= nextActivity).ToList();
        Assert.All(logged, x => Assert.Equal(ActivityTypes.ChangeDataValue, x.ActivityTypeId));
        foreach (var id in new[] { one, two, three })
        {
            Assert.Equal(["unsubscribed", "unsubscribedReason"], logged.Where(x => x.LeadId == id).Select(x => x.Fields[0].Name).Order());
        }

        // A re-subscribe re-subscribes all; the reason stays what the re-subscribed record has (nothing clears it).
        await PatchPerson(three, new { unsubscribed = false });
        foreach (var id in new[] { one, two, three })
        {
            var person = await Person(id);
            Assert.False(person["unsubscribed"]!.GetValue<bool>());
            Assert.Equal("Clicked unsubscribe in sales email", person["unsubscribedReason"]!.GetValue<string>());
        }

        // Unsubscribing again with another reason: the twins take the new reason.
        await PatchPerson(one, new { unsubscribed = true, unsubscribedReason = "Replied STOP" });
        foreach (var id in new[] { one, two, three })
            Assert.Equal("Replied STOP", (await Person(id))["unsubscribedReason"]!.GetValue<string>());

        // A new record with the unsubscribed email (another case) is unsubscribed from the start, with the email's reason…
        var late = await CreatePerson(new { email = "DURABLE.person@example.com", firstName = "Late" });
        Assert.True(late["unsubscribed"]!.GetValue<bool>());
        Assert.Equal("Replied STOP", late["unsubscribedReason"]!.GetValue<string>());
        // …or its own when it brings one.
        var own = await CreatePerson(new { email = "durable.person@example.com", unsubscribedReason = "Imported from list" });
        Assert.True(own["unsubscribed"]!.GetValue<bool>());
        Assert.Equal("Imported from list", own["unsubscribedReason"]!.GetValue<string>());

        // A record re-addressed to the unsubscribed email becomes unsubscribed, with the reason.
        var moved = await PatchPerson(stranger, new { email = "Durable.Person@example.com" });
        Assert.True(moved["unsubscribed"]!.GetValue<bool>());
        Assert.Equal("Replied STOP", moved["unsubscribedReason"]!.GetValue<string>());
    }

    // ---- Salesforce: opt-out writes ------------------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_OptOutCollectionWithAutoAssignFalseKeepsOwnersAndFailsOnlyTheConvertedLead()
    {
        var lead = Live("Lead", l => l["IsConverted"] is false && l["HasOptedOutOfEmail"] is false)[0];
        var converted = Live("Lead", l => l["IsConverted"] is true && l["HasOptedOutOfEmail"] is false)[0];
        var contact = Live("Contact", c => c["HasOptedOutOfEmail"] is false)[0];
        var before = new[] { lead, converted, contact }.ToDictionary(r => r.Id, r => (DateTimeOffset)r["SystemModstamp"]!);
        var leadOwner = (string)lead["OwnerId"]!;
        var contactOwner = (string)contact["OwnerId"]!;
        await _sb.AdvanceClockAsync(3600);
        var writeTime = _sb.Host.State.Clock.UtcNow;

        var (status, body, _) = await SalesforceSend(HttpMethod.Patch, "composite/sobjects",
            Collection(OptOut("Lead", lead.Id), OptOut("Lead", converted.Id), OptOut("Contact", contact.Id)), ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.True(results[0]!["success"]!.GetValue<bool>());
        Assert.Equal(lead.Id, results[0]!["id"]!.GetValue<string>());
        Assert.False(results[1]!["success"]!.GetValue<bool>());
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", RecordCode(results[1]!));
        Assert.True(results[2]!["success"]!.GetValue<bool>());
        Assert.Equal(contact.Id, results[2]!["id"]!.GetValue<string>());

        var leadNow = await Truth("Lead", lead.Id);
        Assert.True(leadNow["HasOptedOutOfEmail"]!.GetValue<bool>());
        Assert.Equal(leadOwner, leadNow["OwnerId"]!.GetValue<string>());
        Assert.True(SalesforceDate(leadNow["SystemModstamp"]) >= writeTime.AddSeconds(-1));
        var contactNow = await Truth("Contact", contact.Id);
        Assert.True(contactNow["HasOptedOutOfEmail"]!.GetValue<bool>());
        Assert.Equal(contactOwner, contactNow["OwnerId"]!.GetValue<string>());
        Assert.True(SalesforceDate(contactNow["SystemModstamp"]) > before[contact.Id]);
        var convertedNow = await Truth("Lead", converted.Id);
        Assert.False(convertedNow["HasOptedOutOfEmail"]!.GetValue<bool>());
        Assert.Equal(before[converted.Id], SalesforceDate(convertedNow["SystemModstamp"])); // untouched

        // The converted lead's contact is where the opt-out goes.
        var follow = await Query($"SELECT Id, ConvertedContactId FROM Lead WHERE IsConverted = true AND Id IN ({Soql.Id(converted.Id)}, {Soql.Id(lead.Id)})");
        var row = Assert.Single(follow["records"]!.AsArray());
        Assert.Equal(converted.Id, row!["Id"]!.GetValue<string>());
        Assert.Equal((string)converted["ConvertedContactId"]!, row["ConvertedContactId"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unsubscribe_OptOutCollectionWithoutTheHeaderHandsTheLeadToTheLeadQueue()
    {
        var lead = Live("Lead", l => l["IsConverted"] is false && l["HasOptedOutOfEmail"] is false)[1];
        var contact = Live("Contact", c => c["HasOptedOutOfEmail"] is false)[1];
        var queue = _sb.Host.State.World.Salesforce.LeadQueueUserId!;
        Assert.NotEqual(queue, lead["OwnerId"]);

        var (status, body, _) = await SalesforceSend(HttpMethod.Patch, "composite/sobjects", Collection(OptOut("Lead", lead.Id), OptOut("Contact", contact.Id)));
        Assert.Equal(200, status);
        Assert.All(body!.AsArray(), r => Assert.True(r!["success"]!.GetValue<bool>()));
        var leadNow = await Truth("Lead", lead.Id);
        Assert.True(leadNow["HasOptedOutOfEmail"]!.GetValue<bool>());
        Assert.Equal(queue, leadNow["OwnerId"]!.GetValue<string>());
        var owner = await Query($"SELECT Owner.Name FROM Lead WHERE Id = {Soql.Id(lead.Id)}");
        Assert.Equal(WorldGenerator.LeadQueueName, owner["records"]![0]!["Owner"]!["Name"]!.GetValue<string>());
        Assert.Equal((string)contact["OwnerId"]!, (await Truth("Contact", contact.Id))["OwnerId"]!.GetValue<string>()); // contacts: no rule
    }

    [Fact]
    public async Task Unsubscribe_OptOutCollectionTakesAtMost200Records()
    {
        var contacts = Live("Contact", c => c["HasOptedOutOfEmail"] is false).Take(201).ToList();
        Assert.Equal(201, contacts.Count);

        var (status, body, _) = await SalesforceSend(HttpMethod.Patch, "composite/sobjects",
            Collection(contacts.Select(c => OptOut("Contact", c.Id)).ToArray()), ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(400, status);
        Assert.Equal("EXCEEDED_ID_LIMIT", body![0]!["errorCode"]!.GetValue<string>());
        Assert.All(contacts, c => Assert.False((bool)c["HasOptedOutOfEmail"]!)); // nothing written

        (status, body, _) = await SalesforceSend(HttpMethod.Patch, "composite/sobjects",
            Collection(contacts.Take(200).Select(c => OptOut("Contact", c.Id)).ToArray()), ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(200, status);
        Assert.Equal(200, body!.AsArray().Count(r => r!["success"]!.GetValue<bool>()));
        Assert.False((await Truth("Contact", contacts[200].Id))["HasOptedOutOfEmail"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unsubscribe_SoqlFindsOptedOutRecordsAndChangesSinceAWatermark()
    {
        foreach (var type in new[] { "Lead", "Contact" })
        {
            var expected = Live(type, r => r["HasOptedOutOfEmail"] is true).Select(r => r.Id).Order().ToList();
            Assert.NotEmpty(expected);
            var rows = await QueryAll($"SELECT Id, HasOptedOutOfEmail, SystemModstamp FROM {type} WHERE HasOptedOutOfEmail = true");
            Assert.Equal(expected, rows.Select(r => r["Id"]!.GetValue<string>()).Order());
            Assert.All(rows, r =>
            {
                Assert.True(r["HasOptedOutOfEmail"]!.GetValue<bool>());
                Assert.NotNull(r["SystemModstamp"]);
            });
        }

        // Watermark form: ordered ascending, all after the literal.
        var cut = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var recent = await QueryAll("SELECT Id, HasOptedOutOfEmail, SystemModstamp FROM Lead WHERE SystemModstamp > 2026-01-01T00:00:00Z ORDER BY SystemModstamp");
        Assert.Equal(Live("Lead", l => (DateTimeOffset)l["SystemModstamp"]! > cut).Count, recent.Count);
        var stamps = recent.Select(r => SalesforceDate(r["SystemModstamp"])).ToList();
        Assert.All(stamps, s => Assert.True(s > cut));
        Assert.Equal(stamps.Order(), stamps);

        // A write moves a record past a watermark taken before it; nothing else is past it.
        await _sb.AdvanceClockAsync(60);
        var watermark = SoqlDate(_sb.Host.State.Clock.UtcNow.AddSeconds(-1));
        var contact = Live("Contact", c => c["HasOptedOutOfEmail"] is false)[5];
        var (status, _, _) = await SalesforceSend(HttpMethod.Patch, "composite/sobjects", Collection(OptOut("Contact", contact.Id)), ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(200, status);
        var changed = await Query($"SELECT Id, HasOptedOutOfEmail, SystemModstamp FROM Contact WHERE SystemModstamp > {watermark} ORDER BY SystemModstamp");
        var only = Assert.Single(changed["records"]!.AsArray());
        Assert.Equal(contact.Id, only!["Id"]!.GetValue<string>());
        Assert.True(only["HasOptedOutOfEmail"]!.GetValue<bool>());
        Assert.Empty((await Query($"SELECT Id FROM Lead WHERE SystemModstamp > {watermark}"))["records"]!.AsArray());

        // Converted leads by id: the contact to follow.
        var converted = Live("Lead", l => l["IsConverted"] is true).Take(2).ToList();
        var open = Live("Lead", l => l["IsConverted"] is false)[0];
        var follow = await Query($"SELECT Id, ConvertedContactId FROM Lead WHERE IsConverted = true AND Id IN ({string.Join(", ", converted.Append(open).Select(l => Soql.Id(l.Id)))})");
        Assert.Equal(converted.Select(l => (l.Id, (string)l["ConvertedContactId"]!)).Order(),
            follow["records"]!.AsArray().Select(r => (r!["Id"]!.GetValue<string>(), r["ConvertedContactId"]!.GetValue<string>())).Order());
    }

    // ---- Stats: were there Marketo writes? -----------------------------------------------------------------

    [Fact]
    public async Task Unsubscribe_StatsTellMarketoReadsFromWriteAttempts()
    {
        await CreatePerson(new { email = "stats.reader@example.com" }); // control-API changes are not API calls
        (await _sb.Http.PostAsync(new Uri(_sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();

        await GetLeads($"filterType=email&filterValues=stats.reader@example.com&fields={LookupFields}");
        await PostLeads("?_method=GET", ("filterType", "email"), ("filterValues", "stats.reader@example.com"), ("fields", LookupFields));
        await PostLeads("", ("_method", "get"), ("filterType", "email"), ("filterValues", "stats.reader@example.com"));
        var (_, refused, _) = await _sb.GetAsync(_sb.Marketo, "rest/v1/leads.json?filterType=email&filterValues=x@y.io", token: null);
        AssertError(refused!, "601");

        var marketo = (await _sb.StatsAsync())["marketo"]!;
        Assert.Equal(4, marketo["totalCalls"]!.GetValue<int>());
        Assert.Equal(2, marketo["calls"]!["GET /rest/v1/leads.json"]!.GetValue<int>());
        Assert.Equal(2, marketo["calls"]!["POST /rest/v1/leads.json"]!.GetValue<int>()); // the method on the wire
        Assert.Equal(0, marketo["writeCalls"]!.GetValue<int>());
        Assert.Empty(marketo["writes"]!.AsObject());

        // A write attempt counts whatever its answer: Sync Leads (POST leads.json as JSON, not emulated: 610), and a
        // form POST without _method=GET, refused for its missing token (601).
        using (var sync = new HttpRequestMessage(HttpMethod.Post, new Uri(_sb.Marketo, "rest/v1/leads.json")))
        {
            sync.Content = JsonContent.Create(new { action = "updateOnly", lookupField = "email", input = new[] { new { email = "stats.reader@example.com", unsubscribed = true } } });
            sync.Headers.Authorization = new("Bearer", _marketoToken);
            AssertError((await SandboxTestHelpers.ParseAsync(await _sb.Http.SendAsync(sync)))!, "610");
        }
        var (_, unauthorized, _) = await _sb.PostFormAsync(_sb.Marketo, "rest/v1/leads.json", null, ("filterType", "email"), ("filterValues", "x@y.io"));
        AssertError(unauthorized!, "601");

        marketo = (await _sb.StatsAsync())["marketo"]!;
        Assert.Equal(2, marketo["writeCalls"]!.GetValue<int>());
        Assert.Equal(2, marketo["writes"]!["POST /rest/v1/leads.json"]!.GetValue<int>());
        Assert.Equal(4, marketo["calls"]!["POST /rest/v1/leads.json"]!.GetValue<int>());
        Assert.Null((await _sb.StatsAsync())["salesforce"]!["writeCalls"]); // Salesforce's methods say it already

        (await _sb.Http.PostAsync(new Uri(_sb.Control, "stats/reset"), null)).EnsureSuccessStatusCode();
        marketo = (await _sb.StatsAsync())["marketo"]!;
        Assert.Equal(0, marketo["writeCalls"]!.GetValue<int>());
        Assert.Empty(marketo["writes"]!.AsObject());
    }
}
