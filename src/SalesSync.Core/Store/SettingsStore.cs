using LiteDB;
using SalesSync.Core.Activities;

namespace SalesSync.Core.Store;

/// <summary>Admin settings stored in the database (one document per area), read fresh on every use.</summary>
internal sealed class SettingsStore(SyncStore store)
{
    private const string ActivitiesId = "activities";
    private const string MarketoDayId = "marketoDay";
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
                ReminderSync = Bson.Text(doc, "reminderSync") is { } mode ? Enum.Parse<Reminders.ReminderSyncMode>(mode) : Reminders.ReminderSyncMode.Off,
                ReminderSyncEnabledAt = Bson.UtcOrNull(doc["reminderSyncEnabledAt"]),
                ReminderSyncChangedBy = Bson.Text(doc, "reminderSyncChangedBy"),
            };
        }
    }

    public ActivitySettings SaveActivities(ActivitySettings settings)
    {
        var now = DateTimeOffset.UtcNow;
        var saved = settings with { ChangedAt = now, ChangedBy = Environment.UserName };
        var before = Activities;
        if (saved.UnsubscribeGuard != before.UnsubscribeGuard) saved = saved with { GuardChangedAt = now, GuardChangedBy = Environment.UserName };
        // Turning reminder sync on records when: the first pass after it imports from then and pushes only what is newer.
        if (saved.ReminderSync != before.ReminderSync)
            saved = saved with { ReminderSyncChangedBy = Environment.UserName, ReminderSyncEnabledAt = saved.ReminderSync == Reminders.ReminderSyncMode.TwoWay ? now : before.ReminderSyncEnabledAt };
        // The setting and its guard history entry are one write: a crash between them would leave a guard change the
        // report never shows (or, the other way round, a change recorded that did not happen).
        var database = store.Database;
        database.BeginTrans();
        try
        {
            SaveActivitiesDocument(saved);
            if (saved.UnsubscribeGuard != before.UnsubscribeGuard) Report.GuardHistory.Append(store, before, now, Environment.UserName, saved.UnsubscribeGuard);
            database.Commit();
        }
        catch
        {
            database.Rollback();
            throw;
        }
        return saved;
    }

    private void SaveActivitiesDocument(ActivitySettings saved) =>
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
            ["reminderSync"] = saved.ReminderSync.ToString(),
            ["reminderSyncEnabledAt"] = saved.ReminderSyncEnabledAt is { } e ? new BsonValue(e.UtcDateTime) : BsonValue.Null,
            ["reminderSyncChangedBy"] = saved.ReminderSyncChangedBy,
        });

    /// <summary>SalesSync's own Marketo calls on the Marketo day recorded (null: none recorded), so a new process continues the count.</summary>
    public (DateOnly Day, int Used)? MarketoDay =>
        _settings.FindById(MarketoDayId) is { } doc && DateOnly.TryParseExact(Bson.Text(doc, "day"), "yyyy-MM-dd", out var day) && doc["used"].IsInt32
            ? (day, doc["used"].AsInt32)
            : null;

    /// <summary>Records the day's count; one small upsert, skipped when it would not grow what is stored.</summary>
    public void SaveMarketoDay(DateOnly day, int used)
    {
        if (MarketoDay is { } stored && stored.Day == day && stored.Used >= used) return;
        var doc = _settings.FindById(MarketoDayId) ?? new BsonDocument { ["_id"] = MarketoDayId };
        doc["day"] = Day(day);
        doc["used"] = used;
        _settings.Upsert(doc); // the usage-read date beside it is kept
    }

    /// <summary>The Marketo day on which a watch of this database last read the instance's usage (stats/usage.json); null: never.</summary>
    public DateOnly? MarketoUsageReadOn =>
        _settings.FindById(MarketoDayId) is { } doc && DateOnly.TryParseExact(Bson.Text(doc, "usageReadOn"), "yyyy-MM-dd", out var day) ? day : null;

    /// <summary>Records that the instance's usage was read on <paramref name="day"/>, so a watch restarted that day does not read it again.</summary>
    public void SaveMarketoUsageRead(DateOnly day)
    {
        var doc = _settings.FindById(MarketoDayId) ?? new BsonDocument { ["_id"] = MarketoDayId };
        doc["usageReadOn"] = Day(day);
        _settings.Upsert(doc);
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
