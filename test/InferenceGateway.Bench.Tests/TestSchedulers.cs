using System.Collections.Immutable;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Bench.Tests;

// TEST-ONLY baseline schedulers to exercise the benchmark. The real strategies live in the scheduler branch and are
// plugged in through ISchedulerFactory; nothing here is used outside tests.

internal sealed class TestRoundRobinScheduler : IScheduler
{
    private int _next;

    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var pick = candidates[_next++ % candidates.Length];
        return new SchedulingResult([pick.Endpoint], "test-round-robin", null);
    }
}

internal sealed class TestRandomScheduler(Random random) : IScheduler
{
    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates) =>
        new([candidates[random.Next(candidates.Length)].Endpoint], "test-random", null);
}

/// <summary>Hashes the first 256 prompt bytes to an endpoint: same prefix, same server (a crude prefix affinity).</summary>
internal sealed class TestPrefixAffinityScheduler : IScheduler
{
    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var bytes = request.PromptBytes.Span;
        var hash = System.IO.Hashing.XxHash64.HashToUInt64(bytes[..Math.Min(256, bytes.Length)]);
        return new([candidates[(int)(hash % (ulong)candidates.Length)].Endpoint], "test-prefix", null);
    }
}

/// <summary>Always refuses (to test failure accounting).</summary>
internal sealed class TestRejectingScheduler : IScheduler
{
    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates) =>
        new(ImmutableArray<InferenceGateway.Core.Datastore.Endpoint>.Empty, "test-reject", new SchedulingRejection(429, "shed"));
}

internal static class TestSchedulers
{
    public static DelegateSchedulerFactory Factory() => new(
    [
        new("round-robin", _ => new TestRoundRobinScheduler()),
        new("random", c => new TestRandomScheduler(c.Random)),
        new("prefix", _ => new TestPrefixAffinityScheduler()),
        new("reject", _ => new TestRejectingScheduler()),
    ]);
}
