using LiteDB;
using SalesSync.Core.Activities;

namespace SalesSync.Core.Store;

/// <summary>Admin settings stored in the database (one document per area), read fresh on every use.</summary>
internal sealed class SettingsStore(SyncStore store)
{
    private const string ActivitiesId = "activities";
    private readonly ILiteCollection<BsonDocument> _settings = store.Database.GetCollection("settings");

    public ActivitySettings Activities
    {
        get
        {
            if (_settings.FindById(ActivitiesId) is not { } doc) return new ActivitySettings();
            return new ActivitySettings
            {
                SalesforceKinds = doc["salesforceKinds"].AsArray.Select(k => Enum.Parse<SalesActivityKind>(k.AsString)).ToList(),
                UnsubscribeGuard = !doc["unsubscribeGuard"].IsBoolean || doc["unsubscribeGuard"].AsBoolean,
                ChangedAt = Bson.UtcOrNull(doc["changedAt"]),
                ChangedBy = Bson.Text(doc, "changedBy"),
            };
        }
    }

    public ActivitySettings SaveActivities(ActivitySettings settings)
    {
        var saved = settings with { ChangedAt = DateTimeOffset.UtcNow, ChangedBy = Environment.UserName };
        _settings.Upsert(new BsonDocument
        {
            ["_id"] = ActivitiesId,
            ["salesforceKinds"] = new BsonArray(saved.SalesforceKinds.Distinct().Select(k => new BsonValue(k.ToString()))),
            ["unsubscribeGuard"] = saved.UnsubscribeGuard,
            ["changedAt"] = saved.ChangedAt!.Value.UtcDateTime,
            ["changedBy"] = saved.ChangedBy,
        });
        return saved;
    }
}
