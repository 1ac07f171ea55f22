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
