using SalesSync.Core.Connection;
using SalesSync.Core.Diagnostics;
using SalesSync.Core.Http;
using SalesSync.Core.Marketo;
using SalesSync.Core.Salesforce;
using SalesSync.Core.People;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;

namespace SalesSync.Core;

/// <summary>
/// The engine's one entry point: made by <see cref="ConnectAsync"/>, it owns the Marketo client, the
/// optional Salesforce client and a lease on the shared store of its database, and it is where the
/// engine services (people sync, activity outbox, unsubscribe checks) hang. Cmdlets call only its
/// members; API clients, transport, retries, the rate gate and LiteDB stay internal.
/// Disposing retires the session: it closes once the last <see cref="Use"/> lease ends, so a
/// reconnect never pulls a client from under a command that is still running.
/// </summary>
public sealed class SalesSyncSession : IDisposable
{
    private readonly object _sync = new();
    private readonly StoreLease _store;
    private int _leases;
    private bool _retired;
    private bool _closed;

    private SalesSyncSession(ConnectionSettings settings, MarketoClient marketo, SalesforceClient? salesforce, StoreLease store)
    {
        Settings = settings;
        Marketo = marketo;
        Salesforce = salesforce;
        _store = store;
        ConnectedAt = DateTimeOffset.UtcNow;
        // Every call this session's clients make is tallied into its database for the report, stored each second.
        _usage = new Report.ApiUsageRecorder(store.Store, flushEvery: TimeSpan.FromSeconds(1));
        marketo.UsageRecorder = _usage;
        if (salesforce is not null) salesforce.UsageRecorder = _usage;
    }

    private readonly Report.ApiUsageRecorder _usage;

    /// <summary>What the session was made from (secrets stay wrapped).</summary>
    public ConnectionSettings Settings { get; }

    internal MarketoClient Marketo { get; }
    internal SalesforceClient? Salesforce { get; }
    internal SyncStore Store => _store.Store;

    public Uri MarketoUri => Settings.MarketoUri;
    public string MarketoClientId => Settings.MarketoClientId;

    /// <summary>When the Marketo access token in use expires (live: follows every refresh).</summary>
    public DateTimeOffset? MarketoTokenExpiresAt => Marketo.TokenExpiresAt;

    /// <summary>The limits in force for the instance (shared by every connection to it in this process).</summary>
    public MarketoLimitSettings MarketoLimits => Marketo.Gate.Settings;

    /// <summary>Marketo calls this process made today against the instance (client-side count).</summary>
    public int MarketoCallsToday => Marketo.Gate.Budget.Used;

    /// <summary>Every integration's Marketo calls today on this instance (Marketo's figure at the last read plus ours since); null before a read.</summary>
    public int? MarketoInstanceCallsToday => Marketo.InstanceCallsToday;

    public Uri? SalesforceUri => Settings.SalesforceUri;
    public string? SalesforceClientId => Settings.SalesforceClientId;
    public Uri? SalesforceInstanceUrl => Salesforce?.InstanceUrl;
    public string? SalesforceApiVersion => Salesforce?.ApiVersion;

    public string DatabasePath => Store.Path;
    public bool DatabaseEncrypted => Store.Encrypted;

    /// <summary>The Marketo instance the database belongs to (URI authority).</summary>
    public string MarketoInstance => Store.MarketoInstance;

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>True once disposed (retired), even while a running command still holds a lease.</summary>
    public bool IsRetired
    {
        get { lock (_sync) return _retired; }
    }

