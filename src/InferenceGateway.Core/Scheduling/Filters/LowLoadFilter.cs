namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>
/// Keeps endpoints with at most <see cref="QueueThreshold"/> waiting requests and at most
/// <see cref="KvCacheThreshold"/> KV usage (seed: 5 and 0.8, the gate for non-critical traffic).
/// </summary>
internal sealed class LowLoadFilter(string name, double queueThreshold, double kvCacheThreshold) : IFilter
{
    public const string Type = "low-load-filter";
    public const double DefaultQueueThreshold = 5;
    public const double DefaultKvCacheThreshold = 0.8;

    public string TypeName => Type;

    public string Name { get; } = name;

    public double QueueThreshold { get; } = queueThreshold;

    public double KvCacheThreshold { get; } = kvCacheThreshold;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.HasMetrics(i) && cycle.EffectiveWaiting(i) <= QueueThreshold && cycle.EffectiveKvUsage(i) <= KvCacheThreshold)
            {
                subset[kept++] = i;
            }
        }

        return kept;
    }
}
