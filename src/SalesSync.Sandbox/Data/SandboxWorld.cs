namespace SalesSync.Sandbox.Data;

/// <summary>
/// Both sides of the generated world: Marketo persons, lists and activity log; the Salesforce org.
/// Every read or write takes <see cref="Sync"/>; the sandbox favours simple correctness over throughput.
/// </summary>
public sealed class SandboxWorld
{
    private readonly SortedDictionary<long, MarketoPerson> _people = new();
    private readonly List<MarketoActivity> _activities = [];
    private long _nextPersonId = 1;
    private long _nextActivityId = 1;

    public object Sync { get; } = new();
    public SalesforceStore Salesforce { get; } = new();
    public Dictionary<int, StaticList> Lists { get; } = new();

    /// <summary>Persons in id order (callers hold <see cref="Sync"/>).</summary>
    public IEnumerable<MarketoPerson> People => _people.Values;
    public int PeopleCount => _people.Count;
    public IReadOnlyList<MarketoActivity> Activities => _activities;

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
        // Durable Unsubscribe: a new record with an unsubscribed email is unsubscribed too.
        if (!generated && person.Email is { } email && _people.Values.Any(p => p.Unsubscribed && SameEmail(p.Email, email)))
            person["unsubscribed"] = true;
        _people[person.Id] = person;
        if (!generated) Log(person.Id, now, ActivityTypes.NewLead, null, [], [new("Source Type", "Web service API")]);
        return person;
    }

    /// <summary>Changes fields and logs Change Data Value (13) per changed field; unsubscribes propagate by email.</summary>
    public IReadOnlyList<string> UpdatePerson(MarketoPerson person, IReadOnlyDictionary<string, object?> changes, DateTimeOffset now)
    {
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
            Log(person.Id, now, ActivityTypes.ChangeDataValue, field?.DisplayName ?? restName,
                [new MarketoFieldChange(field?.Id ?? 0, restName, MarketoPerson.AsLogString(value), MarketoPerson.AsLogString(old))],
                [new("Reason", "Changed by sandbox control API"), new("Source", "Web service API")]);
        }
        if (changed.Count > 0) person["updatedAt"] = now;

        var unsubscribeChanged = changed.Contains("unsubscribed");
        var emailChanged = changed.Contains("email");
        if (unsubscribeChanged && person.Email is { } email)
        {
            foreach (var twin in _people.Values.Where(p => p.Id != person.Id && SameEmail(p.Email, email) && p.Unsubscribed != person.Unsubscribed).ToList())
                UpdatePerson(twin, new Dictionary<string, object?> { ["unsubscribed"] = person.Unsubscribed }, now);
        }
        else if (emailChanged && !person.Unsubscribed && person.Email is { } newEmail
                 && _people.Values.Any(p => p.Id != person.Id && p.Unsubscribed && SameEmail(p.Email, newEmail)))
        {
            UpdatePerson(person, new Dictionary<string, object?> { ["unsubscribed"] = true }, now);
        }
        return changed;
    }

    /// <summary>Deletes a person, logs Delete Lead (37) and drops list memberships.</summary>
    public bool DeletePerson(long id, DateTimeOffset now)
    {
        if (!_people.Remove(id)) return false;
        foreach (var list in Lists.Values) list.Members.Remove(id);
        Log(id, now, ActivityTypes.DeleteLead, id.ToString(System.Globalization.CultureInfo.InvariantCulture), [], []);
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
        Log(winner.Id, now, ActivityTypes.MergeLeads, string.Join(",", loserIds), [],
            [new("Merge ids", string.Join(",", loserIds)), new("Merged in Sales", false), new("Merge Source", "Web service API")]);
    }

    public void Log(long leadId, DateTimeOffset at, int type, string? primary, IReadOnlyList<MarketoFieldChange> fields,
        IReadOnlyList<KeyValuePair<string, object?>> attributes) =>
        _activities.Add(new MarketoActivity(_nextActivityId++, leadId, at, type, primary, fields, attributes));

    public static bool SameEmail(string? a, string? b) =>
        a is not null && b is not null && string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);
}
