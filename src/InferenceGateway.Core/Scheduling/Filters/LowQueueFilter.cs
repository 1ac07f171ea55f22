namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>Keeps endpoints whose effective waiting queue is below the threshold (seed: 50 for critical traffic).</summary>
internal sealed class LowQueueFilter(string name, double threshold) : IFilter
{
    public const string Type = "low-queue-filter";
    public const double DefaultThreshold = 50;

    public string TypeName => Type;

    public string Name { get; } = name;

    public double Threshold { get; } = threshold;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.HasMetrics(i) && cycle.EffectiveWaiting(i) < Threshold)
            {
                subset[kept++] = i;
            }
        }

        return kept;
    }
}
