using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using LiteDB;
using SalesSync.Core.Marketo;
using SalesSync.Core.Status;
using SalesSync.Core.Store;
using SalesSync.Core.Sync;

namespace SalesSync.Core.Report;

/// <summary>
/// The API usage ledger kept in the database for the health report. Per Marketo day (US Central, as
/// <see cref="DailyCallBudget.DayOf"/> draws it; Salesforce's counts are filed under the same day): SalesSync's Marketo
/// calls, the instance's calls as stats/usage.json last reported them that day (with when, and SalesSync's own count at
/// that moment, so the report can add SalesSync's calls made since), bulk export bytes (each completed export job's file
/// size, counted once, on the Marketo day its completion was seen: Marketo's 500 MB daily limit counts exported file
/// size per day, not bytes downloaded, so a re-download adds nothing),
/// SalesSync's Salesforce calls and the org's used API requests from the day's latest Sforce-Limit-Info reading.
/// <para>
/// Busy windows are sliding: every run of 20 whole seconds starting on any second, counted from per-second tallies of
/// SalesSync's Marketo calls (a count per second, so a window spans 19 to 20 seconds of real time; Marketo's own window
/// is exact, so a figure here can be one second's calls short of what Marketo saw). The busiest windows that do not
/// overlap each other are kept, at most 20 per day, each filed under the day it starts in and counted within that day.
/// </para>
/// <para>
/// Persistence: <see cref="ApiUsageRecorder"/> tallies in memory and adds its tally to the stored one each second it has
/// something (and when a command ends and the connection closes). Counts are added, so successive processes on one
/// database merge; the per-second tallies (3,600 counters per UTC hour document) are kept for today and yesterday only.
/// A day's windows are read from them while they are kept, and stored with the day when a command ends, at most once a
/// minute besides, and before its tallies are dropped. A crash loses at most the unflushed second.
/// </para>
/// </summary>
internal static class ApiUsageLedger
{
    internal const string DaysCollection = "api_usage_days";
    internal const string SecondsCollection = "api_usage_seconds";
    public const int WindowSeconds = 20;
    public const int WindowsKept = 20;
    private const int HourSeconds = 3600;

    /// <summary>Flushes add to stored counts (read, add, write): one at a time per database, whichever session flushes.</summary>
    private static readonly ConditionalWeakTable<SyncStore, object> WriteLocks = new();

    /// <summary>The report's API budget section: days since <paramref name="since"/> ascending, the busiest windows first (at most 20).</summary>
    public static ApiBudgetSection ReadSection(SyncStore store, CallCounters counters, DateTimeOffset since)
    {
        var days = new List<ApiUsageDay>();
        var windows = new List<BusyWindow>();
        int? orgLimit = null;
        if (store.Database.CollectionExists(DaysCollection))
        {
            // Days whose per-second tallies are still kept get their windows from them: exact even between stores of the windows.
            var seconds = store.Database.CollectionExists(SecondsCollection) ? store.Database.GetCollection(SecondsCollection) : null;
            var windowDays = seconds is null ? [] : TalliedDays(seconds);
            var found = store.Database.GetCollection(DaysCollection).Find(LiteDB.Query.GTE("_id", DayId(DailyCallBudget.DayOf(since))));
            foreach (var doc in found.OrderBy(d => d["_id"].AsString, StringComparer.Ordinal))
            {
                var day = DateOnly.ParseExact(doc["_id"].AsString, "yyyy-MM-dd", CultureInfo.InvariantCulture);
                days.Add(new ApiUsageDay(
                    day,
                    Long(doc, "marketoCalls"), LongOrNull(doc, "instanceCalls"), Long(doc, "bulkBytes"), Long(doc, "salesforceCalls"),
                    LongOrNull(doc, "orgCalls"), Bson.UtcOrNull(doc["instanceReadAt"]), LongOrNull(doc, "instanceOwnCalls")));
                if (LongOrNull(doc, "orgLimit") is { } limit) orgLimit = (int)limit; // the newest day's reading wins
                var dayWindows = windowDays.Contains(day) ? WindowsOf(seconds!, day)
                    : doc["windows"].IsArray ? doc["windows"].AsArray.Select(w => new BusyWindow(Bson.Utc(w["start"]), w["calls"].AsInt32)).ToList() : [];
                windows.AddRange(dayWindows.Where(w => w.Start >= since));
            }
        }
        return new ApiBudgetSection
        {
            Days = days,
            MarketoDailyQuota = SourceFacts.DefaultInstanceDailyQuota,
            MarketoDailyCallBudget = counters.MarketoDailyCallBudget,
            SalesforceDailyLimit = counters.SalesforceDailyLimit ?? orgLimit,
            BusiestWindows = windows.OrderByDescending(w => w.Calls).ThenByDescending(w => w.Start).Take(WindowsKept).ToList(),
        };
    }

