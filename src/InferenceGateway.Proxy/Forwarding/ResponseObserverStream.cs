namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// Sits in front of the client response stream: every write goes straight through (Kestrel flushes it, YARP has
/// response buffering off), and the exchange looks at the bytes afterwards. Nothing is held back.
/// </summary>
internal sealed class ResponseObserverStream(Stream inner, ForwardingExchange exchange) : Stream
{
    public long BytesWritten { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!buffer.IsEmpty && BytesWritten == 0)
        {
            exchange.OnResponseBodyStarting();
        }

        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesWritten += buffer.Length;
        exchange.OnResponseBytes(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!buffer.IsEmpty && BytesWritten == 0)
        {
            exchange.OnResponseBodyStarting();
        }

        inner.Write(buffer);
        BytesWritten += buffer.Length;
        exchange.OnResponseBytes(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
