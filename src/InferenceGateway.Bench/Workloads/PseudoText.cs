using System.Text;

namespace InferenceGateway.Bench.Workloads;

/// <summary>
/// Deterministic pseudo-text of an exact length in the simulator's approximate tokens: " w1 w2 ..." where each word
/// is 1-4 lowercase letters, so each space-led word is exactly one token and a segment of N words is N tokens,
/// alone or appended to another segment. The same seed always yields the same text (and so the same prefix hashes).
/// </summary>
internal static class PseudoText
{
    public static string Words(ulong seed, int tokens)
    {
        var builder = new StringBuilder(tokens * 4);
        Append(builder, seed, tokens);
        return builder.ToString();
    }

    public static void Append(StringBuilder builder, ulong seed, int tokens)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var state = seed;
        for (var i = 0; i < tokens; i++)
        {
            var bits = SplitMix64(ref state);
            var length = 1 + (int)(bits & 3);
            bits >>= 2;
            builder.Append(' ');
            for (var c = 0; c < length; c++)
            {
                builder.Append((char)('a' + (int)(bits % 26)));
                bits /= 26;
            }
        }
    }

    /// <summary>A seed derived from a base seed and a path of indices (group, question, ...).</summary>
    public static ulong Derive(ulong seed, long a, long b = 0, long c = 0)
    {
        var state = seed ^ 0x6A09E667F3BCC908UL;
        var value = SplitMix64(ref state) ^ unchecked((ulong)a * 0x9E3779B97F4A7C15UL);
        state = value;
        value = SplitMix64(ref state) ^ unchecked((ulong)b * 0xC2B2AE3D27D4EB4FUL);
        state = value;
        value = SplitMix64(ref state) ^ unchecked((ulong)c * 0x165667B19E3779F9UL);
        state = value;
        return SplitMix64(ref state);
    }

    internal static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
