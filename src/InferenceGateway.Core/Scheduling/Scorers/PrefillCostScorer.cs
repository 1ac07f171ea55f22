using InferenceGateway.Core.Scheduling.Filters;

namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Tunables of <see cref="PrefillCostScorer"/>, all in prefill-token equivalents.</summary>
internal sealed record PrefillCostOptions
{
    /// <summary>Cost of one waiting request at a saturated endpoint, as a multiple of the average prompt.</summary>
    public double WaitingRequestFactor { get; init; } = 2.0;

    /// <summary>Per step, each running sequence slows the step like this many prefill tokens.</summary>
    public double DecodeTokensPerRunningRequest { get; init; } = 16;

    /// <summary>Prefill tokens per engine step (vLLM's max_num_batched_tokens with chunked prefill).</summary>
    public double ChunkTokens { get; init; } = 8192;

    /// <summary>KV usage above which the endpoint is close to queueing for memory (and evicting prefixes).</summary>
    public double KvPressureThreshold { get; init; } = 0.9;

    /// <summary>At full KV, each token the request must allocate costs this many more prefill tokens.</summary>
    public double KvPressureCost { get; init; } = 2.0;

    /// <summary>
    /// In a saturated cluster (every endpoint queues), the capacity a prefill spends delays the backlog behind it:
    /// uncached tokens cost 1 + this x minQueue times as much. 0 turns it off.
    /// </summary>
    public double BacklogPrefillFactor { get; init; } = 1.0;

    /// <summary>Cost of loading an adapter into a free slot.</summary>
    public double LoraLoadTokens { get; init; } = 2048;

    /// <summary>Weight of the newest pick in the running averages of prompt and uncached tokens.</summary>
    public double AverageAlpha { get; init; } = 0.05;
}

/// <summary>
/// Our default: estimated cost of serving this request on each endpoint, in prefill tokens, lowest wins:
/// <code>
/// cost = U                                   uncached prompt tokens on e (prompt minus its matched prefix)
///      + E x avgUncached                     prefill of requests sent since the scrape (not yet reported)
///      + (W > 0 ? (W + E) x 2 x avgPrompt    a saturated endpoint: each queued request costs a lot more than a prefill,
///               / (1 + minQueue))          relative to the shortest queue (W + E) of all known candidates
///      + (R + E) x 16 x steps                decode sequences slow every step of our prefill
///      + (U + E x avgUncached) x 2 x (kv - 0.9) / 0.1    KV pressure above 0.9: new blocks are expensive
///      + minQueue x (U + E x avgUncached)    every endpoint queues: the prefill's capacity delays the backlog
///      + LoRA (0 active, 1024 loading, 2048 free slot, 2048 + a queued request if no slot)
/// </code>
/// Scores are (min + P) / (cost + P): 1 for the cheapest, ordering is by cost. Unknown metrics rank after every
/// known endpoint (ordered among themselves by their in-flight work), so they stay a last resort.
/// </summary>
internal sealed class PrefillCostScorer(string name, PrefillCostOptions options) : IScorer, IPickObserver
{
    public const string Type = "prefill-cost-scorer";

    private double _averageUncached = -1;
    private double _averagePrompt = -1;

    public string TypeName => Type;

    public string Name { get; } = name;

    public PrefillCostOptions Options { get; } = options;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        var prompt = Math.Max(1, cycle.PromptTokens);
        var averageUncached = _averageUncached >= 0 ? _averageUncached : prompt;
        var averagePrompt = Math.Max(1, _averagePrompt >= 0 ? _averagePrompt : prompt);
        var waitTokens = Options.WaitingRequestFactor * Math.Max(averagePrompt, prompt);

        // LoRA costs only for a known adapter: a base-model request finds its name in no adapter list, and
        // penalising endpoints without free slots would then only skew the base model's traffic.
        var adapterKnown = false;
        for (var k = 0; k < subset.Length && !adapterKnown; k++)
        {
            adapterKnown = LoraState.IsActive(cycle, subset[k]) || LoraState.IsWaiting(cycle, subset[k]);
        }

