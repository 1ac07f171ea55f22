using System.Collections.Immutable;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.TestSupport;

/// <summary>
/// An <see cref="IScheduler"/> that records what it was asked and answers with the candidates in order (all of
/// them: primary first), or with the rejection a test configured.
/// </summary>
public sealed class RecordingScheduler : IScheduler
{
    private readonly CallLog<(SchedulingRequest Request, EndpointCandidate[] Candidates)> _calls = new();

    public SchedulingRejection? Rejection { get; set; }

    public IReadOnlyList<(SchedulingRequest Request, EndpointCandidate[] Candidates)> Calls => _calls.Snapshot();

    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var copy = candidates.ToArray();
        _calls.Add((request, copy));

        if (Rejection is not null)
        {
            return new SchedulingResult([], "recording", Rejection);
        }

        var endpoints = ImmutableArray.CreateBuilder<Core.Datastore.Endpoint>(copy.Length);
        foreach (var candidate in copy)
        {
            endpoints.Add(candidate.Endpoint);
        }

        return new SchedulingResult(endpoints.MoveToImmutable(), "recording", null);
    }
}
