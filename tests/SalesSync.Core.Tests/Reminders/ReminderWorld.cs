using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Activities;
using SalesSync.Core.People;
using SalesSync.Core.Reminders;
using SalesSync.Core.Sync;
using SalesSync.Core.Tests.Support;
using SalesSync.Sandbox.Data;

namespace SalesSync.Core.Tests.Reminders;

/// <summary>
/// What the reminder tests share: an in-process sandbox with synced people, a session, the seller control hooks
/// (create, edit, complete, delete, backdate Tasks as a seller would) and the Salesforce ground truth.
/// </summary>
internal sealed class ReminderWorld : IAsyncDisposable
{
    public required RunningSandbox Sandbox { get; init; }
    public required TempFolder Temp { get; init; }
    public required SalesSyncSession Session { get; init; }

    /// <summary>Synced people with a Salesforce contact or lead (WhoId).</summary>
    public required IReadOnlyList<PersonRecord> People { get; init; }

    /// <summary>Active sellers (Users other than the integration user and the lead queue's).</summary>
    public required IReadOnlyList<string> Sellers { get; init; }

    public static async Task<ReminderWorld> StartAsync(int people, int seed, bool enable = true)
    {
        var sb = await RunningSandbox.StartAsync("--people", people.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture));
        var temp = new TempFolder();
        var session = await SalesSyncSession.ConnectAsync(SyncHarness.Settings(sb, temp, salesforce: true), CancellationToken.None);
        var (run, _) = await SyncHarness.SyncAsync(session, new SyncOptions { Method = SyncMethod.Rest, StaticListId = WorldGenerator.SalesOwnedListId });
        Assert.Equal(SyncRunStatus.Completed, run.Status);
        var sf = sb.Host.State.World.Salesforce;
        List<string> sellers;
        lock (sb.Host.State.World.Sync)
            sellers = sf.All("User").Where(u => u["IsActive"] is true && u.Id != sf.RunningUserId && u.Id != sf.LeadQueueUserId).Select(u => u.Id).ToList();
        HashSet<string> converted;
        lock (sb.Host.State.World.Sync)
            converted = sf.All("Lead").Where(l => l["IsConverted"] is true).Select(l => SalesforceIds.To18(l.Id)!).ToHashSet(StringComparer.Ordinal);
        var world = new ReminderWorld
        {
            Sandbox = sb,
            Temp = temp,
            Session = session,
            // Converted leads take a Task only through their contact (covered by the fault tests): left out here so call counts are exact.
            People = session.GetPeople(PersonQuery.All).Where(p => (p.SalesforceContactId ?? p.SalesforceLeadId) is not null && !converted.Contains(WhoOf(p))).ToList(),
            Sellers = sellers,
        };
        if (enable) world.Enable();
        return world;
    }

    public void Enable() => Session.SaveActivitySettings(Session.ActivitySettings with { ReminderSync = ReminderSyncMode.TwoWay });

    public ReminderBook Book => Session.Reminders;

    public static string WhoOf(PersonRecord p) => SalesforceIds.To18(p.SalesforceContactId ?? p.SalesforceLeadId)!;

    /// <summary>One pass, with an optional hook between its steps (a test's crash).</summary>
    /// <param name="grace">How long a create in doubt may still land; none by default, so a test's next pass sends again at once.</param>
    public Task<ReminderSyncReport> PassAsync(ReminderSyncOptions? options = null, Action<string>? afterStep = null, CancellationToken ct = default, TimeSpan? grace = null) =>
        new ReminderSync(Session.Salesforce!, Session.Store, grace ?? TimeSpan.Zero) { AfterStep = afterStep }.RunAsync(options ?? new ReminderSyncOptions(), ct);

    public SalesReminder NewReminder(PersonRecord p, string subject, DateOnly due, ReminderPriority priority = ReminderPriority.Normal, string? details = null, int seller = 0) =>
        Book.Create(new NewReminderRequest { MarketoId = p.MarketoId, Subject = subject, DueDate = due, Priority = priority, Details = details, OwnerId = Sellers[seller % Sellers.Count] }, DateTimeOffset.UtcNow);

    public async Task<JsonNode?> ControlAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(Sandbox.Control, path));
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType());
        using var response = await Sandbox.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? null : JsonNode.Parse(text);
    }

    /// <summary>Tasks made by a seller (control API): their ids, in order.</summary>
    public async Task<List<string>> CreateTasksAsync(IReadOnlyList<JsonObject> tasks)
    {
        var ids = new List<string>();
        foreach (var chunk in tasks.Chunk(500))
        {
            var made = await ControlAsync(HttpMethod.Post, "salesforce/Task", new JsonArray(chunk.Select(t => (JsonNode)t.DeepClone()).ToArray()));
            ids.AddRange(made!.AsArray().Select(t => t!["Id"]!.GetValue<string>()));
        }
        return ids;
    }

    public static JsonObject Task(string whoId, string ownerId, string subject, DateOnly due, string status = "Not Started", string priority = "Normal", string? description = null) => new()
    {
        ["WhoId"] = whoId, ["OwnerId"] = ownerId, ["Subject"] = subject, ["ActivityDate"] = due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["Status"] = status, ["Priority"] = priority, ["Description"] = description, ["TaskSubtype"] = "Task",
    };

    public Task EditTaskAsync(string id, object fields) => ControlAsync(HttpMethod.Patch, $"salesforce/Task/{id}", fields);

    public Task DeleteTaskAsync(string id) => ControlAsync(HttpMethod.Delete, $"salesforce/Task/{id}");

    public Task BackdateAsync(IEnumerable<string> ids, DateTimeOffset at, bool deleted = false) =>
        ControlAsync(HttpMethod.Post, "salesforce/Task/backdate", deleted
            ? new JsonObject { ["ids"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()), ["deletedDate"] = Iso(at) }
            : new JsonObject { ["ids"] = new JsonArray(ids.Select(i => (JsonNode)i).ToArray()), ["createdDate"] = Iso(at), ["lastModifiedDate"] = Iso(at), ["systemModstamp"] = Iso(at) });

    public static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public DateTimeOffset SandboxNow => Sandbox.Host.State.Clock.UtcNow;

    /// <summary>Every Task as the control dump shows it (deleted ones too), by id.</summary>
    public async Task<Dictionary<string, JsonNode>> TasksAsync()
    {
        var text = await Sandbox.Http.GetStringAsync(new Uri(Sandbox.Control, "salesforce/Task"));
        var list = text.TrimStart().StartsWith('[') ? JsonNode.Parse(text)!.AsArray().Select(n => n!).ToList()
            : text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        return list.ToDictionary(t => SalesforceIds.To18(t["Id"]!.GetValue<string>())!, StringComparer.Ordinal);
    }

    public static string? Text(JsonNode task, string field) => task[field] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool Flag(JsonNode task, string field) => task[field] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    public async Task<(int Salesforce, int Marketo)> CallsAsync()
    {
        var stats = await Sandbox.StatsAsync();
        return (stats["salesforce"]!["totalCalls"]!.GetValue<int>(), stats["marketo"]!["totalCalls"]!.GetValue<int>());
    }

    /// <summary>Salesforce calls of one method to one resource ("POST", "composite/sobjects"), whatever the API version.</summary>
    public async Task<int> CallsToAsync(string method, string resource) =>
        (await Sandbox.StatsAsync())["salesforce"]!["calls"]!.AsObject()
            .Where(c => c.Key.StartsWith(method + " /services/data/", StringComparison.Ordinal) && c.Key.EndsWith("/" + resource, StringComparison.Ordinal))
            .Sum(c => c.Value!.GetValue<int>());

    public ReminderRecord Record(string id) => Session.Store.Reminders.Find(id)!;

    public IReadOnlyList<ReminderRecord> Records() => Session.Store.Reminders.All().ToList();

    /// <summary>
    /// Both sides equal field by field: every live reminder's Task has its values (except the documented one-way cases:
    /// a Salesforce subject edit, a non-standard status, Low), every deleted reminder's Task is gone, and every live
    /// in-scope Task of a synced person is some live reminder's.
    /// </summary>
    public async Task AssertConvergedAsync(bool everyTaskMapped = true)
    {
        var tasks = await TasksAsync();
        var records = Records();
        var problems = new List<string>();
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (r.SalesforceTaskId is null)
            {
                if (!r.Deleted && r.PushEligible && r.OutOfScope is null) problems.Add($"{r.Id}: never reached Salesforce ({r.State}, {r.LastError})");
                continue;
            }
            if (!mapped.Add(r.SalesforceTaskId)) problems.Add($"{r.SalesforceTaskId}: mapped twice");
            var t = tasks[r.SalesforceTaskId];
            if (r.Deleted)
            {
                if (!Flag(t, "IsDeleted")) problems.Add($"{r.Id}: deleted here, live in Salesforce");
                continue;
            }
            if (Flag(t, "IsDeleted")) { problems.Add($"{r.Id}: live here, deleted in Salesforce"); continue; }
            var v = r.Values;
            var status = Text(t, "Status");
            if (status is "Not Started" or "Completed" && ReminderMapping.StatusIn(status) != v.Status) problems.Add($"{r.Id}: status {v.Status} vs {status}");
            var priority = Text(t, "Priority");
            if (priority != "Low" && ReminderMapping.PriorityIn(priority) != v.Priority) problems.Add($"{r.Id}: priority {v.Priority} vs {priority}");
            if (Text(t, "ActivityDate") != ReminderMapping.DateOut(v.DueDate)) problems.Add($"{r.Id}: due {v.DueDate} vs {Text(t, "ActivityDate")}");
            if ((Text(t, "Description") ?? "") != (v.Details ?? "")) problems.Add($"{r.Id}: details '{v.Details}' vs '{Text(t, "Description")}' (base '{r.Base?.Details}', origin {r.Origin}, attempts {r.Attempts}, {r.LastError})");
            if (Text(t, "Subject") != v.Subject && Text(t, "Subject") != r.SalesforceSubject) problems.Add($"{r.Id}: subject {v.Subject} vs {Text(t, "Subject")}");
        }
        var synced = People.Select(WhoOf).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, t) in tasks)
            if (everyTaskMapped && !Flag(t, "IsDeleted") && !mapped.Contains(id) && Text(t, "WhoId") is { } who && synced.Contains(SalesforceIds.To18(who)!)
                && Text(t, "OwnerId")?.StartsWith("005", StringComparison.Ordinal) == true && !Flag(t, "IsRecurrence") && SalesforceTask.ActivityIdOf(Text(t, "Subject")) is null)
                problems.Add($"Task {id} ({Text(t, "Subject")}) has no reminder");
        Assert.True(problems.Count == 0, $"{problems.Count} differences:\n" + string.Join("\n", problems.Take(20)));
    }

    /// <summary>No two live Tasks made for the same reminder (subjects in these tests are unique per reminder).</summary>
    public async Task AssertNoDuplicateTasksAsync()
    {
        var live = (await TasksAsync()).Values.Where(t => !Flag(t, "IsDeleted") && Text(t, "Subject") is not null).ToList();
        var twice = live.GroupBy(t => (Text(t, "WhoId"), Text(t, "Subject"))).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"duplicate Tasks: {string.Join("; ", twice.Take(10))}");
    }

    public async ValueTask DisposeAsync()
    {
        Session.Dispose();
        Temp.Dispose();
        await Sandbox.DisposeAsync();
    }
}
