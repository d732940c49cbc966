using LiteDB;

namespace SalesSync.Core.Store;

/// <summary>What SalesSync knows of one Salesforce lead's or contact's Email Opt Out.</summary>
internal sealed record SalesforceOptOut
{
    /// <summary>The 18-character record id.</summary>
    public required string Id { get; init; }

    /// <summary>Lead or Contact.</summary>
    public required string Type { get; init; }
    public bool OptedOut { get; init; }

    /// <summary>Whether Salesforce has ever had the opt-out as far as SalesSync read (or SalesSync set it).</summary>
    public bool EverOptedOut { get; init; }

    /// <summary>When SalesSync set the opt-out (for a Marketo unsubscribe), or handled a converted lead through its contact.</summary>
    public DateTimeOffset? PushedAt { get; init; }

    /// <summary>For a converted lead: its contact (the record that takes opt-outs from then on).</summary>
    public string? ConvertedContactId { get; init; }
    public DateTimeOffset SeenAt { get; init; }

    /// <summary>
    /// Salesforce's SystemModstamp on the first read that showed the current Email Opt Out value (Salesforce's clock):
    /// for a re-subscribed record, the re-subscribe or soon after it, so a Marketo unsubscribe logged later is a new one.
    /// Null when not read since SalesSync set the flag.
    /// </summary>
    public DateTimeOffset? FlagModstamp { get; init; }

    /// <summary>Same knowledge (when it was read aside)?</summary>
    public bool SameAs(SalesforceOptOut? other) => other is not null && this with { SeenAt = default } == other with { SeenAt = default };
}

/// <summary>
/// Salesforce opt-outs as last read (a first run reads every opted-out lead and contact, and the converted
/// leads; later runs only what changed since the SystemModstamp watermark kept here), which ones SalesSync
/// itself set, so an unsubscribe is pushed once and a re-subscribe in Salesforce is not overridden by it, and
/// which contact each converted lead became. Also when Marketo logged each synced person's latest unsubscribe
/// (read by incremental runs), so an unsubscribe newer than a Salesforce re-subscribe is pushed again.
/// </summary>
internal sealed class OptOutStore
{
    private const string StateId = "salesforce";
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _optOuts;
    private readonly ILiteCollection<BsonDocument> _state;
    private readonly ILiteCollection<BsonDocument> _marketoUnsubscribes;

    public OptOutStore(SyncStore store)
    {
        _database = store.Database;
        _optOuts = _database.GetCollection("salesforce_optouts");
        _state = _database.GetCollection("optout_state");
        _marketoUnsubscribes = _database.GetCollection("marketo_unsubscribes");
    }

    private bool _indexed;

    /// <summary>The watermark: Salesforce records modified after it have not been read yet (null: never read).</summary>
    public DateTimeOffset? Since => _state.FindById(StateId) is { } doc ? Bson.UtcOrNull(doc["since"]) : null;

    public SalesforceOptOut? Find(string? id18) => id18 is null ? null : _optOuts.FindById(id18) is { } doc ? ToRecord(doc) : null;

    /// <summary>Whether any of these records, or the contact a converted lead among them became, is opted out (as last read).</summary>
    public bool AnyOptedOut(params string?[] ids18) =>
        ids18.Select(Find).Any(r => r is { OptedOut: true } || (r?.ConvertedContactId is { } contact && Find(contact) is { OptedOut: true }));

    /// <summary>The records SalesSync set the opt-out on at or after <paramref name="since"/> (none when nothing was ever read).</summary>
    public IReadOnlyList<SalesforceOptOut> PushedSince(DateTimeOffset since) =>
        _database.CollectionExists("salesforce_optouts") ? _optOuts.Find(LiteDB.Query.GTE("pushedAt", since.UtcDateTime)).Select(ToRecord).ToList() : [];

    /// <summary>The converted leads that became these contacts.</summary>
    public IReadOnlyList<SalesforceOptOut> LeadsConvertedTo(IReadOnlyCollection<string> contactIds18) =>
        contactIds18.Count == 0 ? [] : _optOuts.Find(LiteDB.Query.In("convertedContactId", contactIds18.Select(c => new BsonValue(c)).ToArray())).Select(ToRecord).ToList();

    /// <summary>When Marketo logged the person's latest unsubscribe (Marketo's clock), as far as incremental runs read; null when never seen.</summary>
    public DateTimeOffset? MarketoUnsubscribedAt(long marketoId) =>
        _marketoUnsubscribes.FindById(marketoId) is { } doc ? Bson.UtcOrNull(doc["at"]) : null;

    /// <summary>Keeps the latest logged unsubscribe time per person (a later one replaces an earlier one, never the reverse).</summary>
    public void SaveMarketoUnsubscribes(IReadOnlyCollection<(long MarketoId, DateTimeOffset At)> unsubscribes)
    {
        if (unsubscribes.Count == 0) return;
        foreach (var (id, at) in unsubscribes.GroupBy(u => u.MarketoId).Select(g => (g.Key, g.Max(u => u.At))))
        {
            if (MarketoUnsubscribedAt(id) is { } known && known >= at) continue;
            _marketoUnsubscribes.Upsert(new BsonDocument { ["_id"] = id, ["at"] = at.UtcDateTime });
        }
    }

    /// <summary>Saves records and, when given, the new watermark, in one transaction.</summary>
    public void Save(IReadOnlyCollection<SalesforceOptOut> records, DateTimeOffset? since = null)
    {
        // Indexed on the first write, so reads (a -WhatIf run) never create the collection.
        if (!_indexed)
        {
            _optOuts.EnsureIndex("convertedContactId", "$.convertedContactId");
            _indexed = true;
        }
        _database.BeginTrans();
        try
        {
            foreach (var r in records)
            {
                _optOuts.Upsert(new BsonDocument
                {
                    ["_id"] = r.Id,
                    ["type"] = r.Type,
                    ["optedOut"] = r.OptedOut,
                    ["everOptedOut"] = r.EverOptedOut,
                    ["pushedAt"] = r.PushedAt is { } p ? new BsonValue(p.UtcDateTime) : BsonValue.Null,
                    ["convertedContactId"] = r.ConvertedContactId,
                    ["seenAt"] = r.SeenAt.UtcDateTime,
                    ["flagModstamp"] = r.FlagModstamp is { } m ? new BsonValue(m.UtcDateTime) : BsonValue.Null,
                });
            }
            if (since is { } s) _state.Upsert(new BsonDocument { ["_id"] = StateId, ["since"] = s.UtcDateTime });
            _database.Commit();
        }
        catch
        {
            _database.Rollback();
            throw;
        }
    }

    private static SalesforceOptOut ToRecord(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Type = Bson.Text(d, "type") ?? "Lead",
        OptedOut = d["optedOut"].IsBoolean && d["optedOut"].AsBoolean,
        EverOptedOut = d["everOptedOut"].IsBoolean && d["everOptedOut"].AsBoolean,
        PushedAt = Bson.UtcOrNull(d["pushedAt"]),
        ConvertedContactId = Bson.Text(d, "convertedContactId"),
        SeenAt = Bson.Utc(d["seenAt"]),
        FlagModstamp = Bson.UtcOrNull(d["flagModstamp"]),
    };
}
