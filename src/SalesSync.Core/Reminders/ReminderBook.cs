using System.Globalization;
using SalesSync.Core.People;
using SalesSync.Core.Store;

namespace SalesSync.Core.Reminders;

/// <summary>Why a reminder cannot be made or changed as asked.</summary>
public enum ReminderFailureReason
{
    PersonNotSynced,
    AmbiguousEmail,
    MissingPerson,
    InvalidValue,
    ValueTooLong,
    ReminderNotFound,

    /// <summary>The reminder was deleted (here or in Salesforce); a tombstone cannot be edited.</summary>
    ReminderDeleted,

    /// <summary>Neither -OwnerId nor the person's sales owner names a seller.</summary>
    NoOwner,
}

public sealed class ReminderException(ReminderFailureReason reason, string message) : Exception(message)
{
    public ReminderFailureReason Reason { get; } = reason;

    /// <summary>The offending value (an id, a subject, a date), for the caller's error record; null when it is the whole request.</summary>
    public object? Value { get; init; }
}

/// <summary>A reminder to make: the person (Marketo id or email), what, when, how urgent, for which seller.</summary>
public sealed record NewReminderRequest
{
    public long? MarketoId { get; init; }
    public string? Email { get; init; }
    public required string Subject { get; init; }
    public required DateOnly DueDate { get; init; }
    public ReminderPriority Priority { get; init; } = ReminderPriority.Normal;
    public string? Details { get; init; }

    /// <summary>The seller (Salesforce User id, 15 or 18 characters); null: the person's sales owner.</summary>
    public string? OwnerId { get; init; }
}

/// <summary>The fields to change (null: unchanged). Details "" clears them.</summary>
public sealed record ReminderEdit
{
    public string? Subject { get; init; }
    public DateOnly? DueDate { get; init; }
    public ReminderPriority? Priority { get; init; }
    public string? Details { get; init; }
    public ReminderStatus? Status { get; init; }

    public bool IsEmpty => Subject is null && DueDate is null && Priority is null && Details is null && Status is null;
}

/// <summary>Which reminders to read; filters AND together, values within one filter OR.</summary>
public sealed record ReminderQuery
{
    public IReadOnlyCollection<string>? ReminderIds { get; init; }
    public IReadOnlyCollection<long>? MarketoIds { get; init; }
    public IReadOnlyCollection<string>? OwnerIds { get; init; }
    public ReminderStatus? Status { get; init; }
    public DateOnly? DueFrom { get; init; }
    public DateOnly? DueTo { get; init; }

    /// <summary>Open and due before <see cref="Today"/>.</summary>
    public bool Overdue { get; init; }
    public IReadOnlyCollection<ReminderSyncState>? SyncStates { get; init; }

    /// <summary>Deleted reminders (tombstones) too; always when <see cref="SyncStates"/> asks for Deleted.</summary>
    public bool IncludeDeleted { get; init; }

    /// <summary>The caller's today (a local date), for Overdue and the Overdue property.</summary>
    public DateOnly Today { get; init; } = DateOnly.FromDateTime(DateTime.Now);
}

/// <summary>
/// The local side of reminders: make, change, complete, delete (a tombstone the next pass carries to Salesforce) and
/// read them. Every change records when each field changed (the conflict rule's "later change wins" reads it);
/// nothing here calls a service.
/// </summary>
public sealed class ReminderBook
{
    public const int SubjectLength = 255;
    public const int DetailsLength = 32_000;

    /// <summary>The days Salesforce accepts in a date field.</summary>
    public static readonly DateOnly EarliestDueDate = new(1700, 1, 1), LatestDueDate = new(4000, 12, 31);

    private readonly ReminderStore _reminders;
    private readonly PeopleStore _people;
    private readonly SettingsStore _settings;

    /// <summary>How long a create with an unknown outcome may still land (the pass waits this long before sending it again).</summary>
    private readonly TimeSpan _outcomeGrace;

