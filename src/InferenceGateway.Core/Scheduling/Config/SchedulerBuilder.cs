using System.Collections.Frozen;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling.Pickers;
using InferenceGateway.Core.Scheduling.Scorers;

namespace InferenceGateway.Core.Scheduling.Config;

/// <summary>Builds a <see cref="Scheduler"/> from options, the built-in profiles and an optional config file.</summary>
internal static class SchedulerBuilder
{
    public static Scheduler Build(SchedulerOptions options, Random random, EndpointPickerConfig? config = null, SchedulingPluginRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        options.Validate();
        registry ??= SchedulingPluginRegistry.Default;

        var prefixOptions = PrefixOptionsFrom(options.Prefix, config);
        var prefixIndex = new PrefixCacheIndex(prefixOptions);

        var built = new Dictionary<string, ISchedulingPlugin>(StringComparer.Ordinal);
        var building = new HashSet<string>(StringComparer.Ordinal);
        var specs = new Dictionary<string, PluginSpec>(StringComparer.Ordinal);
        foreach (var spec in config?.Plugins ?? [])
        {
            specs[spec.Name] = spec;
        }

        PluginBuildContext? context = null;
        ISchedulingPlugin Resolve(string name, string referencedFrom)
        {
            if (built.TryGetValue(name, out var plugin))
            {
                return plugin;
            }

            if (!specs.TryGetValue(name, out var spec))
            {
                throw new SchedulerConfigException($"{referencedFrom}: pluginRef \"{name}\" names no plugin in the plugins list");
            }

            if (!building.Add(name))
            {
                throw new SchedulerConfigException($"{referencedFrom}: plugin \"{name}\" refers to itself");
            }

            plugin = registry.Create(spec, context!);
            building.Remove(name);
            built[name] = plugin;
            return plugin;
        }

        context = new PluginBuildContext(options, prefixIndex, Resolve);

        var profiles = new Dictionary<string, SchedulerProfile>(StringComparer.Ordinal);
        foreach (var profile in BuiltInProfiles.Create(context))
        {
            profiles[profile.Name] = profile;
        }

        // Every configured plugin is built, used or not, so a typo in an unused plugin still fails loudly.
        foreach (var spec in config?.Plugins ?? [])
        {
            Resolve(spec.Name, $"plugin \"{spec.Name}\"");
        }

        string? firstConfigured = null;
        foreach (var spec in config?.Profiles ?? [])
        {
            profiles[spec.Name] = BuildProfile(spec, context);
            firstConfigured ??= spec.Name;
        }

        var active = options.Profile ?? firstConfigured ?? BuiltInProfiles.Default;
        return new Scheduler(profiles.ToFrozenDictionary(StringComparer.Ordinal), active, prefixIndex, random);
    }

    private static SchedulerProfile BuildProfile(ProfileSpec spec, PluginBuildContext context)
    {
        var filters = new List<IFilter>();
        var scorers = new List<WeightedScorer>();
        IPicker? picker = null;
        for (var i = 0; i < spec.Plugins.Count; i++)
        {
            var reference = spec.Plugins[i];
            var where = $"schedulingProfiles \"{spec.Name}\" plugins[{i}]";
            switch (context.Resolve(reference.PluginRef, where))
            {
                case IFilter filter:
                    filters.Add(filter);
                    break;
                case IScorer scorer:
                    scorers.Add(new WeightedScorer(scorer, reference.Weight ?? 1));
                    break;
                case IPicker p when picker is null:
                    picker = p;
                    break;
                case IPicker p:
                    throw new SchedulerConfigException($"{where}: profile already has picker \"{picker.Name}\"; \"{p.Name}\" is a second one");
                default:
                    throw new SchedulerConfigException($"{where}: plugin \"{reference.PluginRef}\" is not a filter, scorer or picker");
            }
        }

        picker ??= new MaxScorePicker(MaxScorePicker.Type, context.DefaultMaxEndpoints);
        return new SchedulerProfile(spec.Name, filters, scorers, picker);
    }

    /// <summary>The prefix-cache-scorer's parameters (reference names) configure the one shared index.</summary>
    private static PrefixCacheOptions PrefixOptionsFrom(PrefixCacheOptions defaults, EndpointPickerConfig? config)
    {
        var result = new PrefixCacheOptions
        {
            DefaultBlockSizeTokens = defaults.DefaultBlockSizeTokens,
            MaxBlocksPerRequest = defaults.MaxBlocksPerRequest,
            DefaultCapacityPerEndpoint = defaults.DefaultCapacityPerEndpoint,
            MaxTotalEntries = defaults.MaxTotalEntries,
        };
        foreach (var spec in config?.Plugins ?? [])
        {
            if (spec.Type != PrefixCacheScorer.Type)
            {
                continue;
            }

            var p = spec.Parameters;
            if (p.Has("hashBlockSize"))
            {
                // Older releases gave the block size in characters of prompt text.
                result.DefaultBlockSizeTokens = Math.Max(1, p.GetInt("hashBlockSize", 64, 1, 16_384) / PrefixHasher.BytesPerToken);
            }

            result.DefaultBlockSizeTokens = p.GetInt("blockSizeTokens", p.GetInt("blockSize", result.DefaultBlockSizeTokens, 1, 4096), 1, 4096);
            result.MaxBlocksPerRequest = p.GetInt("maxPrefixBlocksToMatch", result.MaxBlocksPerRequest, 1, 65_536);
            result.DefaultCapacityPerEndpoint = p.GetInt("lruCapacityPerServer", result.DefaultCapacityPerEndpoint, 1);
            result.MaxTotalEntries = p.GetInt("maxTotalEntries", result.MaxTotalEntries, 1);
            break;
        }

        return result;
    }
}
