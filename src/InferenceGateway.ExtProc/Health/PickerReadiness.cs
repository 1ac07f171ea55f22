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
/// An extra condition for the <c>readiness</c> health service only. With leader election the reference picker
/// reports <c>readiness</c> SERVING on the leader alone (liveness, the ext_proc service and the overall status keep
/// following <see cref="IPickerReadiness"/>); the host registers a gate that reads the leadership.
/// </summary>
public interface IReadinessGate
{
    bool IsOpen { get; }
}

/// <summary>A readiness gate from a delegate.</summary>
public sealed class DelegateReadinessGate(Func<bool> isOpen) : IReadinessGate
{
    public bool IsOpen => isOpen();
}
