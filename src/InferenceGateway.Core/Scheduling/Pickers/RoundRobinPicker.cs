namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>
/// Baseline round robin over the candidates in the order given: the primary advances by one per pick (a shared
/// atomic counter), fallbacks are the next ones in order.
/// </summary>
internal sealed class RoundRobinPicker(string name, int maxEndpoints) : IPicker
{
    public const string Type = "round-robin-picker";

    private long _counter = -1;

    public string TypeName => Type;

    public string Name { get; } = name;

    public int MaxEndpoints { get; } = maxEndpoints;

    public int Pick(SchedulingCycle cycle, ReadOnlySpan<int> subset, ReadOnlySpan<double> totals, Span<int> ordered)
    {
        var next = (ulong)Interlocked.Increment(ref _counter);
        var start = (int)(next % (ulong)subset.Length);
        var count = Math.Min(ordered.Length, subset.Length);
        for (var j = 0; j < count; j++)
        {
            ordered[j] = subset[(start + j) % subset.Length];
        }

        return count;
    }
}
