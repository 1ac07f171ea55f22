using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Scheduling.Filters;

namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>Tunables of <see cref="PrefillCostScorer"/>, all in prefill-token equivalents.</summary>
internal sealed record PrefillCostOptions
{
    /// <summary>
    /// Cost of each waiting request beyond the spill tolerance, as a multiple of the average prompt: one request
    /// past the tolerance outweighs a full miss, so affinity yields there.
    /// </summary>
    public double WaitingRequestFactor { get; init; } = 2.0;

    /// <summary>Queue length (waiting + unreported in-flight) an endpoint may exceed the others' mean by at no cost.</summary>
    public double SpillSlackRequests { get; init; } = 2.0;

    /// <summary>
    /// Further tolerance in proportion to the others' mean queue: when every endpoint queues, a queue this much
    /// longer (relatively) still keeps affinity, because a miss then spends capacity the whole backlog waits for.
    /// </summary>
    public double SpillSlackFraction { get; init; } = 4.0;

    /// <summary>
    /// Further tolerance in proportion to the others' mean running batch: a few waiting requests on an endpoint
    /// that runs a large batch start within a step or two, so they do not justify a full-prefill miss elsewhere
    /// (which also duplicates the prefix in a second KV cache and feeds further spills).
    /// </summary>
    public double SpillSlackRunningFraction { get; init; } = 0.25;

    /// <summary>
    /// Effective KV usage at or above which an endpoint's load is bounded against the cluster's mean instead of
    /// the relative spill tolerance: near its memory limit a longer queue is not absorbed by a step or two but
    /// waits for completions (and risks preemption, which can drop cached prefixes). Above 1 turns the bound off.
    /// </summary>
    public double BoundedLoadKvThreshold { get; init; } = 0.9;

    /// <summary>Bounded load: an endpoint may carry up to (1 + this) x the mean load (requests) at no spill cost.</summary>
    public double BoundedLoadEpsilon { get; init; } = 0.05;

    /// <summary>Bounded load: further requests above the bound an endpoint may carry at no spill cost.</summary>
    public double BoundedLoadSlackRequests { get; init; } = 2.0;

    /// <summary>
    /// Cost, in average prompts, of a holder that matches the prompt as far as another holder but received that
    /// prefix less recently: a prefix keeps one current home, so copies left behind by a spill stop being fed
    /// and age out of the KV cache instead of splitting the group's traffic and memory for good.
    /// </summary>
    public double StaleHolderFactor { get; init; } = 0.5;

    /// <summary>
    /// Surcharge on the tokens a request adds to an endpoint's cache, per full cache of footprint that endpoint holds
    /// beyond the emptiest candidate's (footprint = blocks the prefix index lists there). New prefixes, and spills,
    /// go where the cache has room, so prefix groups spread evenly over the memory instead of where load was lowest at
    /// first sight; a hit adds few tokens and is barely touched. 0 turns it off.
    /// </summary>
    public double CacheBalanceFactor { get; init; } = 4;

    /// <summary>
    /// Effective KV usage a candidate may reach, counting the copy a request would start there, when another
    /// candidate holds more of the prompt (a spill target): above it the copy costs
    /// <see cref="SpillTargetRoomPenalty"/> queued requests, so a prefix moves only to a server with room for it and
    /// otherwise queues at home. Above 1 (default) turns it off. Where every server is near its memory limit, a copy
    /// pushes its target into preemption and the spill spirals; with 0.96 and <see cref="StaleHolderFactor"/> 2, 11 of
    /// 12 closed-loop seeds reach the floor, but a frozen-scrape prefix stream finds its prefix less often
    /// (docs/benchmarks.md, closed loop), so it is not on by default.
    /// </summary>
    public double SpillTargetKvLimit { get; init; } = 2;

    /// <summary>A copy's KV working set, in multiples of the tokens it adds (the prefix plus the group's requests that follow it).</summary>
    public double SpillTargetWorkingSetFactor { get; init; } = 2;

    /// <summary>Cost of a copy into a target without room, in queued requests (each <see cref="WaitingRequestFactor"/> prompts).</summary>
    public double SpillTargetRoomPenalty { get; init; } = 8;

    /// <summary>Within the tolerance, each waiting request weighs like this many running ones (tie-break).</summary>
    public double QueueTieWeight { get; init; } = 1.0;

