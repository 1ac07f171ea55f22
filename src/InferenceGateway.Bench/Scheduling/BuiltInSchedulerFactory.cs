using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;

namespace InferenceGateway.Bench.Scheduling;

/// <summary>
/// The benchmark's strategies: Core's built-in scheduling profiles, each built fresh per run with the run's seeded
/// <see cref="Random"/> and a prefix index sized like the simulated servers' KV caches.
/// </summary>
/// <remarks>
/// Core's scheduler reads no clock (metric staleness is judged by the datastore, which the simulation replaces by
/// its own scrapes), so the virtual clock in <see cref="SchedulerContext.Time"/> needs no plumbing today.
/// </remarks>
internal sealed class BuiltInSchedulerFactory : ISchedulerFactory
{
    /// <summary>Display order of the comparison: baselines first, ours last.</summary>
    private static readonly string[] BuiltIn = ["round-robin", "random", "least-request", "seed-tree", "reference-default", "prefill-cost", "default"];

    private readonly string? _configYaml;
    private readonly List<string> _names;

    /// <param name="configYaml">An EndpointPickerConfig whose profiles become extra strategies (and may redefine
    /// built-in ones), e.g. to compare tunings; null for the built-in profiles only.</param>
    public BuiltInSchedulerFactory(string? configYaml = null)
    {
        _configYaml = configYaml;
        _names = [.. BuiltIn];
        if (configYaml is not null)
        {
            foreach (var profile in EndpointPickerConfig.Parse(configYaml).Profiles)
            {
                if (!_names.Contains(profile.Name, StringComparer.OrdinalIgnoreCase))
                {
                    _names.Add(profile.Name);
                }
            }
        }
    }

    public static BuiltInSchedulerFactory Instance { get; } = new();

    public IReadOnlyList<string> Names => _names;

    public IScheduler? Create(string name, SchedulerContext context)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(context);
        string? profile = null;
        foreach (var known in _names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                profile = known;
            }
        }

        if (profile is null)
        {
            return null;
        }

        var options = new SchedulerOptions
        {
            Profile = profile,
            Prefix = new PrefixCacheOptions
            {
                DefaultBlockSizeTokens = Math.Clamp(context.BlockSize, 1, 4096),
                DefaultCapacityPerEndpoint = Math.Max(1, context.KvCacheBlocks),
            },
        };
        var scheduler = _configYaml is null
            ? SchedulerFactory.Create(options, context.Random)
            : SchedulerFactory.FromYaml(_configYaml, options, context.Random);
        return CacheFeedbackAdapter.Wrap(scheduler);
    }
}
