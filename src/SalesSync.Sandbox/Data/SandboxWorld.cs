using SalesSync.Sandbox.Marketo;

namespace SalesSync.Sandbox.Data;

/// <summary>
/// Both sides of the generated world: Marketo persons, lists and activity log; the Salesforce org.
/// Every read or write takes <see cref="Sync"/>; the sandbox favours simple correctness over throughput.
/// </summary>
public sealed class SandboxWorld
{
    private readonly SortedDictionary<long, MarketoPerson> _people = new();
    private readonly List<MarketoActivity> _activities = [];
    /// <summary>The generated people's New Lead (12) rows, oldest first: ids 1..n of the log, kept compact (see <see cref="ActivityLog"/>).</summary>
    private (long LeadId, DateTimeOffset At)[] _history = [];
    /// <summary>
    /// With feed activities (<see cref="AddFeedHistory"/>): each history row's kind (0 New Lead, else a
    /// <see cref="FeedEntry.Code"/>) and its id (ids stop being 1..n once retention prunes feed rows). Null
    /// otherwise, so a world without them keeps the compact New Lead array alone.
    /// </summary>
    private int[]? _historyCodes;
    private long[]? _historyIds;
    private long _nextPersonId = 1;
    private long _nextActivityId = 1;
    private DateTimeOffset _pruneDue = DateTimeOffset.MaxValue;

    public object Sync { get; } = new();
    public SalesforceStore Salesforce { get; } = new();
    public Dictionary<int, StaticList> Lists { get; } = new();
    /// <summary>Smart lists by id (their own id space, apart from static lists, as in Marketo).</summary>
    public Dictionary<int, SmartList> SmartLists { get; } = new();
    /// <summary>The Marketo instance's custom activity types (guarded by <see cref="Sync"/> like the log they describe).</summary>
    public CustomActivityTypes CustomActivityTypes { get; } = new();

    /// <summary>
    /// Whether a CRM conversion and an owner change also log Change Data Value (13) for the fields they change, besides
    /// Convert Lead (21) and Change Owner (23). Marketo's docs do not say (see README.md): true (the default) logs both;
    /// false (<c>--crm-change-log typed</c>) logs 21/23 only, the case a client that reads only 13 misses.
    /// </summary>
    public bool CrmChangesLogDataValues { get; set; } = true;

    /// <summary>The fields a CRM conversion sets (Lead to Contact).</summary>
    private static readonly string[] ConversionFields = ["sfdcType", "sfdcContactId", "sfdcAccountId"];
    private const string OwnerField = "sfdcLeadOwnerId";

    /// <summary>Persons in id order (callers hold <see cref="Sync"/>).</summary>
    public IEnumerable<MarketoPerson> People => _people.Values;
    public int PeopleCount => _people.Count;
    /// <summary>
    /// What was logged after start-up, in id order (callers hold <see cref="Sync"/>): control-API changes and Add
    /// Custom Activities. The generated people's New Lead rows come before it in <see cref="ActivityLog"/>.
    /// </summary>
    public IReadOnlyList<MarketoActivity> Activities => _activities;

    /// <summary>
    /// The whole retained log the activity endpoints read, in id order: one New Lead (12) per generated person,
    /// dated its createdAt (Marketo keeps New Lead for ever, so an instance's log always holds them), then
    /// <see cref="Activities"/>. The generated rows are made on demand from a compact array.
    /// </summary>
    public IReadOnlyList<MarketoActivity> ActivityLog => new LogView(this);

    /// <summary>
    /// Called once by the generator after the last person: every generated person gets its New Lead row, oldest
    /// first (ids 1..n), and the log proper continues after them.
    /// </summary>
    public void LogGeneratedNewLeads()
    {
        if (_activities.Count > 0) throw new InvalidOperationException("The generated history must precede every logged activity.");
        _history = _people.Values.Select(p => (p.Id, At: p["createdAt"] is DateTimeOffset at ? at : DateTimeOffset.MinValue))
            .OrderBy(h => h.At).ThenBy(h => h.Id).ToArray();
        _nextActivityId = _history.Length + 1;
    }

