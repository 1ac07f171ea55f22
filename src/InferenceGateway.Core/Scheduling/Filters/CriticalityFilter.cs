using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Core.Scheduling.Filters;

/// <summary>
/// Passes every candidate when the request's criticality band is one of <see cref="Bands"/>, none otherwise: a
/// request predicate for decision trees (the seed tree's "critical request?").
/// </summary>
internal sealed class CriticalityFilter(string name, IReadOnlySet<CriticalityBand> bands) : IFilter
{
    public const string Type = "criticality-filter";

    private readonly bool[] _accepts = ToTable(bands);

    public string TypeName => Type;

    public string Name { get; } = name;

    public IReadOnlySet<CriticalityBand> Bands { get; } = bands;

    public int Filter(SchedulingCycle cycle, Span<int> subset)
    {
        var band = (int)cycle.Request.Criticality;
        return band >= 0 && band < _accepts.Length && _accepts[band] ? subset.Length : 0;
    }

    private static bool[] ToTable(IReadOnlySet<CriticalityBand> bands)
    {
        var table = new bool[3];
        foreach (var band in bands)
        {
            table[(int)band] = true;
        }

        return table;
    }
}