    /// <summary>Per step, each running sequence slows the step like this many prefill tokens.</summary>
    public double DecodeTokensPerRunningRequest { get; init; } = 16;

    /// <summary>Prefill tokens per engine step (vLLM's max_num_batched_tokens with chunked prefill).</summary>
    public double ChunkTokens { get; init; } = 8192;

    /// <summary>Without a reported KV size: KV usage above which new blocks get expensive.</summary>
    public double KvPressureThreshold { get; init; } = 0.9;

    /// <summary>
    /// Weight of the KV pressure on the tokens the request must allocate: with the KV size known, N new tokens cost
    /// N x N / free x this more (a miss that takes the whole free memory costs this many times its prefill);
    /// without it, up to this many times more at full KV.
    /// </summary>
    public double KvPressureCost { get; init; } = 64;

    /// <summary>
    /// Cap of the new-tokens-to-free-memory ratio in the KV pressure term: past it the request waits for memory
    /// (freed at completions) rather than costing ever more.
    /// </summary>
    public double KvPressureMaxShare { get; init; } = 4;

    /// <summary>
    /// Optional: in a saturated cluster uncached tokens cost 1 + this x minQueue times as much (the prefill's
    /// capacity delays the backlog). 0 (default) leaves that to the relative spill tolerance.
    /// </summary>
    public double BacklogPrefillFactor { get; init; }

    /// <summary>Cost of loading an adapter into a free slot.</summary>
    public double LoraLoadTokens { get; init; } = 2048;

    /// <summary>Weight of the newest pick in the running averages of prompt and uncached tokens.</summary>
    public double AverageAlpha { get; init; } = 0.05;
}