    /// <summary>
    /// Checks the URIs and the database path, proves the Marketo (and Salesforce) credentials with a
    /// token from each, then opens the database. Failures are <see cref="ConnectFailedException"/>s with
    /// a reason; settings outside the documented limits are <see cref="ArgumentException"/>s. A failed
    /// connect changes nothing: the instance's limits are applied only once everything succeeded.
    /// </summary>
    public static async Task<SalesSyncSession> ConnectAsync(ConnectionSettings settings, CancellationToken cancellationToken)
    {
        var observer = EngineObserver.Current;
        settings = NormalizeUris(settings, observer);
        CheckUri(settings.MarketoUri, MarketoClient.ServiceName);
        if (settings.SalesforceUri is not null)
        {
            CheckUri(settings.SalesforceUri, SalesforceClient.ServiceName);
            if (string.IsNullOrEmpty(settings.SalesforceClientId) || settings.SalesforceClientSecret is null || settings.SalesforceClientSecret.IsEmpty)
                throw new ConnectFailedException(ConnectFailureReason.BadCredentials, SalesforceClient.ServiceName,
                    "A Salesforce URI was given without a Salesforce client id and secret.");
        }
        if (string.IsNullOrEmpty(settings.MarketoClientId) || settings.MarketoClientSecret.IsEmpty)
            throw new ConnectFailedException(ConnectFailureReason.BadCredentials, MarketoClient.ServiceName, "The Marketo client id and secret must not be empty.");
        settings.MarketoLimits.Validate();
        var databasePath = Path.GetFullPath(settings.DatabasePath ?? DefaultDatabase(settings, observer));
        observer.Verbose($"Database: checking '{databasePath}'.");
        OnDatabase(() => StoreRegistry.CheckPath(databasePath));

        // The instance's one gate; new settings take effect only after the connection is proven.
        var gate = MarketoRateGate.For(settings.MarketoUri, settings.MarketoLimits);
        var marketo = new MarketoClient(new MarketoClientOptions
        {
            BaseUri = settings.MarketoUri,
            ClientId = settings.MarketoClientId,
            ClientSecret = settings.MarketoClientSecret,
            Limits = settings.MarketoLimits,
            Retry = settings.Retry,
        }, gate);
        SalesforceClient? salesforce = null;
        StoreLease? store = null;
        try
        {
            observer.Verbose($"Marketo: connecting to {settings.MarketoUri.GetLeftPart(UriPartial.Authority)}.");
            await Prove(MarketoClient.ServiceName, settings.MarketoUri, () => marketo.AuthenticateAsync(cancellationToken)).ConfigureAwait(false);
            if (settings.SalesforceUri is not null)
            {
                salesforce = new SalesforceClient(new SalesforceClientOptions
                {
                    BaseUri = settings.SalesforceUri,
                    ClientId = settings.SalesforceClientId!,
                    ClientSecret = settings.SalesforceClientSecret!,
                    ApiVersion = settings.SalesforceApiVersion,
                    Retry = settings.Retry,
                });
                observer.Verbose($"Salesforce: connecting to {settings.SalesforceUri.GetLeftPart(UriPartial.Authority)}.");
                await Prove(SalesforceClient.ServiceName, settings.SalesforceUri, () => salesforce.AuthenticateAsync(cancellationToken)).ConfigureAwait(false);
                var served = await Prove(SalesforceClient.ServiceName, settings.SalesforceUri, () => salesforce.ServedVersionsAsync(cancellationToken)).ConfigureAwait(false);
                CheckApiVersion(settings.SalesforceApiVersion, served, settings.SalesforceUri);
            }
            cancellationToken.ThrowIfCancellationRequested();
            observer.Verbose($"Database: opening '{databasePath}'{(settings.DatabasePassword is null ? "" : " (encrypted)")}.");
            store = OnDatabase(() => StoreRegistry.Open(databasePath, MarketoRateGate.InstanceKey(settings.MarketoUri), settings.DatabasePassword));
            cancellationToken.ThrowIfCancellationRequested();
            if (gate.Settings != settings.MarketoLimits with { Window = gate.Window })
                observer.Warning($"Marketo limits for {MarketoRateGate.InstanceKey(settings.MarketoUri)} change to {settings.MarketoLimits.CallsPerWindow} calls/20 s, {settings.MarketoLimits.ConcurrentCalls} in flight, {settings.MarketoLimits.DailyCallBudget} calls/day for every connection to it in this process (they were {gate.Settings.CallsPerWindow}, {gate.Settings.ConcurrentCalls}, {gate.Settings.DailyCallBudget}).");
            gate.Apply(settings.MarketoLimits);
            // SalesSync's count of the Marketo day lives in the database too: a process started later (a scheduled watch) continues it.
            if (OnDatabase(() => store.Store.Settings.MarketoDay) is { } day) gate.Budget.Continue(day.Day, day.Used);
            return new SalesSyncSession(settings, marketo, salesforce, store);
        }
        catch
        {
            store?.Dispose();
            marketo.Dispose();
            salesforce?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the people sync (<see cref="SyncOptions"/>) and streams what it does: each changed person
    /// when asked, then the run. Cancelling stops between calls and leaves the run resumable.
    /// </summary>
    public async IAsyncEnumerable<SyncOutput> SyncPeopleAsync(SyncOptions options, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var output in new PeopleSync(Marketo, Salesforce, Store).RunAsync(options, cancellationToken).ConfigureAwait(false))
                yield return output;
        }
        finally
        {
            SaveMarketoDay();
        }
    }

