using System.Text.Json.Nodes;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.Core.Tests.Sandbox;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>Issue 16 acceptance "First enable": the import window, the scope, no push of earlier reminders, then -IncludeExisting without duplicates.</summary>
public class ReminderFirstEnableTests
{
    [Fact]
    public async Task FirstPassImportsTheLastDaysInScopeTasksPushesNothingEarlierThenIncludeExistingPushesThemOnce()
    {
        await using var w = await ReminderWorld.StartAsync(300, 1602, enable: false);
        var sf = w.Sandbox.Host.State.World.Salesforce;
        // 50 leads of nobody SalesSync syncs (made in Salesforce alone).
        var token = await w.Sandbox.SalesforceTokenAsync();
        var leads = new JsonObject
        {
            ["allOrNone"] = true,
            ["records"] = new JsonArray(Enumerable.Range(0, 50).Select(i => (JsonNode)new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Lead" }, ["LastName"] = $"Walk-in {i}", ["Company"] = "Elsewhere Ltd" }).ToArray()),
        };
        var (status, made, _) = await w.Sandbox.SalesforceSendAsync(HttpMethod.Post, "services/data/v66.0/composite/sobjects", token, leads);
        Assert.Equal(200, status);
        var unsynced = made!.AsArray().Select(r => SalesforceIds.To18(r!["id"]!.GetValue<string>())!).ToList();
        Assert.Equal(50, unsynced.Count);
        var due = new DateOnly(2027, 1, 15);
        JsonObject InScope(int i, string tag) => ReminderWorld.Task(ReminderWorld.WhoOf(w.People[i % w.People.Count]), w.Sellers[i % w.Sellers.Count], $"{tag} follow-up {i}", due.AddDays(i % 9), priority: i % 3 == 0 ? "High" : "Normal");
        var recent = await w.CreateTasksAsync(Enumerable.Range(0, 100).Select(i => InScope(i, "Recent")).ToList());
        var older = await w.CreateTasksAsync(Enumerable.Range(0, 100).Select(i => InScope(i, "Older")).ToList());
        var outOfScope = await w.CreateTasksAsync(
            unsynced.Select((who, i) => ReminderWorld.Task(who, w.Sellers[0], $"Unsynced person {i}", due))
            .Concat(Enumerable.Range(0, 20).Select(i => ReminderWorld.Task(ReminderWorld.WhoOf(w.People[i]), sf.TaskQueueId!, $"Queue task {i}", due)))
            .Concat(Enumerable.Range(0, 10).Select(i =>
            {
                var t = ReminderWorld.Task(ReminderWorld.WhoOf(w.People[i]), w.Sellers[0], $"Weekly check-in {i}", due);
                t["IsRecurrence"] = true;
                return t;
            })).ToList());
        var now = w.SandboxNow;
        await w.BackdateAsync(recent.Concat(outOfScope), now.AddHours(-23));
        await w.BackdateAsync(older, now.AddHours(-25));

        // 30 reminders made while reminder sync is off: they stay local on the first pass.
        var earlier = Enumerable.Range(0, 30).Select(i => w.NewReminder(w.People[(i * 7) % w.People.Count], $"Made while off {i}", due.AddDays(20 + i), seller: i)).ToList();
        Assert.All(earlier, r => Assert.Equal("NotSynced", r.SyncState));
        w.Enable();

        var first = await w.PassAsync();
        Assert.Null(first.StoppedBecause);
        Assert.True(first.FirstPass);
        Assert.Equal((100, 0), (first.Imported, first.CreatedInSalesforce));
        var imported = w.Records().Where(r => r.Origin == ReminderOrigin.Salesforce).Select(r => r.SalesforceTaskId).ToHashSet();
        Assert.True(imported.SetEquals(recent.Select(SalesforceIds.To18)));
        Assert.All(earlier, r => Assert.Null(w.Record(r.ReminderId).SalesforceTaskId));
        var tasksBefore = (await w.TasksAsync()).Count;

        var adopt = await w.PassAsync(new ReminderSyncOptions { IncludeExisting = true });
        Assert.Null(adopt.StoppedBecause);
        Assert.Equal((30, 0), (adopt.CreatedInSalesforce, adopt.Imported));
        Assert.Equal(tasksBefore + 30, (await w.TasksAsync()).Count);
        var again = await w.PassAsync(new ReminderSyncOptions { IncludeExisting = true });
        Assert.Equal((0, 0, 0), (again.CreatedInSalesforce, again.Imported, again.UpdatedLocally));
        Assert.Equal(tasksBefore + 30, (await w.TasksAsync()).Count);
        await w.AssertNoDuplicateTasksAsync();

        // Off again, 5 reminders that duplicate Tasks already in Salesforce (older than the window, so never imported),
        // on again: the re-enable continues from its watermark and -IncludeExisting links them rather than creating.
        w.Session.SaveActivitySettings(w.Session.ActivitySettings with { ReminderSync = ReminderSyncMode.Off });
        var dupes = Enumerable.Range(0, 5).Select(i => w.NewReminder(w.People[i % w.People.Count], $"  older FOLLOW-UP {i} ", due.AddDays(i % 9), seller: i)).ToList();
        w.Enable();
        var relinked = await w.PassAsync(new ReminderSyncOptions { IncludeExisting = true });
        Assert.Equal((0, 0), (relinked.CreatedInSalesforce, relinked.Imported));
        Assert.All(dupes.Select((d, i) => (d, i)), x => Assert.Equal(SalesforceIds.To18(older[x.i]), w.Record(x.d.ReminderId).SalesforceTaskId));
        Assert.Equal(tasksBefore + 30, (await w.TasksAsync()).Count);
        await w.AssertConvergedAsync(everyTaskMapped: false); // the Tasks older than the window stay Salesforce's alone
    }
}
