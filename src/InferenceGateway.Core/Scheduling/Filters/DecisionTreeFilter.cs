namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>
/// A node of the seed era's filter tree: run <see cref="Current"/>; on a non-empty result continue with the
/// result in the success branch, on an empty result continue with the node's INPUT in the failure branch. A
/// missing branch ends the walk (with the result, or with nothing on failure).
/// </summary>
internal sealed class DecisionTreeFilter(string name, IFilter current, IFilter? onSuccess, IFilter? onFailure) : IFilter
{
    public const string Type = "decision-tree-filter";

    public string TypeName => Type;

    public string Name { get; } = name;

    public IFilter Current { get; } = current;

    public IFilter? OnSuccess { get; } = onSuccess;

    public IFilter? OnFailure { get; } = onFailure;

    /// <summary>A chain: each filter continues with the previous result, or its input when that was empty.</summary>
    public static IFilter Chain(string name, params IFilter[] filters)
    {
        IFilter? next = null;
        for (var i = filters.Length - 1; i >= 0; i--)
        {
            next = next is null ? filters[i] : new DecisionTreeFilter(name, filters[i], next, next);
        }

        return next ?? throw new ArgumentException("a chain needs at least one filter", nameof(filters));
    }

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var n = subset.Length;
        if (OnFailure is null)
        {
            var kept = Current.Filter(cycle, subset);
            return kept > 0 && OnSuccess is not null ? OnSuccess.Filter(cycle, subset[..kept]) : kept;
        }

        var saved = cycle.PushIndices(n);
        try
        {
            subset.CopyTo(saved);
            var kept = Current.Filter(cycle, subset);
            if (kept > 0)
            {
                return OnSuccess is null ? kept : OnSuccess.Filter(cycle, subset[..kept]);
            }

            saved.CopyTo(subset);
            return OnFailure.Filter(cycle, subset);
        }
        finally
        {
            cycle.PopIndices();
        }
    }
}
