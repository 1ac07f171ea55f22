namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Shorter effective waiting queue is better: (maxQ - q) / (maxQ - minQ), 1 when all equal.</summary>
internal sealed class QueueScorer(string name) : IScorer
{
    public const string Type = "queue-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            scores[k] = cycle.EffectiveWaiting(subset[k]);
        }

        MinMax.ScoreLowerIsBetter(cycle, subset, scores, scores, requireMetrics: true);
    }
}
