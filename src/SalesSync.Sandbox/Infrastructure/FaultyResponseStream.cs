namespace SalesSync.Sandbox.Infrastructure;

/// <summary>
/// Passes a response body through with one transport fault: after <c>dropAfterBytes</c> bytes it stops
/// and drops the connection (a download cut off mid-file), or it flips the byte at <c>corruptOffset</c>
/// (a file damaged on the way, which a checksum must catch). Offsets count bytes of the body as sent.
/// </summary>
public sealed class FaultyResponseStream(Stream inner, long? dropAfterBytes, long? corruptOffset, Func<Task> drop) : Stream
{
    private long _written;
    private bool _dropped;

    /// <summary>True once the connection was dropped, or the corrupt byte went out.</summary>
    public bool Fired { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_dropped) return; // the rest of the body goes nowhere, as on a dead connection
        var chunk = buffer;
        if (dropAfterBytes is { } limit && _written + chunk.Length > limit)
            chunk = chunk[..(int)Math.Max(0, limit - _written)];
        if (corruptOffset is { } at && at >= _written && at < _written + chunk.Length)
        {
            var copy = chunk.ToArray();
            copy[at - _written] ^= 0x01;
            chunk = copy;
            Fired = true;
        }
        if (chunk.Length > 0) await inner.WriteAsync(chunk, cancellationToken);
        _written += chunk.Length;
        if (chunk.Length < buffer.Length)
        {
            await inner.FlushAsync(cancellationToken);
            _dropped = true;
            Fired = true;
            await drop();
        }
    }

    public override void Flush()
    {
        if (!_dropped) inner.Flush();
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _dropped ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
