using InferenceGateway.Core.Scheduling.Filters;

namespace InferenceGateway.Core.Scheduling.Scorers;

/// <summary>
/// 1.0 adapter active, 0.8 room to load it, 0.6 already waiting to load, else 0 (also for unknown metrics). With
/// <c>knownAdaptersOnly</c>, a request whose model no candidate has active or waiting scores 1 everywhere: a
/// base-model request (whose name is in no adapter list) is not pushed toward endpoints with free adapter slots.
/// </summary>
internal sealed class LoraAffinityScorer(string name, bool knownAdaptersOnly = false) : IScorer
{
    public const string Type = "lora-affinity-scorer";

    public string TypeName => Type;

    public string Name { get; } = name;

    public bool KnownAdaptersOnly { get; } = knownAdaptersOnly;

    public void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores)
    {
        if (KnownAdaptersOnly && !LoraState.AnyKnows(cycle, subset))
        {
            scores[..subset.Length].Fill(1.0);
            return;
        }

        for (var k = 0; k < subset.Length; k++)
        {
            var i = subset[k];
            scores[k] = LoraState.IsActive(cycle, i) ? 1.0
                : LoraState.HasRoom(cycle, i) ? 0.8
                : LoraState.IsWaiting(cycle, i) ? 0.6
                : 0;
        }
    }
}
