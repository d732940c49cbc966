using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SalesSync.Sandbox.Data;
using SalesSync.Sandbox.Infrastructure;

namespace SalesSync.Sandbox.Marketo;

/// <summary>
/// The instance's bulk export queue, on the sandbox clock. Like Marketo's job runner it acts only at
/// refresh ticks (every <c>--bulk-status-refresh-seconds</c>, Marketo 60 s): at a tick, jobs whose
/// processing time is over complete (the file is written then, from the people as they are, never
/// partially) and queued jobs start, first queued first, while fewer than 2 process. Between ticks nothing
/// changes, so polling faster than the interval gains nothing. The queue (10 jobs queued or processing) and
/// the daily file allocation are shared by every API user; each user sees only its own jobs.
/// Ticks are replayed on every call (so <c>clock/advance</c> takes effect at once) and by a timer (so a
/// file is written near its completion time even when nobody asks). Lock order: this queue's lock, then the
/// world's (never the other way round).
/// </summary>
public sealed class BulkExportJobs : IDisposable
{
    public const int MaxProcessing = 2;
    public const int MaxQueued = 10;
    public const string ForeignOwner = "another-integration";
    public static readonly TimeSpan FileRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan ListedFor = TimeSpan.FromDays(7);
    public static readonly TimeSpan StatusKeptFor = TimeSpan.FromDays(30);

    private readonly object _sync = new();
    private readonly List<BulkExportJob> _jobs = [];
    private readonly SandboxOptions _options;
    private readonly SandboxClock _clock;
    private readonly SandboxWorld _world;
    private readonly DateTimeOffset _tickOrigin;
    private readonly TimeSpan _refresh;
    private readonly Timer _ticker;
    private DateTimeOffset _lastTick;
    private long _nextSequence = 1;
    private DateOnly _quotaDay;
    private long _bytesToday;
    private IReadOnlySet<string> _unsupported;
    private int _failNext;
    private string _failMessage = "";

    public BulkExportJobs(SandboxOptions options, SandboxClock clock, SandboxWorld world)
    {
        _options = options;
        _clock = clock;
        _world = world;
        _refresh = TimeSpan.FromSeconds(options.BulkStatusRefreshSeconds);
        _tickOrigin = clock.UtcNow;
        _lastTick = _tickOrigin - _refresh;
        _quotaDay = InstanceTimeZone.Day(_tickOrigin);
        _unsupported = options.BulkUnsupportedFilters;
        var wallPeriod = TimeSpan.FromSeconds(Math.Clamp(options.BulkStatusRefreshSeconds / clock.Scale / 2, 0.02, 1));
        _ticker = new Timer(_ => CatchUpQuietly(), null, wallPeriod, wallPeriod);
    }

    public long QuotaBytes => (long)_options.BulkDailyQuotaMegabytes * 1024 * 1024;

    /// <summary>Filter kinds answered with 1035 at create.</summary>
    public IReadOnlySet<string> UnsupportedFilters
    {
        get { lock (_sync) return _unsupported; }
        set { lock (_sync) _unsupported = value; }
    }

    // ---------- the API user's calls ----------

    /// <summary>Create Export Lead Job: a job in status Created (refused while the daily allocation is spent, as Adobe documents).</summary>
    public JsonObject? Create(string owner, BulkExportRequest request, out MarketoError? error)
    {
        lock (_sync)
        {
            var now = CatchUp();
            if ((error = QuotaRefusal()) is not null) return null;
            return Add(owner, request.Format, now, request, TimeSpan.FromSeconds(_options.BulkProcessingSeconds)).ToJson();
        }
    }

