namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>What an endpoint offers the request's target model (adapter) right now.</summary>
internal static class LoraState
{
    // Count first: most pools run no adapters, and hashing the model name per endpoint is the expensive part.
    public static bool IsActive(SchedulingCycle cycle, int index) =>
        cycle.Metrics(index) is { ActiveAdapters.Count: > 0 } metrics && metrics.ActiveAdapters.Contains(cycle.Request.TargetModel);

    public static bool IsWaiting(SchedulingCycle cycle, int index) =>
        cycle.Metrics(index) is { WaitingAdapters.Count: > 0 } metrics && metrics.WaitingAdapters.Contains(cycle.Request.TargetModel);

    public static bool HasRoom(SchedulingCycle cycle, int index) =>
        cycle.Metrics(index) is { } metrics && metrics.ActiveAdapters.Count < metrics.MaxActiveAdapters;

    /// <summary>
    /// Whether any candidate has the target model active or loading, i.e. it is a known adapter. A base-model request
    /// (its name is in no adapter list) is not, and neither is an adapter loaded nowhere yet.
    /// </summary>
    public static bool AnyKnows(SchedulingCycle cycle, ReadOnlySpan<int> subset)
    {
        for (var k = 0; k < subset.Length; k++)
        {
            if (IsActive(cycle, subset[k]) || IsWaiting(cycle, subset[k]))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>Keeps endpoints where the target adapter is already active (seed: "adapter already active?").</summary>
internal sealed class ActiveLoraFilter(string name) : IFilter
{
    public const string Type = "active-lora-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            if (LoraState.IsActive(cycle, subset[k]))
            {
                subset[kept++] = subset[k];
            }
        }

        return kept;
    }
}

/// <summary>Keeps endpoints with a free adapter slot: active adapters below max (seed: "can load the adapter?").</summary>
internal sealed class CanLoadLoraFilter(string name) : IFilter
{
    public const string Type = "can-load-lora-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            if (LoraState.HasRoom(cycle, subset[k]))
            {
                subset[kept++] = subset[k];
            }
        }

        return kept;
    }
}

/// <summary>Keeps endpoints where the adapter is active or can be loaded (seed: "low LoRA cost").</summary>
internal sealed class LowLoraCostFilter(string name) : IFilter
{
    public const string Type = "low-lora-cost-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var kept = 0;
        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            if (LoraState.IsActive(cycle, i) || LoraState.HasRoom(cycle, i))
            {
                subset[kept++] = i;
            }
        }

        return kept;
    }
}
