using System.Collections.Concurrent;
using System.Collections.Frozen;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.TestSupport;

/// <summary>An <see cref="IEndpointMetricsStore"/> whose entries a test sets directly.</summary>
public sealed class FakeMetricsStore : IEndpointMetricsStore
{
    private readonly ConcurrentDictionary<string, EndpointMetrics> _metrics = new(StringComparer.Ordinal);

    public EndpointMetrics? TryGet(string address) => _metrics.TryGetValue(address, out var metrics) ? metrics : null;

    public void Set(string address, EndpointMetrics metrics) => _metrics[address] = metrics;

    public static EndpointMetrics Metrics(DateTimeOffset scrapedAt, int waiting = 0, int running = 0, double kvCacheUsage = 0) =>
        new(waiting, running, kvCacheUsage, FrozenSet<string>.Empty, FrozenSet<string>.Empty, 0, null, null, scrapedAt);
}