    /// <summary>Enqueue Export Lead Job: Created → Queued, or one of the three 1029 refusals.</summary>
    public JsonObject? Enqueue(string owner, string exportId, out MarketoError? error)
    {
        lock (_sync)
        {
            var now = CatchUp();
            if (Find(owner, exportId, out error) is not { } job) return null;
            if (job.IsActive) return Refuse(out error, "1029", "Job already queued");
            if (job.Status != BulkExportStatus.Created)
                return Refuse(out error, "1003", $"Job is {job.Status}; only a Created job can be enqueued");
            if ((error = QuotaRefusal()) is not null) return null;
            if (_jobs.Count(j => j.IsActive) >= MaxQueued) return Refuse(out error, "1029", "Too many jobs in queue");
            job.Status = BulkExportStatus.Queued;
            job.QueuedAt = now;
            return job.ToJson();
        }
    }

    /// <summary>Get Export Lead Job Status: the job as of the last refresh tick.</summary>
    public JsonObject? Status(string owner, string exportId, out MarketoError? error)
    {
        lock (_sync)
        {
            CatchUp();
            return Find(owner, exportId, out error)?.ToJson();
        }
    }

    /// <summary>Cancel Export Lead Job: a Created, Queued or Processing job becomes Cancelled (its slot frees at once).</summary>
    public JsonObject? Cancel(string owner, string exportId, out MarketoError? error)
    {
        lock (_sync)
        {
            CatchUp();
            if (Find(owner, exportId, out error) is not { } job) return null;
            if (job.Status is BulkExportStatus.Completed or BulkExportStatus.Failed)
                return Refuse(out error, "1003", $"Job is {job.Status} and cannot be cancelled");
            job.Status = BulkExportStatus.Cancelled;
            return job.ToJson();
        }
    }

    /// <summary>Get Export Lead Jobs: the user's jobs created in the last 7 days, in creation order, from sequence <paramref name="from"/>.</summary>
    public (List<JsonObject> Page, long? Next) List(string owner, IReadOnlySet<BulkExportStatus>? statuses, int batchSize, long from)
    {
        lock (_sync)
        {
            var now = CatchUp();
            var matching = _jobs.Where(j => j.Owner == owner && j.CreatedAt > now - ListedFor && j.Sequence >= from
                                            && (statuses is null || statuses.Contains(j.Status))).ToList();
            var page = matching.Take(batchSize).ToList();
            var next = matching.Count > batchSize ? matching[batchSize].Sequence : (long?)null;
            return (page.Select(j => j.ToJson()).ToList(), next);
        }
    }

    /// <summary>The file of a completed job that has not expired; null for anything else (404).</summary>
    public (byte[] File, string Format)? File(string owner, string exportId)
    {
        lock (_sync)
        {
            CatchUp();
            return Find(owner, exportId, out _) is { Status: BulkExportStatus.Completed, File: { } file } job ? (file, job.Format) : null;
        }
    }

    // ---------- control hooks ----------

    /// <summary>
    /// Queues jobs of another integration (no file, no quota): they take queue slots and, once started,
    /// processing slots for <paramref name="processingSeconds"/>, or until removed when null.
    /// </summary>
    public List<string> AddForeignJobs(int count, double? processingSeconds)
    {
        lock (_sync)
        {
            var now = CatchUp();
            var active = _jobs.Count(j => j.IsActive);
            if (count < 1 || active + count > MaxQueued)
                throw new ArgumentException($"count must be 1..{MaxQueued - active} ({active} of {MaxQueued} queue slots are taken).");
            var processingTime = processingSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
            var ids = new List<string>();
            for (var i = 0; i < count; i++)
            {
                var job = Add(ForeignOwner, BulkFileFormat.Csv, now, null, processingTime);
                job.Status = BulkExportStatus.Queued;
                job.QueuedAt = now;
                ids.Add(job.ExportId);
            }
            return ids;
        }
    }

    /// <summary>Removes every foreign job; the slots they held free at once (queued jobs start at the next tick).</summary>
    public int RemoveForeignJobs()
    {
        lock (_sync)
        {
            CatchUp();
            return _jobs.RemoveAll(j => j.IsForeign);
        }
    }

    public void SetBytesUsedToday(long bytes)
    {
        lock (_sync)
        {
            CatchUp();
            _bytesToday = bytes;
        }
    }

