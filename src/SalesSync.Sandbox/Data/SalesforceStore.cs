namespace SalesSync.Sandbox.Data;

/// <summary>A Salesforce record: canonical field name to value. Insertion order is kept per type.</summary>
public sealed class SalesforceRecord : Dictionary<string, object?>
{
    public SalesforceRecord(string type) : base(StringComparer.OrdinalIgnoreCase) => Type = type;
    public string Type { get; }
    public string Id => (string)this["Id"]!;
}

/// <summary>The Salesforce org's records, keyed by type and by id.</summary>
public sealed class SalesforceStore
{
    private readonly Dictionary<string, List<SalesforceRecord>> _byType = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, SalesforceRecord> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.OrdinalIgnoreCase);

    public SalesforceStore()
    {
        foreach (var t in SalesforceSchema.Types.Keys) _byType[t] = [];
    }

    public IReadOnlyList<SalesforceRecord> All(string type) => _byType[type];

    public SalesforceRecord? Find(string? id)
    {
        var normalized = SalesforceId.Normalize(id);
        return normalized is not null && _byId.TryGetValue(normalized, out var r) ? r : null;
    }

    public SalesforceRecord Add(string type, DateTimeOffset created, IEnumerable<KeyValuePair<string, object?>> fields)
    {
        var schema = SalesforceSchema.Types[type];
        created = TruncateToMillisecond(created);
        var seq = _sequences[type] = _sequences.GetValueOrDefault(type) + 1;
        var record = new SalesforceRecord(schema.Name)
        {
            ["Id"] = SalesforceId.Create(schema.KeyPrefix, seq),
            ["IsDeleted"] = false,
            ["CreatedDate"] = created,
            ["LastModifiedDate"] = created,
            ["SystemModstamp"] = created,
        };
        foreach (var (k, v) in fields)
            record[schema.Fields.TryGetValue(k, out var canonical) ? canonical : throw new ArgumentException($"No field {k} on {type}")] = v;
        _byType[schema.Name].Add(record);
        _byId[record.Id] = record;
        return record;
    }

    public int Count(string type) => _byType[type].Count;

    /// <summary>The User the API token acts as: default owner of created records (set by the generator).</summary>
    public string? RunningUserId { get; set; }

    /// <summary>The User standing in for the lead queue that the sandbox's lead assignment rule assigns to.</summary>
    public string? LeadQueueUserId { get; set; }

    /// <summary>A Queue (Group of type Queue) that may own Tasks, as Salesforce allows from v48.0 (set by the generator).</summary>
    public string? TaskQueueId { get; set; }

    /// <summary>
    /// Marks a record changed at <paramref name="now"/> (LastModifiedDate and SystemModstamp). Stamps are kept to the
    /// millisecond the REST API shows (so ORDER BY SystemModstamp, Id breaks ties as a client sees them), and the stamp
    /// always moves forward: two writes in one millisecond never share one.
    /// </summary>
    public static void Touch(SalesforceRecord record, DateTimeOffset now)
    {
        now = TruncateToMillisecond(now);
        if (record.GetValueOrDefault("SystemModstamp") is DateTimeOffset previous && now <= TruncateToMillisecond(previous))
            now = TruncateToMillisecond(previous).AddMilliseconds(1);
        record["LastModifiedDate"] = now;
        record["SystemModstamp"] = now;
    }

    private static DateTimeOffset TruncateToMillisecond(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMillisecond));

    /// <summary>How long the Recycle Bin keeps a deleted record for queryAll and getDeleted (Salesforce: 15 days).</summary>
    public static readonly TimeSpan RecycleBinRetention = TimeSpan.FromDays(15);

    /// <summary>
    /// Whether a deleted record has left the Recycle Bin (deleted, by its SystemModstamp, at least
    /// <see cref="RecycleBinRetention"/> before <paramref name="now"/>): queryAll and getDeleted no longer see it.
    /// </summary>
    public static bool IsPurged(SalesforceRecord record, DateTimeOffset now) =>
        record["IsDeleted"] is true && record.GetValueOrDefault("SystemModstamp") is DateTimeOffset deleted && deleted <= now - RecycleBinRetention;
}
