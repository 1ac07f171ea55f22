namespace InferenceGateway.Core.Scheduling;

/// <summary>A scheduling plugin: a filter, a scorer or a picker, configured under a name.</summary>
internal interface ISchedulingPlugin
{
    /// <summary>The plugin type, as written in an EndpointPickerConfig (e.g. queue-scorer).</summary>
    string TypeName { get; }

    /// <summary>The instance name profiles refer to (defaults to the type name).</summary>
    string Name { get; }
}

/// <summary>Keeps the candidates that qualify. Works in place on candidate indices; keeps their order.</summary>
internal interface IFilter : ISchedulingPlugin
{
    /// <summary>Moves the survivors of <paramref name="subset"/> to its front and returns how many there are.</summary>
    int Filter(SchedulingCycle cycle, Span<int> subset);
}

/// <summary>Rates each candidate in [0, 1]; higher is better. Values outside are clamped.</summary>
internal interface IScorer : ISchedulingPlugin
{
    /// <summary>Writes scores[k] for the candidate index subset[k].</summary>
    void Score(SchedulingCycle cycle, ReadOnlySpan<int> subset, Span<double> scores);
}

/// <summary>Orders the scored candidates: primary first, then fallbacks.</summary>
internal interface IPicker : ISchedulingPlugin
{
    /// <summary>Most endpoints this picker returns (primary included).</summary>
    int MaxEndpoints { get; }

    /// <summary>
    /// Writes candidate indices (taken from <paramref name="subset"/>) into <paramref name="ordered"/>, best first,
    /// and returns how many; totals[k] is the weighted score of subset[k].
    /// </summary>
    int Pick(SchedulingCycle cycle, ReadOnlySpan<int> subset, ReadOnlySpan<double> totals, Span<int> ordered);
}

/// <summary>A plugin that keeps state across requests and learns the outcome of each pick.</summary>
internal interface IPickObserver
{
    void OnPicked(SchedulingCycle cycle, int primary);
}
