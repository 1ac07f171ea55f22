using System.Collections.Frozen;

namespace InferenceGateway.Core.Metrics;

/// <summary>
/// One scrape of one model server, in engine-independent terms. Immutable; the scraper publishes a new instance
/// per scrape. Consumers treat stale metrics as unknown, never as idle.
/// </summary>
public sealed record EndpointMetrics(
    int WaitingRequests,
    int RunningRequests,
    double KvCacheUsage,
    FrozenSet<string> ActiveAdapters,
    FrozenSet<string> WaitingAdapters,
    int MaxActiveAdapters,
    int? BlockSize,
    int? NumBlocks,
    DateTimeOffset ScrapedAt)
{
    public bool IsFresh(DateTimeOffset now, TimeSpan stalenessThreshold) => now - ScrapedAt <= stalenessThreshold;
}

/// <summary>The latest metrics of every known endpoint, keyed by endpoint address. Lock-free reads.</summary>
public interface IEndpointMetricsStore
{
    /// <summary>Latest scrape, or null when the endpoint was never scraped successfully.</summary>
    EndpointMetrics? TryGet(string address);
}
