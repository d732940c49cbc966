using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SalesSync.Core.Reminders;

/// <summary>One Task row as a reminder pass reads it (query and queryAll select the same fields).</summary>
internal sealed record TaskRow
{
    public const string Fields = "Id, IsDeleted, Subject, Status, Priority, ActivityDate, Description, WhoId, OwnerId, IsRecurrence, TaskSubtype, CreatedDate, LastModifiedDate, SystemModstamp";

    public required string Id { get; init; }
    public bool IsDeleted { get; init; }
    public string? Subject { get; init; }
    public string? Status { get; init; }
    public string? Priority { get; init; }
    public DateOnly? ActivityDate { get; init; }
    public string? Description { get; init; }
    public string? WhoId { get; init; }
    public string? OwnerId { get; init; }
    public bool IsRecurrence { get; init; }
    public string? TaskSubtype { get; init; }
    public DateTimeOffset? CreatedDate { get; init; }
    public DateTimeOffset? LastModifiedDate { get; init; }
    public DateTimeOffset? SystemModstamp { get; init; }

    public static TaskRow Parse(JsonElement e)
    {
        string? Text(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        bool Flag(string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
        return new TaskRow
        {
            Id = People.SalesforceIds.To18(Text("Id")) ?? Text("Id") ?? "",
            IsDeleted = Flag("IsDeleted"),
            Subject = Text("Subject"),
            Status = Text("Status"),
            Priority = Text("Priority"),
            ActivityDate = Text("ActivityDate") is { } d && DateOnly.TryParseExact(d, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null,
            Description = Text("Description"),
            WhoId = People.SalesforceIds.To18(Text("WhoId")),
            OwnerId = People.SalesforceIds.To18(Text("OwnerId")),
            IsRecurrence = Flag("IsRecurrence"),
            TaskSubtype = Text("TaskSubtype"),
            CreatedDate = Stamp(Text("CreatedDate")),
            LastModifiedDate = Stamp(Text("LastModifiedDate")),
            SystemModstamp = Stamp(Text("SystemModstamp")),
        };
    }

    /// <summary>Salesforce writes date-times as 2026-12-07T04:25:26.000+0000.</summary>
    internal static DateTimeOffset? Stamp(string? text) =>
        text is not null && DateTimeOffset.TryParse(text.EndsWith("+0000", StringComparison.Ordinal) ? text[..^5] + "Z" : text, CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}

/// <summary>
/// The documented mapping between a reminder and its Salesforce Task, both ways (issue 16):
/// Subject → Subject (one line, at most 255 characters; never read back except when a Task is imported);
/// Open ↔ "Not Started", Complete ↔ "Completed" (any other Task status is kept raw and not applied);
/// Normal/High ↔ Normal/High (Low kept raw, not applied); DueDate ↔ ActivityDate ("yyyy-MM-dd", no time zone);
/// Details ↔ Description. WhoId the person's contact, else lead; OwnerId the seller; TaskSubtype "Task" on create.
/// </summary>
internal static class ReminderMapping
{
    public const string NotStarted = "Not Started", Completed = "Completed";
    public const int SubjectLength = ReminderBook.SubjectLength;

    /// <summary>A subject from anywhere but ReminderBook (which refuses it): one line, cut at 255 without splitting a surrogate pair.</summary>
    public static string CutSubject(string? subject)
    {
        var oneLine = string.Join(' ', new string((subject ?? "").Select(c => char.IsControl(c)
            || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator ? ' ' : c).ToArray())
            .Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.Length <= SubjectLength) return oneLine;
        var cut = SubjectLength;
        if (char.IsLowSurrogate(oneLine[cut])) cut--;
        return oneLine[..cut];
    }

    public static string StatusOut(ReminderStatus s) => s == ReminderStatus.Complete ? Completed : NotStarted;

    /// <summary>Open or Complete; null for any other Task status (In Progress, Deferred, Waiting on someone else, an org's own): not applied.</summary>
    public static ReminderStatus? StatusIn(string? status) => status switch
    {
        NotStarted => ReminderStatus.Open,
        Completed => ReminderStatus.Complete,
        _ => null,
    };

    public static string PriorityOut(ReminderPriority p) => p == ReminderPriority.High ? "High" : "Normal";

    /// <summary>Normal or High; null for Low (or anything else): not applied.</summary>
    public static ReminderPriority? PriorityIn(string? priority) => priority switch
    {
        "High" => ReminderPriority.High,
        "Normal" => ReminderPriority.Normal,
        _ => null,
    };

    public static string DateOut(DateOnly d) => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The Task a new reminder becomes (POST composite/sobjects): every mapped field.</summary>
    public static JsonObject CreateRecord(string whoId, string ownerId, ReminderValues v) => new()
    {
        ["attributes"] = new JsonObject { ["type"] = "Task" },
        ["Subject"] = CutSubject(v.Subject),
        ["Status"] = StatusOut(v.Status),
        ["Priority"] = PriorityOut(v.Priority),
        ["ActivityDate"] = DateOut(v.DueDate),
        ["Description"] = v.Details,
        ["WhoId"] = whoId,
        ["OwnerId"] = ownerId,
        ["TaskSubtype"] = "Task",
    };

    /// <summary>
    /// The update of a Task (PATCH composite/sobjects): only <paramref name="fields"/>, the ones changed locally, so a
    /// Salesforce "In Progress" is not reset to "Not Started" by an unrelated edit.
    /// </summary>
    public static JsonObject UpdateRecord(string taskId, ReminderValues v, ReminderFields fields)
    {
        var record = new JsonObject { ["attributes"] = new JsonObject { ["type"] = "Task" }, ["id"] = taskId };
        if (fields.HasFlag(ReminderFields.Subject)) record["Subject"] = CutSubject(v.Subject);
        if (fields.HasFlag(ReminderFields.Status)) record["Status"] = StatusOut(v.Status);
        if (fields.HasFlag(ReminderFields.Priority)) record["Priority"] = PriorityOut(v.Priority);
        if (fields.HasFlag(ReminderFields.DueDate)) record["ActivityDate"] = DateOut(v.DueDate);
        if (fields.HasFlag(ReminderFields.Details)) record["Description"] = v.Details;
        return record;
    }

    /// <summary>
    /// The fields a Task changed relative to <paramref name="agreed"/> (the merge base) and the values it holds for
    /// them. Subject never counts (a Salesforce subject edit does not come back); an unmapped status or priority, or
    /// an emptied ActivityDate, counts as unchanged.
    /// </summary>
    public static (ReminderFields Changed, ReminderValues Values) Read(TaskRow row, ReminderValues agreed)
    {
        var values = agreed with
        {
            Status = StatusIn(row.Status) ?? agreed.Status,
            Priority = PriorityIn(row.Priority) ?? agreed.Priority,
            DueDate = row.ActivityDate ?? agreed.DueDate,
            Details = string.IsNullOrEmpty(row.Description) ? null : row.Description,
        };
        return (values.Diff(agreed) & ~ReminderFields.Subject, values);
    }

    /// <summary>
    /// The values of an imported Task (it needs a subject, so the Task's is taken here, and only here): an unmapped
    /// status reads as Open, Low as Normal, a Task without ActivityDate as due the day it was created (UTC).
    /// </summary>
    public static ReminderValues Import(TaskRow row) => new(
        CutSubject(row.Subject) is { Length: > 0 } s ? s : "(no subject)",
        StatusIn(row.Status) ?? ReminderStatus.Open,
        PriorityIn(row.Priority) ?? ReminderPriority.Normal,
        row.ActivityDate ?? DateOnly.FromDateTime((row.CreatedDate ?? DateTimeOffset.UtcNow).UtcDateTime),
        string.IsNullOrEmpty(row.Description) ? null : row.Description);

    /// <summary>Whether a Task was written by SalesSync's activity logging (its subject ends with " [SS-…]").</summary>
    public static bool IsLoggedActivity(TaskRow row) => Activities.SalesforceTask.ActivityIdOf(row.Subject) is { } id && id.StartsWith("SS-", StringComparison.Ordinal);

    /// <summary>
    /// Why a Task is not a reminder (null when it is): the owner a queue rather than a seller, the WhoId no synced
    /// person's, a recurring series, a subtype other than Task, or an activity SalesSync logged.
    /// </summary>
    public static string? OutOfScope(TaskRow row, bool whoIsSynced)
    {
        if (row.OwnerId is null || !row.OwnerId.StartsWith("005", StringComparison.Ordinal)) return $"The Task's owner {row.OwnerId} is not a seller (a queue owns it); reminders belong to a Salesforce user.";
        if (!whoIsSynced) return $"The Task's WhoId {row.WhoId ?? "(none)"} is not the contact or lead of a synced person.";
        if (row.IsRecurrence) return "The Task is a recurring series; reminders are single Tasks.";
        if (row.TaskSubtype is not (null or "Task")) return $"The Task's subtype is {row.TaskSubtype}, not Task.";
        if (IsLoggedActivity(row)) return "The Task is an activity SalesSync logged, not a reminder.";
        return null;
    }

    /// <summary>How a Task that matched a create in doubt is recognised: the values that create sent.</summary>
    public static bool SameAsSent(TaskRow row, string? whoId, string? ownerId, ReminderValues sent) =>
        string.Equals(row.WhoId, People.SalesforceIds.To18(whoId), StringComparison.Ordinal)
        && string.Equals(row.OwnerId, People.SalesforceIds.To18(ownerId), StringComparison.Ordinal)
        && string.Equals(row.Subject, CutSubject(sent.Subject), StringComparison.Ordinal)
        && row.ActivityDate == sent.DueDate
        && string.Equals(row.Description ?? "", sent.Details ?? "", StringComparison.Ordinal)
        && PriorityIn(row.Priority) == sent.Priority;

    /// <summary>The duplicate check of -IncludeExisting: same WhoId, due date, and subject (trimmed, any case).</summary>
    public static string DuplicateKey(string? whoId, DateOnly? due, string? subject) =>
        $"{People.SalesforceIds.To18(whoId)}|{(due is { } d ? DateOut(d) : "")}|{(subject ?? "").Trim().ToUpperInvariant()}";
}