    /// <summary>The next <paramref name="count"/> jobs to finish processing end Failed with <paramref name="message"/>.</summary>
    public void FailNext(int count, string message)
    {
        lock (_sync)
        {
            _failNext = count;
            _failMessage = message;
        }
    }

    /// <summary>Everything, every owner's jobs included (control API).</summary>
    public JsonObject Snapshot()
    {
        lock (_sync)
        {
            CatchUp();
            return new JsonObject
            {
                ["bytesUsedToday"] = _bytesToday,
                ["dailyQuotaBytes"] = QuotaBytes,
                ["queued"] = _jobs.Count(j => j.Status == BulkExportStatus.Queued),
                ["processing"] = _jobs.Count(j => j.Status == BulkExportStatus.Processing),
                ["unsupportedFilters"] = new JsonArray(_unsupported.Order().Select(k => (JsonNode)k).ToArray()),
                ["statusRefreshSeconds"] = _refresh.TotalSeconds,
                ["processingSeconds"] = _options.BulkProcessingSeconds,
                ["failNext"] = _failNext,
                ["jobs"] = new JsonArray(_jobs.Select(j =>
                {
                    var o = j.ToJson();
                    o["owner"] = j.Owner;
                    return (JsonNode)o;
                }).ToArray()),
            };
        }
    }

    public void Dispose() => _ticker.Dispose();

    /// <summary>A new job in status Created, appended in creation order. Callers hold _sync.</summary>
    private BulkExportJob Add(string owner, string format, DateTimeOffset now, BulkExportRequest? request, TimeSpan? processingTime)
    {
        var job = new BulkExportJob
        {
            ExportId = Guid.NewGuid().ToString(),
            Owner = owner,
            Sequence = _nextSequence++,
            Format = format,
            CreatedAt = now,
            Request = request,
            ProcessingTime = processingTime,
        };
        _jobs.Add(job);
        return job;
    }

    // ---------- the job runner ----------

    /// <summary>Runs every tick due by now; drops expired files and forgotten jobs. Returns now. Callers hold _sync.</summary>
    private DateTimeOffset CatchUp()
    {
        var now = _clock.UtcNow;
        while (NextTick() is { } tick && tick <= now) RunTick(tick);
        // Ticks with nothing to do pass too: a slot freed now (cancel, a foreign job removed) is taken at the next tick, not a past one.
        var passed = TickAtOrAfter(now);
        if (passed > now) passed -= _refresh;
        if (passed > _lastTick) _lastTick = passed;
        foreach (var job in _jobs)
            if (job.File is not null && job.FinishedAt + FileRetention <= now) job.File = null;
        _jobs.RemoveAll(j => !j.IsActive && j.CreatedAt + StatusKeptFor <= now);
        RollQuotaDay(now);
        return now;
    }

    private void CatchUpQuietly()
    {
        try
        {
            lock (_sync) CatchUp();
        }
        catch (ObjectDisposedException)
        {
            // The host is stopping.
        }
    }

    /// <summary>The first tick at which the runner has something to do: a processing job's end, or a queued job and a free slot.</summary>
    private DateTimeOffset? NextTick()
    {
        DateTimeOffset? next = null;
        foreach (var job in _jobs)
            if (job is { Status: BulkExportStatus.Processing, ProcessingEndsAt: { } ends }) next = Earlier(next, TickAtOrAfter(ends));
        if (ProcessingCount() < MaxProcessing && FirstQueued() is { QueuedAt: { } queuedAt })
        {
            var start = TickAtOrAfter(queuedAt);
            next = Earlier(next, start > _lastTick ? start : _lastTick + _refresh);
        }
        return next;
    }

