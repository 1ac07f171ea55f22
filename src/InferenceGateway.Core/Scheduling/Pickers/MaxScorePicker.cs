namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>Highest total score first; ties broken uniformly at random (injected random source).</summary>
internal sealed class MaxScorePicker(string name, int maxEndpoints) : IPicker
{
    public const string Type = "max-score-picker";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int MaxEndpoints { get; } = maxEndpoints;

    public int Pick(SchedulingCycle cycle, ReadOnlySpan<int> subset, ReadOnlySpan<double> totals, Span<int> ordered)
    {
        var tieBreak = cycle.SecondaryKeys(subset.Length);
        TopK.FillRandom(cycle.Random, tieBreak);
        return TopK.Select(subset, totals, tieBreak, ordered);
    }
}
