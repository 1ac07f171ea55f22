using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace InferenceGateway.Core.Prefix;

/// <summary>
/// The reference picker's approximate block hashing: the prompt bytes are cut into blocks of
/// <c>blockSizeTokens * 4</c> bytes (about four bytes per token); each block hash covers the block and the previous
/// hash, so a block hit implies the whole prefix before it matched. Only full blocks are hashed.
/// </summary>
internal static class PrefixHasher
{
    /// <summary>Approximate bytes of prompt text per token.</summary>
    public const int BytesPerToken = 4;

    private const int StackBufferLimit = 1024;

    /// <summary>xxHash64 of the UTF-8 model name: the chain's starting "previous hash" (different model, no match).</summary>
    public static ulong ModelSeed(string model)
    {
        var max = Encoding.UTF8.GetMaxByteCount(model.Length);
        if (max <= StackBufferLimit)
        {
            Span<byte> buffer = stackalloc byte[max];
            var length = Encoding.UTF8.GetBytes(model, buffer);
            return XxHash64.HashToUInt64(buffer[..length]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var length = Encoding.UTF8.GetBytes(model, rented);
            return XxHash64.HashToUInt64(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Number of full blocks of <paramref name="blockBytes"/> in a prompt, capped at <paramref name="maxBlocks"/>.</summary>
    public static int BlockCount(int promptLength, int blockBytes, int maxBlocks) => Math.Min(promptLength / blockBytes, maxBlocks);

    /// <summary>
    /// Writes the chained hash of each full block into <paramref name="destination"/> (at most its length) and
    /// returns how many were written.
    /// </summary>
    public static int ComputeBlockHashes(ulong seed, ReadOnlySpan<byte> prompt, int blockBytes, Span<ulong> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1);
        var blocks = BlockCount(prompt.Length, blockBytes, destination.Length);
        if (blocks == 0)
        {
            return 0;
        }

        // Block bytes ++ previous hash (8 bytes, little-endian) in one buffer: one-shot hashing of a small
        // contiguous buffer is faster than the incremental API.
        var size = blockBytes + sizeof(ulong);
        byte[]? rented = null;
        var buffer = size <= StackBufferLimit
            ? stackalloc byte[size]
            : (rented = ArrayPool<byte>.Shared.Rent(size)).AsSpan(0, size);
        try
        {
            var previous = seed;
            var tail = buffer[blockBytes..];
            for (var i = 0; i < blocks; i++)
            {
                prompt.Slice(i * blockBytes, blockBytes).CopyTo(buffer);
                BinaryPrimitives.WriteUInt64LittleEndian(tail, previous);
                previous = XxHash64.HashToUInt64(buffer);
                destination[i] = previous;
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        return blocks;
    }
}
