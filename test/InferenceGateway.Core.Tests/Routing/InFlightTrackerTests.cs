using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Routing;

public sealed class InFlightTrackerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static ImmutableArray<Endpoint> Pool(params string[] addresses) => FakeDatastore.Snapshot(addresses, Array.Empty<ModelRoute>()).Endpoints;

    [Fact]
    public void RetainEndpoints_IdleAddressLeftPool_SlotRemoved()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        tracker.Acquire(RequestLeaseTests.Info("a:1", 10), []).Dispose();
        tracker.Acquire(RequestLeaseTests.Info("b:1", 10), []).Dispose();

        // Act
        tracker.RetainEndpoints(Pool("a:1"), version: 2);

        // Assert
        Assert.Equal(1, tracker.SlotCount);
    }

    [Fact]
    public void RetainEndpoints_BusyAddressLeftPool_KeepsCountUntilLastLeaseEnds()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var first = tracker.Acquire(RequestLeaseTests.Info("b:1", 10), []);
        var second = tracker.Acquire(RequestLeaseTests.Info("b:1", 5), []);

        // Act
        tracker.RetainEndpoints(Pool("a:1"), version: 2);
        var whileBusy = tracker.Get("b:1");
        first.Dispose();
        var afterOne = tracker.Get("b:1");
        second.Dispose();

        // Assert
        Assert.Equal(new InFlightCount(2, 15), whileBusy);
        Assert.Equal(new InFlightCount(1, 5), afterOne);
        Assert.Equal(0, tracker.SlotCount);
        Assert.Equal(default, tracker.Total());
    }

    [Fact]
    public void SetServedEndpoint_ManyAddressesOutsidePool_SlotsDoNotAccumulate()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        tracker.RetainEndpoints(Pool("a:1"), version: 1);

        // Act: every response reports a different served address (pod churn, or a proxy outside the pool).
        for (var i = 0; i < 1000; i++)
        {
            using var lease = tracker.Acquire(RequestLeaseTests.Info("a:1", 10), []);
            lease.SetServedEndpoint($"10.9.{i / 250}.{i % 250}:8000");
        }

        // Assert
        Assert.Equal(1, tracker.SlotCount);
        Assert.Equal(default, tracker.Total());
    }

    [Fact]
    public void RetainEndpoints_PoolNeverPublished_KeepsSlots()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);

        // Act
        tracker.Acquire(RequestLeaseTests.Info("a:1", 10), []).Dispose();
        tracker.Acquire(RequestLeaseTests.Info("b:1", 10), []).Dispose();

        // Assert: without a pool nothing is known to be gone.
        Assert.Equal(2, tracker.SlotCount);
    }

    [Fact]
    public void RetainEndpoints_OlderVersionAfterNewer_Ignored()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        tracker.RetainEndpoints(Pool("b:1"), version: 5);

        // Act: a slow caller still holding version 4 (where b:1 was not in the pool).
        tracker.RetainEndpoints(Pool("a:1"), version: 4);
        tracker.Acquire(RequestLeaseTests.Info("b:1", 10), []).Dispose();

        // Assert
        Assert.Equal(1, tracker.SlotCount);
        Assert.Equal(0, tracker.Get("b:1").Requests);
    }

    [Fact]
    public void AcquireAndRelease_ConcurrentWithPoolChurn_CountsStayExact()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        const int Threads = 4;
        const int PerThread = 20_000;
        using var start = new Barrier(Threads + 1);
        var negative = 0;

        // Act: leases come and go on an address that keeps leaving and rejoining the pool.
        var workers = new Thread[Threads];
        for (var t = 0; t < Threads; t++)
        {
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < PerThread; i++)
                {
                    using var lease = tracker.Acquire(RequestLeaseTests.Info("x:1", 3), []);
                    if (tracker.Get("x:1").Requests < 1)
                    {
                        Interlocked.Increment(ref negative);
                    }
                }
            });
            workers[t].Start();
        }

        start.SignalAndWait();
        for (var version = 1; workers[0].IsAlive || workers[Threads - 1].IsAlive; version++)
        {
            tracker.RetainEndpoints(version % 2 == 0 ? Pool("x:1") : Pool("y:1"), version);
        }

        foreach (var worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)), "worker did not finish");
        }

        // Assert: no lease ever found its own request missing from the address's count, and nothing is left.
        Assert.Equal(0, negative);
        Assert.Equal(default, tracker.Total());
        tracker.RetainEndpoints(Pool("y:1"), int.MaxValue);
        Assert.Equal(default, tracker.Total());
        Assert.Equal(0, tracker.SlotCount);
    }
}
