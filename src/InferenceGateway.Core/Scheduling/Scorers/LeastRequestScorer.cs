namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>
/// Baseline least-request: fewest (in-flight + running) is best, normalised like the queue scorer. Running is
/// taken from the scrape; unknown metrics count as one more than the busiest known endpoint's running count.
/// </summary>
internal sealed class LeastRequestScorer(string name) : IScorer
{
    public const string Type = "least-request-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        var worstRunning = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            if (cycle.Metrics(subset[k]) is { } metrics)
            {
                worstRunning = Math.Max(worstRunning, metrics.RunningRequests);
            }
        }

        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            var running = cycle.Metrics(i)?.RunningRequests ?? (worstRunning + 1);
            scores[k] = Math.Max(0, cycle.Candidate(i).InFlightRequests) + Math.Max(0, running);
        }

        MinMax.ScoreLowerIsBetter(cycle, subset, scores, scores, requireMetrics: false);
    }
}
