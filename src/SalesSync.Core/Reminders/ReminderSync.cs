using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.People;
using SalesSync.Core.Salesforce;
using SalesSync.Core.Store;

namespace SalesSync.Core.Reminders;

/// <summary>
/// One reminder pass (issue 16), in this order: (1) creates in doubt (sent, outcome unknown) are looked up and linked
/// or sent again; (2) after a gap of more than a day, deletes from the delete log, or after more than 15 days by
/// reconciliation by id; (3) one queryAll of the Tasks changed since the watermark less an overlap, applied page by
/// page with a three-way merge against each reminder's Base (echoes of SalesSync's own writes change nothing;
/// conflicts are resolved and recorded), then the Tasks of people synced since the last pass, once; (4) with IncludeExisting, reminders made while sync was off are adopted after
/// a duplicate check; (5) local changes go out in collections of 200 (POST, PATCH, DELETE composite/sobjects). Every
/// step saves as it goes and what to push is derived from the values, so a crash or Ctrl+C between any two steps loses
/// nothing, and the create-in-doubt lookup keeps a Task from being made twice. One pass at a time per database
/// (<see cref="ReminderStore.PassLock"/>); reminder edits and the pass's merges share <see cref="ReminderStore.WriteLock"/>.
/// </summary>
/// <param name="outcomeGrace">How long a create with an unknown outcome may still land (Salesforce's part of ConnectionSettings.UnknownOutcomeGrace): not found within it, it is not sent again yet.</param>
internal sealed class ReminderSync(SalesforceClient salesforce, SyncStore store, TimeSpan? outcomeGrace = null)
{
    private readonly TimeSpan _grace = outcomeGrace ?? Connection.OutcomeGrace.Default.Salesforce;

    public const int Batch = 200;

    /// <summary>Rows applied (and saved with the watermark) at a time: one queryAll page.</summary>
    private const int PullChunk = 2000;

    /// <summary>How far back each pull reads again, for writes committed after a read began.</summary>
    internal static readonly TimeSpan Overlap = TimeSpan.FromMinutes(5);

    /// <summary>How long before a create's send its Task's CreatedDate may read while Salesforce's clock is not known yet (no answer read).</summary>
    private static readonly TimeSpan LookupMargin = TimeSpan.FromMinutes(15);

    /// <summary>The same on Salesforce's clock: its Date header has whole seconds, and the send is stamped just before the call.</summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(1);

    /// <summary>A watermark older than this also reads the delete log; older than <see cref="DeleteLogKeeps"/>, reconciliation.</summary>
    private static readonly TimeSpan DeleteLogAfter = TimeSpan.FromDays(1), DeleteLogKeeps = TimeSpan.FromDays(15) - TimeSpan.FromMinutes(10);

    private const int MaxPassingAttempts = 5;

    /// <summary>Tries of a change Salesforce refuses for good (validation, access, invalid value) before it waits for a new edit.</summary>
    private const int MaxPermanentAttempts = 3;

    /// <summary>Per-record errors that pass (row locks, a busy server): tried again by the next pass (one list with the cmdlets' advice).</summary>
    private static readonly HashSet<string> PassingErrors = new(ReminderBook.PassingCodes.Where(c => c != "CANNOT_UPDATE_CONVERTED_LEAD"), StringComparer.Ordinal);

    private const string ProgressActivity = "Reminder sync";
    private const int ProgressId = 16;

    private readonly ReminderStore _reminders = store.Reminders;

    /// <summary>With WhatIf, what the pass would have saved (reads see it; nothing is written).</summary>
    private readonly Dictionary<string, ReminderRecord> _overlay = new(StringComparer.Ordinal);
    private ReminderSyncOptions _options = new();

    /// <summary>Whether creates are in doubt after the lookup: the pull then imports no unmapped Task the integration user created (the lookup links it).</summary>
    private bool _deferOwnCreates;

    /// <summary>Leads asked about this pass (ConvertedContactId, null when not converted): asked once per pass.</summary>
    private readonly Dictionary<string, string?> _converted = new(StringComparer.Ordinal);

    /// <summary>Activity ids asked about this pass (a Task's subject tag): whether SalesSync's activity store holds them.</summary>
    private readonly Dictionary<string, bool> _activityIds = new(StringComparer.OrdinalIgnoreCase);
    private ReminderSyncCursor _cursor = new();
    private int _read, _imported, _updatedLocally, _deletedLocally, _created, _updated, _deleted, _failed, _conflicts, _outOfScope, _fromLog, _fromReconciliation;

    /// <summary>A test's hook between steps (its name given): an exception thrown here plays a crash at that point.</summary>
    internal Action<string>? AfterStep { get; set; }