    internal ReminderBook(SyncStore store, TimeSpan? outcomeGrace = null)
    {
        _reminders = store.Reminders;
        _people = store.People;
        _settings = store.Settings;
        _outcomeGrace = outcomeGrace ?? Connection.OutcomeGrace.Default.Salesforce;
    }

    /// <summary>Checks a request and makes the reminder it describes, without storing it (what -WhatIf shows).</summary>
    public SalesReminder Prepare(NewReminderRequest request, DateTimeOffset now) => ToOutput(Build(request, now), null, DateOnly.FromDateTime(now.LocalDateTime), _outcomeGrace);

    /// <summary>Makes and stores a reminder; it reaches Salesforce on the next pass when reminder sync is on.</summary>
    public SalesReminder Create(NewReminderRequest request, DateTimeOffset now)
    {
        var record = Build(request, now);
        Locked(() => _reminders.Save(record));
        return Output(record);
    }

    private ReminderRecord Build(NewReminderRequest request, DateTimeOffset now)
    {
        PersonRecord person;
        try
        {
            person = PersonResolver.Resolve(_people, request.MarketoId, request.Email);
        }
        catch (PersonLookupException e)
        {
            throw new ReminderException(e.Reason switch
            {
                PersonLookupFailure.PersonNotSynced => ReminderFailureReason.PersonNotSynced,
                PersonLookupFailure.AmbiguousEmail => ReminderFailureReason.AmbiguousEmail,
                PersonLookupFailure.MissingPerson => ReminderFailureReason.MissingPerson,
                _ => ReminderFailureReason.InvalidValue,
            }, e.Message) { Value = e.Value };
        }
        var owner = request.OwnerId is { } given ? CheckOwner(given) : person.SalesOwnerId
            ?? throw new ReminderException(ReminderFailureReason.NoOwner, $"Marketo person {person.MarketoId} has no sales owner: give -OwnerId, the seller's Salesforce User id.") { Value = person.MarketoId };
        var values = new ReminderValues(CheckSubject(request.Subject), ReminderStatus.Open, request.Priority, CheckDueDate(request.DueDate), CheckDetails(request.Details));
        return new ReminderRecord
        {
            Id = ReminderRecord.NewId(),
            MarketoId = person.MarketoId,
            WhoId = person.SalesforceContactId ?? person.SalesforceLeadId,
            OwnerId = owner,
            Values = values,
            ChangedAt = Enum.GetValues<ReminderFields>().Where(f => f != ReminderFields.None).ToDictionary(f => f, _ => now),
            Origin = ReminderOrigin.Local,
            CreatedAt = now,
            ModifiedAt = now,
            // Made while sync is off: stays local, as Adobe documents for the first enable (until -IncludeExisting).
            PushEligible = _settings.Activities.ReminderSync == ReminderSyncMode.TwoWay,
        };
    }

    /// <summary>Changes a reminder's fields; a change that changes nothing writes nothing. Returns the reminder as it now is.</summary>
    public SalesReminder Update(string reminderId, ReminderEdit edit, DateTimeOffset now, bool whatIf = false)
    {
        var subject = edit.Subject is null ? null : CheckSubject(edit.Subject);
        var due = edit.DueDate is { } d ? CheckDueDate(d) : (DateOnly?)null;
        var details = edit.Details is null ? null : CheckDetails(edit.Details) ?? "";
        ReminderRecord? result = null;
        Locked(() =>
        {
            var current = Live(reminderId);
            var v = current.Values;
            var wanted = new ReminderValues(subject ?? v.Subject, edit.Status ?? v.Status, edit.Priority ?? v.Priority, due ?? v.DueDate,
                details is null ? v.Details : details.Length == 0 ? null : details);
            var changed = wanted.Diff(v);
            if (changed == ReminderFields.None || whatIf)
            {
                result = current with { Values = wanted };
                return;
            }
            var changedAt = new Dictionary<ReminderFields, DateTimeOffset>(current.ChangedAt);
            foreach (var f in Enum.GetValues<ReminderFields>().Where(f => f != ReminderFields.None && changed.HasFlag(f))) changedAt[f] = now;
            result = current with
            {
                Values = wanted,
                ChangedAt = changedAt,
                ModifiedAt = now,
                CompletedAt = wanted.Status == ReminderStatus.Complete ? current.CompletedAt ?? now : null,
                // A new change is a new attempt: Salesforce's refusal of the previous one no longer applies.
                Attempts = 0,
                LastError = null,
                RetryAfter = null,
            };
            _reminders.Save(result);
        });
        return Output(result!);
    }

