using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.TestSupport;

/// <summary>An <see cref="IAdmissionController"/> that answers a fixed decision and records the calls.</summary>
public sealed class FakeAdmissionController : IAdmissionController
{
    private readonly Lock _gate = new();
    private readonly List<(CriticalityBand Band, EndpointCandidate[] Candidates)> _calls = [];

    public AdmissionDecision Decision { get; set; } = AdmissionDecision.Admit;

    public IReadOnlyList<(CriticalityBand Band, EndpointCandidate[] Candidates)> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public AdmissionDecision Decide(CriticalityBand band, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var copy = candidates.ToArray();
        lock (_gate)
        {
            _calls.Add((band, copy));
        }

        return Decision;
    }
}
