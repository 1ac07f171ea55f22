using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Admission;

/// <summary>Admit or refuse a request by its criticality band and the pool's current saturation.</summary>
public interface IAdmissionController
{
    AdmissionDecision Decide(CriticalityBand band, ReadOnlySpan<EndpointCandidate> candidates);
}

/// <summary>Admitted, or refused with a message and a retry-after hint (answered as 429).</summary>
public readonly record struct AdmissionDecision(bool Admitted, string? Message, TimeSpan? RetryAfter)
{
    public static AdmissionDecision Admit { get; } = new(true, null, null);

    public static AdmissionDecision Refuse(string message, TimeSpan retryAfter) => new(false, message, retryAfter);
}
