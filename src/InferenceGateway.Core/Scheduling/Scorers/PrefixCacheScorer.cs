namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Share of the prompt's blocks the endpoint probably holds: matched blocks / total blocks.</summary>
/// <remarks>Prefix matches are this picker's own record, so they count even when the metrics are unknown.</remarks>
internal sealed class PrefixCacheScorer(string name) : IScorer
{
    public const string Type = "prefix-cache-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            var total = cycle.TotalBlocks(i);
            scores[k] = total == 0 ? 0 : (double)cycle.MatchedBlocks(i) / total;
        }
    }
}