    private void RunTick(DateTimeOffset tick)
    {
        _lastTick = tick;
        foreach (var job in _jobs.Where(j => j.Status == BulkExportStatus.Processing && j.ProcessingEndsAt <= tick).ToList())
            Finish(job, tick);
        while (ProcessingCount() < MaxProcessing && FirstQueued() is { } queued)
        {
            queued.Status = BulkExportStatus.Processing;
            queued.StartedAt = tick;
            if (_options.BulkRecordsPerSecond > 0 && queued.Request is { } request)
            {
                // Bigger exports take longer: the fixed time plus the records at the configured rate.
                long records;
                lock (_world.Sync) records = request.Filter.Select(_world, out _)?.LongCount() ?? 0;
                queued.ProcessingTime = TimeSpan.FromSeconds(_options.BulkProcessingSeconds + records / _options.BulkRecordsPerSecond);
            }
        }
    }

    /// <summary>Writes the file from the people as they are now (the job's completion), or fails the job.</summary>
    private void Finish(BulkExportJob job, DateTimeOffset at)
    {
        job.FinishedAt = at;
        if (job.Request is not { } request)
        {
            job.Status = BulkExportStatus.Completed;
            return;
        }
        if (_failNext > 0)
        {
            _failNext--;
            Fail(job, _failMessage);
            return;
        }
        try
        {
            using var file = new MemoryStream();
            long records;
            lock (_world.Sync)
            {
                if (request.Filter.Select(_world, out var filterError) is not { } people)
                {
                    Fail(job, filterError ?? "Filter no longer resolves");
                    return;
                }
                records = BulkCsvWriter.Write(file, request.Format, request.Fields, request.ColumnHeaderNames, people);
            }
            var bytes = file.ToArray();
            job.File = bytes;
            job.NumberOfRecords = records;
            job.FileSize = bytes.LongLength;
            job.FileChecksum = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            job.Status = BulkExportStatus.Completed;
            RollQuotaDay(at);
            _bytesToday += bytes.LongLength;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Fail(job, "Export failed: " + e.Message);
        }
    }

    private static void Fail(BulkExportJob job, string message)
    {
        job.Status = BulkExportStatus.Failed;
        job.ErrorMsg = message;
    }

    private int ProcessingCount() => _jobs.Count(j => j.Status == BulkExportStatus.Processing);

    private BulkExportJob? FirstQueued() =>
        _jobs.Where(j => j.Status == BulkExportStatus.Queued).OrderBy(j => j.QueuedAt).ThenBy(j => j.Sequence).FirstOrDefault();

    /// <summary>Ticks fall on a fixed grid from the runner's start, every refresh interval.</summary>
    private DateTimeOffset TickAtOrAfter(DateTimeOffset at)
    {
        if (at <= _tickOrigin) return _tickOrigin;
        var intervals = (long)Math.Ceiling((at - _tickOrigin).Ticks / (double)_refresh.Ticks);
        var tick = _tickOrigin + TimeSpan.FromTicks(intervals * _refresh.Ticks);
        return tick >= at ? tick : tick + _refresh; // guard against rounding
    }

    private void RollQuotaDay(DateTimeOffset at)
    {
        var day = InstanceTimeZone.Day(at);
        if (day <= _quotaDay) return;
        _quotaDay = day;
        _bytesToday = 0;
    }

    /// <summary>1029 once today's files reach the allocation (the message public clients match: "Export daily quota 500MB exceeded").</summary>
    private MarketoError? QuotaRefusal() =>
        _bytesToday >= QuotaBytes ? new MarketoError("1029", $"Export daily quota {_options.BulkDailyQuotaMegabytes}MB exceeded") : null;

    /// <summary>Jobs of other API users are as unknown as ids that never existed (only the creator can see a job).</summary>
    private BulkExportJob? Find(string owner, string exportId, out MarketoError? error)
    {
        var job = _jobs.FirstOrDefault(j => j.Owner == owner && j.ExportId.Equals(exportId, StringComparison.OrdinalIgnoreCase));
        error = job is null ? new MarketoError("1003", $"Export job '{exportId}' not found") : null;
        return job;
    }

    private static JsonObject? Refuse(out MarketoError? error, string code, string message)
    {
        error = new MarketoError(code, message);
        return null;
    }

    private static DateTimeOffset Earlier(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;
}
