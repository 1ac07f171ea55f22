using System.Buffers;

namespace InferenceGateway.ExtProc.Processing;

/// <summary>A growable byte buffer rented from the shared pool; return it with Dispose.</summary>
internal sealed class PooledBuffer : IDisposable
{
    private byte[] _array = [];
    private int _length;

    public int Length => _length;

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, _length);

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, _length);

    public void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        EnsureCapacity(_length + data.Length);
        data.CopyTo(_array.AsSpan(_length));
        _length += data.Length;
    }

    /// <summary>Forgets the content and keeps the rented array.</summary>
    public void Clear() => _length = 0;

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }

        _length = 0;
    }

    private void EnsureCapacity(int needed)
    {
        if (needed <= _array.Length)
        {
            return;
        }

        var size = Math.Max(needed, Math.Max(4096, _array.Length * 2));
        var next = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, _length).CopyTo(next);
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
        }

        _array = next;
    }
}
