namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Fewer in-flight tokens (this picker's own count) is better: 1 - min(1, tokens / threshold).</summary>
internal sealed class TokenLoadScorer(string name, double thresholdTokens) : IScorer
{
    public const string Type = "token-load-scorer";

    /// <summary>128 requests of 32K tokens.</summary>
    public const double DefaultThresholdTokens = 4_194_304;

    public string TypeName => Type;

    public string Name { get; } = name;

    public double ThresholdTokens { get; } = thresholdTokens;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            var tokens = Math.Max(0, cycle.Candidate(subset[k]).InFlightTokens);
            scores[k] = 1 - Math.Min(1, tokens / ThresholdTokens);
        }
    }
}