    /// <summary>Deletes a reminder: a tombstone kept on record; the next pass deletes its Task in Salesforce.</summary>
    public SalesReminder Remove(string reminderId, DateTimeOffset now, bool whatIf = false)
    {
        ReminderRecord? result = null;
        Locked(() =>
        {
            var current = Live(reminderId);
            result = current with { Deleted = true, DeletedAt = now, DeletedIn = ReminderOrigin.Local, ModifiedAt = now, Attempts = 0, LastError = null, RetryAfter = null };
            if (!whatIf) _reminders.Save(result);
        });
        return Output(result!);
    }

    public SalesReminder? Find(string reminderId) => _reminders.Find(reminderId.Trim().ToUpperInvariant()) is { } r ? Output(r) : null;

    /// <summary>The reminders a query selects, by due date then when made.</summary>
    public IEnumerable<SalesReminder> Query(ReminderQuery query)
    {
        var source = query.ReminderIds is { Count: > 0 } ids
            ? ids.Select(i => _reminders.Find(i.Trim().ToUpperInvariant())).OfType<ReminderRecord>()
            : query.MarketoIds is { Count: > 0 } people ? _reminders.ForPeople(people) : _reminders.All();
        var owners = query.OwnerIds?.Select(o => CanonicalIdOrSelf(o.Trim())).ToHashSet(StringComparer.Ordinal);
        var includeDeleted = query.IncludeDeleted || query.SyncStates?.Contains(ReminderSyncState.Deleted) == true;
        var selected = source.Where(r =>
                (includeDeleted || !r.Deleted)
                && (query.MarketoIds is not { Count: > 0 } m || m.Contains(r.MarketoId))
                && (owners is not { Count: > 0 } || (r.OwnerId is { } o && owners.Contains(o)))
                && (query.Status is not { } s || r.Values.Status == s)
                && (query.DueFrom is not { } from || r.Values.DueDate >= from)
                && (query.DueTo is not { } to || r.Values.DueDate <= to)
                && (!query.Overdue || IsOverdue(r, query.Today))
                && (query.SyncStates is not { Count: > 0 } states || states.Contains(r.State)))
            .OrderBy(r => r.Values.DueDate).ThenBy(r => r.CreatedAt).ToList();
        var persons = _people.FindMany(selected.Select(r => r.MarketoId).Distinct());
        foreach (var r in selected) yield return ToOutput(r, persons.GetValueOrDefault(r.MarketoId), query.Today, _outcomeGrace);
    }

    /// <summary>The conflicts reminder passes resolved, oldest first, each with both versions.</summary>
    public IEnumerable<ReminderConflict> Conflicts(DateTimeOffset? since = null, string? reminderId = null) => _reminders.Conflicts(since, reminderId?.Trim().ToUpperInvariant());

    private ReminderRecord Live(string reminderId)
    {
        var id = reminderId.Trim().ToUpperInvariant();
        var current = _reminders.Find(id) ?? throw new ReminderException(ReminderFailureReason.ReminderNotFound,
            $"No reminder has the id '{reminderId}' (see Get-SalesReminder; ids look like SR-ABCDEFGHIJKLMNOP).") { Value = reminderId };
        if (current.Deleted)
            throw new ReminderException(ReminderFailureReason.ReminderDeleted,
                $"Reminder {current.Id} was deleted {(current.DeletedIn == ReminderOrigin.Salesforce ? "in Salesforce" : "here")} on {current.DeletedAt:u}; make a new one with New-SalesReminder.") { Value = reminderId };
        return current;
    }

