using System.Collections.Immutable;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.TestSupport;

/// <summary>
/// An <see cref="IScheduler"/> that records what it was asked and answers with the candidates in order (all of
/// them: primary first), or with the rejection a test configured.
/// </summary>
public sealed class RecordingScheduler : IScheduler
{
    private readonly Lock _gate = new();
    private readonly List<(SchedulingRequest Request, EndpointCandidate[] Candidates)> _calls = [];

    public SchedulingRejection? Rejection { get; set; }

    public IReadOnlyList<(SchedulingRequest Request, EndpointCandidate[] Candidates)> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var copy = candidates.ToArray();
        lock (_gate)
        {
            _calls.Add((request, copy));
        }

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
