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

    /// <summary>Refused because the pool has no endpoint at all: answer 503 (OpenAiError.Unavailable), not 429.</summary>
    public static AdmissionDecision Unavailable(string message, TimeSpan retryAfter) => new(false, message, retryAfter) { IsUnavailable = true };

    /// <summary>True for <see cref="Unavailable"/>: nothing to admit to (503) rather than overload (429).</summary>
    public bool IsUnavailable { get; init; }
}
