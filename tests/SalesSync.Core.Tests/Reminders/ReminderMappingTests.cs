using System.Text.Json;
using SalesSync.Core.Reminders;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>
/// Issue 16 acceptance "Mapping table": every documented rule both ways. The table rows exercise
/// <see cref="ReminderMapping"/> alone; the round trip holds the same rules through the sandbox's Task.
/// </summary>
public class ReminderMappingTests
{
    private static readonly ReminderValues Agreed = new("Call Ana", ReminderStatus.Open, ReminderPriority.Normal, new DateOnly(2027, 1, 4), "notes");

    private static TaskRow Row(string? status = "Not Started", string? priority = "Normal", string? date = "2027-01-04", string? description = "notes", string? subject = "Call Ana") =>
        TaskRow.Parse(JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            Id = "00T000000000001AAA", Subject = subject, Status = status, Priority = priority, ActivityDate = date, Description = description,
            WhoId = "003000000000001AAA", OwnerId = "005000000000001AAA", TaskSubtype = "Task",
        })).RootElement);

    [Theory]
    // Status: the two mapped values both ways; others (and reopen from them) kept raw, not applied.
    [InlineData("Not Started", ReminderStatus.Open, true)]
    [InlineData("Completed", ReminderStatus.Complete, true)]
    [InlineData("In Progress", null, false)]
    [InlineData("Deferred", null, false)]
    [InlineData("Waiting on someone else", null, false)]
    public void StatusMapsBothWaysAndOtherStatusesAreNotApplied(string salesforce, ReminderStatus? local, bool outToo)
    {
        Assert.Equal(local, ReminderMapping.StatusIn(salesforce));
        if (outToo) Assert.Equal(salesforce, ReminderMapping.StatusOut(local!.Value));
        var (changed, values) = ReminderMapping.Read(Row(status: salesforce), Agreed);
        Assert.Equal(local == ReminderStatus.Complete ? ReminderFields.Status : ReminderFields.None, changed);
        Assert.Equal(local ?? ReminderStatus.Open, values.Status);
        // Read against a Complete base: "Not Started" is a reopen, the others still not applied.
        var (fromDone, _) = ReminderMapping.Read(Row(status: salesforce), Agreed with { Status = ReminderStatus.Complete });
        Assert.Equal(local == ReminderStatus.Open ? ReminderFields.Status : ReminderFields.None, fromDone);
    }

    [Theory]
    [InlineData("High", ReminderPriority.High)]
    [InlineData("Normal", ReminderPriority.Normal)]
    [InlineData("Low", null)]
    public void PriorityMapsBothWaysAndLowIsNotApplied(string salesforce, ReminderPriority? local)
    {
        Assert.Equal(local, ReminderMapping.PriorityIn(salesforce));
        if (local is { } p) Assert.Equal(salesforce, ReminderMapping.PriorityOut(p));
        var (changed, values) = ReminderMapping.Read(Row(priority: salesforce), Agreed);
        Assert.Equal(local == ReminderPriority.High ? ReminderFields.Priority : ReminderFields.None, changed);
        Assert.Equal(local ?? ReminderPriority.Normal, values.Priority);
    }

    [Theory]
    [InlineData("2026-03-08")] // US DST starts
    [InlineData("2026-03-29")] // EU DST starts
    [InlineData("2026-10-25")] // EU DST ends
    [InlineData("2026-11-01")] // US DST ends
    [InlineData("2026-12-31")]
    [InlineData("2027-01-01")]
    public void DueDatesCrossNoTimeZone(string day)
    {
        var due = DateOnly.ParseExact(day, "yyyy-MM-dd");
        Assert.Equal(day, ReminderMapping.CreateRecord("003000000000001AAA", "005000000000001AAA", Agreed with { DueDate = due })["ActivityDate"]!.GetValue<string>());
        Assert.Equal(day, ReminderMapping.UpdateRecord("00T000000000001AAA", Agreed with { DueDate = due }, ReminderFields.DueDate)["ActivityDate"]!.GetValue<string>());
        var (changed, values) = ReminderMapping.Read(Row(date: day), Agreed);
        Assert.Equal((ReminderFields.DueDate, due), (changed, values.DueDate));
    }

    [Fact]
    public void SubjectsDetailsAndTheFieldsAnUpdateSends()
    {
        var s255 = new string('a', 255);
        var s256 = new string('b', 256);
        Assert.Equal(s255, ReminderMapping.CutSubject(s255));
        Assert.Equal(s256[..255], ReminderMapping.CutSubject(s256));
        Assert.Equal(254, ReminderMapping.CutSubject(new string('c', 254) + "😀" + "d").Length); // never half an emoji
        Assert.Equal("one line", ReminderMapping.CutSubject("one\nline"));
        Assert.Equal(s255, ReminderBook.CheckSubject(s255));
        Assert.Equal(ReminderFailureReason.ValueTooLong, Assert.Throws<ReminderException>(() => ReminderBook.CheckSubject(s256)).Reason);
        Assert.Equal(s256[..255], ReminderMapping.Import(Row(subject: s256)).Subject); // from Salesforce: cut, not refused

        // A Salesforce subject edit is not a change; a 32,000-character Description is.
        Assert.Equal(ReminderFields.None, ReminderMapping.Read(Row(subject: "Renamed"), Agreed).Changed);
        var long32k = string.Concat(Enumerable.Repeat("0123456789abcdef", 2000));
        var (changed, values) = ReminderMapping.Read(Row(description: long32k), Agreed);
        Assert.Equal((ReminderFields.Details, long32k), (changed, values.Details));
        Assert.Equal(long32k, ReminderBook.CheckDetails(long32k));

        // An update sends only the fields changed locally (a Salesforce "In Progress" survives a priority edit).
        var update = ReminderMapping.UpdateRecord("00T000000000001AAA", Agreed with { Priority = ReminderPriority.High }, ReminderFields.Priority);
        Assert.Equal(["attributes", "id", "Priority"], update.Select(p => p.Key).ToArray());
        var create = ReminderMapping.CreateRecord("003000000000001AAA", "005000000000001AAA", Agreed);
        Assert.Equal(("Not Started", "Normal", "Task", "notes"), (create["Status"]!.GetValue<string>(), create["Priority"]!.GetValue<string>(), create["TaskSubtype"]!.GetValue<string>(), create["Description"]!.GetValue<string>()));
    }

    /// <summary>The same rules through the sandbox: pushed, edited by a seller, pulled back.</summary>
    [Fact]
    public async Task TheRulesHoldThroughSalesforceBothWays()
    {
        await using var w = await ReminderWorld.StartAsync(200, 1604);
        string[] days = ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2026-12-31", "2027-01-01"];
        var long32k = string.Concat(Enumerable.Repeat("0123456789abcdef", 2000));
        var subject255 = "S" + new string('x', 254);
        var made = days.Select((d, i) => w.NewReminder(w.People[i], $"Due {d}", DateOnly.ParseExact(d, "yyyy-MM-dd"), i % 2 == 0 ? ReminderPriority.High : ReminderPriority.Normal, seller: i).ReminderId).ToList();
        var big = w.NewReminder(w.People[10], subject255, new DateOnly(2027, 2, 1), details: long32k).ReminderId;
        var statuses = Enumerable.Range(0, 6).Select(i => w.NewReminder(w.People[20 + i], $"Status case {i}", new DateOnly(2027, 3, 1)).ReminderId).ToList();
        w.Book.Update(statuses[1], new ReminderEdit { Status = ReminderStatus.Complete }, DateTimeOffset.UtcNow);
        Assert.Equal(13, (await w.PassAsync()).CreatedInSalesforce);

        var tasks = await w.TasksAsync();
        JsonElementLike Task(string id) => new(tasks[w.Record(id).SalesforceTaskId!]);
        foreach (var (id, i) in made.Select((id, i) => (id, i)))
        {
            Assert.Equal(days[i], Task(id).Text("ActivityDate"));
            Assert.Equal(i % 2 == 0 ? "High" : "Normal", Task(id).Text("Priority"));
        }
        Assert.Equal((subject255, long32k), (Task(big).Text("Subject"), Task(big).Text("Description")));
        Assert.Equal(("Not Started", "Completed"), (Task(statuses[0]).Text("Status"), Task(statuses[1]).Text("Status")));

        // As sellers in Salesforce: each rule's edit.
        string TaskId(string id) => w.Record(id).SalesforceTaskId!;
        await w.EditTaskAsync(TaskId(statuses[0]), new { Status = "Completed" });
        await w.EditTaskAsync(TaskId(statuses[1]), new { Status = "Not Started" }); // reopen
        await w.EditTaskAsync(TaskId(statuses[2]), new { Status = "In Progress" });
        await w.EditTaskAsync(TaskId(statuses[3]), new { Status = "Deferred" });
        await w.EditTaskAsync(TaskId(statuses[4]), new { Status = "Waiting on someone else" });
        await w.EditTaskAsync(TaskId(made[0]), new { Priority = "Normal" });
        await w.EditTaskAsync(TaskId(made[1]), new { Priority = "High" });
        await w.EditTaskAsync(TaskId(made[2]), new { Priority = "Low" });
        for (var i = 3; i < 6; i++) await w.EditTaskAsync(TaskId(made[i]), new { ActivityDate = days[i - 3] });
        await w.EditTaskAsync(TaskId(big), new { Subject = "Renamed by the seller", Description = long32k.ToUpperInvariant() });
        var pulled = await w.PassAsync();
        Assert.Equal((0, 0), (pulled.Conflicts, pulled.UpdatedInSalesforce));

        Assert.Equal(ReminderStatus.Complete, w.Record(statuses[0]).Values.Status);
        Assert.Equal(ReminderStatus.Open, w.Record(statuses[1]).Values.Status);
        foreach (var (i, raw) in new[] { (2, "In Progress"), (3, "Deferred"), (4, "Waiting on someone else") })
            Assert.Equal((ReminderStatus.Open, raw), (w.Record(statuses[i]).Values.Status, w.Record(statuses[i]).SalesforceStatus));
        Assert.Equal(ReminderPriority.Normal, w.Record(made[0]).Values.Priority);
        Assert.Equal(ReminderPriority.High, w.Record(made[1]).Values.Priority);
        Assert.Equal((ReminderPriority.High, "Low"), (w.Record(made[2]).Values.Priority, w.Record(made[2]).SalesforcePriority));
        for (var i = 3; i < 6; i++) Assert.Equal(DateOnly.ParseExact(days[i - 3], "yyyy-MM-dd"), w.Record(made[i]).Values.DueDate);
        Assert.Equal((subject255, "Renamed by the seller", long32k.ToUpperInvariant()), (w.Record(big).Values.Subject, w.Record(big).SalesforceSubject, w.Record(big).Values.Details));

        // A local edit of another field leaves "In Progress" and Low alone; "In Progress" → Completed then applies.
        w.Book.Update(statuses[2], new ReminderEdit { Priority = ReminderPriority.High }, DateTimeOffset.UtcNow);
        w.Book.Update(made[2], new ReminderEdit { Details = "kept Low" }, DateTimeOffset.UtcNow);
        Assert.Equal(2, (await w.PassAsync()).UpdatedInSalesforce);
        tasks = await w.TasksAsync();
        Assert.Equal(("In Progress", "High"), (Task(statuses[2]).Text("Status"), Task(statuses[2]).Text("Priority")));
        Assert.Equal("Low", Task(made[2]).Text("Priority"));
        await w.EditTaskAsync(TaskId(statuses[2]), new { Status = "Completed" });
        await w.PassAsync();
        Assert.Equal(ReminderStatus.Complete, w.Record(statuses[2]).Values.Status);
        await w.AssertConvergedAsync();

        // A Task handed to a queue leaves the sync's scope: reported once, kept here NotSynced, no further push.
        await w.EditTaskAsync(TaskId(statuses[5]), new { OwnerId = w.Sandbox.Host.State.World.Salesforce.TaskQueueId });
        var left = await w.PassAsync();
        Assert.Equal(1, left.OutOfScope);
        Assert.Equal(ReminderSyncState.NotSynced, w.Record(statuses[5]).State);
        w.Book.Update(statuses[5], new ReminderEdit { Details = "stays here" }, DateTimeOffset.UtcNow);
        var after = await w.PassAsync();
        Assert.Equal((0, 0), (after.OutOfScope, after.UpdatedInSalesforce));
    }

    private readonly record struct JsonElementLike(System.Text.Json.Nodes.JsonNode Node)
    {
        public string? Text(string field) => ReminderWorld.Text(Node, field);
    }
}
