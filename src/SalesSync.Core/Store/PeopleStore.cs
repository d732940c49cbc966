using System.Text.RegularExpressions;
using LiteDB;
using SalesSync.Core.People;

namespace SalesSync.Core.Store;

/// <summary>
/// The people collection: one document per Marketo id, indexes on email and every Salesforce id, and
/// the id of the sync run that last saw each person (so a full run can remove whoever it did not see
/// without holding a set of ids in memory). Reads go page by page and hold no cursor between pages.
/// </summary>
internal sealed class PeopleStore
{
    public const int ReadPageSize = 500;
    private const string CollectionName = "people";
    private static readonly string[] SalesforceIdFields = ["sfLeadId", "sfContactId", "sfAccountId", "sfOpportunityId", "ownerId"];

    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _people;

    /// <summary>
    /// Ids of contacts written while Salesforce was not connected, whose opportunity is not known (review H3). A side
    /// collection rather than an indexed field: it is empty almost always, and an eleventh index would slow every write.
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _opportunityUnread;
    private bool _anyOpportunityUnread;

    public PeopleStore(SyncStore store)
    {
        _database = store.Database;
        _people = _database.GetCollection(CollectionName);
        _people.EnsureIndex("email", "$.email");
        _people.EnsureIndex("company", "$.company");
        _people.EnsureIndex("lastRun", "$.lastRun");
        _people.EnsureIndex("unsubscribed", "$.unsubscribed");
        foreach (var field in SalesforceIdFields) _people.EnsureIndex(field, "$." + field);
        _opportunityUnread = _database.GetCollection("people_opportunity_unread");
        _anyOpportunityUnread = _database.CollectionExists("people_opportunity_unread") && _opportunityUnread.Count() > 0;
    }

    /// <summary>The stored people with these ids (those not stored are left out).</summary>
    public Dictionary<long, PersonRecord> FindMany(IEnumerable<long> marketoIds)
    {
        var found = new Dictionary<long, PersonRecord>();
        foreach (var id in marketoIds)
            if (!found.ContainsKey(id) && _people.FindById(id) is { } doc) found[id] = ToRecord(doc);
        return found;
    }

    /// <summary>Contacts whose opportunity was not read (synced while Salesforce was not connected).</summary>
    public IReadOnlyList<PersonRecord> WithUnreadOpportunity()
    {
        if (!_anyOpportunityUnread) return [];
        var people = new List<PersonRecord>();
        foreach (var marker in _opportunityUnread.FindAll().ToList())
        {
            if (_people.FindById(marker["_id"]) is { } doc && ToRecord(doc) is { OpportunityUnread: true } person) people.Add(person);
            else _opportunityUnread.Delete(marker["_id"]); // removed since, or written with Salesforce
        }
        _anyOpportunityUnread = people.Count > 0;
        return people;
    }

    private void TrackOpportunityUnread(PersonRecord person)
    {
        if (person.OpportunityUnread)
        {
            _opportunityUnread.Upsert(new BsonDocument { ["_id"] = person.MarketoId });
            _anyOpportunityUnread = true;
        }
        else if (_anyOpportunityUnread)
        {
            _opportunityUnread.Delete(person.MarketoId);
        }
    }

    public int Count => _people.Count();

    /// <summary>The highest Marketo id stored (0 when empty): read from the primary key index.</summary>
    public long HighestMarketoId => _people.FindOne(LiteDB.Query.All("_id", LiteDB.Query.Descending)) is { } newest ? newest["_id"].AsInt64 : 0;

    /// <summary>
    /// Pages (8 KiB each) a write transaction may hold before it is committed and a new one begun. LiteDB keeps
    /// every page a write transaction reads or changes in memory until the commit, and its page cache never
    /// shrinks; with ten indexes an insert into a large collection touches dozens of scattered index pages, so
    /// a fixed count of people per transaction costs more memory the larger the database grows. Committing by
    /// pages held keeps the peak flat from 100,000 to 1,000,000 people.
    /// </summary>
    /// <remarks>
    /// 4,000 pages (32 MiB): a batch of 1,000 people into a database of 100,000 stays under it (no extra commit, so no
    /// extra CPU there); at 1,000,000 a batch is cut into a few transactions, which costs CPU (pages evicted from the
    /// smaller cache are read again) but holds the memory. Measured by `build.ps1 bench --only-store` and `--only-memory --million`.
    /// </remarks>
    internal int TransactionPageBudget { get; set; } = PageBudgetForNewStores;

    /// <summary>The budget each new store starts with (a benchmark compares others).</summary>
    internal static int PageBudgetForNewStores { get; set; } = 4_000;

