namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>
/// The seed's band rule: keep the endpoints whose value lies in [min, min + (max - min) / n], n the number of
/// candidates. Endpoints with unknown metrics are outside the band unless no candidate has metrics.
/// </summary>
internal static class LeastLoadBand
{
    public static int Apply(SchedulingCycle cycle, Span<int> subset, bool kvCache)
    {
        var min = double.MaxValue;
        var max = double.MinValue;
        var known = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (!cycle.HasMetrics(i))
            {
                continue;
            }

            var value = kvCache ? cycle.EffectiveKvUsage(i) : cycle.EffectiveWaiting(i);
            min = Math.Min(min, value);
            max = Math.Max(max, value);
            known++;
        }

        if (known == 0)
        {
            return subset.Length;
        }

        var limit = min + ((max - min) / subset.Length);
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.HasMetrics(i) && (kvCache ? cycle.EffectiveKvUsage(i) : cycle.EffectiveWaiting(i)) <= limit)
            {
                subset[kept++] = i;
            }
        }

        return kept;
    }
}

/// <summary>Keeps the endpoints with the shortest effective waiting queues (the seed's band rule).</summary>
internal sealed class LeastQueueFilter(string name) : IFilter
{
    public const string Type = "least-queue-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset) => LeastLoadBand.Apply(cycle, subset, kvCache: false);
}

/// <summary>Keeps the endpoints with the lowest effective KV usage (the seed's band rule).</summary>
internal sealed class LeastKvCacheFilter(string name) : IFilter
{
    public const string Type = "least-kv-cache-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset) => LeastLoadBand.Apply(cycle, subset, kvCache: true);
}
