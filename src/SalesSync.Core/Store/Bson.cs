using LiteDB;

namespace SalesSync.Core.Store;

/// <summary>Reading optional fields back from the stores' documents: LiteDB hands dates back in local time.</summary>
internal static class Bson
{
    public static string? Text(BsonDocument d, string name) => d[name].IsString ? d[name].AsString : null;

    public static DateTimeOffset Utc(BsonValue v) => new(DateTime.SpecifyKind(v.AsDateTime.ToUniversalTime(), DateTimeKind.Utc));

    public static DateTimeOffset? UtcOrNull(BsonValue v) => v.IsDateTime ? Utc(v) : null;
}