    /// <summary>How often (in people) the size of the open transaction is read: the read is a system-collection query.</summary>
    private const int PageCheckInterval = 25;

    /// <summary>
    /// Writes a batch and says how each person changed; a person this run already wrote with the same values is
    /// left out. One transaction, committed early (and a new one begun)
    /// whenever it holds <see cref="TransactionPageBudget"/> pages: a crash can leave the first part of a batch
    /// written, which the sync's checkpoints already allow for (a batch is applied again after a restart).
    /// </summary>
    public IReadOnlyList<(PersonRecord Person, PersonChange Change)> Upsert(IReadOnlyList<PersonRecord> batch, int runId)
    {
        var changes = new List<(PersonRecord, PersonChange)>(batch.Count);
        _database.BeginTrans();
        try
        {
            var sinceCheck = 0;
            foreach (var person in batch)
            {
                if (++sinceCheck == PageCheckInterval)
                {
                    sinceCheck = 0;
                    if (OpenTransactionPages() >= TransactionPageBudget)
                    {
                        _database.Commit();
                        Committed?.Invoke();
                        _database.BeginTrans();
                    }
                }
                var existing = _people.FindById(person.MarketoId);
                var previous = existing is null ? null : ToRecord(existing);
                var change = previous is null ? PersonChange.Added : previous.SameValuesAs(person) ? PersonChange.Unchanged : PersonChange.Updated;
                // Already written by this run with these values (a person in two lists, a batch applied again after a
                // restart): nothing to write, and not counted twice.
                if (change == PersonChange.Unchanged && existing!["lastRun"] == runId) continue;
                var kept = change == PersonChange.Unchanged ? previous! : person;
                // Insert or Update, not Upsert: FindById already told which, and Upsert would look the id up again.
                if (existing is null) _people.Insert(ToDocument(kept, runId));
                else _people.Update(ToDocument(kept, runId));
                TrackOpportunityUnread(kept);
                changes.Add((kept, change));
            }
            _database.Commit();
            Committed?.Invoke();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
        return changes;
    }

    /// <summary>Raised after each commit of <see cref="Upsert"/> (tests count them).</summary>
    internal event Action? Committed;

    /// <summary>Pages held by this thread's open transaction (LiteDB's $transactions system collection).</summary>
    private int OpenTransactionPages()
    {
        var thread = Environment.CurrentManagedThreadId;
        try
        {
            foreach (var transaction in _database.GetCollection(TransactionsCollection).FindAll())
                if (transaction["threadID"].AsInt32 == thread) return transaction["transactionSize"].AsInt32;
        }
        catch (InvalidOperationException)
        {
            // LiteDB lists its transactions without a lock: another runspace opening or closing one meanwhile
            // ("collection was modified") only skips this check; the next one, 25 people on, reads again.
        }
        return 0;
    }

    /// <summary>How many people carry this run's stamp (seen by it), through the lastRun index.</summary>
    public int CountStampedBy(int runId) => _people.Count(LiteDB.Query.EQ("lastRun", runId));

    /// <summary>Whether any person carries this run's stamp (the run saw someone), through the lastRun index.</summary>
    public bool AnyStampedBy(int runId) => _people.Exists(LiteDB.Query.EQ("lastRun", runId));

    private const string TransactionsCollection = "$transactions";

    /// <summary>Removes the people a completed full run did not see, in chunks; returns them.</summary>
    public IEnumerable<PersonRecord> RemoveNotSeenIn(int runId)
    {
        while (true)
        {
            var stale = _people.Find(LiteDB.Query.Not("lastRun", runId), limit: ReadPageSize).ToList();
            if (stale.Count == 0) yield break;
            _database.BeginTrans();
            try
            {
                foreach (var doc in stale) _people.Delete(doc["_id"]);
                _database.Commit();
            }
            catch
            {
                _database.Rollback();
                throw;
            }
            foreach (var doc in stale) yield return ToRecord(doc);
        }
    }

    public PersonRecord? Find(long marketoId) => _people.FindById(marketoId) is { } doc ? ToRecord(doc) : null;

    /// <summary>Removes these people (those not synced are ignored); returns the ones removed.</summary>
    public IReadOnlyList<PersonRecord> Remove(IEnumerable<long> marketoIds)
    {
        var removed = new List<PersonRecord>();
        _database.BeginTrans();
        try
        {
            foreach (var id in marketoIds.Distinct())
            {
                if (_people.FindById(id) is not { } doc) continue;
                _people.Delete(id);
                removed.Add(ToRecord(doc));
            }
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
        return removed;
    }

    /// <summary>The synced people whose Salesforce contact is one of these (18-character ids).</summary>
    public IReadOnlyList<PersonRecord> FindByContacts(IReadOnlyCollection<string> contactIds18) =>
        contactIds18.Count == 0 ? [] : _people.Find(LiteDB.Query.In("sfContactId", contactIds18.Select(c => new BsonValue(c)).ToArray())).Select(ToRecord).ToList();


    /// <summary>The synced people whose Salesforce lead or contact is one of these (18-character ids).</summary>
    public IReadOnlyList<PersonRecord> FindBySalesforceRecords(IReadOnlyCollection<string> ids18)
    {
        if (ids18.Count == 0) return [];
        var values = ids18.Select(c => new BsonValue(c)).ToArray();
        return _people.Find(LiteDB.Query.In("sfContactId", values)).Concat(_people.Find(LiteDB.Query.In("sfLeadId", values)))
            .Select(ToRecord).DistinctBy(p => p.MarketoId).ToList();
    }

    /// <summary>
    /// The email of every synced person who has one of these emails (one entry per person, as stored; the index
    /// compares without regard to case), read through the email index: unsubscribe lookups count duplicates by it.
    /// </summary>
    public IReadOnlyList<string> SyncedEmails(IReadOnlyCollection<string> emails) =>
        emails.Count == 0 ? [] : _people.Query().Where(LiteDB.Query.In("email", emails.Select(e => new BsonValue(e)).ToArray())).Select("email").ToEnumerable()
            .Select(d => d["email"].AsString).ToList();

    /// <summary>The Marketo ids of the people unsubscribed in Marketo (through the index; ids only, so a large set stays small).</summary>
    public IReadOnlyList<long> UnsubscribedIds() =>
        _people.Find(LiteDB.Query.EQ("unsubscribed", true)).Select(d => d["_id"].AsInt64).Order().ToList();

    /// <summary>The people a query selects, by Marketo id, one page at a time.</summary>
    public IEnumerable<PersonRecord> Query(PersonQuery query)
    {
        if (query.SalesforceId is { Length: > 0 } salesforceId)
        {
            // LiteDB answers an OR across fields by scanning every document (seconds at a million): ask each
            // field's index on its own, then read the people found by Marketo id.
            var forms = new[] { salesforceId, SalesforceIds.To18(salesforceId) ?? salesforceId }.Distinct(StringComparer.Ordinal).Select(v => new BsonValue(v)).ToArray();
            var found = SalesforceIdFields.SelectMany(f => _people.Query().Where(LiteDB.Query.In(f, forms)).Select("_id").ToList())
                .Select(d => d["_id"].AsInt64).ToHashSet();
            if (query.MarketoIds is { Count: > 0 } asked) found.IntersectWith(asked);
            if (found.Count == 0) yield break;
            query = query with { SalesforceId = null, MarketoIds = found.Order().ToList() };
        }
        var filter = IndexedFilter(query with { MarketoIds = null }, out var residual);
        long skipped = 0, written = 0;
        foreach (var page in Pages(query.MarketoIds, filter))
        {
            foreach (var doc in page)
            {
                var person = ToRecord(doc);
                if (!residual(person)) continue;
                if (query.DuplicatesOnly && !HasDuplicate(person)) continue;
                if (skipped++ < query.Skip) continue;
                if (query.First is { } first && written >= first) yield break;
                written++;
                yield return person;
            }
        }
    }

    /// <summary>
    /// Pages of documents in id order, each a fresh query. Given ids are read in chunks through the primary key
    /// (an "id greater than" bound beside them would make LiteDB walk the whole primary index instead).
    /// </summary>
    private IEnumerable<List<BsonDocument>> Pages(IReadOnlyList<long>? ids, BsonExpression? filter)
    {
        if (ids is { Count: > 0 })
        {
            foreach (var chunk in ids.Distinct().Order().Chunk(ReadPageSize))
            {
                var inChunk = LiteDB.Query.In("_id", chunk.Select(i => new BsonValue(i)).ToArray());
                yield return _people.Query().Where(filter is null ? inChunk : LiteDB.Query.And(inChunk, filter)).OrderBy("_id").ToList();
            }
            yield break;
        }
        var after = long.MinValue;
        while (true)
        {
            var where = filter is null ? LiteDB.Query.GT("_id", after) : LiteDB.Query.And(LiteDB.Query.GT("_id", after), filter);
            // Ordered by id before the limit, whichever index answers the filter.
            var page = _people.Query().Where(where).OrderBy("_id").Limit(ReadPageSize).ToList();
            if (page.Count == 0) yield break;
            after = page[^1]["_id"].AsInt64;
            yield return page;
        }
    }

    /// <summary>Another synced person has the same email (case-insensitive, as Marketo matches).</summary>
    private bool HasDuplicate(PersonRecord person) =>
        !string.IsNullOrEmpty(person.Email) && _people.Count(LiteDB.Query.EQ("email", person.Email)) > 1;

    /// <summary>The part of a query an index answers, and a residual test for the rest (wildcards).</summary>
    private static BsonExpression? IndexedFilter(PersonQuery query, out Func<PersonRecord, bool> residual)
    {
        var parts = new List<BsonExpression>();
        var tests = new List<Func<PersonRecord, bool>>();
        Text("email", query.Email, p => p.Email);
        Text("company", query.Company, p => p.Company);
        Text("ownerId", query.SalesOwnerId, p => p.SalesOwnerId);
        residual = p => tests.All(t => t(p));
        return parts.Count switch { 0 => null, 1 => parts[0], _ => LiteDB.Query.And(parts.ToArray()) };

        void Text(string field, string? pattern, Func<PersonRecord, string?> value)
        {
            if (string.IsNullOrEmpty(pattern)) return;
            if (!pattern.Contains('*') && !pattern.Contains('?'))
            {
                parts.Add(LiteDB.Query.EQ(field, pattern));
                return;
            }
            var star = pattern.IndexOfAny(['*', '?']);
            if (star > 0) parts.Add(LiteDB.Query.StartsWith(field, pattern[..star]));
            var regex = new Regex("^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$",
                RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);
            tests.Add(p => value(p) is { } v && regex.IsMatch(v));
        }
    }

    private static BsonDocument ToDocument(PersonRecord p, int runId)
    {
        var doc = PersonDocument(p, runId);
        if (p.OpportunityUnread) doc["sfOpportunityUnread"] = true;
        return doc;
    }

    private static BsonDocument PersonDocument(PersonRecord p, int runId) => new()
    {
        ["_id"] = p.MarketoId,
        ["firstName"] = p.FirstName,
        ["lastName"] = p.LastName,
        ["email"] = p.Email,
        ["company"] = p.Company,
        ["title"] = p.Title,
        ["phone"] = p.Phone,
        ["linkedInUrl"] = p.LinkedInUrl,
        ["source"] = p.Source,
        ["sfType"] = p.SalesforceType,
        ["sfLeadId"] = p.SalesforceLeadId,
        ["sfContactId"] = p.SalesforceContactId,
        ["sfAccountId"] = p.SalesforceAccountId,
        ["sfOpportunityId"] = p.SalesforceOpportunityId,
        ["ownerId"] = p.SalesOwnerId,
        ["unsubscribed"] = p.Unsubscribed,
        ["marketoUpdatedAt"] = p.MarketoUpdatedAt is { } u ? new BsonValue(u.UtcDateTime) : BsonValue.Null,
        ["syncedAt"] = p.SyncedAt.UtcDateTime,
        ["lastRun"] = runId,
    };

    private static PersonRecord ToRecord(BsonDocument d) => new()
    {
        MarketoId = d["_id"].AsInt64,
        FirstName = Bson.Text(d, "firstName"),
        LastName = Bson.Text(d, "lastName"),
        Email = Bson.Text(d, "email"),
        Company = Bson.Text(d, "company"),
        Title = Bson.Text(d, "title"),
        Phone = Bson.Text(d, "phone"),
        LinkedInUrl = Bson.Text(d, "linkedInUrl"),
        Source = Bson.Text(d, "source"),
        SalesforceType = Bson.Text(d, "sfType"),
        SalesforceLeadId = Bson.Text(d, "sfLeadId"),
        SalesforceContactId = Bson.Text(d, "sfContactId"),
        SalesforceAccountId = Bson.Text(d, "sfAccountId"),
        SalesforceOpportunityId = Bson.Text(d, "sfOpportunityId"),
        SalesOwnerId = Bson.Text(d, "ownerId"),
        Unsubscribed = d["unsubscribed"].IsBoolean && d["unsubscribed"].AsBoolean,
        OpportunityUnread = d["sfOpportunityUnread"].IsBoolean && d["sfOpportunityUnread"].AsBoolean,
        MarketoUpdatedAt = d["marketoUpdatedAt"].IsDateTime ? new DateTimeOffset(DateTime.SpecifyKind(d["marketoUpdatedAt"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)) : null,
        SyncedAt = new DateTimeOffset(DateTime.SpecifyKind(d["syncedAt"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)),
    };
}
