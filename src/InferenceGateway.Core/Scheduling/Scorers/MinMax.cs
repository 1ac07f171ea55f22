namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Lower-is-better normalisation over the candidates that have metrics; unknown ones score 0 (worst).</summary>
internal static class MinMax
{
    /// <summary>scores[k] = (max - v) / (max - min), 1 when all known values are equal.</summary>
    public static void ScoreLowerIsBetter(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> values, Span<double> scores, bool requireMetrics)
    {
        var min = double.MaxValue;
        var max = double.MinValue;
        for (var k = 0; k < subset.Length; k++)
        {
            if (requireMetrics && !cycle.HasMetrics(subset[k]))
            {
                continue;
            }

            min = Math.Min(min, values[k]);
            max = Math.Max(max, values[k]);
        }

        var range = max - min;
        for (var k = 0; k < subset.Length; k++)
        {
            if (requireMetrics && !cycle.HasMetrics(subset[k]))
            {
                scores[k] = 0;
            }
            else
            {
                scores[k] = range > 0 ? (max - values[k]) / range : 1;
            }
        }
    }
}
