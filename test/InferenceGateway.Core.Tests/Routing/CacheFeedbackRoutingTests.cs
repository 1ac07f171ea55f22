using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using static InferenceGateway.Core.Tests.Routing.RouterFixture;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>
/// Cached-token feedback end to end: the real router, datastore and default scheduler; a response's usage recorded
/// on the lease reaches <see cref="Scheduler.PrefixIndex"/> when the lease is disposed.
/// </summary>
public sealed class CacheFeedbackRoutingTests
{
    private const string A = "10.0.0.1:8000";
    private const string B = "10.0.0.2:8000";
    private const int PromptTokens = 500;

    private readonly RouterFixture _fixture = new();
    private readonly RecordingObserver _observer = new();
    private readonly Scheduler _scheduler = SchedulerBuilder.Build(new SchedulerOptions(), new Random(3));

    [Fact]
    public void Dispose_TrustedEndpointServedNoCachedTokens_IndexForgetsWhatWasPlacedBefore()
    {
        // Arrange
        var (router, oldBlocks, promptBlocks) = Warmed();

        // Act: the engine evicted everything (a 200 with 0 cached tokens).
        using (var lease = RoutePinned(router, A, "the prompt"))
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

        using (var lease = RoutePinned(router, A, "the prompt"))
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

        using (RoutePinned(router, A, "brand new"))
        {
        }

        Assert.Null(_observer.Routed[^1].CacheExpectation);
    }

    [Fact]
    public void Dispose_ErrorStatus_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = RoutePinned(router, A, "the prompt"))
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

        using (var lease = RoutePinned(router, A, "the prompt"))
        {
            lease.RecordUsage(PromptTokens, 1, 0);
        }

        Assert.Equal(oldBlocks + promptBlocks, _scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Dispose_ServedByAnotherEndpoint_IndexUnchanged()
    {
        var (router, oldBlocks, promptBlocks) = Warmed();

        using (var lease = RoutePinned(router, A, "the prompt"))
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

        using (var lease = RoutePinned(router, A, "the prompt"))
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
        Complete(RoutePinned(router, A, "old"), cached: 0);
        var oldBlocks = _scheduler.PrefixIndex.CountFor(A);
        Complete(RoutePinned(router, A, "the prompt"), cached: 0);
        var bothBlocks = _scheduler.PrefixIndex.CountFor(A);

        // Act
        Complete(RoutePinned(router, A, "the prompt"), cached: 0);
        Complete(RoutePinned(router, A, "the prompt"), cached: 0);

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
        Complete(RoutePinned(router, A, "old"), cached: 0);
        var oldBlocks = _scheduler.PrefixIndex.CountFor(A);
        Complete(RoutePinned(router, A, "the prompt"), cached: 0);
        var promptBlocks = _scheduler.PrefixIndex.CountFor(A) - oldBlocks;
        Complete(RoutePinned(router, A, "the prompt"), cached: PromptTokens);
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
        return _fixture.CreateRouter(datastore, _scheduler, observers: [_observer]);
    }

    private static DatastoreSnapshot Pool() => BasePool(("pod-a", A), ("pod-b", B));
}
