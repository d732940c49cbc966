using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.Core.Tests.Sandbox;
using SalesSync.Core.Tests.Support;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>The findings of the reminder engine's review, each as the rule it breaks (started from the reviewer's repro tests).</summary>
public class ReminderReviewTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static int LiveTasks(Dictionary<string, System.Text.Json.Nodes.JsonNode> tasks, string subject) =>
        tasks.Values.Count(t => ReminderWorld.Text(t, "Subject") == subject && !ReminderWorld.Flag(t, "IsDeleted"));

    [Fact]
    public async Task IncludeExistingOnTheFirstPass_LinksTheTaskThePullImported_NoSecondTaskAndOneReminder()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4242, enable: false);
        var p = w.People[0];
        var due = new DateOnly(2027, 2, 1);
        var local = w.NewReminder(p, "Call Ana back", due);          // made while off
        await w.CreateTasksAsync([ReminderWorld.Task(ReminderWorld.WhoOf(p), w.Sellers[0], "Call Ana back", due)]); // same reminder in SF, recent
        w.Enable();
        var r = await w.PassAsync(new ReminderSyncOptions { IncludeExisting = true });
        var tasks = await w.TasksAsync();
        var locals = w.Records().Where(x => x.Values.Subject == "Call Ana back" && !x.Deleted).ToList();
        output.WriteLine($"imported {r.Imported} created {r.CreatedInSalesforce}; live Tasks {LiveTasks(tasks, "Call Ana back")}; local reminders {locals.Count}");
        Assert.Equal(0, r.CreatedInSalesforce);
        Assert.Equal(1, LiveTasks(tasks, "Call Ana back"));
        Assert.Equal(local.ReminderId, Assert.Single(locals).Id);
        Assert.Equal(tasks.Single(t => ReminderWorld.Text(t.Value, "Subject") == "Call Ana back").Key, w.Record(local.ReminderId).SalesforceTaskId);
        var idle = await w.PassAsync();
        Assert.Equal(0, idle.CreatedInSalesforce + idle.Imported + idle.DeletedInSalesforce);
    }

    [Fact]
    public async Task IncludeExistingOnALaterPass_LinksTheTaskAnEarlierPassImported_NoSecondTask()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4247, enable: false);
        var p = w.People[0];
        var due = new DateOnly(2027, 2, 1);
        var local = w.NewReminder(p, "Call Bo back", due);
        await w.CreateTasksAsync([ReminderWorld.Task(ReminderWorld.WhoOf(p), w.Sellers[0], "Call Bo back", due)]);
        w.Enable();
        var first = await w.PassAsync();
        var second = await w.PassAsync(new ReminderSyncOptions { IncludeExisting = true });
        var tasks = await w.TasksAsync();
        output.WriteLine($"first imported {first.Imported}; second created {second.CreatedInSalesforce}; live Tasks {LiveTasks(tasks, "Call Bo back")}");
        Assert.Equal(1, first.Imported);
        Assert.Equal(1, LiveTasks(tasks, "Call Bo back"));
        Assert.Equal(local.ReminderId, w.Records().Single(x => x.Values.Subject == "Call Bo back" && !x.Deleted).Id);
    }

    [Fact]
    public async Task CreateInDoubt_IsFoundByItsCreatorAndCreatedDate_EvenAfterASellerChangedItsValues()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4243);
        var p = w.People[1];
        var mine = w.NewReminder(p, "Send the quote", new DateOnly(2027, 3, 1), details: "v1");
        // kill -9 after Salesforce answered, before the answer was saved
        await Assert.ThrowsAsync<InvalidOperationException>(() => w.PassAsync(afterStep: s => { if (s == "create-answered") throw new InvalidOperationException("crash"); }));
        Assert.NotNull(w.Record(mine.ReminderId).SendingSince);
        var task = (await w.TasksAsync()).Single(t => ReminderWorld.Text(t.Value, "Subject") == "Send the quote").Key;
        await w.EditTaskAsync(task, new { Description = "seller added a note", Subject = "Send the quote (revised)" }); // seller edits before our next pass
        var p1 = await w.PassAsync(grace: TimeSpan.FromMinutes(10));
        var p2 = await w.PassAsync();
        var tasks = await w.TasksAsync();
        var live = tasks.Values.Count(t => ReminderWorld.Text(t, "Subject")?.StartsWith("Send the quote", StringComparison.Ordinal) == true && !ReminderWorld.Flag(t, "IsDeleted"));
        output.WriteLine($"pass1: imported {p1.Imported} created {p1.CreatedInSalesforce}; pass2: imported {p2.Imported} created {p2.CreatedInSalesforce}; live {live}");
        Assert.Equal(1, live);
        Assert.Equal(0, p1.Imported + p2.Imported);
        var rec = Assert.Single(w.Records());
        Assert.Equal(task, rec.SalesforceTaskId);
        Assert.Equal("seller added a note", rec.Values.Details); // the seller's change since the create is merged
    }

    [Fact]
    public async Task ActivityTaskWithACallerGivenActivityId_IsNotImportedAsAReminder_AnyCase()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4249);
        var p = w.People[6];
        w.Session.Store.Activities.Add([new SalesActivity
        {
            ActivityId = "crm-bulk-1", Kind = SalesActivityKind.EmailSent, MarketoId = p.MarketoId,
            OccurredAt = DateTimeOffset.UtcNow, LoggedAt = DateTimeOffset.UtcNow, Marketo = Delivery.NotRequired, Salesforce = Delivery.NotRequired,
        }]);
        await w.CreateTasksAsync([
            ReminderWorld.Task(ReminderWorld.WhoOf(p), w.Sellers[0], "Added to sales campaign: Spring [CRM-BULK-1]", new DateOnly(2027, 5, 1), status: "Completed"),
            ReminderWorld.Task(ReminderWorld.WhoOf(p), w.Sellers[0], "Bring the brochure [v2]", new DateOnly(2027, 5, 2))]);
        var r = await w.PassAsync();
        Assert.Equal(1, r.Imported); // a seller's own bracket tag is no activity: only the activity is left out
        Assert.Equal("Bring the brochure [v2]", Assert.Single(w.Records()).Values.Subject);
        var row = new TaskRow { Id = "00T000000000001AAA", Subject = "Added to sales campaign: Spring [crm-bulk-1]", Status = "Completed", OwnerId = "005000000000001AAA", WhoId = "003000000000001AAA", TaskSubtype = "Task" };
        Assert.NotNull(ReminderMapping.OutOfScope(row, true, id => string.Equals(id, "crm-bulk-1", StringComparison.OrdinalIgnoreCase)));
        await w.AssertConvergedAsync();
    }

    [Fact]
    public async Task SameFieldConflict_WhenSalesSyncWroteTheTaskLast_TheLaterLocalChangeWins()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4244);
        var p = w.People[2];
        var mine = w.NewReminder(p, "Demo prep", new DateOnly(2027, 4, 1));
        await w.PassAsync();
        var task = w.Record(mine.ReminderId).SalesforceTaskId!;
        DateTimeOffset sellerAt = default;
        // During the next pass, after its pull: the seller moves the due date; SalesSync then pushes a details edit,
        // which moves the Task's LastModifiedDate past the seller's change.
        await w.PassAsync(afterStep: s =>
        {
            if (s != "pulled") return;
            w.EditTaskAsync(task, new { ActivityDate = "2027-04-10" }).GetAwaiter().GetResult();
            sellerAt = DateTimeOffset.UtcNow;
            w.Book.Update(mine.ReminderId, new ReminderEdit { Details = "agenda" }, DateTimeOffset.UtcNow);
            Thread.Sleep(1500);
        });
        // The local due-date change was made after the seller's, before SalesSync's own write reached Salesforce.
        w.Book.Update(mine.ReminderId, new ReminderEdit { DueDate = new DateOnly(2027, 4, 20) }, sellerAt + TimeSpan.FromMilliseconds(500));
        var r = await w.PassAsync();
        var c = w.Book.Conflicts().Single();
        output.WriteLine($"conflict {c.Fields} winner {c.Winner}; local due now {w.Record(mine.ReminderId).Values.DueDate}");
        Assert.Equal("DueDate", c.Fields);
        Assert.Equal("Local", c.Winner);
        Assert.Equal(new DateOnly(2027, 4, 20), w.Record(mine.ReminderId).Values.DueDate);
        await w.AssertConvergedAsync();
    }

    [Fact]
    public async Task ReminderOfAPersonRemovedFromTheSync_GoesOutOfScope()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4245);
        var p = w.People[3];
        var mine = w.NewReminder(p, "Renewal talk", new DateOnly(2027, 6, 1));
        await w.PassAsync();
        var task = w.Record(mine.ReminderId).SalesforceTaskId!;
        w.Session.Store.People.Remove([p.MarketoId]);
        await w.EditTaskAsync(task, new { Description = "edited after the person left the sync" });
        var r = await w.PassAsync();
        var rec = w.Record(mine.ReminderId);
        output.WriteLine($"outOfScope {r.OutOfScope}; state {rec.State}; details {rec.Values.Details}");
        Assert.NotNull(rec.OutOfScope);
        Assert.Equal(1, r.OutOfScope);
        Assert.Equal(ReminderSyncState.NotSynced, rec.State);
    }

    [Fact]
    public async Task TasksOfAPersonSyncedLater_AreImportedOnce_AndTheIdlePassStaysOneCall()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4246);
        var p = w.People[4];
        w.Session.Store.People.Remove([p.MarketoId]);              // not synced yet
        await w.PassAsync();                                        // sets the watermark
        var ids = await w.CreateTasksAsync([ReminderWorld.Task(ReminderWorld.WhoOf(p), w.Sellers[0], "Intro call", new DateOnly(2027, 7, 1))]);
        var skip = await w.PassAsync();                             // person unknown: skipped
        await w.BackdateAsync(ids, w.SandboxNow.AddMinutes(-10));    // (made 10 minutes before that pass read it)
        w.Session.Store.People.Upsert([p], 999);                    // the people sync adds the person later
        var later = await w.PassAsync();
        output.WriteLine($"skip pass imported {skip.Imported}; later pass imported {later.Imported}, read {later.TasksRead}, calls {later.SalesforceCalls}");
        Assert.Equal(0, skip.Imported);
        Assert.Equal(1, later.Imported);
        Assert.Equal(2, later.SalesforceCalls); // the pull and one query for the new person
        var idle = await w.PassAsync();
        Assert.Equal(0, idle.Imported);
        Assert.Equal(1, idle.SalesforceCalls);
    }

    [Fact]
    public async Task CtrlCRightAfterASuccessfulCreate_TheAnswerIsStillSaved()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4248);
        var mine = w.NewReminder(w.People[5], "Ping after demo", new DateOnly(2027, 8, 1));
        using var cts = new CancellationTokenSource();
        var r = await w.PassAsync(afterStep: s => { if (s == "create-answered") cts.Cancel(); }, ct: cts.Token);
        var rec = w.Record(mine.ReminderId);
        output.WriteLine($"stopped: {r.StoppedBecause}; created {r.CreatedInSalesforce}; state {rec.State}; task {rec.SalesforceTaskId}");
        Assert.NotNull(rec.SalesforceTaskId);
        Assert.Equal(ReminderSyncState.Synced, rec.State);
        Assert.Equal(1, LiveTasks(await w.TasksAsync(), "Ping after demo"));
    }

    [Fact]
    public async Task CtrlCWhileACreateIsInDoubt_TheStopMessageSaysHowManyAreStillInDoubt()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4250);
        w.NewReminder(w.People[7], "Check the contract", new DateOnly(2027, 8, 2));
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", method = "POST", kind = "commitThenDrop", count = 1 });
        using var cts = new CancellationTokenSource();
        // The answer is lost; Ctrl+C comes before the lookup can tell what arrived.
        ReminderSyncReport r;
        using (Diagnostics.EngineObserver.Use(new OnVerbose("the outcome of creating", cts.Cancel))) r = await w.PassAsync(ct: cts.Token, grace: TimeSpan.FromMinutes(10));
        output.WriteLine(r.StoppedBecause);
        Assert.Contains("1 create(s) were sent without a known outcome", r.StoppedBecause);
        var next = await w.PassAsync(grace: TimeSpan.FromMinutes(10));
        Assert.Equal(1, next.CreatedInSalesforce); // linked, not sent again
        await w.AssertNoDuplicateTasksAsync();
    }

    [Fact]
    public async Task DetailsThatDifferOnlyInLineEndingsOrTrailingWhiteSpace_AreNoChange()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4251);
        var mine = w.NewReminder(w.People[8], "Walk through the plan", new DateOnly(2027, 9, 1), details: "line one\nline two");
        await w.PassAsync();
        var task = w.Record(mine.ReminderId).SalesforceTaskId!;
        await w.EditTaskAsync(task, new { Description = "line one\r\nline two\r\n  " }); // how a UI or another tool may write it back
        var r = await w.PassAsync();
        Assert.Equal((0, 0, 0), (r.UpdatedLocally, r.Conflicts, r.UpdatedInSalesforce));
        Assert.Equal(ReminderSyncState.Synced, w.Record(mine.ReminderId).State);
        Assert.True(ReminderMapping.SameDetails("a\r\nb \n", "a\nb"));
        Assert.False(ReminderMapping.SameDetails(" a", "a")); // leading white space is content
    }

    [Fact]
    public async Task PermanentRefusals_ShowPerRecordInVerbose_AndStopAfterThreeTriesUntilTheReminderIsEdited()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4252);
        var mine = w.NewReminder(w.People[9], "Quarterly review", new DateOnly(2027, 10, 1));
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = "/services/data/*/composite/sobjects", method = "POST", kind = "recordError", code = "FIELD_CUSTOM_VALIDATION_EXCEPTION", count = 3 });
        var observer = new RecordingObserver();
        for (var i = 0; i < 3; i++)
        {
            ReminderSyncReport r;
            using (Diagnostics.EngineObserver.Use(observer)) r = await w.PassAsync();
            Assert.Equal(1, r.Failed);
            var failed = w.Record(mine.ReminderId);
            Assert.Equal(ReminderSyncState.Failed, failed.State);
            Assert.StartsWith("FIELD_CUSTOM_VALIDATION_EXCEPTION", failed.LastError);
            w.Session.Store.Reminders.Save(failed with { RetryAfter = i < 2 ? DateTimeOffset.UtcNow.AddSeconds(-1) : failed.RetryAfter }); // the backoff has passed
        }
        Assert.Equal(3, observer.Messages.Count(m => m.StartsWith($"VERBOSE: Reminder sync: Salesforce refused reminder {mine.ReminderId}", StringComparison.Ordinal) && m.Contains("FIELD_CUSTOM_VALIDATION_EXCEPTION", StringComparison.Ordinal)));
        Assert.Contains("Not tried again until the reminder is edited.", observer.Messages.Last(m => m.Contains(mine.ReminderId, StringComparison.Ordinal)));
        Assert.True(w.Record(mine.ReminderId).RetryAfter > DateTimeOffset.UtcNow.AddYears(10));
        var posts = await w.CallsToAsync("POST", "composite/sobjects");
        var waiting = await w.PassAsync();
        Assert.Equal((0, 0), (waiting.CreatedInSalesforce, waiting.Failed));
        Assert.Equal(posts, await w.CallsToAsync("POST", "composite/sobjects"));
        w.Book.Update(mine.ReminderId, new ReminderEdit { Subject = "Quarterly review (fixed)" }, DateTimeOffset.UtcNow);
        Assert.Equal(1, (await w.PassAsync()).CreatedInSalesforce);
        await w.AssertConvergedAsync();
    }

    [Fact]
    public async Task ATaskMovedToTheContactOfItsConvertedLead_StaysInScopeBeforeThePeopleSyncKnows()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4253);
        var p = w.People.First(x => x.SalesforceContactId is null);
        var mine = w.NewReminder(p, "Pricing follow-up", new DateOnly(2027, 11, 1));
        await w.PassAsync();
        var task = w.Record(mine.ReminderId).SalesforceTaskId!;
        // Salesforce converts the lead: a new contact, the lead marked converted, its Tasks moved to the contact.
        var token = await w.Sandbox.SalesforceTokenAsync();
        var (status, made, _) = await w.Sandbox.SalesforceSendAsync(HttpMethod.Post, "services/data/v66.0/sobjects/Contact", token, new System.Text.Json.Nodes.JsonObject { ["LastName"] = "Converted" });
        Assert.Equal(201, status);
        var contact = SalesforceIds.To18(made!["id"]!.GetValue<string>())!;
        lock (w.Sandbox.Host.State.World.Sync)
        {
            var lead = w.Sandbox.Host.State.World.Salesforce.Find(p.SalesforceLeadId)!;
            lead["IsConverted"] = true;
            lead["ConvertedContactId"] = contact;
        }
        await w.EditTaskAsync(task, new { WhoId = contact, Description = "after the conversion" });
        var r = await w.PassAsync();
        var rec = w.Record(mine.ReminderId);
        Assert.Equal((0, 1), (r.OutOfScope, r.UpdatedLocally));
        Assert.Null(rec.OutOfScope);
        Assert.Equal(contact, rec.WhoId);
        Assert.Equal(p.MarketoId, rec.MarketoId);
        Assert.Equal("after the conversion", rec.Values.Details);
        Assert.Equal(ReminderSyncState.Synced, rec.State);
    }

    [Fact]
    public async Task ATaskUndeletedInSalesforce_RestoresItsReminderWithTheTasksValues()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4262);
        var mine = w.NewReminder(w.People[9], "Call about the trial", new DateOnly(2027, 9, 1));
        await w.PassAsync();
        var task = w.Record(mine.ReminderId).SalesforceTaskId!;
        await w.DeleteTaskAsync(task);
        var deleted = await w.PassAsync();
        Assert.Equal(1, deleted.DeletedLocally);
        Assert.Equal(ReminderSyncState.Deleted, w.Record(mine.ReminderId).State);

        await w.ControlAsync(HttpMethod.Post, $"salesforce/Task/{task}/undelete");
        await w.EditTaskAsync(task, new { Priority = "High" });
        var restored = await w.PassAsync();
        var rec = w.Record(mine.ReminderId);
        output.WriteLine($"restored pass: updated {restored.UpdatedLocally}; state {rec.State}; priority {rec.Values.Priority}");
        Assert.Equal(ReminderSyncState.Synced, rec.State);
        Assert.Equal(ReminderPriority.High, rec.Values.Priority);
        Assert.Equal(task, rec.SalesforceTaskId);
        Assert.Equal(0, (await w.PassAsync()).UpdatedLocally); // settled: the next pass changes nothing
    }

    [Fact]
    public async Task ARefusedReadIsAnErrorNotANextPassContinues()
    {
        await using var w = await ReminderWorld.StartAsync(50, 4264);
        await w.PassAsync();
        await w.Sandbox.FaultAsync(new { service = "salesforce", path = "/services/data/*/queryAll*", kind = "error", code = "INVALID_FIELD", status = 400, count = 1 });
        var e = await Assert.ThrowsAsync<Http.SalesSyncApiException>(() => w.PassAsync());
        Assert.Equal(Http.ApiFailureKind.InvalidRequest, e.Kind);
        Assert.Null((await w.PassAsync()).StoppedBecause); // the next pass, once Salesforce answers, runs as usual
    }
}