    /// <summary>Stores SalesSync's Marketo count of the day (end of each run and poll: cheap, and a crash loses at most one run's calls).</summary>
    internal void SaveMarketoDay()
    {
        var budget = Marketo.Gate.Budget;
        try
        {
            Store.Settings.SaveMarketoDay(budget.Day, budget.Used);
        }
        catch (LiteDB.LiteException e)
        {
            // The count is a guard for later processes; a database that cannot take it now must not fail the sync.
            EngineObserver.Current.Verbose($"SalesSync's Marketo call count was not stored: {e.Message}");
        }
    }

    /// <summary>
    /// Start-SalesSync -Watch: an incremental run every interval, one Salesforce-side step per poll in turns, pending
    /// deliveries, until the deadline or cancellation (<see cref="Sync.WatchLoop"/>). Throws a <see cref="SyncException"/>
    /// (WatchNeedsCompletedRun) when no completed run gives it a watermark.
    /// </summary>
    public IAsyncEnumerable<SyncOutput> WatchAsync(WatchOptions options, CancellationToken cancellationToken) =>
        new WatchLoop(this, Marketo, Salesforce, Store, options).RunAsync(cancellationToken);

    /// <summary>Throws the <see cref="SyncException"/> a watch would start with when it cannot poll incrementally (for -WhatIf).</summary>
    public void CheckCanWatch() => WatchLoop.CheckCanWatch(Store, DateTimeOffset.UtcNow);

    /// <summary>
    /// What a sync with these options would do (-WhatIf): writes nothing; a new full pass's planner may read Marketo.
    /// Throws the same <see cref="SyncException"/> the run would (an unfinished run that differs, a bad parameter).
    /// </summary>
    public Task<string> DescribeSyncPlanAsync(SyncOptions options, CancellationToken cancellationToken) =>
        SyncPreview.DescribeAsync(Store, Marketo, Salesforce, options, cancellationToken);

    /// <summary>What the next plain Start-SalesSync does after this unfinished run (stop messages, RecommendedAction).</summary>
    public static string NextStepAfter(SyncRunResult run) => PeopleSync.NextStep(run);

