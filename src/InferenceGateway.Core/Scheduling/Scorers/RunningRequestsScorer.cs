namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Fewer effective running requests is better, normalised like the queue scorer.</summary>
internal sealed class RunningRequestsScorer(string name) : IScorer
{
    public const string Type = "running-requests-size-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            scores[k] = cycle.EffectiveRunning(subset[k]);
        }

        MinMax.ScoreLowerIsBetter(cycle, subset, scores, scores, requireMetrics: true);
    }
}