/// <summary>
/// The cost model (alone: the prefill-cost profile; blended into default): cache affinity with a bounded spill, in
/// prefill-token equivalents, lowest cost wins:
/// <code>
/// Q(e)    = W + E                            queue: scraped waiting + in-flight requests the scrape has not seen
/// spillAt = m + 2 + 4 x w + r / 4            m, w, r = mean queue, scraped waiting, running of the OTHER known endpoints
/// N(e)    = U + E x avgUncached              new tokens: this prompt minus its matched prefix, plus unreported work
/// cost    = N
///         + max(0, Q - spillAt) x 2 x avgPrompt      spill: past the tolerance a queued request costs two prompts
///         + (R + E + Q) x 16 x steps                 tie-break: decode load slows every step of our prefill
///         + 64 x N x min(N / freeKvTokens, 4)        KV: a miss where memory is short preempts or blocks the queue
///         + 4 x U x (F - minF) / capacity             cache room: F = tokens the prefix index lists on e
///         + 8 x 2 x avgPrompt if e matches less than another candidate and kv(e) + 2 x U / capacity > limit
///                                                     spill-target room (optional, off): a copy goes only where it fits
///         + LoRA (0 active, 1024 loading, 2048 free slot, 2048 + a queued request if no slot)
/// </code>
/// Near its memory limit (effective KV >= 0.9) an endpoint's tolerance is a bound on its load instead (consistent
/// hashing with bounded loads): L(e) = W + R + E may reach (1 + 0.05) x mean L (this request included) + 2 + 4 x w,
/// and each request past that costs two average prompts. Among holders that match equally far, all but the one that
/// received the prefix last cost half an average prompt more, so a spilled prefix moves home rather than splitting.
/// Within the tolerance the endpoint holding the longest prefix wins; past it, each extra queued request costs two
/// average prompts, so the request spills, to the next-best prefix holder first (its uncached tokens are fewer),
/// and to endpoints with free KV memory. Because the tolerance grows with the others' queues, a saturated cluster
/// keeps near-pure affinity (a miss there spends a full prefill and a duplicate prefix that the whole backlog
/// waits for), while a cluster with headroom spills as soon as one endpoint queues more than 2 over idle peers.
/// Scores are (min + P) / (cost + P): 1 for the cheapest, ordered by cost. Unknown metrics rank after every known
/// endpoint (ordered among themselves by their in-flight work).
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
        var adapterKnown = LoraState.AnyKnows(cycle, subset);

        // The queue of every known candidate (waiting + unreported in-flight): the shortest and the sum. An
        // endpoint may exceed the mean of the others by a tolerance within which its queue costs nothing but a
        // tie-break, so affinity holds there; only an outlier spills. The tolerance grows with the mean: when every endpoint
        // queues the cluster is throughput-bound, and a miss that skips a queue spends capacity (a full prefill,
        // a duplicate prefix in KV) that the whole backlog waits for.
        var minQueue = double.MaxValue;
        var sumQueue = 0.0;
        var sumWaiting = 0.0;
        var sumRunning = 0.0;
        var known = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (cycle.Metrics(i) is { } metrics)
            {
                var waiting = Math.Max(0, metrics.WaitingRequests);
                var queue = waiting + cycle.ExcessInFlight(i);
                minQueue = Math.Min(minQueue, queue);
                sumQueue += queue;
                sumWaiting += waiting;
                sumRunning += Math.Max(0, metrics.RunningRequests);
                known++;
            }
        }

        var minQueueKnown = known == 0 ? 0 : minQueue;

        // Bounded load counts every known endpoint's requests (scraped waiting + running + unreported in-flight,
        // i.e. queue + running), this request included, so the bound holds for traffic from other pickers too.
        var loadBound = known == 0 ? double.MaxValue
            : ((1 + Options.BoundedLoadEpsilon) * (sumQueue + sumRunning + 1) / known) + Options.BoundedLoadSlackRequests;

        var deepestMatch = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            deepestMatch = Math.Max(deepestMatch, cycle.MatchedBlocks(subset[k]));
        }

        // scores[k] holds the stale-holder cost until the loops below overwrite it with the score.
        StaleHolderCosts(cycle, subset, deepestMatch, Options.StaleHolderFactor * averagePrompt, scores);

        var minIndexed = long.MaxValue;
        if (Options.CacheBalanceFactor > 0)
        {
            // Over endpoints with metrics only: those are the ones that pay the term, and a stale endpoint with an
            // empty index must not raise everyone else's cost.
            for (var k = 0; k < subset.Length; k++)
            {
                if (cycle.Metrics(subset[k]) is not null)
                {
                    minIndexed = Math.Min(minIndexed, (long)cycle.IndexedBlocks(subset[k]) * cycle.BlockTokens(subset[k]));
                }
            }
        }

        var spillTargetRoom = Options.SpillTargetKvLimit <= 1;
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
            var queue = Math.Max(0, metrics.WaitingRequests) + excess;
            var running = Math.Max(0, metrics.RunningRequests);

            var pending = excess * averageUncached;
            // The mean queue of the OTHER known endpoints: one hot endpoint must not raise its own tolerance. The
            // relative part grows with their scraped waiting only (a backlog the servers report), not with our
            // unreported in-flight requests, which are mostly about to run.
            var others = Math.Max(1, known - 1);
            var othersQueue = known > 1 ? (sumQueue - queue) / others : queue;
            var othersWaiting = known > 1 ? (sumWaiting - Math.Max(0, metrics.WaitingRequests)) / others : Math.Max(0, metrics.WaitingRequests);
            var othersRunning = known > 1 ? (sumRunning - running) / others : running;
            var spillAt = othersQueue + Options.SpillSlackRequests + (Options.SpillSlackFraction * othersWaiting)
                + (Options.SpillSlackRunningFraction * othersRunning);
            var spill = Math.Max(0, queue - spillAt) * waitTokens;
            if (cycle.EffectiveKvUsage(i) >= Options.BoundedLoadKvThreshold)
            {
                var load = Math.Max(0, metrics.WaitingRequests) + running + excess + 1;
                // As below the threshold, a backlog on every endpoint widens the bound: a miss would spend capacity the
                // whole backlog waits for.
                spill = Math.Max(0, load - loadBound - (Options.SpillSlackFraction * othersWaiting)) * waitTokens;
            }

            var steps = 1 + ((uncached + pending) / Options.ChunkTokens);
            var decodeLoad = (running + excess + (Options.QueueTieWeight * queue)) * Options.DecodeTokensPerRunningRequest * steps;
            var kvPressure = KvPressure(metrics, cycle.EffectiveKvUsage(i), uncached + pending);
            var lora = 0.0;
            if (adapterKnown && !LoraState.IsActive(cycle, i))
            {
                lora = LoraState.IsWaiting(cycle, i) ? Options.LoraLoadTokens / 2
                    : LoraState.HasRoom(cycle, i) ? Options.LoraLoadTokens
                    : Options.LoraLoadTokens + waitTokens;
            }

            var backlog = Options.BacklogPrefillFactor * minQueueKnown * (uncached + pending);
            var stale = scores[k];
            var capacity = KvCapacityTokens(metrics);
            var footprint = 0.0;
            if (Options.CacheBalanceFactor > 0 && capacity > 0)
            {
                var fuller = ((long)cycle.IndexedBlocks(i) * cycle.BlockTokens(i)) - minIndexed;
                footprint = Options.CacheBalanceFactor * uncached * fuller / capacity;
            }

            var room = 0.0;
            if (spillTargetRoom && capacity > 0 && cycle.MatchedBlocks(i) < deepestMatch)
            {
                var after = cycle.EffectiveKvUsage(i) + (Options.SpillTargetWorkingSetFactor * uncached / capacity);
                room = after > Options.SpillTargetKvLimit ? Options.SpillTargetRoomPenalty * waitTokens : 0;
            }

            var cost = uncached + pending + backlog + spill + decodeLoad + kvPressure + lora + stale + footprint + room;
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

    /// <summary>
    /// Writes each candidate's stale-holder cost into <paramref name="costs"/>: <paramref name="staleTokens"/> when
    /// another candidate matches the prompt as far and received that prefix more recently, else 0. The latest
    /// holder of each matched depth is found first (scratch indexed by matched blocks), so this is one pass per
    /// candidate, not one per pair.
    /// </summary>
    private static void StaleHolderCosts(SchedulingCycle cycle, ReadOnlySpan<int> subset, int deepest, double staleTokens, Span<double> costs)
    {
        var latest = cycle.PushIndices(deepest + 1);
        try
        {
            for (var k = 0; k < subset.Length; k++)
            {
                latest[cycle.MatchedBlocks(subset[k])] = -1;
            }

            for (var k = 0; k < subset.Length; k++)
            {
                var i = subset[k];
                ref var holder = ref latest[cycle.MatchedBlocks(i)];
                if (holder < 0 || cycle.PrefixLastPlaced(i) > cycle.PrefixLastPlaced(holder))
                {
                    holder = i;
                }
            }

            for (var k = 0; k < subset.Length; k++)
            {
                var i = subset[k];
                var matched = cycle.MatchedBlocks(i);
                costs[k] = matched > 0 && cycle.PrefixLastPlaced(i) < cycle.PrefixLastPlaced(latest[matched]) ? staleTokens : 0;
            }
        }
        finally
        {
            cycle.PopIndices();
        }
    }

    /// <summary>The endpoint's KV cache size in tokens, 0 when the engine does not report it.</summary>
    private static double KvCapacityTokens(EndpointMetrics metrics) =>
        metrics.NumBlocks is > 0 and var blocks && metrics.BlockSize is > 0 and var blockSize ? (double)blocks * blockSize : 0;

    /// <summary>
    /// Memory pressure makes the blocks this request must allocate expensive, not the endpoint as such: a hit
    /// allocates only its uncached tail, so a full cache that holds the prefix stays cheap. A miss on an endpoint
    /// without room for it preempts running sequences or blocks the FIFO queue behind it until memory frees, so
    /// with the KV size known the cost grows with the share of the free memory the new tokens take:
    /// <c>KvPressureCost x N x N / free</c> (N = new tokens). Without it: linear above <c>KvPressureThreshold</c>.
    /// </summary>
    private double KvPressure(EndpointMetrics metrics, double kv, double newTokens)
    {
        if (newTokens <= 0)
        {
            return 0;
        }

        if (metrics.NumBlocks is > 0 and var blocks && metrics.BlockSize is > 0 and var blockSize)
        {
            var free = Math.Max((1 - kv) * blocks * blockSize, blockSize);
            return Options.KvPressureCost * newTokens * Math.Min(newTokens / free, Options.KvPressureMaxShare);
        }

        return kv > Options.KvPressureThreshold
            ? (kv - Options.KvPressureThreshold) / (1 - Options.KvPressureThreshold) * Options.KvPressureCost * newTokens
            : 0;
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