    /// <summary>
    /// Sync health at a glance (Get-SalesSyncStatus): the database and the connection's counters only, no API call;
    /// online, also Marketo's usage and a new full pass's plan, and Salesforce's limits.
    /// </summary>
    public async Task<Status.SyncStatusReport> GetStatusAsync(bool online, CancellationToken cancellationToken) =>
        Status.SyncStatusReport.Of(await Status.StatusReader.ReadAsync(Store, Marketo, Salesforce, online, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The health report's data (Export-SalesSyncReport): runs, deliveries, refusals, opt-outs pushed and guard changes
    /// since <paramref name="since"/>, data quality, reminders, and Get-SalesSyncStatus's verdict. A local read: no API call.
    /// </summary>
    public Report.HealthReport ReadHealthReport(DateTimeOffset since, CancellationToken cancellationToken) =>
        Report.HealthReportReader.Read(Store, Status.CallCounters.Of(Marketo, Salesforce), since, DateTimeOffset.UtcNow, cancellationToken);

    /// <summary>Synced people, read page by page (no cursor is held between pages).</summary>
    public IEnumerable<PersonRecord> GetPeople(PersonQuery query) => Store.People.Query(query);

    /// <summary>Synced people with their owner's name and email as the last sync with Salesforce read them (Get-SyncedPerson).</summary>
    public IEnumerable<PersonWithOwner> GetPeopleWithOwners(PersonQuery query) => Store.People.QueryWithOwners(query);

    /// <summary>A Salesforce owner as the last sync read it (null when never read, or a queue); what Get-SyncedPerson shows beside a person.</summary>
    public SalesOwner? FindSalesOwner(string? ownerId) => People.SalesforceIds.To18(ownerId) is { } id ? Store.People.FindOwner(id) : null;

    /// <summary>Marketo's static and smart list definitions (Get-MarketoList): one call per page, none per list.</summary>
    public IAsyncEnumerable<Marketo.MarketoListInfo> GetMarketoListsAsync(Marketo.MarketoListQuery query, CancellationToken cancellationToken) =>
        new Marketo.MarketoLists(Marketo).ReadAsync(query, cancellationToken);

    /// <summary>Recorded sync runs, newest first (without watch polls when <paramref name="excludeWatch"/>).</summary>
    public IReadOnlyList<SyncRunResult> GetSyncRuns(int? last = null, bool excludeWatch = false) => Store.Runs.History(last, excludeWatch).ToList();

    /// <summary>How many sync runs are recorded (without watch polls when <paramref name="excludeWatch"/>).</summary>
    public int CountSyncRuns(bool excludeWatch = false) => Store.Runs.Count(excludeWatch);

    /// <summary>Creates what is missing of SalesSync's three custom activity types in Marketo and approves them (nothing with whatIf).</summary>
    public async Task<IReadOnlyList<Activities.ActivityTypeStatus>> InstallActivityTypesAsync(bool whatIf, CancellationToken cancellationToken)
    {
        var result = await new Activities.ActivityTypeSetup(Marketo).InstallAsync(whatIf, cancellationToken).ConfigureAwait(false);
        // The feed reads the types again: SalesSync's own may exist now.
        if (!whatIf) _activityFeed?.ForgetTypes();
        return result;
    }

    /// <summary>A logger for one caller's activities (checks, stores, delivers in API-sized batches).</summary>
    public Activities.ActivityLogger CreateActivityLogger() => new(Marketo, Salesforce, Store, Settings.UnknownOutcomeGrace);

    /// <summary>Delivers every pending activity (left by a stop, an outage or a quota) to both destinations.</summary>
    public Task<Activities.DeliveryReport> DeliverPendingActivitiesAsync(CancellationToken cancellationToken) =>
        CreateActivityLogger().FlushAsync(ActivitiesReady(cancellationToken));

    /// <summary>Failed deliveries back to pending (all, or these activity ids) for the next delivery; counts per destination.</summary>
    public Task<(int Marketo, int Salesforce)> RequeueFailedActivitiesAsync(IReadOnlyList<string>? activityIds, CancellationToken cancellationToken) =>
        Store.HasActivities ? CreateActivityLogger().RequeueFailedAsync(activityIds, ActivitiesReady(cancellationToken)) : Task.FromResult((0, 0));

    /// <summary>
    /// Checks (and where needed recounts) the activity tally under the operation's token before it first touches the
    /// activities, so a long recount can be stopped; returns the token.
    /// </summary>
    private CancellationToken ActivitiesReady(CancellationToken cancellationToken)
    {
        if (Store.HasActivities) Store.ActivitiesFor(cancellationToken);
        return cancellationToken;
    }

    /// <summary>Failed deliveries per destination (no collection is created just to ask).</summary>
    public (int Marketo, int Salesforce) FailedActivityCount =>
        Store.HasActivities ? (Store.Activities.Count(true, Activities.DeliveryState.Failed), Store.Activities.Count(false, Activities.DeliveryState.Failed)) : (0, 0);

    /// <summary>Activities waiting for either destination (no collection is created just to ask).</summary>
    public int PendingActivityCount =>
        Store.HasActivities ? Store.Activities.CountUnsettled(salesforceToo: Salesforce is not null) : 0;

    /// <summary>The activity log, oldest first, page by page.</summary>
    public IEnumerable<Activities.SalesActivity> GetActivities(ActivityQuery query) => Store.Activities.Query(query);

    public Activities.ActivitySettings ActivitySettings => Store.Settings.Activities;

    public Activities.ActivitySettings SaveActivitySettings(Activities.ActivitySettings settings) => Store.Settings.SaveActivities(settings);

    /// <summary>The local side of reminders (make, change, complete, delete, read; no service calls).</summary>
    public Reminders.ReminderBook Reminders => new(Store, Settings.UnknownOutcomeGrace.Salesforce);

    /// <summary>One reminder pass: Salesforce's Task changes in, local changes out, conflicts resolved and recorded.</summary>
    public Task<Reminders.ReminderSyncReport> SyncRemindersAsync(Reminders.ReminderSyncOptions options, CancellationToken cancellationToken) =>
        new Reminders.ReminderSync(Salesforce ?? throw new InvalidOperationException("Reminder sync needs a Salesforce connection (Connect-SalesSync -SalesforceUri ...)."), Store, Settings.UnknownOutcomeGrace.Salesforce)
            .RunAsync(options, cancellationToken);

    /// <summary>
    /// Checks a user id as the fallback Task owner (an active Salesforce user) and returns its 18-character id;
    /// a <see cref="Activities.SalesActivityException"/> (InvalidValue) says why not.
    /// </summary>
    public Task<string> CheckTaskOwnerAsync(string userId, CancellationToken cancellationToken) =>
        new Activities.TaskOwners(Salesforce ?? throw new InvalidOperationException("Checking a Task owner needs a Salesforce connection (Connect-SalesSync -SalesforceUri ...)."))
            .CheckActiveAsync(userId, cancellationToken);

    private Feed.PersonActivityFeed? _activityFeed;

    /// <summary>The person activity feed of this connection: its activity types last as long as the connection; its short cache is the instance's (a reconnect keeps it).</summary>
    public Feed.PersonActivityFeed ActivityFeed => LazyInitializer.EnsureInitialized(ref _activityFeed,
        () => new Feed.PersonActivityFeed(Marketo, cache: Feed.FeedCache.For(Settings.MarketoUri, Settings.MarketoClientId)));

    /// <summary>The people a feed request names (by Marketo id, email or Salesforce account); a <see cref="People.PersonLookupException"/> says why none.</summary>
    public IReadOnlyList<Feed.FeedPerson> FindFeedPeople(long? marketoId, string? email, string? accountId) =>
        Feed.FeedPeople.Find(Store.People, marketoId, email, accountId);

    /// <summary>Live unsubscribe checks for one caller: up to 300 emails per Marketo call (sized by the synced duplicates), repeats answered once, failing closed.</summary>
    public Unsubscribes.UnsubscribeLookup CreateUnsubscribeLookup() => new(Marketo, store: Store);

    /// <summary>The send guard for one caller (its checks batched like the caller's activities).</summary>
    public Unsubscribes.SendGuard CreateSendGuard() => new(CreateUnsubscribeLookup(), Store);

    /// <summary>Whether a Salesforce connection exists (the opt-out step needs one).</summary>
    public bool HasSalesforce => Salesforce is not null;

    /// <summary>
    /// The opt-out step: Salesforce opt-outs read in (incrementally), Marketo unsubscribes set on Salesforce
    /// (never anything written to Marketo). With whatIf it reads Salesforce and reports, changing nothing.
    /// </summary>
    public IAsyncEnumerable<Unsubscribes.OptOutOutput> SyncOptOutsAsync(bool whatIf, CancellationToken cancellationToken) =>
        new Unsubscribes.OptOutSync(Salesforce ?? throw new InvalidOperationException("The opt-out step needs a Salesforce connection (Connect-SalesSync -SalesforceUri ...)."), Store)
            .RunAsync(whatIf, cancellationToken);

    /// <summary>
    /// Holds the session open for one command. Returns null when the session has already been retired
    /// (the caller should report "not connected").
    /// </summary>
    public IDisposable? Use()
    {
        lock (_sync)
        {
            if (_retired) return null;
            _leases++;
            return new Lease(this);
        }
    }

    /// <summary>Closes every database this process has open (module removal); sessions still alive fail on their next database use.</summary>
    public static void CloseAllDatabases() => StoreRegistry.CloseAll();

    /// <summary>Retires the session; it closes now, or when the last command using it ends.</summary>
    public void Dispose()
    {
        lock (_sync)
        {
            _retired = true;
            if (_leases > 0) return;
        }
        Close();
    }

    private void Release()
    {
        _usage.Flush(); // a command's calls are stored when it ends, not a second later (a script may exit then)
        lock (_sync)
        {
            if (--_leases > 0 || !_retired) return;
        }
        Close();
    }

    private void Close()
    {
        lock (_sync)
        {
            if (_closed) return;
            _closed = true;
        }
        _usage.Dispose();
        _store.Dispose();
        Marketo.Dispose();
        Salesforce?.Dispose();
    }

    private sealed class Lease(SalesSyncSession session) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0) session.Release();
        }
    }

    private static void CheckUri(Uri uri, string service)
    {
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ConnectFailedException(ConnectFailureReason.InvalidUri, service, $"{service} URI '{UriPolicy.Display(uri)}' is not an absolute http(s) URI.");
        if (uri.UserInfo.Length > 0)
            throw new ConnectFailedException(ConnectFailureReason.InvalidUri, service,
                $"{service} URI '{UriPolicy.Display(uri)}' contains a user name or password; give credentials with -{service}Credential instead.");
        if (UriPolicy.Check(uri) is { } problem)
            throw new ConnectFailedException(ConnectFailureReason.InsecureUri, service, $"{service}: {problem}");
    }

    /// <summary>The URIs as the clients need them (see <see cref="ServiceUri"/>); what was changed is said in verbose.</summary>
    private static ConnectionSettings NormalizeUris(ConnectionSettings settings, IEngineObserver observer)
    {
        var (marketo, marketoNote) = ServiceUri.Normalize(settings.MarketoUri, MarketoClient.ServiceName);
        if (marketoNote is not null) observer.Verbose(marketoNote);
        if (settings.SalesforceUri is null) return settings with { MarketoUri = marketo };
        var (salesforce, salesforceNote) = ServiceUri.Normalize(settings.SalesforceUri, SalesforceClient.ServiceName);
        if (salesforceNote is not null) observer.Verbose(salesforceNote);
        return settings with { MarketoUri = marketo, SalesforceUri = salesforce };
    }

    /// <summary>
    /// ~/.salessync/&lt;instance host&gt;.db, or the single default database of earlier versions while the instance has no
    /// file of its own yet: that one is used when it records this instance or none, left alone when it records another,
    /// and when its owner cannot be told (in use, encrypted, unreadable) the connection stops and asks for -Database
    /// rather than guess: a guess either way would split the user's data between two files.
    /// </summary>
    private static string DefaultDatabase(ConnectionSettings settings, IEngineObserver observer)
    {
        var own = ServiceUri.DefaultDatabaseFile(settings.MarketoUri);
        var legacy = ConnectionSettings.LegacyDefaultDatabasePath;
        if (File.Exists(own) || !File.Exists(legacy)) return own;
        var instance = MarketoRateGate.InstanceKey(settings.MarketoUri);
        string? recorded;
        try
        {
            recorded = StoreRegistry.RecordedInstance(legacy, settings.DatabasePassword);
        }
        catch (StoreException e)
        {
            throw new ConnectFailedException(ConnectFailureReason.LegacyDatabaseUndetermined, "Database",
                $"'{legacy}' (the default database of earlier SalesSync versions) exists, and which Marketo instance it holds cannot be told: {e.Message} " +
                $"Nothing was opened or created. Connect with -Database '{legacy}' to use it{(e.Reason is StoreFailureReason.PasswordRequired or StoreFailureReason.WrongPassword ? " (with its -DatabasePassword)" : "")}, or with -Database '{own}' to give this instance a database of its own.", e);
        }
        if (recorded is null || string.Equals(recorded, instance, StringComparison.OrdinalIgnoreCase))
        {
            observer.Verbose($"Database: using '{legacy}', the default database of earlier SalesSync versions, because it holds {(recorded is null ? "no instance's people yet" : "the people of this instance")} ({instance}). Other instances get their own ~/.salessync/<host>.db; rename it to '{own}' to follow that rule too.");
            return legacy;
        }
        observer.Verbose($"Database: '{legacy}' holds Marketo instance '{recorded}', not '{instance}'; it was left alone. This instance's default database is '{own}'.");
        return own;
    }

    private static void CheckApiVersion(string asked, IReadOnlyList<string> served, Uri uri)
    {
        var number = asked.TrimStart('v');
        if (served.Contains(number, StringComparer.Ordinal)) return;
        var ordered = served.OrderBy(v => decimal.TryParse(v, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 0m)
            .Select(v => "v" + v).ToList();
        throw new ConnectFailedException(ConnectFailureReason.ApiVersionNotServed, SalesforceClient.ServiceName,
            ordered.Count == 0
                ? $"Salesforce at {uri.GetLeftPart(UriPartial.Authority)} lists no REST API versions, so {asked} cannot be used."
                : $"Salesforce at {uri.GetLeftPart(UriPartial.Authority)} does not serve REST API version {asked}; the newest it serves is {ordered[^1]} (the oldest {ordered[0]}).");
    }

    private static void OnDatabase(Action action) => OnDatabase(() => { action(); return true; });

    private static T OnDatabase<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (StoreException e)
        {
            throw new ConnectFailedException(ConnectFailureReason.Database, "Database", e.Message, e);
        }
    }

    private static System.Security.Authentication.AuthenticationException? HandshakeFailure(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is System.Security.Authentication.AuthenticationException tls) return tls;
        return null;
    }

    private static async Task<T> Prove<T>(string service, Uri uri, Func<Task<T>> authenticate)
    {
        try
        {
            return await authenticate().ConfigureAwait(false);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.Unauthorized)
        {
            throw new ConnectFailedException(ConnectFailureReason.BadCredentials, service, $"{service} at {uri.GetLeftPart(UriPartial.Authority)} refused the credentials: {e.ApiMessage}", e);
        }
        catch (SalesSyncApiException e) when (e.Kind == ApiFailureKind.QuotaExhausted)
        {
            throw new ConnectFailedException(ConnectFailureReason.QuotaExhausted, service, e.Message, e);
        }
        catch (SalesSyncApiException e) when (uri.Scheme == Uri.UriSchemeHttps && HandshakeFailure(e) is { } tls)
        {
            throw new ConnectFailedException(ConnectFailureReason.TlsFailed, service,
                $"{service} at {uri.GetLeftPart(UriPartial.Authority)} did not complete an HTTPS (TLS) handshake: {tls.Message} If that port serves plain HTTP (the SalesSync sandbox listens on http://127.0.0.1), use http://; otherwise check the certificate and any proxy that inspects TLS.", e);
        }
        catch (SalesSyncApiException e)
        {
            throw new ConnectFailedException(ConnectFailureReason.Unreachable, service,
                $"{service} at {uri.GetLeftPart(UriPartial.Authority)} could not be reached or did not answer as {service} does: {e.ApiMessage}", e);
        }
    }
}
