namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>
/// Share of the prompt's blocks the endpoint probably holds: matched blocks / total blocks, both counted over the
/// first <c>maxPrefixBlocksToMatch</c> blocks (the reference picker's default 256), whatever the index hashes.
/// </summary>
/// <remarks>Prefix matches are this picker's own record, so they count even when the metrics are unknown.</remarks>
internal sealed class PrefixCacheScorer(string name, int maxBlocks = PrefixCacheScorer.DefaultMaxBlocks) : IScorer
{
    public const string Type = "prefix-cache-scorer";

    /// <summary>The reference picker's maxPrefixBlocksToMatch.</summary>
    public const int DefaultMaxBlocks = 256;

    public string TypeName => Type;

    public string Name { get; } = name;

    public int MaxBlocks { get; } = Math.Max(1, maxBlocks);

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            var total = Math.Min(cycle.TotalBlocks(i), MaxBlocks);
            scores[k] = total == 0 ? 0 : (double)Math.Min(cycle.MatchedBlocks(i), MaxBlocks) / total;
        }
    }
}