    /// <summary>The id of the first retained activity dated at or after <paramref name="since"/>; null when none is.</summary>
    public long? FirstActivityIdAtOrAfter(DateTimeOffset since)
    {
        int lo = 0, hi = _history.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_history[mid].At < since) lo = mid + 1;
            else hi = mid;
        }
        if (lo < _history.Length) return HistoryId(lo);
        return _activities.FirstOrDefault(a => a.ActivityDate >= since)?.Id;
    }

    private long HistoryId(int index) => _historyIds?[index] ?? index + 1;

    private MarketoActivity HistoryRow(int index)
    {
        var (leadId, at) = _history[index];
        var person = _people.GetValueOrDefault(leadId);
        if (_historyCodes is { } codes && codes[index] != 0) return FeedHistory.Render(HistoryId(index), new FeedEntry(leadId, at, codes[index]), person);
        var name = person is not null ? FullName(person) : null;
        return new MarketoActivity(HistoryId(index), leadId, at, ActivityTypes.NewLead, name, [],
            [new("Created Date", at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), new("Source Type", "List Import")])
        { PrimaryAttributeValueId = leadId };
    }

    private sealed class LogView(SandboxWorld world) : IReadOnlyList<MarketoActivity>
    {
        public int Count => world._history.Length + world._activities.Count;

        public MarketoActivity this[int index] =>
            index < world._history.Length ? world.HistoryRow(index) : world._activities[index - world._history.Length];

        public IEnumerator<MarketoActivity> GetEnumerator()
        {
            for (var i = 0; i < Count; i++) yield return this[i];
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// Called once by the sandbox after the generator, before anything is logged (<c>--feed-activities</c>): the
    /// feed entries join the New Lead rows in date order (New Lead first at a tie), ids 1..n renumbered over both.
    /// </summary>
    public void AddFeedHistory(IReadOnlyList<FeedEntry> entries, DateTimeOffset now)
    {
        if (_activities.Count > 0) throw new InvalidOperationException("The generated history must precede every logged activity.");
        var merged = new List<(long LeadId, DateTimeOffset At, int Code)>(_history.Length + entries.Count);
        int i = 0, j = 0;
        while (i < _history.Length || j < entries.Count)
        {
            if (j >= entries.Count || (i < _history.Length && _history[i].At <= entries[j].At)) { merged.Add((_history[i].LeadId, _history[i].At, 0)); i++; }
            else { merged.Add((entries[j].LeadId, entries[j].At, entries[j].Code)); j++; }
        }
        _history = merged.Select(m => (m.LeadId, m.At)).ToArray();
        _historyCodes = merged.Select(m => m.Code).ToArray();
        _historyIds = Enumerable.Range(1, merged.Count).Select(n => (long)n).ToArray();
        _nextActivityId = merged.Count + 1;
        PruneHistory(now);
    }

    /// <summary>The generated feed rows still retained, oldest first (for tests and the control API: the ground truth of a feed).</summary>
    public IEnumerable<MarketoActivity> FeedLog()
    {
        if (_historyCodes is not { } codes) yield break;
        for (var i = 0; i < codes.Length; i++)
            if (codes[i] != 0) yield return HistoryRow(i);
    }

    /// <summary>Drops generated feed rows past their type's retention; sets when the next one is due.</summary>
    private void PruneHistory(DateTimeOffset now)
    {
        if (_historyCodes is not { } codes || _historyIds is not { } ids) return;
        var keep = new List<int>(codes.Length);
        for (var i = 0; i < codes.Length; i++)
            if (codes[i] == 0 || ActivityTypes.Retention(codes[i] >> 16) is not { } k || _history[i].At + k > now) keep.Add(i);
        if (keep.Count < codes.Length)
        {
            _history = keep.Select(i => _history[i]).ToArray();
            _historyCodes = keep.Select(i => codes[i]).ToArray();
            _historyIds = keep.Select(i => ids[i]).ToArray();
        }
        _historyPruneDue = DateTimeOffset.MaxValue;
        for (var i = 0; i < _historyCodes.Length; i++)
            if (_historyCodes[i] != 0 && ActivityTypes.Retention(_historyCodes[i] >> 16) is { } k && _history[i].At + k < _historyPruneDue)
                _historyPruneDue = _history[i].At + k;
    }

    private DateTimeOffset _historyPruneDue = DateTimeOffset.MaxValue;

    /// <summary>The person and date of the log's row at <paramref name="index"/> without rendering it (filters run on these first).</summary>
    public (long LeadId, DateTimeOffset At) HeadAt(int index) =>
        index < _history.Length ? _history[index] : (_activities[index - _history.Length].LeadId, _activities[index - _history.Length].ActivityDate);

    /// <summary>The id of the log's row at <paramref name="index"/>.</summary>
    public long IdAt(int index) => index < _history.Length ? HistoryId(index) : _activities[index - _history.Length].Id;

    /// <summary>The id the next logged activity gets: the position "after everything logged so far".</summary>
    public long NextActivityId => _nextActivityId;

    public MarketoPerson? FindPerson(long id) => _people.GetValueOrDefault(id);

    /// <summary>Adds a person as the generator or the control API makes it; logs New Lead (12).</summary>
    public MarketoPerson AddPerson(IReadOnlyDictionary<string, object?> fields, DateTimeOffset now, bool generated = false)
    {
        var person = new MarketoPerson(_nextPersonId++);
        foreach (var (k, v) in fields)
        {
            if (k.Equals("id", StringComparison.OrdinalIgnoreCase)) continue;
            person[MarketoFieldCatalog.Find(k)?.RestName ?? k] = v;
        }
        person["createdAt"] ??= now;
        person["updatedAt"] ??= person["createdAt"];
        // Marketo's boolean lead fields are never empty: a create that leaves them out gets false.
        foreach (var flag in MarketoFieldCatalog.All.Where(f => f.DataType == "boolean")) person[flag.RestName] ??= false;
        // Durable Unsubscribe: a new record with an unsubscribed email is unsubscribed too, with that email's
        // unsubscribedReason unless the create gave its own.
        if (!generated && person.Email is { } email && UnsubscribedTwin(person.Id, email) is { } twin)
        {
            person["unsubscribed"] = true;
            person["unsubscribedReason"] ??= twin["unsubscribedReason"];
        }
        _people[person.Id] = person;
        if (!generated)
        {
            Log(person.Id, now, ActivityTypes.NewLead, FullName(person), [],
                [new("Created Date", now.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
                 new("Source Type", "Web service API")],
                primaryId: person.Id);
        }
        return person;
    }

    /// <summary>
    /// Changes fields and logs Change Data Value (13) per changed field; a conversion (sfdcType Lead to Contact, or a
    /// contact id gained) logs Convert Lead (21) and an owner change Change Owner (23), after the 13s; unsubscribes propagate by email.
    /// </summary>
    /// <param name="durable">
    /// False changes this record only, as Marketo's records of one email look while Durable Unsubscribe has
    /// not propagated yet (the control API's <c>?durable=false</c>, for clients that must read "any record").
    /// </param>
    public IReadOnlyList<string> UpdatePerson(MarketoPerson person, IReadOnlyDictionary<string, object?> changes, DateTimeOffset now, bool durable = true)
    {
        var (typeBefore, contactBefore, ownerBefore) = (MarketoPerson.AsLogString(person["sfdcType"]), MarketoPerson.AsLogString(person["sfdcContactId"]), MarketoPerson.AsLogString(person[OwnerField]));
        var changed = new List<string>();
        foreach (var (name, value) in changes)
        {
            var field = MarketoFieldCatalog.Find(name);
            var restName = field?.RestName ?? name;
            if (restName is "id" or "createdAt" or "updatedAt" or "sfdcId") continue;
            var old = person[restName];
            if (Equals(MarketoPerson.AsLogString(old), MarketoPerson.AsLogString(value))) continue;
            person[restName] = value;
            changed.Add(restName);
            if (!CrmChangesLogDataValues && (restName == OwnerField || ConversionFields.Contains(restName))) continue;
            Log(person.Id, now, ActivityTypes.ChangeDataValue, field?.DisplayName ?? restName,
                [new MarketoFieldChange(field?.Id ?? 0, restName, MarketoPerson.AsLogString(value), MarketoPerson.AsLogString(old))],
                [new("Reason", "Changed by sandbox control API"), new("Source", "Web service API")],
                primaryId: field?.Id);
        }
        if (changed.Count > 0) person["updatedAt"] = now;
        LogCrmChanges(person, typeBefore, contactBefore, ownerBefore, now);

        // Durable Unsubscribe. A flip of `unsubscribed` goes to every other person with the email (any case) whose flag
        // differs, together with this person's unsubscribedReason (null included), so the records of one email agree on
        // both; a re-subscribe therefore leaves the reason as the re-subscribed person has it (nothing clears it).
        var unsubscribeChanged = changed.Contains("unsubscribed");
        var emailChanged = changed.Contains("email");
        if (!durable) return changed;
        if (unsubscribeChanged && person.Email is { } email)
        {
            foreach (var other in _people.Values.Where(p => p.Id != person.Id && SameEmail(p.Email, email) && p.Unsubscribed != person.Unsubscribed).ToList())
            {
                UpdatePerson(other, new Dictionary<string, object?>
                {
                    ["unsubscribed"] = person.Unsubscribed,
                    ["unsubscribedReason"] = person["unsubscribedReason"],
                }, now);
            }
        }
        else if (emailChanged && !person.Unsubscribed && person.Email is { } newEmail && UnsubscribedTwin(person.Id, newEmail) is { } twin)
        {
            // Re-addressed to an unsubscribed email: unsubscribed, with that email's reason unless it has its own.
            var update = new Dictionary<string, object?> { ["unsubscribed"] = true };
            if (person["unsubscribedReason"] is null) update["unsubscribedReason"] = twin["unsubscribedReason"];
            UpdatePerson(person, update, now);
        }
        return changed;
    }

    /// <summary>
    /// Convert Lead (21) when the person became a contact, and Change Owner (23) when its owner changed, as Marketo logs
    /// them for a CRM conversion and an owner change (attribute names are the sandbox's choice; see README.md).
    /// </summary>
    private void LogCrmChanges(MarketoPerson person, string? typeBefore, string? contactBefore, string? ownerBefore, DateTimeOffset now)
    {
        var contact = MarketoPerson.AsLogString(person["sfdcContactId"]);
        var becameContact = MarketoPerson.AsLogString(person["sfdcType"]) == "Contact" && typeBefore != "Contact";
        if (becameContact || (contactBefore is null && contact is not null))
        {
            Log(person.Id, now, ActivityTypes.ConvertLead, FullName(person), [],
                [new("SFDC Contact ID", contact), new("SFDC Account ID", MarketoPerson.AsLogString(person["sfdcAccountId"])),
                 new("SFDC Lead ID", MarketoPerson.AsLogString(person["sfdcLeadId"])), new("Source", "Web service API")],
                primaryId: person.Id);
        }
        var owner = MarketoPerson.AsLogString(person[OwnerField]);
        if (owner != ownerBefore)
        {
            Log(person.Id, now, ActivityTypes.ChangeOwner, FullName(person), [],
                [new("New Owner ID", owner), new("Old Owner ID", ownerBefore), new("Source", "Web service API")],
                primaryId: person.Id);
        }
    }

    /// <summary>
    /// An unsubscribed person (other than <paramref name="exceptId"/>) with the email, any case: the one with a reason
    /// first, lowest id first, so the reason a new or re-addressed record takes is deterministic.
    /// </summary>
    private MarketoPerson? UnsubscribedTwin(long exceptId, string email) =>
        _people.Values.Where(p => p.Id != exceptId && p.Unsubscribed && SameEmail(p.Email, email))
            .OrderBy(p => p["unsubscribedReason"] is null ? 1 : 0).FirstOrDefault();

    /// <summary>Deletes a person, logs Delete Lead (37, primary attribute = the person's name) and drops list memberships.</summary>
    public bool DeletePerson(long id, DateTimeOffset now)
    {
        if (!_people.Remove(id, out var person)) return false;
        foreach (var list in Lists.Values) list.Members.Remove(id);
        Log(id, now, ActivityTypes.DeleteLead, FullName(person), [], [], primaryId: id);
        return true;
    }

    /// <summary>Merges losers into the winner: Merge Leads (32) on the winner; losers are removed.</summary>
    public void Merge(MarketoPerson winner, IReadOnlyList<long> loserIds, DateTimeOffset now)
    {
        var losers = loserIds.Select(id => _people[id]).ToList();
        foreach (var loser in losers)
        {
            _people.Remove(loser.Id);
            foreach (var list in Lists.Values)
            {
                if (list.Members.Remove(loser.Id) && !list.Members.Contains(winner.Id)) list.Members.Add(winner.Id);
            }
        }
        winner["updatedAt"] = now;
        Log(winner.Id, now, ActivityTypes.MergeLeads, FullName(winner), [],
            [new("Merge ids", string.Join(",", loserIds)), new("Merged in Sales", false), new("Merge Source", "Web service API")],
            primaryId: winner.Id);
    }

    /// <summary>
    /// Appends to the log. For what Marketo itself logs, <paramref name="at"/> is the sandbox clock's time, read
    /// under <see cref="Sync"/>, so ids and dates grow together; a custom activity carries the date its client
    /// gave (past or future), so the log is in id order but not always in date order.
    /// </summary>
    public MarketoActivity Log(long leadId, DateTimeOffset at, int type, string? primary, IReadOnlyList<MarketoFieldChange> fields,
        IReadOnlyList<KeyValuePair<string, object?>> attributes, long? primaryId = null)
    {
        var activity = new MarketoActivity(_nextActivityId++, leadId, at, type, primary, fields, attributes) { PrimaryAttributeValueId = primaryId };
        _activities.Add(activity);
        if (ActivityTypes.Retention(type) is { } keep && at + keep < _pruneDue) _pruneDue = at + keep;
        return activity;
    }

    /// <summary>
    /// Drops what Marketo's retention policy has purged by <paramref name="now"/> (the sandbox clock): Delete
    /// Lead after 14 days, Change Data Value after 90, Merge Leads after 25 months; New Lead is kept.
    /// </summary>
    public void Prune(DateTimeOffset now)
    {
        if (now >= _historyPruneDue) PruneHistory(now);
        if (now < _pruneDue) return;
        _activities.RemoveAll(a => ActivityTypes.Retention(a.ActivityTypeId) is { } keep && a.ActivityDate + keep <= now);
        _pruneDue = DateTimeOffset.MaxValue;
        foreach (var a in _activities)
        {
            if (ActivityTypes.Retention(a.ActivityTypeId) is { } keep && a.ActivityDate + keep < _pruneDue) _pruneDue = a.ActivityDate + keep;
        }
    }

    /// <summary>Index of the first retained activity whose id is <paramref name="id"/> or more (Count when none).</summary>
    public int IndexOfActivityAtOrAfter(long id)
    {
        if (_historyIds is { } ids)
        {
            if (ids.Length > 0 && id <= ids[^1])
            {
                var at = Array.BinarySearch(ids, id);
                return at >= 0 ? at : ~at;
            }
        }
        else if (id <= _history.Length) return (int)Math.Max(0, id - 1);
        int lo = 0, hi = _activities.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_activities[mid].Id < id) lo = mid + 1;
            else hi = mid;
        }
        return _history.Length + lo;
    }

    /// <summary>"First Last" as Marketo shows a person in activity primary attributes; the email when nameless.</summary>
    public static string? FullName(MarketoPerson person)
    {
        var name = string.Join(' ', new[] { person["firstName"] as string, person["lastName"] as string }.Where(s => !string.IsNullOrWhiteSpace(s)));
        return name.Length > 0 ? name : person.Email;
    }

    public static bool SameEmail(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
