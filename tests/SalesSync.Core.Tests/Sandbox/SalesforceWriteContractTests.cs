using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Sandbox;

/// <summary>The sandbox's Salesforce record writes held to the documented shapes, codes and side effects (salesforce-api.md §4–§7).</summary>
public class SalesforceWriteContractTests : IAsyncLifetime
{
    private const string V = "services/data/v66.0";
    private RunningSandbox _sb = null!;
    private string _token = null!;

    public async Task InitializeAsync()
    {
        _sb = await RunningSandbox.StartAsync("--people", "1200", "--seed", "7");
        _token = await _sb.SalesforceTokenAsync();
    }

    public async Task DisposeAsync() => await _sb.DisposeAsync();

    private Task<(int Status, JsonNode? Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, object? body = null, params (string, string)[] headers) =>
        _sb.SalesforceSendAsync(method, $"{V}/{path}", _token, body, headers);

    private async Task<JsonNode> Query(string soql, string resource = "query")
    {
        var (status, body, _) = await _sb.GetAsync(_sb.Salesforce, $"{V}/{resource}?q={Uri.EscapeDataString(soql)}", _token);
        Assert.Equal(200, status);
        return body!;
    }

    /// <summary>Ground truth through the control API (no API call counted).</summary>
    private async Task<JsonNode> Truth(string type, string id) =>
        JsonNode.Parse(await _sb.Http.GetStringAsync(new Uri(_sb.Control, $"salesforce/{type}/{id}")))!;

    private List<SalesforceRecord> Live(string type, Func<SalesforceRecord, bool>? where = null)
    {
        var world = _sb.Host.State.World;
        lock (world.Sync) return world.Salesforce.All(type).Where(r => r["IsDeleted"] is false && (where is null || where(r))).ToList();
    }

    private string RunningUserId => _sb.Host.State.World.Salesforce.RunningUserId!;
    private string LeadQueueUserId => _sb.Host.State.World.Salesforce.LeadQueueUserId!;

    private static object Task(string subject, object? extra = null)
    {
        var record = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Task" }, ["Subject"] = subject };
        if (extra is not null)
        {
            foreach (var (k, v) in System.Text.Json.JsonSerializer.SerializeToNode(extra)!.AsObject()) record[k] = v?.DeepClone();
        }
        return record;
    }

    private static object Collection(bool allOrNone, params object[] records) => new { allOrNone, records };

    private static string Code(JsonNode? body, int index = 0) => body!.AsArray()[index]!["errorCode"]!.GetValue<string>();

    private static string RecordCode(JsonNode result) => result["errors"]![0]!["statusCode"]!.GetValue<string>();

