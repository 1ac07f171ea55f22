using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.TestSupport;

/// <summary>An <see cref="IAdmissionController"/> that answers a fixed decision and records the calls.</summary>
public sealed class FakeAdmissionController : IAdmissionController
{
    private readonly CallLog<(CriticalityBand Band, EndpointCandidate[] Candidates)> _calls = new();

    public AdmissionDecision Decision { get; set; } = AdmissionDecision.Admit;

    public IReadOnlyList<(CriticalityBand Band, EndpointCandidate[] Candidates)> Calls => _calls.Snapshot();

    public AdmissionDecision Decide(CriticalityBand band, ReadOnlySpan<EndpointCandidate> candidates)
    {
        _calls.Add((band, candidates.ToArray()));
        return Decision;
    }
}
