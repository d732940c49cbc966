using LiteDB;

namespace SalesSync.Core.Store;

/// <summary>
/// One open SalesSync database: the single LiteDB instance of its file in this process, shared by
/// every session and runspace through <see cref="StoreRegistry"/>, plus the cross-process writer lock.
/// Engine services (people, activities, opt-outs) build their collections on <see cref="Database"/>.
/// Nothing secret is ever written here.
/// </summary>
internal sealed class SyncStore : IDisposable
{
    /// <summary>2: the activity tally (an older SalesSync, which would write activities without counting them, refuses the file).</summary>
    public const int SchemaVersion = 2;
    internal const string MetaCollection = "salessync";
    internal const string MetaId = "database";

    private readonly DatabaseLock _lock;
    private readonly Lazy<PeopleStore> _people;
    private readonly Lazy<SyncRunStore> _runs;
    private readonly Lazy<ExportWindowStore> _exportWindows;
    private readonly Lazy<ActivityStore> _activities;
    private readonly Lazy<SettingsStore> _settings;
    private readonly Lazy<OptOutStore> _optOuts;
    private readonly Lazy<ReminderStore> _reminders;

    internal SyncStore(string path, LiteDatabase database, DatabaseLock fileLock, string marketoInstance, bool encrypted, DateTime createdAt)
    {
        Path = path;
        Database = database;
        _lock = fileLock;
        MarketoInstance = marketoInstance;
        Encrypted = encrypted;
        CreatedAt = createdAt;
        // Made once per open database: the people collection's indexes are ensured once, not per read.
        _people = new Lazy<PeopleStore>(() => new PeopleStore(this));
        _runs = new Lazy<SyncRunStore>(() => new SyncRunStore(this));
        _exportWindows = new Lazy<ExportWindowStore>(() => new ExportWindowStore(this));
        // Its indexes only: the tally's check (and a recount) runs at first use, under the using operation's token.
        // PublicationOnly: a failure is not cached for the process (ensuring an index twice is harmless).
        _activities = new Lazy<ActivityStore>(() => new ActivityStore(this), LazyThreadSafetyMode.PublicationOnly);
        _settings = new Lazy<SettingsStore>(() => new SettingsStore(this));
        _optOuts = new Lazy<OptOutStore>(() => new OptOutStore(this));
        _reminders = new Lazy<ReminderStore>(() => new ReminderStore(this));
    }

    /// <summary>
    /// The database's two locks in this process, kept here so each file has exactly one of each: one people sync at a
    /// time, and one outbox delivery (or held-row check, or requeue) at a time. Separate on purpose: activities are
    /// sent while a sync runs.
    /// </summary>
    public SemaphoreSlim PeopleSyncLock { get; } = new(1, 1);

    public Activities.OutboxLock OutboxLock { get; } = new();

    private string? _watch;

    /// <summary>
    /// The watch of this database running in this process (what it is, for messages), or null. The people-sync lock is held
    /// only during a poll, so without this a second watch or a plain Start-SalesSync slipped in between polls (walk 17 M2).
    /// </summary>
    public string? RunningWatch => Volatile.Read(ref _watch);

    /// <summary>Marks a watch as running; false when another one already is.</summary>
    public bool TryStartWatch(string what) => Interlocked.CompareExchange(ref _watch, what, null) is null;

    public void EndWatch() => Volatile.Write(ref _watch, null);

    public PeopleStore People => _people.Value;
    public SyncRunStore Runs => _runs.Value;
    public ExportWindowStore ExportWindows => _exportWindows.Value;
    /// <summary>The activity store, its tally made true first (without a token: engine operations that can be stopped call <see cref="ActivitiesFor"/>).</summary>
    public ActivityStore Activities => ActivitiesFor(CancellationToken.None);

    /// <summary>
    /// The activity store, its tally checked (and recounted where needed) first under <paramref name="cancellationToken"/>:
    /// a stopped or failed recount is not remembered, the next use resumes it from its cursor.
    /// </summary>
    public ActivityStore ActivitiesFor(CancellationToken cancellationToken)
    {
        var activities = _activities.Value;
        activities.EnsureTallied(cancellationToken);
        return activities;
    }
    public SettingsStore Settings => _settings.Value;
    public OptOutStore OptOuts => _optOuts.Value;
    public ReminderStore Reminders => _reminders.Value;

    /// <summary>Whether any activity was ever stored (reads that find none need not create the collection).</summary>
    public bool HasActivities => Database.CollectionExists("activities");

    /// <summary>People stored, without creating the collection or its indexes (a -WhatIf reads only).</summary>
    public int PeopleCountIfAny => Database.CollectionExists("people") ? Database.GetCollection("people").Count() : 0;

    /// <summary>The highest Marketo id stored, without creating anything (0 when none).</summary>
    public long HighestMarketoIdIfAny => Database.CollectionExists("people") ? People.HighestMarketoId : 0;

    /// <summary>A bulk run's export windows not yet applied, without creating anything.</summary>
    public int UnappliedExportWindowsIfAny(int runId) =>
        Database.CollectionExists("export_windows") ? ExportWindows.ForRun(runId).Count(w => w.State != Sync.ExportWindowState.Applied) : 0;

    public string Path { get; }
    public LiteDatabase Database { get; }

    /// <summary>The Marketo instance (URI authority, lower case) whose people this database holds.</summary>
    public string MarketoInstance { get; }

    public bool Encrypted { get; }
    public DateTime CreatedAt { get; }

    public void Dispose()
    {
        try
        {
            Database.Dispose();
        }
        finally
        {
            _lock.Dispose();
        }
    }
}
