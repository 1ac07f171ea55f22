using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>
/// Cached-token feedback end to end: the real router, datastore and default scheduler; a response's usage recorded
/// on the lease reaches <see cref="Scheduler.PrefixIndex"/> when the lease is disposed.
/// </summary>
public sealed class CacheFeedbackRoutingTests
{
    private const string Chat = "/v1/chat/completions";
    private const string A = "10.0.0.1:8000";
    private const string B = "10.0.0.2:8000";
    private const int PromptTokens = 500;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeMetricsStore _metrics = new();
    private readonly FakeAdmissionController _admission = new();
    private readonly RecordingObserver _observer = new();
    private readonly Scheduler _scheduler = SchedulerBuilder.Build(new SchedulerOptions(), new Random(3));

    [Fact]
    public void Dispose_TrustedEndpointServedNoCachedTokens_IndexForgetsWhatWasPlacedBefore()
    {
        // Arrange
        var (router, oldBlocks, promptBlocks) = Warmed();

        // Act: the engine evicted everything (a 200 with 0 cached tokens).
        using (var lease = Route(router, A, "the prompt"))
        {
            lease.RecordStatus(200);
            lease.RecordUsage(PromptTokens, 1, 0);
        }

        // Assert: the old prompt's blocks go; the repeated prompt's own, placed again by this request, stay.
        Assert.True(oldBlocks > 0 && promptBlocks > 0, $"old {oldBlocks}, prompt {promptBlocks}");
        Assert.Equal(promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Route_RepeatedPrompt_InfoCarriesTheSchedulersExpectation()
    {
        var (router, _, _) = Warmed();

        using (var lease = Route(router, A, "the prompt"))
        {
            lease.RecordStatus(200);
            lease.RecordUsage(PromptTokens, 1, PromptTokens);
        }

        var info = _observer.Routed[^1];
        var expectation = Assert.NotNull(info.CacheExpectation);
        Assert.Equal(A, expectation.Address);
        Assert.InRange(expectation.CachedFraction, 0.5, 1.0);
        Assert.True(expectation.PlacedAt > 0, $"placed at {expectation.PlacedAt}");
    }

    [Fact]
    public void Route_FirstPlacement_InfoHasNoExpectation()
    {
        var router = CreateRouter(Pool());

        using (Route(router, A, "brand new"))
        {
        }

        Assert.Null(_observer.Routed[^1].CacheExpectation);
    }

    [Fact]
    public void Dispose_ErrorStatus_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = Route(router, A, "the prompt"))
        {
            lease.RecordStatus(500);
            lease.RecordUsage(PromptTokens, 1, 0);
        }

        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Dispose_NoStatusRecorded_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = Route(router, A, "the prompt"))
        {
            lease.RecordUsage(PromptTokens, 1, 0);
        }

        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Dispose_ServedByAnotherEndpoint_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = Route(router, A, "the prompt"))
        {
            lease.SetServedEndpoint(B);
            lease.RecordStatus(200);
            lease.RecordUsage(PromptTokens, 1, 0);
        }

        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Dispose_NoUsageRecorded_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = Route(router, A, "the prompt"))
        {
            lease.RecordStatus(200);
        }

        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Dispose_EndpointNeverReportedCachedTokens_ZeroDoesNotTrim()
    {
        // Arrange: the same history, but no response ever reported cached tokens.
        var router = CreateRouter(Pool());
        Complete(Route(router, A, "old"), cached: 0);
        var oldBlocks = _scheduler.PrefixIndex.CountFor(A);
        Complete(Route(router, A, "the prompt"), cached: 0);
        var bothBlocks = _scheduler.PrefixIndex.CountFor(A);

        // Act
        Complete(Route(router, A, "the prompt"), cached: 0);
        Complete(Route(router, A, "the prompt"), cached: 0);

        // Assert: nothing was trimmed.
        Assert.True(oldBlocks > 0 && bothBlocks > oldBlocks, $"old {oldBlocks}, both {bothBlocks}");
        Assert.Equal(bothBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    /// <summary>
    /// A router over a pool of A and B where A received an old prompt, then "the prompt" twice; the second
    /// response reported every prompt token cached (the endpoint is trusted from then on).
    /// </summary>
    private (InferenceRouter Router, int OldBlocks, int PromptBlocks) Warmed()
    {
        var router = CreateRouter(Pool());
        Complete(Route(router, A, "old"), cached: 0);
        var oldBlocks = _scheduler.PrefixIndex.CountFor(A);
        Complete(Route(router, A, "the prompt"), cached: 0);
        var promptBlocks = _scheduler.PrefixIndex.CountFor(A) - oldBlocks;
        Complete(Route(router, A, "the prompt"), cached: PromptTokens);
        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
        return (router, oldBlocks, promptBlocks);
    }

    private static void Complete(IRequestLease lease, int cached)
    {
        lease.RecordStatus(200);
        lease.RecordUsage(PromptTokens, 1, cached);
        lease.Dispose();
    }

    private InferenceRouter CreateRouter(DatastoreSnapshot pool)
    {
        var datastore = new InMemoryDatastore();
        datastore.Publish(pool);
        return new InferenceRouter(
            datastore,
            _metrics,
            new InFlightTracker(_time),
            _admission,
            _scheduler,
            Options.Create(new RoutingOptions()),
            _time,
            new Random(1),
            [_observer]);
    }

    /// <summary>Routes a long prompt on <paramref name="topic"/> to <paramref name="address"/> (pinned by the subset hint).</summary>
    private static IRequestLease Route(InferenceRouter router, string address, string topic)
    {
        var prompt = string.Concat(Enumerable.Repeat(topic + " lorem ipsum dolor sit amet ", 40));
        var body = $$"""{"model":"base","messages":[{"role":"user","content":"{{prompt}}"}]}""";
        var outcome = router.Route(new RoutingInput(
            Chat,
            FrozenDictionary<string, string>.Empty,
            Encoding.UTF8.GetBytes(body),
            new HashSet<string>(StringComparer.Ordinal) { address }));
        Assert.True(outcome.Error is null, outcome.Error?.Message);
        Assert.Equal(address, outcome.Routed!.Endpoints[0]);
        return outcome.Routed.Lease;
    }

    private static DatastoreSnapshot Pool()
    {
        var endpoints = ImmutableArray.Create(FakeDatastore.CreateEndpoint(A, "pod-a"), FakeDatastore.CreateEndpoint(B, "pod-b"));
        return FakeDatastore.Snapshot([], "base") with { Endpoints = endpoints };
    }
}
