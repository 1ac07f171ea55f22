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
        var random = cycle.Random;
        for (var k = 0; k < subset.Length; k++)
        {
            var score = totals[k];
            if (score > 0 && double.IsFinite(score))
            {
                // 1 - NextDouble() is in (0, 1]: ln is finite.
                keys[k] = Math.Log(1 - random.NextDouble()) / score;
                tieBreak[k] = 0;
            }
            else
            {
                keys[k] = double.NegativeInfinity;
                tieBreak[k] = random.NextDouble();
            }
        }

        return TopK.Select(subset, keys, tieBreak, ordered);
    }
}
