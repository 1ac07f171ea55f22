namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>
/// Keeps the endpoints with metrics when any has them, else all: an endpoint never scraped, or whose scrape went
/// stale, is no candidate while a known one is, but a pool whose scrapes all failed is still served. Scorers that
/// count without metrics (prefix matches are the picker's own record) would otherwise rank it above a known-good one.
/// </summary>
internal sealed class KnownMetricsFilter(string name) : IFilter
{
    public const string Type = "known-metrics-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.HasMetrics(i))
            {
                subset[kept++] = i;
            }
        }

        return kept == 0 ? subset.Length : kept;
    }
}