    private void Locked(Action write)
    {
        _reminders.WriteLock.Wait();
        try
        {
            write();
        }
        finally
        {
            _reminders.WriteLock.Release();
        }
    }

    private SalesReminder Output(ReminderRecord r) => ToOutput(r, _people.Find(r.MarketoId), DateOnly.FromDateTime(DateTime.Now), _outcomeGrace);

    private static bool IsOverdue(ReminderRecord r, DateOnly today) => !r.Deleted && r.Values.Status == ReminderStatus.Open && r.Values.DueDate < today;

    internal static SalesReminder ToOutput(ReminderRecord r, PersonRecord? person, DateOnly today, TimeSpan? outcomeGrace = null) => new()
    {
        ReminderId = r.Id,
        MarketoId = r.MarketoId,
        Email = person?.Email,
        Name = person is null ? null : string.Join(' ', new[] { person.FirstName, person.LastName }.Where(n => !string.IsNullOrWhiteSpace(n))),
        Subject = r.Values.Subject,
        DueDate = r.Values.DueDate.ToDateTime(TimeOnly.MinValue),
        Status = r.Values.Status.ToString(),
        Priority = r.Values.Priority.ToString(),
        Details = r.Values.Details,
        OwnerId = r.OwnerId,
        SalesforceWhoId = r.WhoId,
        SalesforceTaskId = r.SalesforceTaskId,
        SyncState = r.State.ToString(),
        SyncNote = r.OutOfScope
            // A create whose answer never came (Ctrl+C, kill, a dropped connection, a 503): say when it is looked for again.
            ?? (r.SendingSince is { } sent
                ? string.Create(CultureInfo.InvariantCulture, $"Sent {sent:u}, outcome unknown: the next pass after {sent + (outcomeGrace ?? Connection.OutcomeGrace.Default.Salesforce):u} looks for the Task before sending again.")
                : null)
            ?? r.LastError
            ?? (r.State == ReminderSyncState.NotSynced ? "Made while reminder sync was off: Sync-SalesReminder -IncludeExisting sends it." : null),
        Origin = r.Origin.ToString(),
        SalesforceStatus = r.SalesforceStatus,
        SalesforcePriority = r.SalesforcePriority,
        SalesforceSubject = r.SalesforceSubject,
        Overdue = IsOverdue(r, today),
        SyncAttempts = r.Attempts,
        CreatedAt = r.CreatedAt,
        ModifiedAt = r.ModifiedAt,
        CompletedAt = r.CompletedAt,
        SyncedAt = r.SyncedAt,
        DeletedAt = r.DeletedAt,
        DeletedIn = r.DeletedIn?.ToString(),
    };