    /// <summary>
    /// Adds a tally to the stored ledger in one transaction; with <paramref name="storeWindows"/> also stores the busy windows
    /// of the days its calls fall on (recomputed from the day's per-second tallies).
    /// </summary>
    internal static void Add(SyncStore store, UsageTally tally, DateTimeOffset now, bool storeWindows = true)
    {
        lock (WriteLocks.GetValue(store, _ => new object()))
        {
            var database = store.Database;
            var dayDocs = database.GetCollection(DaysCollection);
            var seconds = database.GetCollection(SecondsCollection);
            var oldestKept = DailyCallBudget.DayOf(now).AddDays(-1);
            database.BeginTrans();
            try
            {
                var windowDays = new HashSet<DateOnly>();
                foreach (var hour in tally.MarketoSeconds.GroupBy(s => s.Key / HourSeconds))
                {
                    var day = DailyCallBudget.DayOf(DateTimeOffset.FromUnixTimeSeconds(hour.Key * HourSeconds));
                    if (day < oldestKept) continue; // its windows are settled; a late flush would only make them partial
                    if (storeWindows) windowDays.Add(day);
                    var counts = seconds.FindById(hour.Key) is { } stored && stored["counts"].IsBinary ? stored["counts"].AsBinary : new byte[HourSeconds * 2];
                    foreach (var (second, calls) in hour)
                    {
                        var at = counts.AsSpan((int)(second - hour.Key * HourSeconds) * 2, 2);
                        BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)Math.Min(ushort.MaxValue, BinaryPrimitives.ReadUInt16LittleEndian(at) + calls));
                    }
                    seconds.Upsert(new BsonDocument { ["_id"] = hour.Key, ["counts"] = counts });
                }
                foreach (var day in tally.Days.Keys.Union(windowDays))
                {
                    var id = DayId(day);
                    var doc = dayDocs.FindById(id) ?? new BsonDocument { ["_id"] = id };
                    if (tally.Days.TryGetValue(day, out var t))
                    {
                        var ownBefore = Long(doc, "marketoCalls");
                        doc["marketoCalls"] = ownBefore + t.MarketoCalls;
                        // Each completed export job's file size once: a job already counted on this day (a second
                        // status read, a re-download, another process) adds nothing.
                        var counted = doc["bulkJobs"].IsArray ? doc["bulkJobs"].AsArray : new BsonArray();
                        foreach (var (exportId, size) in t.BulkJobs)
                        {
                            if (counted.Any(v => v.IsString && string.Equals(v.AsString, exportId, StringComparison.Ordinal))) continue;
                            counted.Add(exportId);
                            doc["bulkBytes"] = Long(doc, "bulkBytes") + size;
                        }
                        if (counted.Count > 0) doc["bulkJobs"] = counted;
                        doc["salesforceCalls"] = Long(doc, "salesforceCalls") + t.SalesforceCalls;
                        if (t.Instance is { } instance && Newer(doc, "instanceReadAt", instance.At))
                        {
                            doc["instanceCalls"] = instance.Calls;
                            doc["instanceReadAt"] = instance.At.UtcDateTime;
                            // SalesSync's own count at the reading (stored before, plus this tally's calls up to its second):
                            // the report adds our calls since, so the instance's figure is never below our own.
                            var readSecond = instance.At.ToUnixTimeSeconds();
                            doc["instanceOwnCalls"] = ownBefore + tally.MarketoSeconds
                                .Where(p => p.Key <= readSecond && DailyCallBudget.DayOf(DateTimeOffset.FromUnixTimeSeconds(p.Key)) == day).Sum(p => (long)p.Value);
                        }
                        if (t.Org is { } org && Newer(doc, "orgReadAt", org.At))
                        {
                            doc["orgCalls"] = org.Used;
                            doc["orgLimit"] = org.Limit;
                            doc["orgReadAt"] = org.At.UtcDateTime;
                        }
                    }
                    if (windowDays.Contains(day))
                        doc["windows"] = WindowsDocument(WindowsOf(seconds, day));
                    dayDocs.Upsert(doc);
                }
                // Days about to lose their per-second tallies keep their windows.
                var cutoff = DailyCallBudget.StartOf(oldestKept).ToUnixTimeSeconds() / HourSeconds;
                var expiring = seconds.Find(LiteDB.Query.LT("_id", cutoff), 0, 1).Any() ? TalliedDays(seconds).Where(d => d < oldestKept) : [];
                foreach (var day in expiring)
                {
                    var doc = dayDocs.FindById(DayId(day)) ?? new BsonDocument { ["_id"] = DayId(day) };
                    doc["windows"] = WindowsDocument(WindowsOf(seconds, day));
                    dayDocs.Upsert(doc);
                }
                seconds.DeleteMany(LiteDB.Query.LT("_id", cutoff));
                database.Commit();
            }
            catch
            {
                database.Rollback();
                throw;
            }
        }
    }

    private static BsonArray WindowsDocument(IEnumerable<BusyWindow> windows) =>
        new(windows.Select(w => new BsonDocument { ["start"] = w.Start.UtcDateTime, ["calls"] = w.Calls }));

    /// <summary>The Marketo days that have per-second tallies stored (at most three: yesterday, today, and one about to go).</summary>
    private static HashSet<DateOnly> TalliedDays(ILiteCollection<BsonDocument> seconds) =>
        seconds.Query().Select("$._id").ToEnumerable().Select(d => DailyCallBudget.DayOf(DateTimeOffset.FromUnixTimeSeconds(d["_id"].AsInt64 * HourSeconds))).ToHashSet();

    /// <summary>A day's busiest windows from its stored per-second counts.</summary>
    private static IReadOnlyList<BusyWindow> WindowsOf(ILiteCollection<BsonDocument> seconds, DateOnly day)
    {
        var start = DailyCallBudget.StartOf(day);
        var end = DailyCallBudget.StartOf(day.AddDays(1));
        var firstHour = start.ToUnixTimeSeconds() / HourSeconds;
        var counts = new int[(int)(end - start).TotalSeconds];
        foreach (var doc in seconds.Find(LiteDB.Query.Between("_id", firstHour, end.ToUnixTimeSeconds() / HourSeconds - 1)))
        {
            var offset = (int)(doc["_id"].AsInt64 - firstHour) * HourSeconds;
            var bytes = doc["counts"].AsBinary;
            for (var i = 0; i < HourSeconds && offset + i < counts.Length; i++)
                counts[offset + i] = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2, 2));
        }
        return BusiestWindows(counts, start, WindowsKept);
    }

    /// <summary>
    /// The busiest non-overlapping 20-second windows of per-second counts (index 0 at <paramref name="start"/>), busiest
    /// first, earlier first on a tie. Only windows starting on a second with calls are weighed: moving a window's start
    /// forward to its first call never loses a call.
    /// </summary>
    internal static IReadOnlyList<BusyWindow> BusiestWindows(int[] counts, DateTimeOffset start, int max)
    {
        var prefix = new long[counts.Length + 1];
        for (var i = 0; i < counts.Length; i++) prefix[i + 1] = prefix[i] + counts[i];
        var candidates = new List<(int At, int Calls)>();
        for (var t = 0; t < counts.Length; t++)
            if (counts[t] > 0) candidates.Add((t, (int)(prefix[Math.Min(t + WindowSeconds, counts.Length)] - prefix[t])));
        candidates.Sort((a, b) => a.Calls != b.Calls ? b.Calls.CompareTo(a.Calls) : a.At.CompareTo(b.At));
        var chosen = new List<(int At, int Calls)>();
        foreach (var c in candidates)
        {
            if (chosen.Count == max) break;
            if (chosen.All(p => Math.Abs(p.At - c.At) >= WindowSeconds)) chosen.Add(c);
        }
        return chosen.Select(c => new BusyWindow(start.AddSeconds(c.At), c.Calls)).ToList();
    }

    private static string DayId(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static long Long(BsonDocument doc, string name) => doc[name].IsNumber ? doc[name].AsInt64 : 0;

    private static long? LongOrNull(BsonDocument doc, string name) => doc[name].IsNumber ? doc[name].AsInt64 : null;

    /// <summary>Whether a reading taken at <paramref name="at"/> is at least as new as the one stored (readings replace, never add).</summary>
    private static bool Newer(BsonDocument doc, string name, DateTimeOffset at) => Bson.UtcOrNull(doc[name]) is not { } stored || stored <= at;
}