        // The shortest queue among the known candidates. When every endpoint queues, the cluster is throughput-bound:
        // the common backlog delays every choice alike, and what a pick can change is its share of the backlog
        // and the capacity it spends. So a queue costs by its length relative to the shortest one
        // ((W + E) / (1 + minQueue)); with an idle endpoint around (minQueue = 0) that is the absolute count.
        var minQueue = double.MaxValue;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.Metrics(i) is { } known)
            {
                minQueue = Math.Min(minQueue, Math.Max(0, known.WaitingRequests) + cycle.ExcessInFlight(i));
            }
        }

        var minQueueKnown = minQueue == double.MaxValue ? 0 : minQueue;
        var queueScale = 1 / (1 + minQueueKnown);

        var maxKnown = 0.0;
        var anyUnknown = false;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.Metrics(i) is not { } metrics)
            {
                anyUnknown = true;
                continue;
            }

            var uncached = cycle.UncachedPromptTokens(i);
            var excess = cycle.ExcessInFlight(i);
            var waiting = Math.Max(0, metrics.WaitingRequests);
            var running = Math.Max(0, metrics.RunningRequests);

            var pending = excess * averageUncached;
            var queued = waiting > 0 ? (waiting + excess) * waitTokens * queueScale : 0;
            var steps = 1 + ((uncached + pending) / Options.ChunkTokens);
            var decode = (running + excess) * Options.DecodeTokensPerRunningRequest * steps;
            var kv = cycle.EffectiveKvUsage(i);
            // Memory pressure makes the blocks this request must allocate expensive (they evict cached prefixes
            // or wait for memory), not the endpoint as such: a hit allocates only its uncached tail, so a full
            // cache that holds the prefix stays cheap while a miss there costs up to KvPressureCost times more.
            var kvPressure = kv > Options.KvPressureThreshold
                ? (kv - Options.KvPressureThreshold) / (1 - Options.KvPressureThreshold) * Options.KvPressureCost * (uncached + pending)
                : 0;
            var lora = 0.0;
            if (adapterKnown && !LoraState.IsActive(cycle, i))
            {
                lora = LoraState.IsWaiting(cycle, i) ? Options.LoraLoadTokens / 2
                    : LoraState.HasRoom(cycle, i) ? Options.LoraLoadTokens
                    : Options.LoraLoadTokens + waitTokens;
            }

            var backlog = Options.BacklogPrefillFactor * minQueueKnown * (uncached + pending);
            var cost = uncached + pending + backlog + queued + decode + kvPressure + lora;
            scores[k] = cost;
            maxKnown = Math.Max(maxKnown, cost);
        }

        if (anyUnknown)
        {
            for (var k = 0; k < subset.Length; k++)
            {
                var i = subset[k];
                if (cycle.Metrics(i) is null)
                {
                    scores[k] = maxKnown + prompt + cycle.UncachedPromptTokens(i) + (cycle.ExcessInFlight(i) * averageUncached);
                }
            }
        }

        var min = double.MaxValue;
        for (var k = 0; k < subset.Length; k++)
        {
            min = Math.Min(min, scores[k]);
        }

        for (var k = 0; k < subset.Length; k++)
        {
            scores[k] = (min + prompt) / (scores[k] + prompt);
        }
    }

    public void OnPicked(SchedulingCycle cycle, int primary)
    {
        // Racy by design: a lost update of a running average is harmless and keeps the pick lock-free.
        var alpha = Options.AverageAlpha;
        var uncached = cycle.UncachedPromptTokens(primary);
        var prompt = cycle.PromptTokens;
        var averageUncached = _averageUncached;
        _averageUncached = averageUncached < 0 ? uncached : averageUncached + (alpha * (uncached - averageUncached));
        var averagePrompt = _averagePrompt;
        _averagePrompt = averagePrompt < 0 ? prompt : averagePrompt + (alpha * (prompt - averagePrompt));
    }
}
