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
                GuardChangedAt = Bson.UtcOrNull(doc["guardChangedAt"]),
                GuardChangedBy = Bson.Text(doc, "guardChangedBy"),
                FallbackTaskOwnerId = Bson.Text(doc, "fallbackTaskOwnerId"),
            };
        }
    }

    public ActivitySettings SaveActivities(ActivitySettings settings)
    {
        var now = DateTimeOffset.UtcNow;
        var saved = settings with { ChangedAt = now, ChangedBy = Environment.UserName };
        if (saved.UnsubscribeGuard != Activities.UnsubscribeGuard) saved = saved with { GuardChangedAt = now, GuardChangedBy = Environment.UserName };
        _settings.Upsert(new BsonDocument
        {
            ["_id"] = ActivitiesId,
            ["salesforceKinds"] = new BsonArray(saved.SalesforceKinds.Distinct().Select(k => new BsonValue(k.ToString()))),
            ["unsubscribeGuard"] = saved.UnsubscribeGuard,
            ["changedAt"] = saved.ChangedAt!.Value.UtcDateTime,
            ["changedBy"] = saved.ChangedBy,
            ["guardChangedAt"] = saved.GuardChangedAt is { } g ? new BsonValue(g.UtcDateTime) : BsonValue.Null,
            ["guardChangedBy"] = saved.GuardChangedBy,
            ["fallbackTaskOwnerId"] = saved.FallbackTaskOwnerId,
        });
        return saved;
    }
}