/// <summary>What a recorder has counted and not yet stored: per Marketo day, and SalesSync's Marketo calls per Unix second.</summary>
internal sealed class UsageTally
{
    public Dictionary<DateOnly, DayTally> Days { get; } = [];
    public Dictionary<long, int> MarketoSeconds { get; } = [];
    public bool IsEmpty => Days.Count == 0;

    public DayTally Day(DateTimeOffset at)
    {
        var day = DailyCallBudget.DayOf(at);
        if (!Days.TryGetValue(day, out var tally)) Days[day] = tally = new DayTally();
        return tally;
    }

    /// <summary>Adds another tally (one whose store failed) into this one: counts add, the newer reading stays.</summary>
    public void Absorb(UsageTally other)
    {
        foreach (var (second, calls) in other.MarketoSeconds) MarketoSeconds[second] = MarketoSeconds.GetValueOrDefault(second) + calls;
        foreach (var (day, t) in other.Days)
        {
            if (!Days.TryGetValue(day, out var mine)) Days[day] = mine = new DayTally();
            mine.MarketoCalls += t.MarketoCalls;
            foreach (var (exportId, size) in t.BulkJobs) mine.BulkJobs[exportId] = size;
            mine.SalesforceCalls += t.SalesforceCalls;
            if (t.Instance is { } i && (mine.Instance is not { } m || m.At < i.At)) mine.Instance = i;
            if (t.Org is { } o && (mine.Org is not { } n || n.At < o.At)) mine.Org = o;
        }
    }
}

