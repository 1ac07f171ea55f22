namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>More free KV cache is better: 1 - effective usage; unknown metrics score 0.</summary>
internal sealed class KvCacheUtilizationScorer(string name) : IScorer
{
    public const string Type = "kv-cache-utilization-scorer";

    /// <summary>The name an earlier release of the reference picker used.</summary>
    public const string LegacyType = "kv-cache-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            scores[k] = cycle.HasMetrics(i) ? 1 - cycle.EffectiveKvUsage(i) : 0;
        }
    }
}
