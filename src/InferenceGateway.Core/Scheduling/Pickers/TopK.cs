namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>
/// Selects the k best candidates by (primary key, secondary key), both descending, in one pass with a small
/// insertion buffer (k is primary + fallbacks, a handful), so a pick over hundreds of endpoints stays linear.
/// </summary>
internal static class TopK
{
    private const double Tolerance = 1e-9;

    public static int Select(ReadOnlySpan<int> subset, ReadOnlySpan<double> primary, ReadOnlySpan<double> secondary, Span<int> ordered)
    {
        var k = Math.Min(ordered.Length, subset.Length);
        if (k == 0)
        {
            return 0;
        }

        Span<int> best = k <= 128 ? stackalloc int[k] : new int[k];
        var filled = 0;
        for (var i = 0; i < subset.Length; i++)
        {
            if (filled == k && !IsBetter(primary[i], secondary[i], primary[best[k - 1]], secondary[best[k - 1]]))
            {
                continue;
            }

            var position = filled < k ? filled++ : k - 1;
            while (position > 0 && IsBetter(primary[i], secondary[i], primary[best[position - 1]], secondary[best[position - 1]]))
            {
                best[position] = best[position - 1];
                position--;
            }

            best[position] = i;
        }

        for (var j = 0; j < k; j++)
        {
            ordered[j] = subset[best[j]];
        }

        return k;
    }

    /// <summary>
    /// Uniform keys in [0, 1) for tie-breaks: one draw from the injected source seeds a SplitMix64 sequence, so
    /// hundreds of keys cost about a nanosecond each and stay reproducible under a seeded source.
    /// </summary>
    public static void FillRandom(Random random, Span<double> keys)
    {
        var state = (ulong)random.NextInt64();
        for (var k = 0; k < keys.Length; k++)
        {
            state += 0x9E3779B97F4A7C15UL;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            keys[k] = (z >> 11) * (1.0 / (1UL << 53));
        }
    }

    private static bool IsBetter(double score, double tieBreak, double bestScore, double bestTieBreak)
    {
        if (score == bestScore
            || (double.IsFinite(score) && double.IsFinite(bestScore) && Math.Abs(score - bestScore) <= Tolerance * Math.Max(1, Math.Abs(bestScore))))
        {
            return tieBreak > bestTieBreak;
        }

        return score > bestScore;
    }
}