internal sealed class DayTally
{
    public long MarketoCalls;
    /// <summary>Export jobs seen completed, by export id: their file sizes (fileSize of the status answer).</summary>
    public Dictionary<string, long> BulkJobs { get; } = new(StringComparer.Ordinal);
    public long SalesforceCalls;
    public (long Calls, DateTimeOffset At)? Instance;
    public (long Used, long Limit, DateTimeOffset At)? Org;
}

/// <summary>
/// Counts one session's API use where the clients already count it (<see cref="MarketoClient"/>'s daily budget, its
/// usage read and bulk downloads; <see cref="Salesforce.SalesforceClient"/>'s calls and Sforce-Limit-Info) and adds it to
/// the session's database through <see cref="ApiUsageLedger"/>: each second something was counted (a timer), when a command's
/// lease ends, and on dispose. Counting is a dictionary update under a lock; no call waits for the database.
/// A store failure keeps the tally for the next flush; a closed database drops it.
/// </summary>
internal sealed class ApiUsageRecorder : IDisposable
{
    private readonly SyncStore _store;
    private readonly TimeProvider _time;
    private readonly object _pendingLock = new();
    private readonly object _flushLock = new();
    private readonly ITimer? _timer;
    private UsageTally _pending = new();
    private bool _disposed;
    private DateTimeOffset _windowsStoredAt = DateTimeOffset.MinValue;

