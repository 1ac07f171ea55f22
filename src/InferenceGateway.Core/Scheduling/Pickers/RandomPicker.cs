namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>Uniformly random order, scores ignored (the seed tree's final draw; the "random" baseline).</summary>
internal sealed class RandomPicker(string name, int maxEndpoints) : IPicker
{
    public const string Type = "random-picker";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int MaxEndpoints { get; } = maxEndpoints;

    public int Pick(SchedulingCycle cycle, ReadOnlySpan<int> subset, ReadOnlySpan<double> totals, Span<int> ordered)
    {
        var primary = cycle.PrimaryKeys(subset.Length);
        primary.Clear();
        var tieBreak = cycle.SecondaryKeys(subset.Length);
        TopK.FillRandom(cycle.Random, tieBreak);
        return TopK.Select(subset, primary, tieBreak, ordered);
    }
}
