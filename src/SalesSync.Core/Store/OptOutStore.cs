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

    /// <summary>When SalesSync set the opt-out (for a Marketo unsubscribe); null when Salesforce had it on its own.</summary>
    public DateTimeOffset? PushedAt { get; init; }
    public DateTimeOffset SeenAt { get; init; }
}

/// <summary>
/// Salesforce opt-outs as last read (a first run reads every opted-out lead and contact; later runs only
/// what changed since the SystemModstamp watermark kept here), and which ones SalesSync itself set, so
/// an unsubscribe is pushed once and a re-subscribe in Salesforce is not overridden again and again.
/// </summary>
internal sealed class OptOutStore
{
    private const string StateId = "salesforce";
    private readonly LiteDatabase _database;
    private readonly ILiteCollection<BsonDocument> _optOuts;
    private readonly ILiteCollection<BsonDocument> _state;

    public OptOutStore(SyncStore store)
    {
        _database = store.Database;
        _optOuts = _database.GetCollection("salesforce_optouts");
        _state = _database.GetCollection("optout_state");
    }

    /// <summary>The watermark: Salesforce records modified after it have not been read yet (null: never read).</summary>
    public DateTimeOffset? Since => _state.FindById(StateId) is { } doc ? Bson.UtcOrNull(doc["since"]) : null;

    public SalesforceOptOut? Find(string? id18) => id18 is null ? null : _optOuts.FindById(id18) is { } doc ? ToRecord(doc) : null;

    /// <summary>Whether any of these records is opted out in Salesforce (as last read).</summary>
    public bool AnyOptedOut(params string?[] ids18) => ids18.Any(id => Find(id) is { OptedOut: true });

    /// <summary>Saves records and, when given, the new watermark, in one transaction.</summary>
    public void Save(IReadOnlyCollection<SalesforceOptOut> records, DateTimeOffset? since = null)
    {
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
                    ["pushedAt"] = r.PushedAt is { } p ? new BsonValue(p.UtcDateTime) : BsonValue.Null,
                    ["seenAt"] = r.SeenAt.UtcDateTime,
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
        PushedAt = Bson.UtcOrNull(d["pushedAt"]),
        SeenAt = Bson.Utc(d["seenAt"]),
    };
}