    /// <summary>How often the timer's flushes also store the days' busy windows (a command's end and dispose always do).</summary>
    public static readonly TimeSpan WindowsEvery = TimeSpan.FromMinutes(1);

    /// <param name="flushEvery">How often a timer stores what was counted (null: only <see cref="Flush"/> and dispose).</param>
    public ApiUsageRecorder(SyncStore store, TimeProvider? time = null, TimeSpan? flushEvery = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        if (flushEvery is { } every) _timer = _time.CreateTimer(_ => Flush(windows: false), null, every, every);
    }

    public void MarketoCall()
    {
        var now = _time.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        lock (_pendingLock)
        {
            _pending.Day(now).MarketoCalls++;
            _pending.MarketoSeconds[second] = _pending.MarketoSeconds.GetValueOrDefault(second) + 1;
        }
    }

    /// <summary>Every integration's Marketo calls today, as stats/usage.json just said.</summary>
    public void MarketoInstanceUsage(long calls)
    {
        var now = _time.GetUtcNow();
        lock (_pendingLock) _pending.Day(now).Instance = (calls, now);
    }

    /// <summary>
    /// An export job seen completed, with its file size: Marketo's 500 MB a day counts the size of each export's file
    /// on the day the export runs, however often (or whether) the file is downloaded, so that is what the ledger counts,
    /// once per job, on the Marketo day its completion was seen (the status poll that found it Completed).
    /// </summary>
    public void BulkJobCompleted(string exportId, long fileSize)
    {
        if (fileSize < 0) return;
        var now = _time.GetUtcNow();
        lock (_pendingLock) _pending.Day(now).BulkJobs[exportId] = fileSize;
    }

    public void SalesforceCall()
    {
        var now = _time.GetUtcNow();
        lock (_pendingLock) _pending.Day(now).SalesforceCalls++;
    }

    /// <summary>The org's API requests used and allowed (Sforce-Limit-Info api-usage=used/max).</summary>
    public void SalesforceOrgUsage(long used, long limit)
    {
        var now = _time.GetUtcNow();
        lock (_pendingLock) _pending.Day(now).Org = (used, limit, now);
    }

    /// <summary>
    /// Stores what was counted since the last flush (nothing to do costs no write) and, unless <paramref name="windows"/> is
    /// false and they were stored within a minute, the busy windows of the days counted. Never throws.
    /// </summary>
    public void Flush(bool windows = true)
    {
        lock (_flushLock)
        {
            if (!_disposed) FlushLocked(windows);
        }
    }

    private void FlushLocked(bool windows)
    {
        UsageTally taken;
        lock (_pendingLock)
        {
            if (_pending.IsEmpty) return;
            taken = _pending;
            _pending = new UsageTally();
        }
        try
        {
            var now = _time.GetUtcNow();
            // Recomputing a busy day's windows costs tens of milliseconds: not every second.
            var storeWindows = windows || now - _windowsStoredAt >= WindowsEvery;
            ApiUsageLedger.Add(_store, taken, now, storeWindows);
            if (storeWindows) _windowsStoredAt = now;
        }
        catch (Exception e) when (e is LiteException or IOException or UnauthorizedAccessException)
        {
            // The ledger feeds a report; a database that cannot take it now must not fail an API call. Kept for the next flush.
            lock (_pendingLock)
            {
                taken.Absorb(_pending);
                _pending = taken;
            }
        }
        catch (Exception)
        {
            // The database was closed under the session (module removal), or failed otherwise: this tally is dropped. Flush
            // also runs on a timer thread, where an exception would end the process.
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_flushLock)
        {
            if (_disposed) return;
            FlushLocked(windows: true);
            _disposed = true;
        }
    }
}
