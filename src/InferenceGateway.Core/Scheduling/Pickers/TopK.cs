namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>Selects the k best candidates by (primary key, secondary key), both descending; k passes, no sorting.</summary>
internal static class TopK
{
    private const double Tolerance = 1e-9;

    public static int Select(ReadOnlySpan<int> subset, ReadOnlySpan<double> primary, Span<double> secondary, Span<int> ordered)
    {
        var count = Math.Min(ordered.Length, subset.Length);
        for (var slot = 0; slot < count; slot++)
        {
            var best = -1;
            for (var k = 0; k < subset.Length; k++)
            {
                if (double.IsNaN(secondary[k]))
                {
                    continue;
                }

                if (best < 0 || IsBetter(primary[k], secondary[k], primary[best], secondary[best]))
                {
                    best = k;
                }
            }

            ordered[slot] = subset[best];
            secondary[best] = double.NaN;
        }

        return count;
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

    public static void FillRandom(Random random, Span<double> keys)
    {
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = random.NextDouble();
        }
    }
}
