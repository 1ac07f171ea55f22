namespace InferenceGateway.Core.Scheduling.Pickers;

/// <summary>
/// Draws in proportion to the total score without replacement (A-Res: key U^(1/score), largest keys first;
/// computed as ln(U) / score). Candidates scoring 0 come after all others, in random order.
/// </summary>
internal sealed class WeightedRandomPicker(string name, int maxEndpoints) : IPicker
{
    public const string Type = "weighted-random-picker";

    public string TypeName => Type;

    public string Name { get; } = name;

    public int MaxEndpoints { get; } = maxEndpoints;

    public int Pick(SchedulingCycle cycle, ReadOnlySpan<int> subset, ReadOnlySpan<double> totals, Span<int> ordered)
    {
        var keys = cycle.PrimaryKeys(subset.Length);
        var tieBreak = cycle.SecondaryKeys(subset.Length);
        TopK.FillRandom(cycle.Random, keys);
        TopK.FillRandom(cycle.Random, tieBreak);
        for (var k = 0; k < subset.Length; k++)
        {
            var score = totals[k];
            // 1 - U is in (0, 1]: ln is finite. Zero scores sort after every positive one, randomly among themselves.
            keys[k] = score > 0 && double.IsFinite(score) ? Math.Log(1 - keys[k]) / score : double.NegativeInfinity;
        }

        return TopK.Select(subset, keys, tieBreak, ordered);
    }
}