    /// <summary>One line (Salesforce shows the subject as a title), 1 to 255 characters.</summary>
    internal static string CheckSubject(string subject)
    {
        var s = subject.Trim();
        // Zero-width and other format characters (U+200B, U+FEFF, U+2060...) show nothing: a subject of only those is empty.
        if (s.All(c => char.IsWhiteSpace(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format))
            throw new ReminderException(ReminderFailureReason.InvalidValue, "Subject is empty (or only invisible characters such as zero-width spaces): give a short title, such as 'Call back about pricing'.") { Value = subject };
        if (s.Any(c => char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator))
            throw new ReminderException(ReminderFailureReason.InvalidValue, "Subject is one line: it has a line break, tab or other control character; put longer text in -Details.") { Value = subject };
        // Salesforce counts a text field's length in UTF-16 code units: an emoji (or another character beyond U+FFFF) counts 2.
        if (s.Length > SubjectLength)
        {
            var seen = new StringInfo(s).LengthInTextElements;
            throw new ReminderException(ReminderFailureReason.ValueTooLong, seen == s.Length
                ? $"Subject has {s.Length} characters; Salesforce keeps at most {SubjectLength}. Shorten it and put the rest in -Details."
                : $"Subject has {seen} characters, which Salesforce counts as {s.Length} (it counts UTF-16 code units: an emoji counts 2); it keeps at most {SubjectLength}. Shorten it and put the rest in -Details.") { Value = subject };
        }
        return s;
    }

    internal static string? CheckDetails(string? details)
    {
        if (details is null) return null;
        if (details.Length > DetailsLength)
            throw new ReminderException(ReminderFailureReason.ValueTooLong, $"Details have {details.Length:N0} characters; Salesforce's Comments keep at most {DetailsLength:N0}.") { Value = details.Length };
        if (details.Any(c => char.IsControl(c) && c is not ('\r' or '\n' or '\t')))
            throw new ReminderException(ReminderFailureReason.InvalidValue, "Details have a control character other than a line break or tab (pasted from a terminal?); remove it.") { Value = details };
        return details.Trim().Length == 0 ? null : details;
    }

    public static DateOnly CheckDueDate(DateOnly due) =>
        due < EarliestDueDate || due > LatestDueDate
            ? throw new ReminderException(ReminderFailureReason.InvalidValue, $"DueDate {due:yyyy-MM-dd} is outside the days Salesforce accepts ({EarliestDueDate:yyyy-MM-dd} to {LatestDueDate:yyyy-MM-dd}).") { Value = due.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) }
            : due;

    /// <summary>
    /// A seller: a Salesforce User id (005…) in Salesforce's canonical 18-character form. A 15-character id is case-sensitive
    /// and gets its suffix; an 18-character one may be typed in any case: its suffix restores the case of the first 15, and
    /// a suffix that matches no casing of them is a typo (InvalidValue). A queue (00G…) cannot own a reminder.
    /// </summary>
    public static string CheckOwner(string ownerId)
    {
        var id = ownerId.Trim();
        if (!SalesforceIds.IsId(id) || !id.StartsWith("005", StringComparison.Ordinal))
            throw new ReminderException(ReminderFailureReason.InvalidValue,
                $"OwnerId '{ownerId}' is not a Salesforce User id (15 or 18 letters and digits starting 005, no wildcards); a reminder belongs to a seller, not a queue.") { Value = ownerId };
        return CanonicalId(id) ?? throw new ReminderException(ReminderFailureReason.InvalidValue,
            $"OwnerId '{ownerId}' is not a valid 18-character Salesforce id: its last 3 characters do not match its first 15 (a typo?). Copy the id from the seller's User record, or give its 15-character form.") { Value = ownerId };
    }

    /// <summary>
    /// Salesforce error codes a later pass gets past without anyone acting (row locks, a busy server, maintenance, a lead
    /// converted since: its contact is looked up again); ReminderSync retries all but the last by itself.
    /// </summary>
    internal static readonly string[] PassingCodes =
        ["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT", "FAILED_WRITE", "INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE", "CANNOT_UPDATE_CONVERTED_LEAD"];

    /// <summary>Whether a reminder's sync note (Salesforce's "CODE: message") is a refusal the next pass retries by itself.</summary>
    public static bool RetriedByItself(string? syncNote) =>
        syncNote is not null && PassingCodes.Any(code => syncNote.StartsWith(code + ":", StringComparison.Ordinal));

    /// <summary>The canonical 18-character form of a 15- or 18-character id (null: an 18-character id whose suffix does not fit its first 15).</summary>
    private static string? CanonicalId(string id) => SalesforceIds.Canonical(id);

    private static string CanonicalIdOrSelf(string id) => SalesforceIds.IsId(id) ? CanonicalId(id) ?? id : id;
}
