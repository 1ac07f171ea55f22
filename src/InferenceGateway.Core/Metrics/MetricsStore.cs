using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Metrics;

/// <summary>What the picker knows about one endpoint's scrapes. Immutable; replaced as a whole.</summary>
/// <param name="Latest">The last successful scrape (kept when later scrapes fail, so staleness can be judged).</param>
/// <param name="LastError">Why the last scrape failed; null after a success.</param>
internal sealed record EndpointScrapeState(
    string Address,
    string EngineType,
    EndpointMetrics? Latest,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    int ConsecutiveFailures,
    long SuccessfulScrapes,
    long FailedScrapes)
{
    public static EndpointScrapeState Initial(string address, string engineType) => new(address, engineType, null, null, null, 0, 0, 0);
}

/// <summary>
/// Latest metrics per endpoint address. Each entry holds a reference to an immutable <see cref="EndpointScrapeState"/>
/// that the endpoint's scrape loop (its only writer) replaces; readers never lock.
/// </summary>
internal sealed class MetricsStore : IEndpointMetricsStore
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _stalenessThreshold;

    public MetricsStore(IOptions<MetricsOptions> options, TimeProvider timeProvider)
    {
        _timeProvider = timeProvider;
        _stalenessThreshold = options.Value.StalenessThreshold;
    }

    public TimeSpan StalenessThreshold => _stalenessThreshold;

    /// <inheritdoc />
    public EndpointMetrics? TryGet(string address) =>
        _entries.TryGetValue(address, out var entry) ? entry.State.Latest : null;

    /// <summary>The latest metrics when younger than the staleness threshold; otherwise null (unknown, never idle).</summary>
    public EndpointMetrics? TryGetFresh(string address) =>
        FreshOrNull(TryGet(address), _timeProvider.GetUtcNow(), _stalenessThreshold);

    /// <summary>Freshness rule shared by every consumer: stale or missing metrics are unknown.</summary>
    public static EndpointMetrics? FreshOrNull(EndpointMetrics? metrics, DateTimeOffset now, TimeSpan stalenessThreshold) =>
        metrics is not null && metrics.IsFresh(now, stalenessThreshold) ? metrics : null;

    public EndpointScrapeState? TryGetState(string address) =>
        _entries.TryGetValue(address, out var entry) ? entry.State : null;

    /// <summary>Current state of every tracked endpoint (health pages, logs).</summary>
    public IReadOnlyList<EndpointScrapeState> Snapshot()
    {
        var result = new List<EndpointScrapeState>(_entries.Count);
        foreach (var pair in _entries)
        {
            result.Add(pair.Value.State);
        }

        return result;
    }

    internal void Track(string address, string engineType) =>
        _entries[address] = new Entry(EndpointScrapeState.Initial(address, engineType));

    internal void Untrack(string address) => _entries.TryRemove(address, out _);

    internal void RecordSuccess(string address, EndpointMetrics metrics)
    {
        if (_entries.TryGetValue(address, out var entry))
        {
            var state = entry.State;
            entry.State = state with
            {
                Latest = metrics,
                LastError = null,
                ConsecutiveFailures = 0,
                SuccessfulScrapes = state.SuccessfulScrapes + 1,
            };
        }
    }

    /// <returns>The updated state (null when the endpoint is no longer tracked).</returns>
    internal EndpointScrapeState? RecordFailure(string address, string error, DateTimeOffset at)
    {
        if (!_entries.TryGetValue(address, out var entry))
        {
            return null;
        }

        var state = entry.State;
        var updated = state with
        {
            LastError = error,
            LastErrorAt = at,
            ConsecutiveFailures = state.ConsecutiveFailures + 1,
            FailedScrapes = state.FailedScrapes + 1,
        };
        entry.State = updated;
        return updated;
    }

    private sealed class Entry(EndpointScrapeState state)
    {
        private EndpointScrapeState _state = state;

        public EndpointScrapeState State
        {
            get => Volatile.Read(ref _state);
            set => Volatile.Write(ref _state, value);
        }
    }
}
