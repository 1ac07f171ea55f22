using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.Core.Scheduling.Filters;
using InferenceGateway.Core.Scheduling.Pickers;
using InferenceGateway.Core.Scheduling.Scorers;

namespace InferenceGateway.Core.Scheduling;

/// <summary>The profiles every scheduler knows by name (a config file may add more or replace them).</summary>
internal static class BuiltInProfiles
{
    /// <summary>
    /// Ours: the prefill-cost model blended with the reference mix's bounded scorers, max-score (weights in
    /// <see cref="Create"/>; docs/scheduling.md explains them).
    /// </summary>
    public const string Default = "default";

    /// <summary>The prefill-cost model alone (prefix reuse, load, LoRA in one estimate), max-score: the default until the blend.</summary>
    public const string PrefillCost = "prefill-cost";

    /// <summary>The reference picker's default mix: queue x2, kv-cache x2, prefix-cache x3, max-score.</summary>
    public const string ReferenceDefault = "reference-default";

    /// <summary>The seed era's filter tree with three real criticality bands, random pick.</summary>
    public const string SeedTree = "seed-tree";

    public const string Random = "random";
    public const string RoundRobin = "round-robin";
    public const string LeastRequest = "least-request";

    public static IReadOnlyList<string> Names { get; } = [Default, PrefillCost, ReferenceDefault, SeedTree, Random, RoundRobin, LeastRequest];

    public static IEnumerable<SchedulerProfile> Create(PluginBuildContext context)
    {
        var max = context.DefaultMaxEndpoints;

        // The cost model alone holds the floor while the servers have KV room, but at the memory limit its cost
        // differences are steep enough to tip a cluster into a spill spiral (each copy of a prefix evicts others).
        // Blended as one bounded score among the reference mix's, it keeps its placement below the limit, and the
        // prefix weight holds affinity at the limit, where the queue and KV scorers only degrade the pick. The
        // weights are the ones measured robust in docs/benchmarks.md ("The blend"); LoRA affinity is weighted up
        // because the blend dilutes the cost model's LoRA term, and like that term it ignores models no endpoint
        // has as an adapter (base-model requests). Unknown metrics rank last in the cost model alone; here the
        // prefix score would count them, so they are filtered out while any endpoint has metrics.
        yield return new SchedulerProfile(
            Default,
            [new KnownMetricsFilter(KnownMetricsFilter.Type)],
            [
                new(new QueueScorer(QueueScorer.Type), 1),
                new(new KvCacheUtilizationScorer(KvCacheUtilizationScorer.Type), 2),
                new(new PrefixCacheScorer(PrefixCacheScorer.Type), 3),
                new(new PrefillCostScorer(PrefillCostScorer.Type, new PrefillCostOptions()), 3),
                new(new LoraAffinityScorer(LoraAffinityScorer.Type, knownAdaptersOnly: true), 4),
            ],
            new MaxScorePicker(MaxScorePicker.Type, max));

        yield return new SchedulerProfile(
            PrefillCost,
            [],
            [new(new PrefillCostScorer(PrefillCostScorer.Type, new PrefillCostOptions()), 1)],
            new MaxScorePicker(MaxScorePicker.Type, max));

        yield return new SchedulerProfile(
            ReferenceDefault,
            [],
            [
                new(new QueueScorer(QueueScorer.Type), 2),
                new(new KvCacheUtilizationScorer(KvCacheUtilizationScorer.Type), 2),
                new(new PrefixCacheScorer(PrefixCacheScorer.Type), 3),
            ],
            new MaxScorePicker(MaxScorePicker.Type, max));

        yield return new SchedulerProfile(SeedTree, [CreateSeedTree()], [], new RandomPicker(RandomPicker.Type, max));

        yield return new SchedulerProfile(Random, [], [], new RandomPicker(RandomPicker.Type, max));

        yield return new SchedulerProfile(RoundRobin, [], [], new RoundRobinPicker(RoundRobinPicker.Type, max));

        yield return new SchedulerProfile(
            LeastRequest,
            [],
            [new(new LeastRequestScorer(LeastRequestScorer.Type), 1)],
            new MaxScorePicker(MaxScorePicker.Type, max));
    }

    /// <summary>
    /// The seed tree (constants KV 0.8, non-critical queue 5, LoRA-affinity queue 50), fixed in three ways:
    /// Default requests take the non-critical path but are dropped only when, in addition, no endpoint has fewer
    /// than 50 waiting (then they go on like a critical request that lost affinity); Sheddable requests are
    /// dropped like the seed dropped every non-critical one; queues count this picker's unreported in-flight work.
    /// </summary>
    public static IFilter CreateSeedTree()
    {
        var leastQueue = new LeastQueueFilter(LeastQueueFilter.Type);
        var leastKv = new LeastKvCacheFilter(LeastKvCacheFilter.Type);
        var lowLoraCost = new LowLoraCostFilter(LowLoraCostFilter.Type);
        var lowQueue = new LowQueueFilter(LowQueueFilter.Type, LowQueueFilter.DefaultThreshold);

        var queueThenKv = DecisionTreeFilter.Chain("least-queue-then-kv", leastQueue, leastKv);
        var queueLoraKv = DecisionTreeFilter.Chain("least-queue-lora-kv", leastQueue, lowLoraCost, leastKv);

        var critical = new DecisionTreeFilter(
            "critical",
            lowQueue,
            new DecisionTreeFilter(
                "lora-affinity",
                new ActiveLoraFilter(ActiveLoraFilter.Type),
                queueThenKv,
                new DecisionTreeFilter("can-load-lora", new CanLoadLoraFilter(CanLoadLoraFilter.Type), queueThenKv, queueThenKv)),
            queueLoraKv);

        var defaultRescue = new DecisionTreeFilter(
            "default-band-rescue",
            new CriticalityFilter("is-default", new HashSet<CriticalityBand> { CriticalityBand.Default }),
            new DecisionTreeFilter("default-low-queue", lowQueue, queueLoraKv, null),
            null);

        var nonCritical = new DecisionTreeFilter(
            "non-critical",
            new LowLoadFilter(LowLoadFilter.Type, LowLoadFilter.DefaultQueueThreshold, LowLoadFilter.DefaultKvCacheThreshold),
            queueLoraKv,
            defaultRescue);

        return new DecisionTreeFilter(
            SeedTree,
            new CriticalityFilter("is-critical", new HashSet<CriticalityBand> { CriticalityBand.Critical }),
            critical,
            nonCritical);
    }
}
