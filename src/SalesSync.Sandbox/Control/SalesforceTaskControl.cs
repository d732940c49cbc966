using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;
using SalesSync.Sandbox.Salesforce;

namespace SalesSync.Sandbox.Control;

/// <summary>
/// A seller working on Tasks in Salesforce: create (one or an array), edit any writable field, complete, delete,
/// undelete, and backdate the audit stamps (to play changes and deletions hours or weeks old). Writes pass the same
/// validation and derivations as the API's, count no API call, and are made as a seller: LastModifiedById is
/// <c>?as=</c> (a User id) or else the Task's owner. The dump of every Task, deleted ones included, is
/// <c>GET /salesforce/Task</c> (<see cref="ControlApi"/>).
/// </summary>
internal static class SalesforceTaskControl
{
    private static readonly SalesforceObjectType TaskType = SalesforceSchema.Types["Task"];

    public static void Map(WebApplication app, SandboxState state)
    {
        app.MapPost("/salesforce/Task", async (HttpContext ctx) =>
        {
            var body = await ReadBodyAsync(ctx);
            var records = body switch { JsonObject one => [one], JsonArray many => many.OfType<JsonObject>().ToList(), _ => null };
            if (records is null || records.Count == 0 || body is JsonArray array && array.Count != records.Count)
                return ControlApi.BadRequest("Body must be a Task (a JSON object of Task field names) or an array of them.");
            lock (state.World.Sync)
            {
                if (Actor(state, ctx) is { Error: { } refused }) return refused;
                var plans = new List<(RecordPlan Plan, bool Recurring)>();
                for (var i = 0; i < records.Count; i++)
                {
                    var (fields, recurring) = Fields(records[i]);
                    if (!TryRecurrence(recurring, out var isRecurrence)) return ControlApi.BadRequest($"Task {i}: IsRecurrence must be true or false.");
                    if (ActorId(state, ctx) is { } seller && !fields.ContainsKey("OwnerId")) fields["OwnerId"] = seller;
                    var plan = Plan(state, null, fields);
                    if (!plan.IsValid) return Refused(plan, records.Count > 1 ? i : null);
                    plans.Add((plan, isRecurrence ?? false));
                }
                if (!int.TryParse(ctx.Request.Query["occurrences"].FirstOrDefault() ?? "2", CultureInfo.InvariantCulture, out var occurrences) || occurrences is < 0 or > 100)
                    return ControlApi.BadRequest("occurrences must be a whole number from 0 to 100.");
                var created = plans.Select(p =>
                {
                    var owner = p.Plan.Values.GetValueOrDefault("OwnerId") as string;
                    var writer = Writer(state, ctx, owner);
                    var task = writer.Apply(p.Plan);
                    task["IsRecurrence"] = p.Recurring;
                    if (p.Recurring) AddOccurrences(writer, p.Plan, task, occurrences);
                    return ControlApi.SalesforceTruth(task);
                }).ToList();
                return Results.Content((body is JsonArray ? new JsonArray([.. created]) : (JsonNode)created[0]).ToJsonString(SandboxJson.Options),
                    "application/json", statusCode: 201);
            }
        });
        app.MapMethods("/salesforce/Task/{id}", ["PATCH"], async (string id, HttpContext ctx) =>
        {
            if (await ReadBodyAsync(ctx) is not JsonObject body) return ControlApi.BadRequest("Body must be a JSON object of Task field names.");
            var (fields, recurring) = Fields(body);
            if (!TryRecurrence(recurring, out var isRecurrence)) return ControlApi.BadRequest("IsRecurrence must be true or false.");
            return Change(state, ctx, id, task =>
            {
                var plan = Plan(state, task, fields);
                if (!plan.IsValid) return Refused(plan, null);
                Writer(state, ctx, task.GetValueOrDefault("OwnerId") as string).Apply(plan);
                if (isRecurrence is { } flag) task["IsRecurrence"] = flag;
                return null;
            });
        });
        app.MapPost("/salesforce/Task/{id}/complete", (string id, HttpContext ctx) => Change(state, ctx, id, task =>
        {
            var plan = Plan(state, task, new Dictionary<string, JsonNode?> { ["Status"] = "Completed" });
            if (!plan.IsValid) return Refused(plan, null);
            Writer(state, ctx, task.GetValueOrDefault("OwnerId") as string).Apply(plan);
            return null;
        }));
        app.MapDelete("/salesforce/Task/{id}", (string id, HttpContext ctx) => Change(state, ctx, id, task =>
        {
            Writer(state, ctx, task.GetValueOrDefault("OwnerId") as string).Delete(task);
            return null;
        }));
        app.MapPost("/salesforce/Task/{id}/undelete", (string id, HttpContext ctx) => Change(state, ctx, id, task =>
        {
            Writer(state, ctx, task.GetValueOrDefault("OwnerId") as string).Undelete(task);
            return null;
        }, deleted: true));
        app.MapPost("/salesforce/Task/backdate", async (HttpContext ctx) =>
        {
            if (await ReadBodyAsync(ctx) is not JsonObject body || body["ids"] is not JsonArray ids || ids.Count == 0)
                return ControlApi.BadRequest("Body must be {ids:[...], and createdDate, lastModifiedDate, systemModstamp, deletedDate (ISO 8601) or secondsAgo}.");
            lock (state.World.Sync) return Backdate(state, ids, body);
        });
    }

