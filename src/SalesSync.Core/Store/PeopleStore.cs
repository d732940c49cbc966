using LiteDB;
using SalesSync.Core.People;

namespace SalesSync.Core.Store;

/// <summary>
/// The people collection: one document per Marketo id, indexes on email and every Salesforce id, and
/// the id of the sync run that last saw each person (so a full run can remove whoever it did not see
/// without holding a set of ids in memory). Reads go page by page and hold no cursor between pages.
/// Beside it, the owners Salesforce Users gave (<see cref="SaveOwners"/>), joined to people as they are read.
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

    /// <summary>
    /// Salesforce Users that own synced people, by 18-character id (name, email, active), as the last sync with Salesforce
    /// read them: a side collection joined at read time, so an owner renamed once is one write, and a person's record
    /// (and the sync's Added/Updated counts) never changes because of its owner's name.
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _owners;

    /// <summary>
    /// The Salesforce contact and lead ids (18 characters) that people gained since the reminder sync last read them:
    /// the reminder pass's watermark has moved past those people's Tasks, so it reads them once. A side collection kept
    /// only once the reminder sync asked for it (<see cref="TrackNewSalesforceRecords"/>), so a full pass of a million
    /// people writes no markers for a feature that is off; one document per id, so it never nears LiteDB's document limit.
    /// </summary>
    private readonly ILiteCollection<BsonDocument> _newSalesforceRecords;
    private const string NewRecordsCollection = "people_new_salesforce_records";
    private const string TrackingMarker = "*tracking";
    private bool _trackingNewRecords;

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
        _owners = _database.GetCollection("people_owners");
        _newSalesforceRecords = _database.GetCollection(NewRecordsCollection);
        _trackingNewRecords = _database.CollectionExists(NewRecordsCollection) && _newSalesforceRecords.FindById(TrackingMarker) is not null;
    }

    /// <summary>Whether people's new Salesforce records are noted for the reminder sync.</summary>
    public bool TracksNewSalesforceRecords => _trackingNewRecords;

    /// <summary>From now on, notes every Salesforce contact or lead id a person gains (forgetting any noted before).</summary>
    public void TrackNewSalesforceRecords()
    {
        _newSalesforceRecords.DeleteAll();
        _newSalesforceRecords.Insert(new BsonDocument { ["_id"] = TrackingMarker });
        _trackingNewRecords = true;
    }

    /// <summary>The noted ids, at most <paramref name="max"/>.</summary>
    public IReadOnlyList<string> NewSalesforceRecords(int max) =>
        !_trackingNewRecords ? [] : _newSalesforceRecords.Find(LiteDB.Query.Not("_id", TrackingMarker), limit: max).Select(d => d["_id"].AsString).ToList();

    /// <summary>Forgets noted ids once their Tasks are read.</summary>
    public void ForgetNewSalesforceRecords(IEnumerable<string> ids)
    {
        foreach (var id in ids) _newSalesforceRecords.Delete(id);
    }

    private void NoteNewSalesforceRecords(PersonRecord? previous, PersonRecord kept)
    {
        if (!_trackingNewRecords) return;
        foreach (var (before, now) in new[] { (previous?.SalesforceContactId, kept.SalesforceContactId), (previous?.SalesforceLeadId, kept.SalesforceLeadId) })
            if (SalesforceIds.To18(now) is { } id && id != SalesforceIds.To18(before))
                _newSalesforceRecords.Upsert(new BsonDocument { ["_id"] = id });
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
    public IReadOnlyList<PersonWrite> Upsert(IReadOnlyList<PersonRecord> batch, int runId)
    {
        var changes = new List<PersonWrite>(batch.Count);
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
                NoteNewSalesforceRecords(previous, kept);
                changes.Add(new PersonWrite(kept, change) { Before = change == PersonChange.Updated ? previous : null });
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
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or IndexOutOfRangeException or ArgumentException)
        {
            // LiteDB lists its transactions from a plain dictionary without a lock: another thread opening or closing
            // one meanwhile ("collection was modified", or a torn read: seen once as a NullReferenceException in a
            // bench) only skips this check; the next one, 25 people on, reads again.
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

    /// <summary>
    /// Writes people known not to be stored yet in one InsertBulk, in the sync's own document shape, without its change
    /// tracking (a benchmark's or a test's large database; a duplicate id fails the whole call).
    /// </summary>
    internal void InsertNew(IEnumerable<PersonRecord> people, int runId) => _people.InsertBulk(people.Select(p => ToDocument(p, runId)));

    /// <summary>
    /// People, those without an email, and the emails several people share (compared as the index compares them,
    /// without regard to case), with the <paramref name="top"/> most shared and a few of their Marketo ids.
    /// One walk over the email index reading only its keys (no person is loaded); memory holds the top list only.
    /// </summary>
    public EmailQuality ReadEmailQuality(int top, int idsPerEmail, CancellationToken cancellationToken = default)
    {
        long people = 0, withoutEmail = 0, sharedEmails = 0, sharing = 0;
        var largest = new PriorityQueue<(string Email, long People), (long, string)>(Comparer<(long People, string Email)>.Create((a, b) =>
            a.People != b.People ? a.People.CompareTo(b.People) : -string.CompareOrdinal(a.Email, b.Email)));
        string? run = null;
        long runLength = 0;
        void EndRun()
        {
            if (run is null || runLength < 2) return;
            sharedEmails++;
            sharing += runLength;
            largest.Enqueue((run, runLength), (runLength, run));
            if (largest.Count > top) largest.Dequeue();
        }
        foreach (var key in _people.Query().OrderBy("$.email").Select("$.email").ToEnumerable().Select(d => d["email"]))
        {
            // A stop (Ctrl+C) ends the walk within a few thousand keys.
            if (++people % 4096 == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!key.IsString || key.AsString.Length == 0)
            {
                withoutEmail++;
                continue;
            }
            var email = key.AsString;
            if (run is not null && _database.Collation.Compare(run, email) == 0)
            {
                runLength++;
                continue;
            }
            EndRun();
            run = email;
            runLength = 1;
        }
        EndRun();
        var shared = new List<SharedEmail>(largest.Count);
        while (largest.TryDequeue(out var e, out _))
        {
            var ids = _people.Query().Where(LiteDB.Query.EQ("email", e.Email)).Select("_id").Limit(idsPerEmail).ToEnumerable().Select(d => d["_id"].AsInt64).Order().ToList();
            shared.Add(new SharedEmail(e.Email, e.People, ids));
        }
        shared.Reverse();
        return new EmailQuality(people, withoutEmail, sharedEmails, sharing, shared);
    }

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
        IReadOnlyList<string>? ownerIdsByName = null;
        if (query.SalesOwners is { Count: > 0 } owners)
        {
            // Owners are few (one record per Salesforce user seen): match names and emails here, then filter by id.
            var patterns = owners.Select(o => TextPattern.Parse(o, ignoreCase: true)).ToList();
            ownerIdsByName = _owners.FindAll().Select(ToOwner).Where(o => patterns.Any(p => p.Matches(o.Name) || p.Matches(o.Email))).Select(o => o.Id).ToList();
            if (ownerIdsByName.Count == 0) yield break;
        }
        var filter = IndexedFilter(query with { MarketoIds = null }, ownerIdsByName, out var residual);
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

    /// <summary>The people a query selects, each with their owner as last read (owners read once per query).</summary>
    public IEnumerable<PersonWithOwner> QueryWithOwners(PersonQuery query)
    {
        var owners = new Dictionary<string, SalesOwner?>(StringComparer.Ordinal);
        foreach (var person in Query(query))
        {
            SalesOwner? owner = null;
            if (SalesforceIds.To18(person.SalesOwnerId) is { } id && !owners.TryGetValue(id, out owner))
                owners[id] = owner = FindOwner(id);
            yield return new PersonWithOwner(person, owner);
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
            // A short page was the last: no second query to learn that (it halves an exact lookup's cost).
            if (page.Count < ReadPageSize) yield break;
        }
    }

    /// <summary>Another synced person has the same email (case-insensitive, as Marketo matches).</summary>
    private bool HasDuplicate(PersonRecord person) =>
        !string.IsNullOrEmpty(person.Email) && _people.Count(LiteDB.Query.EQ("email", person.Email)) > 1;

    /// <summary>
    /// The part of a query an index answers, and a residual test for the rest (wildcards). Each filter's values:
    /// all exact, one EQ or IN through the field's index (the database's collation ignores case); one pattern with
    /// a literal prefix, StartsWith through the index and the pattern on what it finds; otherwise the patterns alone.
    /// </summary>
    private static BsonExpression? IndexedFilter(PersonQuery query, IReadOnlyList<string>? ownerIdsByName, out Func<PersonRecord, bool> residual)
    {
        var parts = new List<BsonExpression>();
        if (ownerIdsByName is not null) parts.Add(LiteDB.Query.In("ownerId", ownerIdsByName.Select(i => new BsonValue(i)).ToArray()));
        var tests = new List<Func<PersonRecord, bool>>();
        Add("email", query.Emails, true, null, p => p.Email);
        Add("company", query.Companies, true, null, p => p.Company);
        Add("ownerId", query.SalesOwnerIds, false, SalesforceIds.To18, p => p.SalesOwnerId);
        residual = p => tests.All(t => t(p));
        return parts.Count switch { 0 => null, 1 => parts[0], _ => LiteDB.Query.And(parts.ToArray()) };

        void Add(string field, IReadOnlyList<string>? values, bool ignoreCase, Func<string?, string?>? exact, Func<PersonRecord, string?> value)
        {
            if (values is not { Count: > 0 }) return;
            var patterns = ParsePatterns(values, ignoreCase, exact);
            if (patterns.All(p => !p.IsWildcard))
            {
                var literals = patterns.Select(p => p.Literal).Distinct(StringComparer.Ordinal).ToArray();
                parts.Add(literals.Length == 1 ? LiteDB.Query.EQ(field, literals[0]) : LiteDB.Query.In(field, literals.Select(l => new BsonValue(l)).ToArray()));
                // The collation ignores case: right for text, and for 18-character ids, whose last three characters encode
                // the case of the first fifteen (a 15-character id was turned into its 18-character form above).
                return;
            }
            if (patterns is [{ Prefix.Length: > 0 } single]) parts.Add(LiteDB.Query.StartsWith(field, single.Prefix));
            tests.Add(p => patterns.Any(t => t.Matches(value(p))));
        }
    }

    /// <summary>Parses filter values; an exact value may first be normalised (a 15-character id to its 18-character form).</summary>
    private static List<TextPattern> ParsePatterns(IReadOnlyList<string> values, bool ignoreCase, Func<string?, string?>? exact) =>
        values.Select(v => TextPattern.Parse(v, ignoreCase)).Select(p =>
            p.IsWildcard || exact?.Invoke(p.Literal) is not { } normal || normal == p.Literal ? p : TextPattern.Parse(TextPattern.EscapeText(normal), ignoreCase)).ToList();

    /// <summary>The owner as last read from Salesforce, by 18-character user id; null when never read.</summary>
    public SalesOwner? FindOwner(string id) => _owners.FindById(id) is { } doc ? ToOwner(doc) : null;

    /// <summary>
    /// Records what one read of Salesforce Users said about these ids: the users found are saved, and the ids it asked
    /// for and did not find (no such user, or not one the integration user may see) lose any name kept for them.
    /// </summary>
    public void SaveOwners(IReadOnlyCollection<SalesOwner> found, IEnumerable<string> asked)
    {
        _database.BeginTrans();
        try
        {
            foreach (var owner in found)
                _owners.Upsert(new BsonDocument
                {
                    ["_id"] = owner.Id,
                    ["name"] = owner.Name,
                    ["email"] = owner.Email,
                    ["isActive"] = owner.IsActive,
                    ["readAt"] = owner.ReadAt.UtcDateTime,
                });
            var seen = found.Select(o => o.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in asked)
                if (!seen.Contains(id)) _owners.Delete(id);
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
    }

    private static SalesOwner ToOwner(BsonDocument d) => new(
        d["_id"].AsString, Bson.Text(d, "name"), Bson.Text(d, "email"), !d["isActive"].IsBoolean || d["isActive"].AsBoolean,
        new DateTimeOffset(DateTime.SpecifyKind(d["readAt"].AsDateTime.ToUniversalTime(), DateTimeKind.Utc)));

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

/// <summary>What <see cref="PeopleStore.ReadEmailQuality"/> found (Shared: the most shared emails, most first).</summary>
internal sealed record EmailQuality(long People, long WithoutEmail, long SharedEmails, long PeopleSharing, IReadOnlyList<SharedEmail> Shared);

internal sealed record SharedEmail(string Email, long People, IReadOnlyList<long> SomeMarketoIds);