    /// <summary>Runs one pass. An outage, the org's limit or Ctrl+C ends it early (StoppedBecause says why); what it did is saved.</summary>
    public async Task<ReminderSyncReport> RunAsync(ReminderSyncOptions options, CancellationToken ct)
    {
        _options = options;
        var settings = store.Settings.Activities;
        if (settings.ReminderSync != ReminderSyncMode.TwoWay)
            return new ReminderSyncReport { WhatIf = options.WhatIf, StoppedBecause = "Reminder sync is off: turn it on with Set-SalesActivitySetting -ReminderSync TwoWay." };
        var locked = false;
        try
        {
            await _reminders.PassLock.WaitAsync(ct).ConfigureAwait(false);
            locked = true;
            return await RunLockedAsync(settings.ReminderSyncEnabledAt ?? DateTimeOffset.UtcNow, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!locked && ct.IsCancellationRequested)
        {
            return new ReminderSyncReport { WhatIf = options.WhatIf, StoppedBecause = "Stopped (Ctrl+C) while another pass held the database; this pass did nothing." };
        }
        finally
        {
            if (locked) _reminders.PassLock.Release();
            EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, "Done", -1, ProgressId) { Completed = true });
        }
    }

    private async Task<ReminderSyncReport> RunLockedAsync(DateTimeOffset enabledAt, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var calls = salesforce.CallsMade;
        var stored = _reminders.Cursor;
        var firstPass = stored.Since is null || stored.EnabledAt != enabledAt;
        _cursor = stored with { EnabledAt = enabledAt };
        string? stopped = null;
        try
        {
            Progress("Looking up creates with an unknown outcome");
            await ResolveInDoubtAsync(ct).ConfigureAwait(false);
            _deferOwnCreates = Work().Any(r => r.SendingSince is not null);
            Step("in-doubt");
            // Before the pull: after a long gap, deletes come from the delete log (or reconciliation), so the pull's
            // IsDeleted rows of the same Tasks find them settled.
            await DeletesAsync(stored.Since, ct).ConfigureAwait(false);
            Step("deletes");
            Progress(firstPass && stored.Since is null ? "Importing Tasks changed in the import window" : "Reading changed Tasks");
            await PullAsync(stored.Since, enabledAt, ct).ConfigureAwait(false);
            await NewPeopleAsync(firstPass, enabledAt, ct).ConfigureAwait(false);
            Step("pulled");
            if (_options.IncludeExisting) await AdoptAsync(ct).ConfigureAwait(false);
            Step("adopted");
            await PushAsync(ct).ConfigureAwait(false);
            _cursor = _cursor with { LastPassAt = DateTimeOffset.UtcNow };
            Save([], cursor: true);
        }
        catch (PassStopped e)
        {
            stopped = e.Message;
        }
        // An outage, throttling or the org's daily limit pass: the next pass continues. A refused request (a 400 such as
        // INVALID_FIELD when field-level security hides a Task field) will be refused again: it is the caller's error,
        // so a runbook with -ErrorAction Stop notices that reminders stopped syncing.
        catch (SalesSyncApiException e) when (e.Kind is not (ApiFailureKind.Unauthorized or ApiFailureKind.InvalidRequest))
        {
            stopped = $"Salesforce: {e.Message} What the pass did is saved; the next pass continues.";
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            var inDoubt = Work().Count(r => r.SendingSince is not null);
            stopped = "Stopped (Ctrl+C). What the pass did is saved; the next pass continues."
                + (inDoubt > 0 ? $" {inDoubt} create(s) were sent without a known outcome: the next pass looks them up in Salesforce before sending anything again." : "");
        }
        if (stopped is not null) EngineObserver.Current.Warning($"Reminder sync: {stopped}");
        if (_failed > 0)
            EngineObserver.Current.Warning($"Reminder sync: Salesforce refused {_failed} change(s); each is kept on its reminder (Get-SalesReminder -SyncState Failed shows why) and tried again by a later pass; a refusal that cannot pass by itself (a validation rule, missing access, an invalid value) is tried {MaxPermanentAttempts} times, then waits for the reminder to be edited.");
        var report = new ReminderSyncReport
        {
            WhatIf = _options.WhatIf,
            FirstPass = firstPass,
            TasksRead = _read,
            Imported = _imported,
            UpdatedLocally = _updatedLocally,
            DeletedLocally = _deletedLocally,
            CreatedInSalesforce = _created,
            UpdatedInSalesforce = _updated,
            DeletedInSalesforce = _deleted,
            Failed = _failed,
            Conflicts = _conflicts,
            OutOfScope = _outOfScope,
            DeletesFromLog = _fromLog,
            DeletesFromReconciliation = _fromReconciliation,
            SalesforceCalls = (int)(salesforce.CallsMade - calls),
            Watermark = _cursor.Since,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            StoppedBecause = stopped,
        };
        EngineObserver.Current.Verbose(string.Create(CultureInfo.InvariantCulture,
            $"Reminder sync{(_options.WhatIf ? " (WhatIf)" : "")}: {report.TasksRead} Task rows read, {report.Imported} imported, {report.UpdatedLocally} updated and {report.DeletedLocally} deleted here; {report.CreatedInSalesforce} created, {report.UpdatedInSalesforce} updated and {report.DeletedInSalesforce} deleted in Salesforce; {report.Failed} refused, {report.Conflicts} conflicts, {report.SalesforceCalls} Salesforce calls."));
        return report;
    }

    private sealed class PassStopped(string message) : Exception(message);

    private void Step(string name) => AfterStep?.Invoke(name);

    private static void Progress(string status) => EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, status, -1, ProgressId));

    private DateTimeOffset ServerNow => ServerTime(DateTimeOffset.UtcNow);

    private DateTimeOffset ServerTime(DateTimeOffset local) => salesforce.ServerClock.ToServerTime(local) ?? local;

    /// <summary>Whether a Task's subject tag is an activity SalesSync logged with a caller-given ActivityId (any case).</summary>
    private bool IsActivity(string id)
    {
        if (!_activityIds.TryGetValue(id, out var known))
            _activityIds[id] = known = store.HasActivities && store.Activities.Find(id) is not null;
        return known;
    }

    /// <summary>The contacts these leads were converted to (Lead.ConvertedContactId), each lead asked once per pass (one query per 200).</summary>
    private async Task<IReadOnlyDictionary<string, string?>> ConvertedContactsAsync(IEnumerable<string?> whoIds, CancellationToken ct)
    {
        var ask = whoIds.Select(SalesforceIds.To18).OfType<string>().Where(w => w.StartsWith("00Q", StringComparison.Ordinal) && !_converted.ContainsKey(w))
            .Distinct(StringComparer.Ordinal).ToList();
        foreach (var chunk in Soql.InListChunks(ask.Cast<object?>()))
            await foreach (var lead in salesforce.QueryAsync($"SELECT Id, ConvertedContactId FROM Lead WHERE IsConverted = true AND Id IN {chunk}", false, ct).ConfigureAwait(false))
                if (lead.TryGetProperty("ConvertedContactId", out var c) && c.ValueKind == JsonValueKind.String && lead.TryGetProperty("Id", out var id))
                    _converted[SalesforceIds.To18(id.GetString())!] = SalesforceIds.To18(c.GetString());
        foreach (var lead in ask) _converted.TryAdd(lead, null);
        return _converted;
    }

    private static string Literal(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    // ---------- the store, or with WhatIf the overlay ----------

    private void Save(IReadOnlyCollection<ReminderRecord> records, IReadOnlyCollection<ReminderConflict>? conflicts = null, bool cursor = false)
    {
        if (_options.WhatIf)
        {
            foreach (var r in records) _overlay[r.Id] = r;
            return;
        }
        if (records.Count > 0 || conflicts is { Count: > 0 } || cursor) _reminders.Save(records, conflicts, cursor ? _cursor : null);
    }

    private ReminderRecord? Current(string id) => _overlay.TryGetValue(id, out var r) ? r : _reminders.Find(id);

    private Dictionary<string, ReminderRecord> ByTask(IReadOnlyCollection<string> taskIds)
    {
        var found = _reminders.FindByTasks(taskIds);
        foreach (var r in _overlay.Values)
            if (r.SalesforceTaskId is { } t && (found.ContainsKey(t) || taskIds.Contains(t))) found[t] = r;
        return found;
    }

    private IReadOnlyList<ReminderRecord> Work()
    {
        var work = _reminders.WithWork().Select(r => _overlay.GetValueOrDefault(r.Id) ?? r).ToList();
        var ids = work.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        work.AddRange(_overlay.Values.Where(r => !ids.Contains(r.Id)));
        return work;
    }

    /// <summary>
    /// A read-modify-write of reminders under the write lock. Not cancellable: what a call to Salesforce answered is
    /// saved even after Ctrl+C (the lock is only ever held briefly), so a created Task is never left in doubt for nothing.
    /// </summary>
    private async Task<T> LockedAsync<T>(Func<T> write)
    {
        await _reminders.WriteLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            return write();
        }
        finally
        {
            _reminders.WriteLock.Release();
        }
    }

    // ---------- (1) creates in doubt ----------

    /// <summary>
    /// Creates sent with an unknown outcome. The rule: a Task is the one such a create made when Salesforce says so with
    /// facts nobody changes afterwards: CreatedById is the integration user (the token's user), CreatedDate is not
    /// before the send (on Salesforce's clock, less <see cref="ClockMargin"/>), TaskSubtype is Task, its WhoId is the
    /// reminder's contact or lead, or the contact that lead was converted to, and no reminder maps it yet. The values
    /// sent (owner, subject, due date, details, priority) may have been changed since by a seller, a flow or a lead
    /// conversion, so they only break ties between several such Tasks. Found → linked (and what changed there since is
    /// merged); not found within the grace → sent again. While a create stays in doubt, the pull imports no unmapped
    /// Task the integration user created: it is this lookup's to link. One queryAll per 200 people (plus one Lead query
    /// when some are leads).
    /// </summary>
    private async Task ResolveInDoubtAsync(CancellationToken ct)
    {
        var sending = Work().Where(r => r.SendingSince is not null).OrderBy(r => r.SendingSince).ToList();
        if (sending.Count == 0) return;
        var converted = await ConvertedContactsAsync(sending.Select(r => r.WhoId), ct).ConfigureAwait(false);
        // Salesforce's clock, as CreatedDate is: a small margin for the Date header's whole seconds once the offset is
        // known, the wide one before any answer has told it.
        var margin = salesforce.ServerClock.Offset is null ? LookupMargin : ClockMargin;
        var since = ServerTime(sending[0].SendingSince!.Value) - margin;
        var whoIds = sending.Select(r => SalesforceIds.To18(r.WhoId)).Concat(sending.Select(r => converted.GetValueOrDefault(SalesforceIds.To18(r.WhoId) ?? "")));
        var rows = await TasksOfAsync(whoIds, $" AND CreatedDate >= {Literal(since)}{ReminderTasks}", includeDeleted: true, ct).ConfigureAwait(false);
        var mappedAlready = ByTask(rows.Select(r => r.Id).ToList());
        var me = salesforce.RunningUserId;
        // Without the token's user id (an identity URL missing from the token answer) any creator is accepted: values decide.
        var free = rows.Where(r => !mappedAlready.ContainsKey(r.Id) && (me is null || r.CreatedById == me) && !ReminderMapping.IsLoggedActivity(r, IsActivity)).ToList();
        var waiting = 0;
        var (linked, again) = await LockedAsync(() =>
        {
            var saved = new List<ReminderRecord>();
            var conflicts = new List<ReminderConflict>();
            int found = 0, resend = 0;
            var now = DateTimeOffset.UtcNow;
            waiting = 0;
            var current = sending.Select(s => Current(s.Id)).OfType<ReminderRecord>().Where(r => r.SendingSince is not null).ToList();
            // Every (reminder, Task) the facts allow, best likeness first, then paired greedily: several creates of one
            // person in doubt at once (one sent, one never sent) each get their own Task, not the first that fits.
            var pairs = current.SelectMany(r =>
            {
                var who = SalesforceIds.To18(r.WhoId);
                var contact = who is null ? null : converted.GetValueOrDefault(who);
                var sentAt = ServerTime(r.SendingSince!.Value) - margin;
                return free.Where(t => t.WhoId is not null && (t.WhoId == who || t.WhoId == contact) && t.CreatedDate >= sentAt)
                    .Select(t => (Reminder: r.Id, Task: t, Likeness: ReminderMapping.Likeness(t, r.OwnerId, r.Base ?? r.Values)));
            }).OrderByDescending(p => p.Likeness).ThenBy(p => p.Task.CreatedDate).ThenBy(p => p.Task.Id, StringComparer.Ordinal);
            var taken = new Dictionary<string, TaskRow>(StringComparer.Ordinal);
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (reminder, task, _) in pairs)
                if (!taken.ContainsKey(reminder) && used.Add(task.Id)) taken[reminder] = task;
            foreach (var r in current)
            {
                var sent = r.Base ?? r.Values;
                var row = taken.GetValueOrDefault(r.Id);
                if (row is null && now - r.SendingSince < _grace)
                {
                    waiting++; // sent moments ago: it may still land, so it is not sent again yet
                    continue;
                }
                if (row is null)
                {
                    saved.Add(r with { SendingSince = null, Base = null });
                    resend++;
                    continue;
                }
                found++;
                _created++;
                var linkedRecord = Raw(r, row) with
                {
                    SalesforceTaskId = row.Id, SendingSince = null, Base = sent, SyncedAt = now, Attempts = 0, LastError = null, RetryAfter = null,
                    SalesforceStatus = ReminderMapping.StatusOut(sent.Status), SalesforcePriority = ReminderMapping.PriorityOut(sent.Priority),
                };
                // What changed on the Task since it was made (a seller's note, a conversion's WhoId) is merged as any pulled row is.
                saved.Add(row.IsDeleted ? DeletedInSalesforce(linkedRecord, conflicts, now) : Merge(linkedRecord, row, null, known: true, conflicts, now) ?? linkedRecord);
            }
            Save(saved, conflicts);
            return (found, resend);
        }).ConfigureAwait(false);
        EngineObserver.Current.Verbose($"Reminder sync: of {sending.Count} creates with an unknown outcome, {linked} had arrived (linked to their Tasks), {again} had not (sent again) and {waiting} were sent less than {_grace.TotalMinutes:0.#} minutes ago and may still land (looked up again by the next pass).");
    }

    /// <summary>The Tasks of these people (WhoId, 200 a query) that match <paramref name="andWhere"/>.</summary>
    private async Task<List<TaskRow>> TasksOfAsync(IEnumerable<string?> whoIds, string andWhere, bool includeDeleted, CancellationToken ct)
    {
        var rows = new List<TaskRow>();
        foreach (var chunk in Soql.InListChunks(whoIds.Select(SalesforceIds.To18).OfType<string>().Distinct(StringComparer.Ordinal).Cast<object?>()))
            await foreach (var e in salesforce.QueryAsync($"SELECT {TaskRow.Fields} FROM Task WHERE WhoId IN {chunk}{andWhere}", includeDeleted, ct).ConfigureAwait(false))
                rows.Add(TaskRow.Parse(e));
        _read += rows.Count;
        return rows;
    }

    // ---------- (3) pull ----------

    /// <summary>
    /// Only TaskSubtype Task is read (not the activity logging's Calls and Emails with their long descriptions): the
    /// subtype cannot change after create, so a reminder's Task still shows up when it is deleted or leaves the scope.
    /// </summary>
    private const string ReminderTasks = " AND TaskSubtype = 'Task'";

    private async Task PullAsync(DateTimeOffset? since, DateTimeOffset enabledAt, CancellationToken ct)
    {
        // The first pass imports the window before the enable (on Salesforce's clock); later ones continue from the watermark.
        var soql = since is { } s
            ? $"SELECT {TaskRow.Fields} FROM Task WHERE SystemModstamp > {Literal(s - Overlap)}{ReminderTasks} ORDER BY SystemModstamp, Id"
            : $"SELECT {TaskRow.Fields} FROM Task WHERE SystemModstamp >= {Literal(ImportFrom(enabledAt))}{ReminderTasks} ORDER BY SystemModstamp, Id";
        var startedAt = DateTimeOffset.UtcNow;
        var chunk = new List<TaskRow>(PullChunk);
        await foreach (var e in salesforce.QueryAsync(soql, includeDeleted: true, ct).ConfigureAwait(false))
        {
            chunk.Add(TaskRow.Parse(e));
            if (chunk.Count < PullChunk) continue;
            await ApplyAsync(chunk, null, ct).ConfigureAwait(false);
            chunk.Clear();
            Step("page");
        }
        // Read to the end: the watermark may move to when the read began (Salesforce's clock), so an idle org's stays
        // recent; the overlap covers writes that committed while the read ran.
        await ApplyAsync(chunk, salesforce.ServerClock.ToServerTime(startedAt), ct).ConfigureAwait(false);
    }

    /// <summary>Where the first pass's import starts: the enable on Salesforce's clock less the import window.</summary>
    private DateTimeOffset ImportFrom(DateTimeOffset enabledAt) => ServerTime(enabledAt) - _options.ImportWindow;

    /// <summary>
    /// People who gained a Salesforce contact or lead since the last pass (noted by the people store once tracking
    /// began): the watermark has moved past their Tasks, so their live Tasks since the import window's start are read
    /// once (one query per chunk of ids, only when there are such people) and imported by the usual rules, then the
    /// notes are forgotten. The first pass after turning sync on starts the tracking: its pull covers everyone.
    /// </summary>
    private async Task NewPeopleAsync(bool firstPass, DateTimeOffset enabledAt, CancellationToken ct)
    {
        var people = store.People;
        if (firstPass || !people.TracksNewSalesforceRecords)
        {
            if (!_options.WhatIf) people.TrackNewSalesforceRecords();
            return;
        }
        const int MaxPerPass = 10_000;
        var fresh = people.NewSalesforceRecords(MaxPerPass);
        if (fresh.Count == 0) return;
        Progress($"Reading the Tasks of {fresh.Count:N0} newly synced contacts and leads");
        foreach (var chunk in Soql.InListChunks(fresh.Cast<object?>()))
        {
            var rows = new List<TaskRow>();
            await foreach (var e in salesforce.QueryAsync($"SELECT {TaskRow.Fields} FROM Task WHERE WhoId IN {chunk}{ReminderTasks} AND SystemModstamp >= {Literal(ImportFrom(enabledAt))}", false, ct).ConfigureAwait(false))
                rows.Add(TaskRow.Parse(e));
            await ApplyAsync(rows, null, ct, moveWatermark: false).ConfigureAwait(false);
        }
        if (!_options.WhatIf) people.ForgetNewSalesforceRecords(fresh);
    }

    /// <summary>Applies pulled rows (in SystemModstamp order) and saves them with the watermark they reach, in one transaction.</summary>
    private async Task ApplyAsync(IReadOnlyList<TaskRow> rows, DateTimeOffset? readFrom, CancellationToken ct, bool moveWatermark = true)
    {
        _read += rows.Count;
        var watermark = moveWatermark ? new[] { _cursor.Since, rows.Count > 0 ? rows.Max(r => r.SystemModstamp) : null, readFrom }.Max() : _cursor.Since;
        var whoIds = rows.Where(r => !r.IsDeleted && r.WhoId is not null).Select(r => r.WhoId!).Distinct(StringComparer.Ordinal).ToList();
        var people = new Dictionary<string, PersonRecord>(StringComparer.Ordinal);
        foreach (var p in store.People.FindBySalesforceRecords(whoIds))
            foreach (var id in new[] { p.SalesforceContactId, p.SalesforceLeadId })
                if (SalesforceIds.To18(id) is { } key) people[key] = p;
        // A mapped Task whose WhoId is no synced person's record keeps its reminder's person only while that person is
        // still synced and the WhoId is unchanged or is the contact the person's lead was converted to (the people
        // sync may not know the conversion yet): one Lead query per pass for such rows.
        var before = ByTask(rows.Select(r => r.Id).ToList());
        var strays = rows.Where(r => !r.IsDeleted && r.WhoId is not null && !people.ContainsKey(r.WhoId) && before.ContainsKey(r.Id)).ToList();
        var stillSynced = strays.Count == 0 ? [] : store.People.FindMany(strays.Select(r => before[r.Id].MarketoId).Distinct());
        var converted = await ConvertedContactsAsync(strays.Where(r => SalesforceIds.To18(before[r.Id].WhoId) != r.WhoId).Select(r => before[r.Id].WhoId), ct).ConfigureAwait(false);
        var me = salesforce.RunningUserId;
        await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var mapped = ByTask(rows.Select(r => r.Id).ToList());
            var saved = new Dictionary<string, ReminderRecord>(StringComparer.Ordinal);
            var conflicts = new List<ReminderConflict>();
            foreach (var row in rows)
            {
                var person = row.WhoId is { } w ? people.GetValueOrDefault(w) : null;
                if (mapped.TryGetValue(row.Id, out var r))
                {
                    var mine = SalesforceIds.To18(r.WhoId);
                    if (person is null && row.WhoId is not null && (row.WhoId == mine || (mine is not null && converted.GetValueOrDefault(mine) == row.WhoId)))
                        person = stillSynced.GetValueOrDefault(r.MarketoId);
                    if (Merge(r, row, person, person is not null, conflicts, now) is { } merged) saved[merged.Id] = mapped[row.Id] = merged;
                }
                else if (!row.IsDeleted && person is not null && ReminderMapping.OutOfScope(row, true, IsActivity) is null
                    && !(_deferOwnCreates && me is not null && row.CreatedById == me))
                {
                    var imported = Import(row, person, now);
                    saved[imported.Id] = mapped[row.Id] = imported;
                }
            }
            _cursor = _cursor with { Since = watermark };
            Save(saved.Values, conflicts, cursor: true);
            return 0;
        }).ConfigureAwait(false);
    }

    private ReminderRecord Import(TaskRow row, PersonRecord person, DateTimeOffset now)
    {
        _imported++;
        var values = ReminderMapping.Import(row);
        return Raw(new ReminderRecord
        {
            Id = ReminderRecord.NewId(),
            MarketoId = person.MarketoId,
            WhoId = row.WhoId,
            OwnerId = row.OwnerId,
            Values = values,
            Base = values,
            Origin = ReminderOrigin.Salesforce,
            CreatedAt = now,
            ModifiedAt = now,
            CompletedAt = values.Status == ReminderStatus.Complete ? now : null,
            PushEligible = true,
            SalesforceTaskId = row.Id,
            SyncedAt = now,
        }, row);
    }

    /// <summary>The Task's raw values and stamps as last read.</summary>
    private static ReminderRecord Raw(ReminderRecord r, TaskRow row) => r with
    {
        SalesforceModstamp = row.SystemModstamp ?? r.SalesforceModstamp,
        SalesforceLastModifiedAt = row.LastModifiedDate ?? r.SalesforceLastModifiedAt,
        SalesforceStatus = row.Status,
        SalesforcePriority = row.Priority,
        SalesforceSubject = row.Subject,
    };

    /// <summary>
    /// A pulled row of a mapped Task, merged three-way against Base: a field changed on one side only takes that side's
    /// value; the same field changed on both sides to different values goes to the later change (a tie to Salesforce);
    /// a delete wins over an edit. A row equal to Base (an echo of SalesSync's own write) changes no value.
    /// Null when nothing needs saving.
    /// </summary>
    private ReminderRecord? Merge(ReminderRecord r, TaskRow row, PersonRecord? person, bool known, List<ReminderConflict> conflicts, DateTimeOffset now)
    {
        if (row.IsDeleted) return r.SalesforceDeleted ? null : DeletedInSalesforce(Raw(r, row), conflicts, now);
        if (r.Deleted && r.SalesforceDeleted)
        {
            // Undeleted in Salesforce (out of the Recycle Bin): the Task is live again, and so is its reminder, with the
            // Task's values (whichever side changes a reminder, the other follows). Out of scope, the tombstone stays.
            if (ReminderMapping.OutOfScope(row, known, IsActivity) is not null) return null;
            var (_, restored) = ReminderMapping.Read(row, r.Base ?? r.Values);
            _updatedLocally++;
            EngineObserver.Current.Verbose($"Reminder sync: reminder {r.Id}'s Task {row.Id} was undeleted in Salesforce; the reminder is restored with the Task's values.");
            return Raw(r, row) with
            {
                Deleted = false, DeletedAt = null, DeletedIn = null, SalesforceDeleted = false, Values = restored, Base = restored, ModifiedAt = now,
                OutOfScope = null, WhoId = row.WhoId, OwnerId = row.OwnerId, MarketoId = person?.MarketoId ?? r.MarketoId,
            };
        }
        var raw = Raw(r, row);
        if (ReminderMapping.OutOfScope(row, known, IsActivity) is { } why)
        {
            if (r.OutOfScope is null)
            {
                _outOfScope++;
                EngineObserver.Current.Warning($"Reminder {r.Id} (Marketo person {r.MarketoId}) is no longer synced: {why} It is kept here as NotSynced.");
            }
            return raw with { OutOfScope = why };
        }
        raw = raw with { OutOfScope = null, WhoId = row.WhoId, OwnerId = row.OwnerId, MarketoId = person?.MarketoId ?? r.MarketoId };
        var agreed = r.Base ?? r.Values;
        var (changed, theirs) = ReminderMapping.Read(row, agreed);
        if (changed == ReminderFields.None) return raw;
        if (r.Deleted)
        {
            // Deleted here, edited there: the delete wins (it goes out in this pass's push).
            conflicts.Add(Conflict(r, row, theirs, "DeleteVsEdit", changed, ReminderOrigin.Local, now));
            return raw with { Base = agreed.With(changed, theirs) };
        }
        var both = r.LocalChanges & changed & r.Values.Diff(theirs);
        var salesforceTakes = changed & ~both;
        var localWon = ReminderFields.None;
        // Salesforce keeps one LastModifiedDate per Task, not a time per field (field history does not cover Tasks; only
        // Change Data Capture would say which field changed when), and it moves with any field's edit and with
        // SalesSync's own writes. So: when SalesSync wrote the Task last (LastModifiedById is the integration user, or
        // LastModifiedDate is not after SalesSync's last write), Salesforce made no change after that write and the
        // local change wins; otherwise Salesforce's change is dated by LastModifiedDate, which a later edit of another
        // field moves forward (the remaining limit: such a Salesforce change may count as later than it was).
        var me = salesforce.RunningUserId;
        var ourWriteLast = (me is not null && row.LastModifiedById == me) || (row.LastModifiedDate is { } lm && lm <= r.SalesforceWrittenAt);
        var theirAt = ourWriteLast ? DateTimeOffset.MinValue
            : row.LastModifiedDate is { } m ? m - (salesforce.ServerClock.Offset ?? TimeSpan.Zero) : DateTimeOffset.MaxValue;
        foreach (var field in Fields(both))
            if (r.ChangedAt.TryGetValue(field, out var ours) && ours > theirAt) localWon |= field;
            else salesforceTakes |= field;
        if (both != ReminderFields.None)
            conflicts.Add(Conflict(r, row, theirs, "SameField", both, localWon == both ? ReminderOrigin.Local : ReminderOrigin.Salesforce, now, localWon != both && localWon != ReminderFields.None));
        var values = r.Values.With(salesforceTakes, theirs);
        if (values != r.Values) _updatedLocally++;
        return raw with
        {
            Values = values,
            Base = agreed.With(changed, theirs),
            ModifiedAt = values != r.Values ? now : r.ModifiedAt,
            CompletedAt = values.Status == ReminderStatus.Complete ? r.CompletedAt ?? now : null,
            SyncedAt = now,
        };
    }

    private static IEnumerable<ReminderFields> Fields(ReminderFields set) =>
        Enum.GetValues<ReminderFields>().Where(f => f != ReminderFields.None && set.HasFlag(f));

    /// <summary>The Task is gone from Salesforce: the reminder is deleted here too (a local edit since Base is a delete-vs-edit conflict the delete wins).</summary>
    private ReminderRecord DeletedInSalesforce(ReminderRecord r, List<ReminderConflict> conflicts, DateTimeOffset now)
    {
        if (r.Deleted) return r with { SalesforceDeleted = true, Attempts = 0, LastError = null, RetryAfter = null };
        if (r.Base is not null && r.LocalChanges is var edited && edited != ReminderFields.None)
            conflicts.Add(Conflict(r, null, null, "DeleteVsEdit", edited, ReminderOrigin.Salesforce, now));
        _deletedLocally++;
        return r with { Deleted = true, DeletedAt = now, DeletedIn = ReminderOrigin.Salesforce, SalesforceDeleted = true, ModifiedAt = now, Attempts = 0, LastError = null, RetryAfter = null };
    }

    private ReminderConflict Conflict(ReminderRecord r, TaskRow? row, ReminderValues? theirs, string kind, ReminderFields fields, ReminderOrigin winner, DateTimeOffset now, bool mixed = false)
    {
        _conflicts++;
        var names = string.Join(",", Fields(fields));
        var localAt = Fields(fields).Select(f => r.ChangedAt.TryGetValue(f, out var at) ? at : (DateTimeOffset?)null).Max() ?? r.DeletedAt;
        var winnerText = mixed ? "Local,Salesforce" : winner.ToString();
        EngineObserver.Current.Warning(kind == "DeleteVsEdit"
            ? $"Reminder {r.Id} (Marketo person {r.MarketoId}): deleted {(winner == ReminderOrigin.Local ? "here" : "in Salesforce")} and edited ({names}) {(winner == ReminderOrigin.Local ? "in Salesforce" : "here")}; the delete wins. Get-SalesReminderConflict shows both versions."
            : $"Reminder {r.Id} (Marketo person {r.MarketoId}): both sides changed {names}; the later change ({winnerText}) wins. Get-SalesReminderConflict shows both versions.");
        return new ReminderConflict
        {
            ConflictId = 0,
            ReminderId = r.Id,
            MarketoId = r.MarketoId,
            SalesforceTaskId = r.SalesforceTaskId,
            ResolvedAt = now,
            Kind = kind,
            Fields = names,
            Winner = winnerText,
            LocalSubject = r.Values.Subject,
            LocalStatus = r.Values.Status.ToString(),
            LocalPriority = r.Values.Priority.ToString(),
            LocalDueDate = r.Values.DueDate.ToDateTime(TimeOnly.MinValue),
            LocalDetails = r.Values.Details,
            LocalDeleted = r.Deleted,
            LocalChangedAt = localAt,
            SalesforceSubject = row?.Subject ?? r.SalesforceSubject,
            SalesforceStatus = row?.Status ?? r.SalesforceStatus,
            SalesforcePriority = row?.Priority ?? r.SalesforcePriority,
            SalesforceDueDate = (theirs?.DueDate ?? r.Base?.DueDate)?.ToDateTime(TimeOnly.MinValue),
            SalesforceDetails = theirs is null ? r.Base?.Details : theirs.Details,
            SalesforceDeleted = row is null || row.IsDeleted,
            SalesforceChangedAt = row?.LastModifiedDate ?? row?.SystemModstamp,
        };
    }

    // ---------- (2) deletes the queryAll window no longer shows ----------

    /// <summary>
    /// After a gap of more than a day, the delete log (GET sobjects/Task/deleted/, one call) lists the Tasks deleted
    /// since the watermark; when it no longer reaches back that far (over 15 days, INVALID_REPLICATION_DATE), every
    /// mapped Task is checked by id (queryAll, 200 ids a call) and those missing are deleted here.
    /// </summary>
    private async Task DeletesAsync(DateTimeOffset? since, CancellationToken ct)
    {
        if (since is not { } from) return;
        var now = ServerNow;
        var age = now - from;
        if (age <= DeleteLogAfter) return;
        var reconcile = age > DeleteLogKeeps;
        if (!reconcile)
        {
            Progress("Reading the delete log");
            var start = from - Overlap;
            try
            {
                using var answer = await salesforce.SendAsync(RestSharp.Method.Get, salesforce.DataPath("sobjects/Task/deleted/"),
                    [new("start", Literal(start)), new("end", Literal(now))], ct).ConfigureAwait(false);
                var root = answer.RootElement;
                var earliest = root.TryGetProperty("earliestDateAvailable", out var e) && e.ValueKind == JsonValueKind.String ? TaskRow.Stamp(e.GetString()) : null;
                if (earliest > start) reconcile = true;
                else
                {
                    var ids = root.TryGetProperty("deletedRecords", out var list) && list.ValueKind == JsonValueKind.Array
                        ? list.EnumerateArray().Select(d => d.TryGetProperty("id", out var id) ? SalesforceIds.To18(id.GetString()) : null).OfType<string>().ToList()
                        : [];
                    _read += ids.Count;
                    _fromLog += await ApplyDeletesAsync(ids, ct).ConfigureAwait(false);
                }
            }
            catch (SalesSyncApiException x) when (x.Code == "INVALID_REPLICATION_DATE")
            {
                reconcile = true;
            }
        }
        if (reconcile) await ReconcileAsync(ct).ConfigureAwait(false);
    }

    private async Task ReconcileAsync(CancellationToken ct)
    {
        Progress("Checking every synced Task by id");
        var live = _reminders.LiveTaskIds().Select(t => t.TaskId).Concat(_overlay.Values.Where(r => r.SalesforceTaskId is not null && !r.SalesforceDeleted).Select(r => r.SalesforceTaskId!))
            .Distinct(StringComparer.Ordinal).ToList();
        var gone = new List<string>();
        foreach (var chunk in live.Chunk(Soql.MaxInListSize))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var e in salesforce.QueryAsync($"SELECT Id, IsDeleted FROM Task WHERE Id IN {Soql.InList(chunk)}", includeDeleted: true, ct).ConfigureAwait(false))
            {
                var row = TaskRow.Parse(e);
                _read++;
                if (!row.IsDeleted) seen.Add(row.Id);
            }
            gone.AddRange(chunk.Where(id => !seen.Contains(id)));
        }
        _fromReconciliation += await ApplyDeletesAsync(gone, ct).ConfigureAwait(false);
        _cursor = _cursor with { LastReconciledAt = DateTimeOffset.UtcNow };
        Save([], cursor: true);
        EngineObserver.Current.Verbose($"Reminder sync: the watermark is older than the delete log keeps; {live.Count} synced Tasks checked by id, {gone.Count} gone.");
    }

    private async Task<int> ApplyDeletesAsync(IReadOnlyCollection<string> taskIds, CancellationToken ct)
    {
        if (taskIds.Count == 0) return 0;
        return await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var conflicts = new List<ReminderConflict>();
            var saved = ByTask(taskIds).Values.Where(r => !r.SalesforceDeleted).Select(r => DeletedInSalesforce(r, conflicts, now)).ToList();
            Save(saved, conflicts);
            return saved.Count;
        }).ConfigureAwait(false);
    }

    // ---------- (4) adoption of reminders made while sync was off ----------

    /// <summary>
    /// IncludeExisting: reminders made while sync was off become eligible; one that matches a live in-scope Task (same
    /// WhoId, due date and subject trimmed, any case) is linked to it rather than created again. The Task may be unmapped,
    /// or mapped to a reminder a pass imported from it and nobody has edited here (the pull of this or an earlier pass
    /// read it first): then the local reminder takes the Task and the imported twin is retired here (a tombstone with
    /// no Task: nothing is deleted in Salesforce). Reads only the people's Tasks due within the waiting reminders' dates.
    /// </summary>
    private async Task AdoptAsync(CancellationToken ct)
    {
        var waiting = _reminders.All().Select(r => _overlay.GetValueOrDefault(r.Id) ?? r)
            .Where(r => !r.PushEligible && !r.Deleted && r.SalesforceTaskId is null && r.OutOfScope is null).ToList();
        if (waiting.Count == 0) return;
        Progress($"Checking {waiting.Count} earlier reminders for duplicates");
        var due = $" AND ActivityDate >= {ReminderMapping.DateOut(waiting.Min(r => r.Values.DueDate))} AND ActivityDate <= {ReminderMapping.DateOut(waiting.Max(r => r.Values.DueDate))}";
        var rows = await TasksOfAsync(waiting.Select(r => r.WhoId), ReminderTasks + due, includeDeleted: false, ct).ConfigureAwait(false);
        var linked = await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var twins = ByTask(rows.Select(r => r.Id).ToList());
            var candidates = rows.Where(r => ReminderMapping.OutOfScope(r, true, IsActivity) is null && (!twins.TryGetValue(r.Id, out var twin) || UntouchedImport(twin)))
                .GroupBy(r => ReminderMapping.DuplicateKey(r.WhoId, r.ActivityDate, r.Subject))
                .ToDictionary(g => g.Key, g => new Queue<TaskRow>(g), StringComparer.Ordinal);
            var saved = new List<ReminderRecord>();
            var found = 0;
            foreach (var r in waiting.Select(w => Current(w.Id)).OfType<ReminderRecord>().Where(r => !r.PushEligible && !r.Deleted && r.SalesforceTaskId is null))
            {
                if (candidates.TryGetValue(ReminderMapping.DuplicateKey(r.WhoId, r.Values.DueDate, r.Values.Subject), out var same) && same.TryDequeue(out var row))
                {
                    found++;
                    if (twins.TryGetValue(row.Id, out var twin))
                    {
                        // The imported copy of the same Task: retired here, so one reminder maps the Task.
                        saved.Add(twin with { SalesforceTaskId = null, Deleted = true, DeletedAt = now, DeletedIn = ReminderOrigin.Local, SalesforceDeleted = true, ModifiedAt = now });
                    }
                    // Linked: the Task's values are the base, so what differs locally (details, priority) goes out as an update.
                    saved.Add(Raw(r, row) with { PushEligible = true, SalesforceTaskId = row.Id, Base = ReminderMapping.Read(row, r.Values).Values, OwnerId = row.OwnerId ?? r.OwnerId, SyncedAt = now });
                }
                else saved.Add(r with { PushEligible = true });
            }
            Save(saved);
            return found;
        }).ConfigureAwait(false);
        EngineObserver.Current.Verbose($"Reminder sync: {waiting.Count} reminders made while sync was off are now synced; {linked} matched an existing Task and were linked to it.");
    }

    /// <summary>A reminder a pass imported from its Task and nobody has changed here since: adoption may retire it.</summary>
    private static bool UntouchedImport(ReminderRecord r) =>
        r.Origin == ReminderOrigin.Salesforce && !r.Deleted && r.Base is not null && r.LocalChanges == ReminderFields.None && r.SendingSince is null && r.OutOfScope is null;

    // ---------- (5) push ----------

    private async Task PushAsync(CancellationToken ct)
    {
        var now = DateTimeOffset.UtcNow;
        var ready = Work().Where(r => r.OutOfScope is null && r.SendingSince is null && (r.RetryAfter is null || r.RetryAfter <= now)).ToList();
        var creates = ready.Where(r => !r.Deleted && r.SalesforceTaskId is null && r.PushEligible).ToList();
        var updates = ready.Where(r => !r.Deleted && r.SalesforceTaskId is not null && !r.SalesforceDeleted && r.LocalChanges != ReminderFields.None).ToList();
        var deletes = ready.Where(r => r.DeletePending).ToList();
        if (_options.WhatIf)
        {
            (_created, _updated, _deleted) = (_created + creates.Count, _updated + updates.Count, _deleted + deletes.Count);
            return;
        }
        var total = creates.Count + updates.Count + deletes.Count;
        var done = 0;
        void Report(string what, int n)
        {
            done += n;
            EngineObserver.Current.Progress(new EngineProgress(ProgressActivity, $"{what}: {done:N0} of {total:N0} changes sent", total == 0 ? -1 : done * 100 / total, ProgressId));
        }
        foreach (var batch in creates.Chunk(Batch))
        {
            await CreateAsync(batch, ct).ConfigureAwait(false);
            Report("Creating Tasks", batch.Length);
        }
        foreach (var batch in updates.Chunk(Batch))
        {
            await UpdateAsync(batch, ct).ConfigureAwait(false);
            Report("Updating Tasks", batch.Length);
        }
        foreach (var batch in deletes.Chunk(Batch))
        {
            await DeleteAsync(batch, ct).ConfigureAwait(false);
            Report("Deleting Tasks", batch.Length);
        }
    }

    /// <summary>
    /// Creates Tasks (not idempotent): marked in doubt (SendingSince, the values sent in Base) and saved before the call,
    /// sent through the pipeline that retries only refusals; an unknown outcome is looked up at once.
    /// </summary>
    private async Task CreateAsync(IReadOnlyList<ReminderRecord> batch, CancellationToken ct, bool converted = false)
    {
        var sending = await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var marked = new List<ReminderRecord>();
            var refused = new List<ReminderRecord>();
            foreach (var r in batch.Select(b => Current(b.Id)).OfType<ReminderRecord>().Where(r => !r.Deleted && r.SalesforceTaskId is null && r.SendingSince is null && r.PushEligible))
            {
                if (r.WhoId is null || r.OwnerId is null)
                    refused.Add(Failed(r, "NO_WHO_OR_OWNER: the reminder has no Salesforce contact/lead or no owner; re-create it for a person synced with a Salesforce record.", passing: false, now));
                else marked.Add(r with { SendingSince = now, Base = r.Values, WhoId = KnownContactOf(r.WhoId) });
            }
            Save(marked.Concat(refused).ToList());
            return marked;
        }).ConfigureAwait(false);
        if (sending.Count == 0) return;
        Step("create-marked");
        var body = new JsonObject { ["allOrNone"] = false, ["records"] = new JsonArray(sending.Select(r => (JsonNode)ReminderMapping.CreateRecord(r.WhoId!, r.OwnerId!, r.Base!)).ToArray()) };
        JsonDocument response;
        try
        {
            response = await salesforce.WriteAsync(RestSharp.Method.Post, salesforce.DataPath("composite/sobjects"), body.ToJsonString(), ct).ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind is ApiFailureKind.QuotaExhausted or ApiFailureKind.Throttled or ApiFailureKind.InvalidRequest or ApiFailureKind.Unauthorized)
        {
            // Refused before processing: nothing was created.
            var rejected = e.Kind == ApiFailureKind.InvalidRequest;
            await LockedAsync(() =>
            {
                var now = DateTimeOffset.UtcNow;
                var back = sending.Select(s => Current(s.Id)).OfType<ReminderRecord>().Select(r => r with { SendingSince = null, Base = null }).ToList();
                Save(rejected ? back.Select(r => Failed(r, $"Salesforce refused the request: {e.Message}", passing: false, now)).ToList() : back);
                return 0;
            }).ConfigureAwait(false);
            if (e.Kind == ApiFailureKind.Unauthorized) throw;
            throw new PassStopped($"Salesforce refused creating {sending.Count} Tasks: {e.Message}");
        }
        catch (SalesSyncApiException e)
        {
            EngineObserver.Current.Verbose($"Reminder sync: the outcome of creating {sending.Count} Tasks is unknown ({e.Message}); checking what arrived.");
            await ResolveInDoubtAsync(ct).ConfigureAwait(false);
            throw new PassStopped($"Salesforce: {e.Message} The Tasks that arrived are linked; the rest go in the next pass.");
        }
        Step("create-answered");
        using (response)
        {
            var results = Results(response);
            if (results.Count != sending.Count)
            {
                await ResolveInDoubtAsync(ct).ConfigureAwait(false);
                throw new PassStopped("Salesforce: the collection answer did not match the request; the Tasks that arrived are linked.");
            }
            await LockedAsync(() =>
            {
                var now = DateTimeOffset.UtcNow;
                var saved = new List<ReminderRecord>();
                foreach (var (sent, result) in sending.Zip(results))
                {
                    var r = Current(sent.Id) ?? sent;
                    if (Succeeded(result, out var id, out var code, out var message) && SalesforceIds.To18(id) is { } taskId)
                    {
                        _created++;
                        saved.Add(r with
                        {
                            SalesforceTaskId = taskId, SendingSince = null, Base = sent.Base, SyncedAt = now, SalesforceWrittenAt = ServerTime(now), Attempts = 0, LastError = null, RetryAfter = null,
                            SalesforceStatus = ReminderMapping.StatusOut(sent.Base!.Status), SalesforcePriority = ReminderMapping.PriorityOut(sent.Base.Priority),
                            SalesforceSubject = ReminderMapping.CutSubject(sent.Base.Subject),
                        });
                    }
                    else saved.Add(Failed(r with { SendingSince = null, Base = null }, $"{code}: {message}", PassingErrors.Contains(code), now));
                }
                Save(saved);
                return 0;
            }).ConfigureAwait(false);
            var onConvertedLeads = sending.Zip(results).Where(x => !Succeeded(x.Second, out _, out var code, out _) && code == "CANNOT_UPDATE_CONVERTED_LEAD").Select(x => x.First).ToList();
            if (onConvertedLeads.Count > 0 && !converted) await OnConvertedContactsAsync(onConvertedLeads, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The contact a lead is known to have been converted to (the opt-out step reads Lead.ConvertedContactId), else the
    /// WhoId as it is: a Task on a converted lead is refused, and each such refusal costs a lookup and a second create.
    /// </summary>
    private string? KnownContactOf(string? whoId) =>
        whoId is not null && whoId.StartsWith("00Q", StringComparison.Ordinal) && store.OptOuts.Find(SalesforceIds.To18(whoId))?.ConvertedContactId is { } contact ? contact : whoId;

    /// <summary>
    /// Salesforce refuses a Task on a lead converted since the person was synced: its contact takes it, as Salesforce
    /// advises (one query for the batch's converted leads, then one create for them; only after such a refusal).
    /// </summary>
    private async Task OnConvertedContactsAsync(IReadOnlyList<ReminderRecord> refused, CancellationToken ct)
    {
        // Asked again even when this pass asked before: Salesforce has just said the lead is converted.
        foreach (var r in refused) if (SalesforceIds.To18(r.WhoId) is { } lead) _converted.Remove(lead);
        var converted = await ConvertedContactsAsync(refused.Select(r => r.WhoId), ct).ConfigureAwait(false);
        var contacts = converted.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!, StringComparer.Ordinal);
        var moved = await LockedAsync(() =>
        {
            var saved = refused.Select(r => Current(r.Id)).OfType<ReminderRecord>()
                .Where(r => r.SalesforceTaskId is null && SalesforceIds.To18(r.WhoId) is { } who && contacts.ContainsKey(who))
                .Select(r => r with { WhoId = contacts[SalesforceIds.To18(r.WhoId)!], Attempts = Math.Max(0, r.Attempts - 1), LastError = null, RetryAfter = null }).ToList();
            _failed -= saved.Count;
            Save(saved);
            return saved;
        }).ConfigureAwait(false);
        if (moved.Count == 0) return;
        EngineObserver.Current.Verbose($"Reminder sync: {moved.Count} reminder(s) were on leads converted since; their Tasks go to the converted contacts.");
        await CreateAsync(moved, ct, converted: true).ConfigureAwait(false);
    }

    /// <summary>Updates Tasks with the fields changed locally (idempotent: retried like reads). Base becomes the values sent.</summary>
    private async Task UpdateAsync(IReadOnlyList<ReminderRecord> batch, CancellationToken ct)
    {
        var sent = batch.Select(r => (Record: r, Fields: r.LocalChanges, Values: r.Values)).ToList();
        var body = new JsonObject { ["allOrNone"] = false, ["records"] = new JsonArray(sent.Select(s => (JsonNode)ReminderMapping.UpdateRecord(s.Record.SalesforceTaskId!, s.Values, s.Fields)).ToArray()) };
        var results = await IdempotentCollectionAsync(() => salesforce.IdempotentWriteAsync(RestSharp.Method.Patch, salesforce.DataPath("composite/sobjects"), body.ToJsonString(), [], ct),
            "updating", sent.Count).ConfigureAwait(false);
        await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var saved = new List<ReminderRecord>();
            var conflicts = new List<ReminderConflict>();
            foreach (var (s, result) in sent.Zip(results))
            {
                var r = Current(s.Record.Id) ?? s.Record;
                if (Succeeded(result, out _, out var code, out var message))
                {
                    _updated++;
                    var agreed = (r.Base ?? s.Record.Base!).With(s.Fields, s.Values);
                    saved.Add(r with
                    {
                        Base = agreed, SyncedAt = now, SalesforceWrittenAt = ServerTime(now), Attempts = 0, LastError = null, RetryAfter = null,
                        SalesforceStatus = s.Fields.HasFlag(ReminderFields.Status) ? ReminderMapping.StatusOut(s.Values.Status) : r.SalesforceStatus,
                        SalesforcePriority = s.Fields.HasFlag(ReminderFields.Priority) ? ReminderMapping.PriorityOut(s.Values.Priority) : r.SalesforcePriority,
                        SalesforceSubject = s.Fields.HasFlag(ReminderFields.Subject) ? ReminderMapping.CutSubject(s.Values.Subject) : r.SalesforceSubject,
                    });
                }
                else if (code is "ENTITY_IS_DELETED" or "NOT_FOUND") saved.Add(DeletedInSalesforce(r, conflicts, now)); // deleted there since the pull: the delete wins
                else saved.Add(Failed(r, $"{code}: {message}", PassingErrors.Contains(code), now));
            }
            Save(saved, conflicts);
            return 0;
        }).ConfigureAwait(false);
    }

    /// <summary>Deletes Tasks (DELETE composite/sobjects?ids=, idempotent: a Task already gone counts as deleted).</summary>
    private async Task DeleteAsync(IReadOnlyList<ReminderRecord> batch, CancellationToken ct)
    {
        var results = await IdempotentCollectionAsync(() => salesforce.SendAsync(RestSharp.Method.Delete, salesforce.DataPath("composite/sobjects"),
            [new("ids", string.Join(',', batch.Select(r => r.SalesforceTaskId))), new("allOrNone", "false")], ct), "deleting", batch.Count).ConfigureAwait(false);
        await LockedAsync(() =>
        {
            var now = DateTimeOffset.UtcNow;
            var saved = new List<ReminderRecord>();
            foreach (var (sent, result) in batch.Zip(results))
            {
                var r = Current(sent.Id) ?? sent;
                var ok = Succeeded(result, out _, out var code, out var message);
                if (ok) _deleted++;
                saved.Add(ok || code is "ENTITY_IS_DELETED" or "NOT_FOUND"
                    ? r with { SalesforceDeleted = true, SyncedAt = now, Attempts = 0, LastError = null, RetryAfter = null }
                    : Failed(r, $"{code}: {message}", PassingErrors.Contains(code), now));
            }
            Save(saved);
            return 0;
        }).ConfigureAwait(false);
    }

    /// <summary>An idempotent collection call's per-record results; a failed call or an answer of another length stops the pass (the changes stay pending).</summary>
    private static async Task<List<JsonElement>> IdempotentCollectionAsync(Func<Task<JsonDocument>> send, string doing, int count)
    {
        List<JsonElement> results;
        try
        {
            using var response = await send().ConfigureAwait(false);
            results = Results(response);
        }
        catch (SalesSyncApiException e) when (e.Kind is not ApiFailureKind.Unauthorized)
        {
            throw new PassStopped($"Salesforce: {doing} {count} Tasks: {e.Message} They stay pending for the next pass.");
        }
        return results.Count == count ? results
            : throw new PassStopped($"Salesforce: the answer to {doing} {count} Tasks did not match the request; they stay pending for the next pass.");
    }

    private static List<JsonElement> Results(JsonDocument response) =>
        response.RootElement.ValueKind == JsonValueKind.Array ? response.RootElement.EnumerateArray().Select(x => x.Clone()).ToList() : [];

    private static bool Succeeded(JsonElement result, out string? id, out string code, out string? message)
    {
        id = result.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
        if (result.TryGetProperty("success", out var ok) && ok.ValueKind == JsonValueKind.True)
        {
            (code, message) = ("", null);
            return true;
        }
        var error = result.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0 ? errors[0] : default;
        string? Text(string name) => error.ValueKind == JsonValueKind.Object && error.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        code = Text("statusCode") ?? Text("errorCode") ?? "UNKNOWN";
        message = Text("message");
        return false;
    }

    /// <summary>
    /// A refused change, kept on the reminder with Salesforce's code and message (and shown per reminder in -Verbose):
    /// passing errors (row locks) are tried by the next pass (after five tries, with backoff); others wait 5 minutes,
    /// doubling to a day; a refusal that cannot pass by itself (a validation rule, missing access, an invalid value)
    /// stops after <see cref="MaxPermanentAttempts"/> tries and stays Failed until the reminder is edited again.
    /// </summary>
    private ReminderRecord Failed(ReminderRecord r, string error, bool passing, DateTimeOffset now)
    {
        _failed++;
        var attempts = r.Attempts + 1;
        var code = error.Split(':', 2)[0];
        var permanent = code == "FIELD_CUSTOM_VALIDATION_EXCEPTION" || code.StartsWith("INSUFFICIENT_ACCESS", StringComparison.Ordinal) || code.StartsWith("INVALID_", StringComparison.Ordinal);
        var wait = passing && attempts < MaxPassingAttempts ? TimeSpan.Zero
            : TimeSpan.FromMinutes(Math.Min(5 * Math.Pow(2, Math.Min(attempts - 1, 10)), TimeSpan.FromDays(1).TotalMinutes));
        var givenUp = permanent && attempts >= MaxPermanentAttempts;
        // "Until edited": an edit clears RetryAfter (ReminderBook); a century stands for never.
        var retryAfter = givenUp ? now.AddYears(100) : wait == TimeSpan.Zero ? (DateTimeOffset?)null : now + wait;
        EngineObserver.Current.Verbose($"Reminder sync: Salesforce refused reminder {r.Id} (Task {r.SalesforceTaskId ?? "not created"}), attempt {attempts}: {error}"
            + (givenUp ? " Not tried again until the reminder is edited." : ""));
        return r with { Attempts = attempts, LastError = error, RetryAfter = retryAfter };
    }
}
