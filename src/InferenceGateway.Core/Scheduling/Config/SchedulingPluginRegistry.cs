using System.Collections.Frozen;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling.Filters;
using InferenceGateway.Core.Scheduling.Pickers;
using InferenceGateway.Core.Scheduling.Scorers;

namespace InferenceGateway.Core.Scheduling.Config;

/// <summary>What a plugin factory may use: shared services and the other configured plugins (by name).</summary>
internal sealed class PluginBuildContext(SchedulerOptions options, PrefixCacheIndex prefixIndex, Func<string, string, ISchedulingPlugin> resolve)
{
    public SchedulerOptions Options { get; } = options;

    public PrefixCacheIndex PrefixIndex { get; } = prefixIndex;

    /// <summary>Primary plus fallbacks, when a picker does not say.</summary>
    public int DefaultMaxEndpoints => 1 + Options.MaxFallbacks;

    /// <summary>Another configured plugin by name; the second argument says where it was referenced.</summary>
    public ISchedulingPlugin Resolve(string name, string referencedFrom) => resolve(name, referencedFrom);
}

internal delegate ISchedulingPlugin PluginFactory(string name, PluginParameters parameters, PluginBuildContext context);

/// <summary>Plugin types by their configuration name, resolved once into a frozen dictionary.</summary>
internal sealed class SchedulingPluginRegistry
{
    public SchedulingPluginRegistry(IEnumerable<KeyValuePair<string, PluginFactory>> factories)
    {
        Factories = factories.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public static SchedulingPluginRegistry Default { get; } = new(BuiltInFactories());

    public FrozenDictionary<string, PluginFactory> Factories { get; }

    public ISchedulingPlugin Create(PluginSpec spec, PluginBuildContext context)
    {
        if (!Factories.TryGetValue(spec.Type, out var factory))
        {
            throw new SchedulerConfigException(
                $"plugin \"{spec.Name}\": unknown plugin type \"{spec.Type}\"; known types: {string.Join(", ", Factories.Keys.Order(StringComparer.Ordinal))}");
        }

        return factory(spec.Name, spec.Parameters, context);
    }

    private static IEnumerable<KeyValuePair<string, PluginFactory>> BuiltInFactories()
    {
        // Filters.
        yield return new(CriticalityFilter.Type, (name, p, _) => new CriticalityFilter(name, ParseBands(p)));
        yield return new(LowQueueFilter.Type, (name, p, _) => new LowQueueFilter(name, p.GetDouble("threshold", LowQueueFilter.DefaultThreshold, 0)));
        yield return new(LowLoadFilter.Type, (name, p, _) => new LowLoadFilter(
            name,
            p.GetDouble("queueThreshold", LowLoadFilter.DefaultQueueThreshold, 0),
            p.GetDouble("kvCacheThreshold", LowLoadFilter.DefaultKvCacheThreshold, 0, 1)));
        yield return new(LeastQueueFilter.Type, (name, _, _) => new LeastQueueFilter(name));
        yield return new(KnownMetricsFilter.Type, (name, _, _) => new KnownMetricsFilter(name));
        yield return new(LeastKvCacheFilter.Type, (name, _, _) => new LeastKvCacheFilter(name));
        yield return new(ActiveLoraFilter.Type, (name, _, _) => new ActiveLoraFilter(name));
        yield return new(CanLoadLoraFilter.Type, (name, _, _) => new CanLoadLoraFilter(name));
        yield return new(LowLoraCostFilter.Type, (name, _, _) => new LowLoraCostFilter(name));
        yield return new(DecisionTreeFilter.Type, (name, p, context) => DecisionTree(name, p, context));

        // Scorers.
        yield return new(QueueScorer.Type, (name, _, _) => new QueueScorer(name));
        yield return new(KvCacheUtilizationScorer.Type, (name, _, _) => new KvCacheUtilizationScorer(name));
        yield return new(KvCacheUtilizationScorer.LegacyType, (name, _, _) => new KvCacheUtilizationScorer(name));
        yield return new(LoraAffinityScorer.Type, (name, p, _) => new LoraAffinityScorer(name, p.GetBool("knownAdaptersOnly", false)));
        yield return new(PrefixCacheScorer.Type, (name, p, _) => new PrefixCacheScorer(name, p.GetInt("maxPrefixBlocksToMatch", PrefixCacheScorer.DefaultMaxBlocks, 1, 65_536)));
        yield return new(RunningRequestsScorer.Type, (name, _, _) => new RunningRequestsScorer(name));
        yield return new(TokenLoadScorer.Type, (name, p, _) => new TokenLoadScorer(
            name, p.GetDouble("queueThresholdTokens", TokenLoadScorer.DefaultThresholdTokens, 1)));
        yield return new(SessionAffinityScorer.Type, (name, _, _) => new SessionAffinityScorer(name));
        yield return new(LeastRequestScorer.Type, (name, _, _) => new LeastRequestScorer(name));
        yield return new(PrefillCostScorer.Type, (name, p, _) => new PrefillCostScorer(name, ParseCostOptions(p)));

        // Pickers.
        yield return new(MaxScorePicker.Type, (name, p, c) => new MaxScorePicker(name, MaxEndpoints(p, c)));
        yield return new(RandomPicker.Type, (name, p, c) => new RandomPicker(name, MaxEndpoints(p, c)));
        yield return new(WeightedRandomPicker.Type, (name, p, c) => new WeightedRandomPicker(name, MaxEndpoints(p, c)));
        yield return new(RoundRobinPicker.Type, (name, p, c) => new RoundRobinPicker(name, MaxEndpoints(p, c)));
    }

    private static int MaxEndpoints(PluginParameters parameters, PluginBuildContext context) =>
        parameters.GetInt("maxNumOfEndpoints", context.DefaultMaxEndpoints, 1, 65);

    private static HashSet<CriticalityBand> ParseBands(PluginParameters parameters)
    {
        var names = parameters.GetStringList("bands") ?? throw parameters.Error("bands", "is required (e.g. [Critical])");
        var bands = new HashSet<CriticalityBand>();
        foreach (var name in names)
        {
            if (!Enum.TryParse<CriticalityBand>(name, ignoreCase: true, out var band) || !Enum.IsDefined(band))
            {
                throw parameters.Error("bands", $"has unknown band \"{name}\"; use Critical, Default or Sheddable");
            }

            bands.Add(band);
        }

        return bands;
    }

    private static PrefillCostOptions ParseCostOptions(PluginParameters p)
    {
        var defaults = new PrefillCostOptions();
        return new PrefillCostOptions
        {
            WaitingRequestFactor = p.GetDouble("waitingRequestFactor", defaults.WaitingRequestFactor, 0),
            SpillSlackRequests = p.GetDouble("spillSlackRequests", defaults.SpillSlackRequests, 0),
            SpillSlackFraction = p.GetDouble("spillSlackFraction", defaults.SpillSlackFraction, 0),
            SpillSlackRunningFraction = p.GetDouble("spillSlackRunningFraction", defaults.SpillSlackRunningFraction, 0),
            BoundedLoadKvThreshold = p.GetDouble("boundedLoadKvThreshold", defaults.BoundedLoadKvThreshold, 0),
            BoundedLoadEpsilon = p.GetDouble("boundedLoadEpsilon", defaults.BoundedLoadEpsilon, 0),
            BoundedLoadSlackRequests = p.GetDouble("boundedLoadSlackRequests", defaults.BoundedLoadSlackRequests, 0),
            StaleHolderFactor = p.GetDouble("staleHolderFactor", defaults.StaleHolderFactor, 0),
            CacheBalanceFactor = p.GetDouble("cacheBalanceFactor", defaults.CacheBalanceFactor, 0),
            SpillTargetKvLimit = p.GetDouble("spillTargetKvLimit", defaults.SpillTargetKvLimit, 0),
            SpillTargetWorkingSetFactor = p.GetDouble("spillTargetWorkingSetFactor", defaults.SpillTargetWorkingSetFactor, 0),
            SpillTargetRoomPenalty = p.GetDouble("spillTargetRoomPenalty", defaults.SpillTargetRoomPenalty, 0),
            QueueTieWeight = p.GetDouble("queueTieWeight", defaults.QueueTieWeight, 0),
            DecodeTokensPerRunningRequest = p.GetDouble("decodeTokensPerRunningRequest", defaults.DecodeTokensPerRunningRequest, 0),
            ChunkTokens = p.GetDouble("chunkTokens", defaults.ChunkTokens, 1),
            KvPressureThreshold = p.GetDouble("kvPressureThreshold", defaults.KvPressureThreshold, 0, 0.999),
            KvPressureCost = p.GetDouble("kvPressureCost", defaults.KvPressureCost, 0),
            KvPressureMaxShare = p.GetDouble("kvPressureMaxShare", defaults.KvPressureMaxShare, 0),
            BacklogPrefillFactor = p.GetDouble("backlogPrefillFactor", defaults.BacklogPrefillFactor, 0),
            LoraLoadTokens = p.GetDouble("loraLoadTokens", defaults.LoraLoadTokens, 0),
            AverageAlpha = p.GetDouble("averageAlpha", defaults.AverageAlpha, 0.0001, 1),
        };
    }

    /// <summary>
    /// The reference picker's tree syntax: <c>current</c> and <c>nextOnSuccess</c> / <c>nextOnFailure</c> /
    /// <c>nextOnSuccessOrFailure</c>, each either <c>{pluginRef: filter}</c> or <c>{decisionTree: {...}}</c>.
    /// </summary>
    private static DecisionTreeFilter DecisionTree(string name, PluginParameters p, PluginBuildContext context)
    {
        var current = Branch(p, "current", name, context) ?? throw p.Error("current", "is required");
        var either = Branch(p, "nextOnSuccessOrFailure", name, context);
        var onSuccess = Branch(p, "nextOnSuccess", name, context) ?? either;
        var onFailure = Branch(p, "nextOnFailure", name, context) ?? either;
        return new DecisionTreeFilter(name, current, onSuccess, onFailure);
    }

    private static IFilter? Branch(PluginParameters p, string key, string treeName, PluginBuildContext context)
    {
        var node = p.GetMap(key);
        if (node is null)
        {
            return null;
        }

        var pluginRef = node.GetString("pluginRef");
        if (pluginRef is not null)
        {
            var where = $"decision tree \"{treeName}\" ({key})";
            return context.Resolve(pluginRef, where) as IFilter
                ?? throw new SchedulerConfigException($"{where}: pluginRef \"{pluginRef}\" is not a filter");
        }

        var subtree = node.GetMap("decisionTree");
        if (subtree is not null)
        {
            return DecisionTree(treeName, subtree, context);
        }

        throw p.Error(key, "must hold a pluginRef or a decisionTree");
    }
}
