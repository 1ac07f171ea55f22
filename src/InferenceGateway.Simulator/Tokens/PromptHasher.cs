using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace InferenceGateway.Simulator.Tokens;

/// <summary>
/// Chained prefix-cache block hashes, as vLLM computes them: hash(parent hash, the block's token ids), seeded by
/// the extra key (the LoRA adapter name), so a block hit implies the whole prefix before it matched. Only full
/// blocks are hashed.
/// </summary>
public static class PromptHasher
{
    /// <summary>The seed for requests served by <paramref name="adapter"/> (null = the base model).</summary>
    public static ulong SeedFor(string? adapter) =>
        adapter is null ? 0x5EED_0F_BA5E_0000UL : XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(adapter), 0x10_4A);

    /// <summary>One hash per full block of <paramref name="tokenIds"/>.</summary>
    public static ulong[] BlockHashes(ReadOnlySpan<int> tokenIds, int blockSize, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var blocks = tokenIds.Length / blockSize;
        var hashes = new ulong[blocks];
        var size = 8 + (4 * blockSize);
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var parent = seed;
            for (var b = 0; b < blocks; b++)
            {
                var bytes = buffer.AsSpan(0, size);
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, parent);
                var tokens = tokenIds.Slice(b * blockSize, blockSize);
                for (var t = 0; t < tokens.Length; t++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(bytes.Slice(8 + (4 * t)), tokens[t]);
                }

                parent = XxHash64.HashToUInt64(bytes, unchecked((long)seed));
                hashes[b] = parent;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return hashes;
    }
}
