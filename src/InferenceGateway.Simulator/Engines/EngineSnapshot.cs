namespace InferenceGateway.Simulator.Engines;

/// <summary>Monotonic totals since the engine started.</summary>
public readonly record struct EngineCounters(
    long PromptTokens,
    long GenerationTokens,
    long PrefixCacheQueries,
    long PrefixCacheHits,
    long RequestsFinished,
    long RequestsCancelled,
    long RequestsRejected,
    long Preemptions,
    long Steps);

/// <summary>
/// The load an engine reports at one virtual instant: what a scrape of vLLM's /metrics would show. Built by
/// <see cref="Engine.Snapshot"/>; immutable, so readers (HTTP /metrics, a discrete-event router) share it freely.
/// </summary>
public sealed record EngineSnapshot(
    TimeSpan Time,
    int WaitingRequests,
    int RunningRequests,
    double KvCacheUsage,
    int KvBlocksUsed,
    int KvBlocksTotal,
    int KvBlocksCached,
    int BlockSize,
    int MaxLoras,
    IReadOnlyList<string> RunningAdapters,
    IReadOnlyList<string> WaitingAdapters,
    IReadOnlyList<string> LoadedAdapters,
    EngineCounters Counters,
    HistogramSnapshot TimeToFirstToken,
    HistogramSnapshot E2eRequestLatency,
    HistogramSnapshot RequestQueueTime);
