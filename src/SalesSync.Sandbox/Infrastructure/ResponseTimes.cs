namespace SalesSync.Sandbox.Infrastructure;

/// <summary>
/// Optional response times modelled on the real services (<c>--response-times realistic</c>), so
/// benchmarks show what a real instance would: Marketo lead and list reads take about a second,
/// activity reads a little less, bulk job calls a few hundred milliseconds, export files arrive at a
/// download bandwidth; Salesforce queries and writes a few hundred milliseconds. The delay runs inside
/// the gate (the call counts as in flight meanwhile), varies by ±20%, and shrinks with --time-scale.
/// Off by default: tests run at loopback speed.
/// </summary>
public static class ResponseTimes
{
    /// <summary>Bytes per second of an export file download (about 40 Mbit/s).</summary>
    public const double DownloadBytesPerSecond = 5_000_000;

    /// <summary>Typical Marketo response times by endpoint (Adobe quotes none; these follow reports of ~1 s list and lead pages).</summary>
    public static TimeSpan? Marketo(PathString path, string method)
    {
        var p = path.Value ?? "";
        if (p.StartsWith("/bulk/", StringComparison.Ordinal)) return p.EndsWith("/file.json", StringComparison.Ordinal) ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromMilliseconds(400);
        if (!p.StartsWith("/rest/", StringComparison.Ordinal)) return null;
        if (p.Contains("/activities/pagingtoken", StringComparison.Ordinal) || p.Contains("/stats/", StringComparison.Ordinal)) return TimeSpan.FromMilliseconds(300);
        if (p.Contains("/activities", StringComparison.Ordinal)) return TimeSpan.FromMilliseconds(700);
        if (p.Contains("/leads", StringComparison.Ordinal) || p.Contains("/lead/", StringComparison.Ordinal)) return TimeSpan.FromMilliseconds(method == "GET" ? 1000 : 1200);
        return TimeSpan.FromMilliseconds(500);
    }

    /// <summary>Typical Salesforce REST response times: queries ~250 ms, writes ~300 ms.</summary>
    public static TimeSpan? Salesforce(PathString path, string method) =>
        path.Value?.Contains("/services/data/", StringComparison.Ordinal) != true ? null
        : method == "GET" ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromMilliseconds(300);

    /// <summary>Waits the modelled time before the endpoint answers; file bodies are paced to the bandwidth.</summary>
    public static async Task Apply(HttpContext ctx, SandboxState state, Func<PathString, string, TimeSpan?> model, RequestDelegate next)
    {
        if (!state.Options.RealisticResponseTimes || model(ctx.Request.Path, ctx.Request.Method) is not { } typical)
        {
            await next(ctx);
            return;
        }
        var jitter = 0.8 + Random.Shared.NextDouble() * 0.4;
        var scale = state.Clock.Scale;
        await Task.Delay(TimeSpan.FromTicks((long)(typical.Ticks * jitter / scale)), ctx.RequestAborted);
        if ((ctx.Request.Path.Value ?? "").EndsWith("/file.json", StringComparison.Ordinal))
        {
            var original = ctx.Response.Body;
            await using var paced = new PacedStream(original, DownloadBytesPerSecond * scale, ctx.RequestAborted);
            ctx.Response.Body = paced;
            try { await next(ctx); }
            finally { ctx.Response.Body = original; }
            return;
        }
        await next(ctx);
    }

    /// <summary>A write-only stream that lets bytes through no faster than a bandwidth.</summary>
    private sealed class PacedStream(Stream inner, double bytesPerSecond, CancellationToken aborted) : Stream
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private long _written;

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            const int slice = 64 * 1024;
            for (var offset = 0; offset < buffer.Length; offset += slice)
            {
                var part = buffer.Slice(offset, Math.Min(slice, buffer.Length - offset));
                await inner.WriteAsync(part, cancellationToken);
                _written += part.Length;
                var due = TimeSpan.FromSeconds(_written / bytesPerSecond) - _clock.Elapsed;
                if (due > TimeSpan.Zero) await Task.Delay(due, aborted);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override ValueTask DisposeAsync() => ValueTask.CompletedTask; // the inner stream belongs to the server
    }
}