    /// <summary>
    /// A series as Salesforce stores it: the main record (IsRecurrence true) and one Task per occurrence, each with
    /// IsRecurrence false and RecurrenceActivityId the main record's Id, due a week apart from the main record's date.
    /// </summary>
    private static void AddOccurrences(RecordWriter writer, RecordPlan plan, SalesforceRecord series, int count)
    {
        for (var i = 1; i <= count; i++)
        {
            var values = new Dictionary<string, object?>(plan.Values, StringComparer.OrdinalIgnoreCase);
            if (values.GetValueOrDefault("ActivityDate") is DateOnly due) values["ActivityDate"] = due.AddDays(7 * i);
            var occurrence = writer.Apply(plan with { Values = values });
            occurrence["IsRecurrence"] = false;
            occurrence["RecurrenceActivityId"] = series.Id;
        }
    }

    /// <summary>
    /// Sets audit stamps into the past without a write: secondsAgo moves LastModifiedDate and SystemModstamp to now − n
    /// (and CreatedDate when it would be later); the named stamps are set as given. A deleted Task's deletedDate is its
    /// SystemModstamp. Every Task is checked first: nothing changes unless all are found and every stamp keeps
    /// CreatedDate ≤ LastModifiedDate ≤ SystemModstamp ≤ now.
    /// </summary>
    private static IResult Backdate(SandboxState state, JsonArray ids, JsonObject body)
    {
        var now = state.Clock.UtcNow;
        DateTimeOffset? created = null, modified = null, stamp = null;
        try
        {
            created = Stamp(body, "createdDate");
            modified = Stamp(body, "lastModifiedDate");
            stamp = Stamp(body, "systemModstamp") ?? Stamp(body, "deletedDate");
            if (body["secondsAgo"] is { } ago)
            {
                var at = now - TimeSpan.FromSeconds(ago.GetValue<double>());
                modified ??= at;
                stamp ??= at;
            }
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or JsonException)
        {
            return ControlApi.BadRequest(e.Message);
        }
        if (created is null && modified is null && stamp is null) return ControlApi.BadRequest("Give at least one stamp to set.");
        var changes = new List<(SalesforceRecord Task, DateTimeOffset Created, DateTimeOffset Modified, DateTimeOffset Stamp)>();
        foreach (var node in ids)
        {
            var id = node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
            if (state.World.Salesforce.Find(id) is not { Type: "Task" } task) return ControlApi.NotFound($"No Task {id}.");
            if (body.ContainsKey("deletedDate") && task["IsDeleted"] is not true) return ControlApi.BadRequest($"Task {task.Id} is not deleted: it has no deletedDate.");
            var newStamp = stamp ?? (DateTimeOffset)task["SystemModstamp"]!;
            var newModified = modified ?? Min((DateTimeOffset)task["LastModifiedDate"]!, newStamp);
            var newCreated = created ?? Min((DateTimeOffset)task["CreatedDate"]!, newModified);
            if (!(newCreated <= newModified && newModified <= newStamp && newStamp <= now))
                return ControlApi.BadRequest($"Task {task.Id}: the stamps must keep CreatedDate <= LastModifiedDate <= SystemModstamp <= now ({now:O}).");
            changes.Add((task, newCreated, newModified, newStamp));
        }
        foreach (var (task, c, m, s) in changes)
        {
            task["CreatedDate"] = c;
            task["LastModifiedDate"] = m;
            task["SystemModstamp"] = s;
        }
        return ControlApi.Json(new JsonArray([.. changes.Select(c => ControlApi.SalesforceTruth(c.Task))]));
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static DateTimeOffset? Stamp(JsonObject body, string name) => body[name] is { } node
        ? DateTimeOffset.Parse(node.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime()
        : null;

    /// <summary>Runs a change on one Task under the world lock; answers its truth, or why not (404, 400).</summary>
    private static IResult Change(SandboxState state, HttpContext ctx, string id, Func<SalesforceRecord, IResult?> change, bool deleted = false)
    {
        lock (state.World.Sync)
        {
            if (Actor(state, ctx) is { Error: { } refused }) return refused;
            if (state.World.Salesforce.Find(id) is not { Type: "Task" } task) return ControlApi.NotFound($"No Task {id}.");
            if (SalesforceStore.IsPurged(task, state.Clock.UtcNow)) return ControlApi.NotFound($"Task {id} has left the Recycle Bin.");
            if ((task["IsDeleted"] is true) != deleted)
                return ControlApi.BadRequest(deleted ? $"Task {id} is not deleted." : $"Task {id} is deleted (ENTITY_IS_DELETED); undelete it first.");
            return change(task) ?? ControlApi.Json(ControlApi.SalesforceTruth(task));
        }
    }

    /// <summary>The seller the change is made as: <c>?as=</c>, which must name a User; null when not given.</summary>
    private static (string? Id, IResult? Error) Actor(SandboxState state, HttpContext ctx)
    {
        var raw = ctx.Request.Query["as"].ToString();
        if (raw.Length == 0) return (null, null);
        return state.World.Salesforce.Find(raw) is { Type: "User" } user ? (user.Id, null) : (null, ControlApi.BadRequest($"as: {raw} is not a User id."));
    }

    private static string? ActorId(SandboxState state, HttpContext ctx) => Actor(state, ctx).Id;

    /// <summary>A writer acting as <c>?as=</c>, else as the owner when that is a User (a queue writes nothing: then the running user).</summary>
    private static RecordWriter Writer(SandboxState state, HttpContext ctx, string? owner) =>
        new(state.World.Salesforce, state.Clock.UtcNow, runAssignmentRules: false,
            ActorId(state, ctx) ?? (state.World.Salesforce.Find(owner) is { Type: "User" } user ? user.Id : null));

    private static RecordPlan Plan(SandboxState state, SalesforceRecord? task, IEnumerable<KeyValuePair<string, JsonNode?>> fields)
    {
        try
        {
            return RecordValidator.Plan(state.World.Salesforce, TaskType, task, fields);
        }
        catch (SalesforceRequestException e)
        {
            return new RecordPlan(TaskType, task, new Dictionary<string, object?>(), [new SalesforceError(e.ErrorCode, e.Message)]);
        }
    }

    /// <summary>The body's fields for the validator, and IsRecurrence apart (the API may not set it; a seller's series does).</summary>
    private static (Dictionary<string, JsonNode?> Fields, KeyValuePair<string, JsonNode?>? Recurrence) Fields(JsonObject record)
    {
        var fields = new Dictionary<string, JsonNode?>(StringComparer.OrdinalIgnoreCase);
        KeyValuePair<string, JsonNode?>? recurrence = null;
        foreach (var (name, value) in WriteRequest.Fields(record))
        {
            if (name.Equals("IsRecurrence", StringComparison.OrdinalIgnoreCase)) recurrence = new(name, value);
            else fields[name] = value?.DeepClone();
        }
        return (fields, recurrence);
    }

    /// <summary>IsRecurrence as given: absent (null), or a JSON boolean; false when it is something else.</summary>
    private static bool TryRecurrence(KeyValuePair<string, JsonNode?>? given, out bool? value)
    {
        value = null;
        if (given is not { Value: var node }) return true;
        if (node?.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)) return false;
        value = node.GetValue<bool>();
        return true;
    }

    private static IResult Refused(RecordPlan plan, int? index) => Results.Json(new
    {
        error = (index is null ? "" : $"Task {index}: ") + string.Join("; ", plan.Errors.Select(e => $"{e.Code}: {e.Message}")),
        errors = plan.Errors.Select(e => new { statusCode = e.Code, message = e.Message, fields = e.Fields }),
    }, statusCode: 400);

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext ctx)
    {
        try { return await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted); }
        catch (JsonException) { return null; }
    }
}
