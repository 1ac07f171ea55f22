using InferenceGateway.Core.Prefix;

namespace InferenceGateway.Core.Scheduling;

/// <summary>Scheduler settings: which profile runs, how many fallbacks, where the plugin config is.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Profile to run: a built-in (default, prefill-cost, reference-default, seed-tree, random, round-robin,
    /// least-request) or one defined in the config file. Null: the config's first profile, else "default".</summary>
    public string? Profile { get; set; }

    /// <summary>Fallback endpoints returned after the primary (when the picker does not set its own count).</summary>
    public int MaxFallbacks { get; set; } = 3;

    /// <summary>An EndpointPickerConfig file (YAML); null for the built-in profiles only.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>An EndpointPickerConfig given inline (YAML or JSON text), in lieu of <see cref="ConfigPath"/>; set at most one.</summary>
    public string? ConfigText { get; set; }

    public PrefixCacheOptions Prefix { get; set; } = new();

    internal void Validate()
    {
        if (MaxFallbacks is < 0 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxFallbacks), MaxFallbacks, "must be in [0, 64]");
        }

        Prefix.Validate();
    }
}
