namespace InferenceGateway.ExtProc.Health;

/// <summary>Whether the picker can route (for example: the datastore holds a pool).</summary>
public interface IPickerReadiness
{
    bool IsReady { get; }
}

/// <summary>Readiness from a delegate, for hosts that already have a flag to read.</summary>
public sealed class DelegatePickerReadiness(Func<bool> isReady) : IPickerReadiness
{
    public bool IsReady => isReady();
}

/// <summary>
/// An extra condition for the <c>readiness</c> health service only, on top of <see cref="IPickerReadiness"/>: for
/// example "this replica holds the leader lease" when leader election is on (the reference picker then reports
/// <c>readiness</c> SERVING on the leader alone). <c>liveness</c>, <c>inference-extension</c>, the ext_proc service
/// name and "" keep following <see cref="IPickerReadiness"/>. Register any number as singletons.
/// </summary>
public interface IPickerReadinessGate
{
    /// <summary>Identifies the gate (for diagnostics; the health publisher does not log it).</summary>
    string Name { get; }

    bool IsOpen { get; }
}