    private static string[] RecordFields(JsonNode result) => result["errors"]![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ToArray();

    [Fact]
    public async Task ATaskIsCreatedReadUpdatedAndDeletedOneRecordAtATime()
    {
        var contact = Live("Contact", c => c["AccountId"] is string)[0];
        var opportunity = Live("Opportunity")[0];
        var (status, created, _) = await Send(HttpMethod.Post, "sobjects/Task/", new { Subject = "Email: Q3 pricing", WhoId = contact.Id, WhatId = opportunity.Id, TaskSubtype = "Email" });
        Assert.Equal(201, status);
        var id = created!["id"]!.GetValue<string>();
        Assert.StartsWith("00T", id);
        Assert.Equal(18, id.Length);
        Assert.True(created["success"]!.GetValue<bool>());
        Assert.Empty(created["errors"]!.AsArray());

        var (_, read, _) = await Send(HttpMethod.Get, $"sobjects/Task/{id}");
        Assert.Equal("Not Started", read!["Status"]!.GetValue<string>());
        Assert.Equal("Normal", read["Priority"]!.GetValue<string>());
        Assert.Equal(RunningUserId, read["OwnerId"]!.GetValue<string>());
        Assert.Equal(opportunity["AccountId"], read["AccountId"]!.GetValue<string>()); // derived from WhatId's account
        Assert.False(read["IsClosed"]!.GetValue<bool>());
        Assert.Null(read["CompletedDateTime"]);

        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Status = "Completed", CallDurationInSeconds = 312 })).Status);
        var closed = await Truth("Task", id);
        Assert.True(closed["IsClosed"]!.GetValue<bool>());
        Assert.NotNull(closed["CompletedDateTime"]);
        Assert.Equal(312, closed["CallDurationInSeconds"]!.GetValue<int>());

        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{id}")).Status);
        var (gone, error, _) = await Send(HttpMethod.Get, $"sobjects/Task/{id}");
        Assert.Equal(404, gone);
        Assert.Equal("ENTITY_IS_DELETED", Code(error));
        Assert.Equal("ENTITY_IS_DELETED", Code((await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Subject = "x" })).Body));
        var (unknown, notFound, _) = await Send(HttpMethod.Delete, "sobjects/Task/00T5g00000zzzzzAAA");
        Assert.Equal(404, unknown);
        Assert.Equal("NOT_FOUND", Code(notFound));
    }

    [Fact]
    public async Task SingleWritesAnswerTheDocumentedValidationErrors()
    {
        var (status, body, _) = await Send(HttpMethod.Post, "sobjects/Task", new { Id = "00T5g0000000001AAA", Subject = "x" });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", Code(body));
        Assert.Equal("The Id field should not be specified in the sobject data.", body![0]!["message"]!.GetValue<string>());

        (status, body, _) = await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "x", Bogus__c = 1 });
        Assert.Equal(400, status);
        Assert.Equal("INVALID_FIELD", Code(body));
        Assert.Equal("Bogus__c", body![0]!["fields"]![0]!.GetValue<string>());

        (status, body, _) = await Send(HttpMethod.Post, "sobjects/Lead", new { FirstName = "Ada" });
        Assert.Equal("REQUIRED_FIELD_MISSING", Code(body));
        Assert.Equal(["LastName", "Company"], body![0]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Equal("REQUIRED_FIELD_MISSING", Code((await Send(HttpMethod.Post, "sobjects/Opportunity", new { Name = "Deal" })).Body));
        Assert.Equal("REQUIRED_FIELD_MISSING", Code((await Send(HttpMethod.Post, "sobjects/Contact", new { FirstName = "Ada" })).Body));

        Assert.Equal("STRING_TOO_LONG", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Subject = new string('s', 256) })).Body));
        var (longest, task, _) = await Send(HttpMethod.Post, "sobjects/Task", new { Subject = new string('s', 255), Description = new string('d', 32_000) });
        Assert.Equal(201, longest);
        Assert.Equal("STRING_TOO_LONG", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Description = new string('d', 32_001) })).Body));

        var readOnly = (await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "x", IsClosed = true })).Body;
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE", Code(readOnly));
        Assert.Equal("JSON_PARSER_ERROR", Code((await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "x", IsReminderSet = "yes" })).Body));
        Assert.Equal("JSON_PARSER_ERROR", Code((await Send(HttpMethod.Post, "sobjects/Task", new StringContent("{\"Subject\":", System.Text.Encoding.UTF8, "application/json"))).Body));
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", Code((await Send(HttpMethod.Post, "sobjects/Task", new { CallType = "Sideways" })).Body));
        Assert.Equal("INVALID_EMAIL_ADDRESS", Code((await Send(HttpMethod.Post, "sobjects/Contact", new { LastName = "X", Email = "not-an-email" })).Body));
        Assert.Equal(404, (await Send(HttpMethod.Post, "sobjects/Bogus", new { Name = "x" })).Status);

        var user = Live("User")[0];
        Assert.Equal("INSUFFICIENT_ACCESS_OR_READONLY", Code((await Send(HttpMethod.Patch, $"sobjects/User/{user.Id}", new { Title = "x" })).Body));
        var (clear, cleared, _) = await Send(HttpMethod.Patch, $"sobjects/Task/{task!["id"]!.GetValue<string>()}", new { Status = (string?)null, TaskSubtype = "Call" });
        Assert.Equal(400, clear);
        Assert.Equal(["INVALID_FIELD_FOR_INSERT_UPDATE", "REQUIRED_FIELD_MISSING"], cleared!.AsArray().Select(e => e!["errorCode"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TaskReferencesAreCheckedPerRecordInRequestOrder()
    {
        var contact = Live("Contact")[0];
        var account = Live("Account")[0];
        var lead = Live("Lead", l => l["IsConverted"] is false)[0];
        var converted = Live("Lead", l => l["IsConverted"] is true)[0];
        var (status, body, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false,
            Task("ok", new { WhoId = contact.Id, WhatId = account.Id, TaskSubtype = "Call", CallType = "Outbound" }),
            Task("account as who", new { WhoId = account.Id }),
            Task("contact as what", new { WhatId = contact.Id }),
            Task("lead with what", new { WhoId = lead.Id, WhatId = account.Id }),
            Task("converted lead", new { WhoId = converted.Id }),
            Task("nobody", new { WhoId = "0035g00000zzzzzAAA" }),
            Task("cadence", new { TaskSubtype = "Cadence" }),
            Task("malformed", new { WhoId = "003-not-an-id" }),
            Task("lead alone", new { WhoId = lead.Id[..15] })));
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.Equal(9, results.Count);
        Assert.True(results[0]!["success"]!.GetValue<bool>());
        Assert.StartsWith("00T", results[0]!["id"]!.GetValue<string>());

        Assert.Equal("FIELD_INTEGRITY_EXCEPTION", RecordCode(results[1]!));
        Assert.Equal(["WhoId"], RecordFields(results[1]!));
        Assert.Equal($"Name ID: id value of incorrect type: {account.Id}", results[1]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Null(results[1]!["id"]);
        Assert.Equal("FIELD_INTEGRITY_EXCEPTION", RecordCode(results[2]!));
        Assert.StartsWith("Related To ID: id value of incorrect type", results[2]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Equal("FIELD_INTEGRITY_EXCEPTION", RecordCode(results[3]!));
        Assert.Equal(["WhatId"], RecordFields(results[3]!));
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", RecordCode(results[4]!));
        Assert.Equal("INVALID_CROSS_REFERENCE_KEY", RecordCode(results[5]!));
        Assert.Equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", RecordCode(results[6]!));
        Assert.Equal("MALFORMED_ID", RecordCode(results[7]!));
        Assert.True(results[8]!["success"]!.GetValue<bool>());
        Assert.Equal(lead.Id, (await Truth("Task", results[8]!["id"]!.GetValue<string>()))["WhoId"]!.GetValue<string>()); // 15 → 18 characters
    }

    [Fact]
    public async Task CollectionsCreateUpdateAndDeleteWithMixedResultsWhenNotAllOrNone()
    {
        var (_, created, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false,
            Task("first [ss:mixed]"), Task("bad", new { Priority = "Urgent" }), Task("second [ss:mixed]")));
        var results = created!.AsArray();
        Assert.Equal([true, false, true], results.Select(r => r!["success"]!.GetValue<bool>()));
        string first = results[0]!["id"]!.GetValue<string>(), second = results[2]!["id"]!.GetValue<string>();

        var contact = Live("Contact")[0];
        var (status, updated, _) = await Send(HttpMethod.Patch, "composite/sobjects", Collection(false,
            new { attributes = new { type = "Task" }, id = first, Status = "Completed" },
            new { attributes = new { type = "Task" }, Subject = "no id" },
            new { attributes = new { type = "Task" }, id = contact.Id, Subject = "a contact's id" },
            new { attributes = new { type = "Contact" }, Id = contact.Id, HasOptedOutOfEmail = true }));
        Assert.Equal(200, status);
        var updates = updated!.AsArray();
        Assert.True(updates[0]!["success"]!.GetValue<bool>());
        Assert.Equal(first, updates[0]!["id"]!.GetValue<string>());
        Assert.Equal("MISSING_ARGUMENT", RecordCode(updates[1]!));
        Assert.Equal("MALFORMED_ID", RecordCode(updates[2]!));
        Assert.Equal(["Id"], RecordFields(updates[2]!));
        Assert.True(updates[3]!["success"]!.GetValue<bool>());
        Assert.True((await Truth("Task", first))["IsClosed"]!.GetValue<bool>());
        Assert.True((await Truth("Contact", contact.Id))["HasOptedOutOfEmail"]!.GetValue<bool>());

        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{second}")).Status);
        var (deleteStatus, deleted, _) = await Send(HttpMethod.Delete, $"composite/sobjects?ids={first},{second},00T5g00000zzzzzAAA,junk&allOrNone=false");
        Assert.Equal(200, deleteStatus);
        var deletes = deleted!.AsArray();
        Assert.True(deletes[0]!["success"]!.GetValue<bool>());
        Assert.Equal(first, deletes[0]!["id"]!.GetValue<string>());
        Assert.Equal("ENTITY_IS_DELETED", RecordCode(deletes[1]!));
        Assert.Equal("INVALID_CROSS_REFERENCE_KEY", RecordCode(deletes[2]!));
        Assert.Equal("MALFORMED_ID", RecordCode(deletes[3]!));
        Assert.Equal(0, (await Query("SELECT COUNT() FROM Task WHERE Subject LIKE '%[ss:mixed]%'"))["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task AllOrNoneRollsBackEveryRecordWhenOneFails()
    {
        var (status, body, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(true,
            Task("a [ss:atomic]"), Task("b [ss:atomic]", new { Bogus = 1 }), Task("c [ss:atomic]")));
        Assert.Equal(200, status);
        var results = body!.AsArray();
        Assert.All(results, r => Assert.False(r!["success"]!.GetValue<bool>()));
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", RecordCode(results[0]!));
        Assert.Equal("Record rolled back because not all records were valid and the request was using AllOrNone header",
            results[0]!["errors"]![0]!["message"]!.GetValue<string>());
        Assert.Empty(RecordFields(results[0]!));
        Assert.Equal("INVALID_FIELD", RecordCode(results[1]!));
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", RecordCode(results[2]!));
        Assert.Equal(0, (await Query("SELECT COUNT() FROM Task WHERE Subject LIKE '%[ss:atomic]%'", "queryAll"))["totalSize"]!.GetValue<int>());

        var contacts = Live("Contact").Take(2).ToList();
        var (_, updated, _) = await Send(HttpMethod.Patch, "composite/sobjects", Collection(true,
            new { attributes = new { type = "Contact" }, id = contacts[0].Id, Title = "Changed" },
            new { attributes = new { type = "Contact" }, id = contacts[1].Id, LastName = "" }));
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", RecordCode(updated![0]!));
        Assert.Equal("REQUIRED_FIELD_MISSING", RecordCode(updated[1]!));
        Assert.NotEqual("Changed", (await Truth("Contact", contacts[0].Id))["Title"]?.GetValue<string>());

        var (_, deleted, _) = await Send(HttpMethod.Delete, $"composite/sobjects?ids={contacts[0].Id},nonsense&allOrNone=true");
        Assert.Equal("ALL_OR_NONE_OPERATION_ROLLED_BACK", RecordCode(deleted![0]!));
        Assert.False((await Truth("Contact", contacts[0].Id))["IsDeleted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task MoreThan200RecordsOrTenChunksAreRefusedWhole()
    {
        var tooMany = Enumerable.Range(0, 201).Select(i => Task($"t{i} [ss:limit]")).ToArray();
        var (status, body, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false, tooMany));
        Assert.Equal(400, status);
        Assert.Equal("EXCEEDED_ID_LIMIT", Code(body));
        var ids = string.Join(',', Live("Contact").Take(201).Select(c => c.Id));
        Assert.Equal("EXCEEDED_ID_LIMIT", Code((await Send(HttpMethod.Delete, $"composite/sobjects?ids={ids}")).Body));

        var account = new { attributes = new { type = "Account" }, Name = "Chunky" };
        var alternating = Enumerable.Range(0, 11).Select(i => i % 2 == 0 ? Task($"chunk {i} [ss:limit]") : account).ToArray();
        Assert.Equal(400, (await Send(HttpMethod.Post, "composite/sobjects", Collection(false, alternating))).Status);
        Assert.Equal("INVALID_TYPE", Code((await Send(HttpMethod.Post, "composite/sobjects", new { records = new[] { new { Subject = "untyped" } } })).Body));

        var (ok, saved, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false, tooMany[..200]));
        Assert.Equal(200, ok);
        Assert.Equal(200, saved!.AsArray().Count(r => r!["success"]!.GetValue<bool>()));
        Assert.Equal(200, (await Query("SELECT COUNT() FROM Task WHERE Subject LIKE '%[ss:limit]%'"))["totalSize"]!.GetValue<int>());
    }

    [Fact]
    public async Task TasksAreFoundBySubjectLikeAndDeletedOnesOnlyByQueryAll()
    {
        var (_, body, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false,
            Task("Email: Hello [ss:abc]"), Task("Call [ss:abc] back"), Task("Email: Hello [ss:abd]"), Task("100% [ss:abc]_done")));
        var ids = body!.AsArray().Select(r => r!["id"]!.GetValue<string>()).ToList();
        var found = await Query("SELECT Id, Subject FROM Task WHERE Subject LIKE '%[ss:abc]%' ORDER BY Subject");
        Assert.Equal(3, found["totalSize"]!.GetValue<int>());
        Assert.Equal("Task", found["records"]![0]!["attributes"]!["type"]!.GetValue<string>());
        Assert.Equal(1, (await Query($"SELECT Id FROM Task WHERE Subject LIKE {Soql.QuoteLike("100% [ss:abc]_", suffix: true)}"))["totalSize"]!.GetValue<int>());

        Assert.Equal(204, (await Send(HttpMethod.Delete, $"sobjects/Task/{ids[0]}")).Status);
        Assert.Equal(2, (await Query("SELECT Id FROM Task WHERE Subject LIKE '%[ss:abc]%'"))["totalSize"]!.GetValue<int>());
        var all = await Query($"SELECT Id, IsDeleted FROM Task WHERE Id = {Soql.Id(ids[0])}", "queryAll");
        Assert.Equal(1, all["totalSize"]!.GetValue<int>());
        Assert.True(all["records"]![0]!["IsDeleted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task EveryWriteMovesSystemModstampOnTheSandboxClock()
    {
        var role = Live("OpportunityContactRole", r => r["IsPrimary"] is true)[0];
        var opportunityId = (string)role["OpportunityId"]!;
        var before = (DateTimeOffset)role["SystemModstamp"]!;
        await _sb.AdvanceClockAsync(3600);
        var since = SoqlDate(_sb.Host.State.Clock.UtcNow.AddSeconds(-1));

        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/OpportunityContactRole/{role.Id}", new { Role = "Economic Buyer" })).Status);
        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Opportunity/{opportunityId}", new { StageName = "Closed Won" })).Status);
        var roles = await Query($"SELECT Id, Role, SystemModstamp, LastModifiedDate FROM OpportunityContactRole WHERE SystemModstamp > {since}");
        var changedRole = Assert.Single(roles["records"]!.AsArray());
        Assert.Equal(role.Id, changedRole!["Id"]!.GetValue<string>());
        Assert.Equal(changedRole["SystemModstamp"]!.GetValue<string>(), changedRole["LastModifiedDate"]!.GetValue<string>());
        Assert.True(DateTimeOffset.Parse(changedRole["SystemModstamp"]!.GetValue<string>().Replace("+0000", "Z"), CultureInfo.InvariantCulture) > before.AddMinutes(59));
        var opportunity = Assert.Single((await Query($"SELECT Id, IsClosed, IsWon FROM Opportunity WHERE SystemModstamp > {since}"))["records"]!.AsArray());
        Assert.True(opportunity!["IsWon"]!.GetValue<bool>());
        Assert.True(opportunity["IsClosed"]!.GetValue<bool>());

        // A second primary contact on the opportunity takes over: the old primary changes too.
        var other = Live("Contact")[0];
        var (_, created, _) = await Send(HttpMethod.Post, "sobjects/OpportunityContactRole", new { OpportunityId = opportunityId, ContactId = other.Id, IsPrimary = true });
        Assert.False((await Truth("OpportunityContactRole", role.Id))["IsPrimary"]!.GetValue<bool>());
        Assert.True((await Truth("OpportunityContactRole", created!["id"]!.GetValue<string>()))["IsPrimary"]!.GetValue<bool>());
        Assert.Equal("INVALID_FIELD_FOR_INSERT_UPDATE",
            Code((await Send(HttpMethod.Patch, $"sobjects/OpportunityContactRole/{role.Id}", new { OpportunityId = opportunityId })).Body));
    }

    private static string SoqlDate(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ConvertedLeadsAreReadOnlyAndPointAtTheirContact()
    {
        var converted = await Query("SELECT Id, ConvertedContactId, ConvertedContact.Email, Email FROM Lead WHERE IsConverted = true");
        Assert.True(converted["totalSize"]!.GetValue<int>() >= 1200 * 32 / 100 / WorldGenerator.ConvertEvery - 2);
        var lead = converted["records"]![0]!;
        Assert.Equal(lead["Email"]!.GetValue<string>(), lead["ConvertedContact"]!["Email"]!.GetValue<string>());
        var id = lead["Id"]!.GetValue<string>();

        var (status, body, _) = await Send(HttpMethod.Patch, $"sobjects/Lead/{id}", new { HasOptedOutOfEmail = true }, ("Sforce-Auto-Assign", "FALSE"));
        Assert.Equal(400, status);
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", Code(body));
        var (_, results, _) = await Send(HttpMethod.Patch, "composite/sobjects", Collection(false, new { attributes = new { type = "Lead" }, id, HasOptedOutOfEmail = true }));
        Assert.Equal("CANNOT_UPDATE_CONVERTED_LEAD", RecordCode(results![0]!));
        Assert.False((await Truth("Lead", id))["HasOptedOutOfEmail"]!.GetValue<bool>());
    }

    [Fact]
    public async Task TheLeadAssignmentRuleRunsUnlessSforceAutoAssignIsFalse()
    {
        var leads = Live("Lead", l => l["IsConverted"] is false).Take(3).ToList();
        var owners = leads.Select(l => (string)l["OwnerId"]!).ToList();

        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Lead/{leads[0].Id}", new { HasOptedOutOfEmail = true }, ("Sforce-Auto-Assign", "false"))).Status);
        var kept = await Truth("Lead", leads[0].Id);
        Assert.Equal(owners[0], kept["OwnerId"]!.GetValue<string>());
        Assert.True(kept["HasOptedOutOfEmail"]!.GetValue<bool>());

        Assert.Equal(204, (await Send(HttpMethod.Patch, $"sobjects/Lead/{leads[1].Id}", new { HasOptedOutOfEmail = true })).Status);
        Assert.Equal(LeadQueueUserId, (await Truth("Lead", leads[1].Id))["OwnerId"]!.GetValue<string>());
        var owner = await Query($"SELECT Owner.Name FROM Lead WHERE Id = {Soql.Id(leads[1].Id)}");
        Assert.Equal(WorldGenerator.LeadQueueName, owner["records"]![0]!["Owner"]!["Name"]!.GetValue<string>());

        await Send(HttpMethod.Patch, "composite/sobjects", Collection(false, new { attributes = new { type = "Lead" }, id = leads[2].Id, HasOptedOutOfEmail = true }), ("Sforce-Auto-Assign", "0"));
        Assert.Equal(owners[2], (await Truth("Lead", leads[2].Id))["OwnerId"]!.GetValue<string>());

        var (_, withRule, _) = await Send(HttpMethod.Post, "sobjects/Lead", new { LastName = "Hopper", Company = "Navy", OwnerId = owners[0] }, ("Sforce-Auto-Assign", "TRUE"));
        Assert.Equal(LeadQueueUserId, (await Truth("Lead", withRule!["id"]!.GetValue<string>()))["OwnerId"]!.GetValue<string>());
        var (_, withoutRule, _) = await Send(HttpMethod.Post, "sobjects/Lead", new { LastName = "Hopper", Company = "Navy", OwnerId = owners[0] }, ("Sforce-Auto-Assign", "FALSE"));
        var created = await Truth("Lead", withoutRule!["id"]!.GetValue<string>());
        Assert.Equal(owners[0], created["OwnerId"]!.GetValue<string>());
        Assert.Equal("Hopper", created["Name"]!.GetValue<string>());
        Assert.Equal("Open - Not Contacted", created["Status"]!.GetValue<string>());

        // Contacts have no assignment rules: the owner stays without the header.
        var contact = Live("Contact")[0];
        await Send(HttpMethod.Patch, $"sobjects/Contact/{contact.Id}", new { HasOptedOutOfEmail = true });
        Assert.Equal(contact["OwnerId"], (await Truth("Contact", contact.Id))["OwnerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task WritesPassTheSameGateAsReadsAndCountAsOneCallEach()
    {
        await _sb.Http.PostAsync(new Uri(_sb.Control, "stats/reset"), null);
        var usedBefore = (await _sb.StatsAsync())["salesforce"]!["apiUsage"]!.GetValue<int>();
        var (_, created, _) = await Send(HttpMethod.Post, "sobjects/Task", new { Subject = "counted" });
        var id = created!["id"]!.GetValue<string>();
        await Send(HttpMethod.Patch, $"sobjects/Task/{id}", new { Subject = "counted again" });
        await Send(HttpMethod.Post, "composite/sobjects", Collection(false, Task("one"), Task("two"), Task("three")));
        await Send(HttpMethod.Delete, $"sobjects/Task/{id}");
        var stats = (await _sb.StatsAsync())["salesforce"]!;
        Assert.Equal(usedBefore + 4, stats["apiUsage"]!.GetValue<int>());
        Assert.Equal(1, stats["calls"]!["POST /services/data/vXX.X/sobjects/Task"]!.GetValue<int>());
        Assert.Equal(1, stats["calls"]!["POST /services/data/vXX.X/composite/sobjects"]!.GetValue<int>());

        var (unauthorized, error, _) = await _sb.SalesforceSendAsync(HttpMethod.Post, $"{V}/sobjects/Task", "bogus-token", new { Subject = "x" });
        Assert.Equal(401, unauthorized);
        Assert.Equal("INVALID_SESSION_ID", Code(error));

        await _sb.FaultAsync(new { service = "salesforce", path = "/services/data/v66.0/composite/sobjects", method = "POST", kind = "error", code = "SERVER_UNAVAILABLE", message = "Server too busy" });
        var (faulted, busy, _) = await Send(HttpMethod.Post, "composite/sobjects", Collection(false, Task("faulted [ss:fault]")));
        Assert.Equal(503, faulted);
        Assert.Equal("SERVER_UNAVAILABLE", Code(busy));
        Assert.Equal(0, (await Query("SELECT COUNT() FROM Task WHERE Subject LIKE '%[ss:fault]%'"))["totalSize"]!.GetValue<int>());

        // Over the body limit: refused from Content-Length before the body is sent (Expect: 100-continue).
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_sb.Salesforce, $"{V}/composite/sobjects"))
        {
            Content = new ByteArrayContent(new byte[SalesSync.Sandbox.Salesforce.WriteRequest.MaxBodyBytes + 1]),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Authorization = new("Bearer", _token);
        request.Headers.ExpectContinue = true;
        Assert.Equal(413, (int)(await _sb.Http.SendAsync(request)).StatusCode);
        Assert.Equal(415, (await Send(HttpMethod.Post, "sobjects/Task", new StringContent("Subject=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"))).Status);
    }
}
