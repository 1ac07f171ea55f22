using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.TestSupport;
using static InferenceGateway.Core.Tests.Routing.RouterFixture;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>
/// The prefix index follows the pool: the real router, datastore and default scheduler, with entries written by
/// routed requests and read back from <see cref="Scheduler.PrefixIndex"/>.
/// </summary>
public sealed class PrefixIndexPruningTests
{
    private const string A = "10.0.0.1:8000";
    private const string B = "10.0.0.2:8000";
    private const string C = "10.0.0.3:8000";

    private readonly RouterFixture _fixture = new();
    private readonly Scheduler _scheduler = SchedulerBuilder.Build(new SchedulerOptions(), new Random(3));

    [Fact]
    public void PoolChanged_EndpointLeft_DropsItsEntriesAndKeepsTheOthers()
    {
        // Arrange
        var datastore = new InMemoryDatastore();
        datastore.Publish(BasePool(("pod-a", A), ("pod-b", B), ("pod-c", C)));
        var router = CreateRouter(datastore);
        WarmEach(router, A, B, C);
        var index = _scheduler.PrefixIndex;
        var (a, c) = (index.CountFor(A), index.CountFor(C));

        // Act: pod-b leaves (scaled down, or its IP changed on replacement).
        datastore.Publish(BasePool(("pod-a", A), ("pod-c", C)));

        // Assert
        Assert.Equal(0, index.CountFor(B));
        Assert.Equal(a, index.CountFor(A));
        Assert.Equal(c, index.CountFor(C));
        Assert.Equal(a + c, index.EntryCount);
        Assert.Equal(2, index.EndpointCount);
    }

    [Fact]
    public void PoolChanged_AddressTakenOverByNewPod_DropsItsEntries()
    {
        // Arrange
        var datastore = new InMemoryDatastore();
        datastore.Publish(BasePool(("pod-a", A), ("pod-b", B)));
        var router = CreateRouter(datastore);
        WarmEach(router, A, B);
        var index = _scheduler.PrefixIndex;
        var a = index.CountFor(A);

        // Act: in one snapshot, B's address now belongs to another pod (its KV cache starts empty).
        datastore.Publish(BasePool(("pod-a", A), ("pod-b-7f9c", B)));

        // Assert
        Assert.Equal(0, index.CountFor(B));
        Assert.Equal(a, index.CountFor(A));
        Assert.Equal(a, index.EntryCount);
    }

    [Fact]
    public void PoolChanged_PodRestartsWithSameNameAndAddress_EntriesGoneWhenItIsBack()
    {
        // Arrange
        var datastore = new InMemoryDatastore();
        datastore.Publish(BasePool(("pod-a", A), ("pod-b", B)));
        var router = CreateRouter(datastore);
        WarmEach(router, A, B);
        var index = _scheduler.PrefixIndex;

        // Act: the container restarts; the pod is not Ready meanwhile, so the pool is published without it.
        datastore.Publish(BasePool(("pod-a", A)));
        datastore.Publish(BasePool(("pod-a", A), ("pod-b", B)));

        // Assert: back with an empty cache as far as the index knows, and it learns again from new placements.
        Assert.Equal(0, index.CountFor(B));
        Route(router, B, "after restart");
        Assert.True(index.CountFor(B) > 0, "a request placed after the restart is recorded again");
    }

    [Fact]
    public void PoolChanged_OlderSnapshotAfterNewer_IsNotPassedOn()
    {
        // Arrange: a datastore that hands out versions as told (InMemoryDatastore would number them itself).
        var datastore = new FakeDatastore(BasePool(("pod-a", A), ("pod-b", B), ("pod-c", C)) with { Version = 1 });
        var router = CreateRouter(datastore);
        WarmEach(router, A, B, C);
        var index = _scheduler.PrefixIndex;
        var b = index.CountFor(B);

        // Act: version 3 retires C; a late version 2 (without B) must not roll the pool back.
        datastore.Publish(BasePool(("pod-a", A), ("pod-b", B)) with { Version = 3 });
        datastore.Publish(BasePool(("pod-a", A)) with { Version = 2 });

        // Assert
        Assert.Equal(0, index.CountFor(C));
        Assert.Equal(b, index.CountFor(B));
    }

    private InferenceRouter CreateRouter(IDatastore datastore) => _fixture.CreateRouter(datastore, _scheduler);

    /// <summary>Routes one distinct long prompt to each address (pinned by the subset hint) and checks it was recorded.</summary>
    private void WarmEach(InferenceRouter router, params string[] addresses)
    {
        foreach (var address in addresses)
        {
            Route(router, address, "warm " + address);
            Assert.True(_scheduler.PrefixIndex.CountFor(address) > 0, $"routing to {address} should record its prompt blocks");
        }
    }

    private static void Route(InferenceRouter router, string address, string topic) => RoutePinned(router, address, topic).Dispose();
}
