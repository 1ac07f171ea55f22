using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Requests;
using InferenceGateway.Core.Routing;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Routing;

public sealed class RequestLeaseTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Acquire_CountsRequestAndTokensOnPrimary()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);

        // Act
        using var first = tracker.Acquire(Info("10.0.0.1:8000", 300), []);
        using var second = tracker.Acquire(Info("10.0.0.1:8000", 200), []);

        // Assert
        Assert.Equal(new InFlightCount(2, 500), tracker.Get("10.0.0.1:8000"));
        Assert.Equal(default, tracker.Get("10.0.0.2:8000"));
    }

    [Fact]
    public void Dispose_Twice_ReleasesOnce()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        using var other = tracker.Acquire(Info("a:1", 10), []);
        var lease = tracker.Acquire(Info("a:1", 100), []);

        // Act
        lease.Dispose();
        lease.Dispose();

        // Assert: the other lease's counts are untouched.
        Assert.Equal(new InFlightCount(1, 10), tracker.Get("a:1"));
    }

    [Fact]
    public void Dispose_FromManyThreadsAtOnce_ReleasesExactlyOnce()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var observer = new RecordingObserver();
        using var other = tracker.Acquire(Info("a:1", 10), []);
        var lease = tracker.Acquire(Info("a:1", 100), [observer]);
        using var barrier = new Barrier(4);

        // Act
        var threads = new Thread[4];
        for (var i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                barrier.SignalAndWait();
                lease.Dispose();
            });
            threads[i].Start();
        }

        foreach (var thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "dispose thread did not finish");
        }

        // Assert
        Assert.Equal(new InFlightCount(1, 10), tracker.Get("a:1"));
        Assert.Single(observer.Completed);
    }

    [Fact]
    public async Task Dispose_OnAnotherThread_ReleasesCounters()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var lease = tracker.Acquire(Info("a:1", 100), []);

        // Act
        await Task.Run(lease.Dispose);

        // Assert
        Assert.Empty(tracker.Snapshot());
    }

    [Fact]
    public async Task AcquireAndDispose_ConcurrentlyOnManyEndpoints_AllCountersReturnToZero()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        string[] addresses = ["a:1", "b:1", "c:1"];

        // Act
        var workers = new Task[4];
        for (var w = 0; w < workers.Length; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() =>
            {
                for (var i = 0; i < 5_000; i++)
                {
                    var lease = tracker.Acquire(Info(addresses[(i + worker) % 3], i % 97), []);
                    if (i % 5 == 0)
                    {
                        lease.SetServedEndpoint(addresses[(i + worker + 1) % 3]);
                    }

                    lease.Dispose();
                }
            });
        }

        await Task.WhenAll(workers);

        // Assert
        Assert.Empty(tracker.Snapshot());
    }

    [Fact]
    public void SetServedEndpoint_Fallback_MovesCountsToServedEndpoint()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var lease = tracker.Acquire(Info("primary:1", 50), []);

        // Act
        lease.SetServedEndpoint("fallback:1");

        // Assert
        Assert.Equal(default, tracker.Get("primary:1"));
        Assert.Equal(new InFlightCount(1, 50), tracker.Get("fallback:1"));
        Assert.Equal("fallback:1", lease.ServedEndpoint);
        lease.Dispose();
        Assert.Empty(tracker.Snapshot());
    }

    [Fact]
    public void SetServedEndpoint_AfterDispose_DoesNotCount()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var lease = tracker.Acquire(Info("primary:1", 50), []);
        lease.Dispose();

        // Act
        lease.SetServedEndpoint("fallback:1");

        // Assert
        Assert.Empty(tracker.Snapshot());
    }

    [Fact]
    public void Dispose_ReportsTtftUsageStatusAndServedEndpoint()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var observer = new RecordingObserver();
        var info = Info("primary:1", 50);
        var lease = tracker.Acquire(info, [observer]);
        _time.Advance(TimeSpan.FromMilliseconds(120));
        lease.RecordFirstToken();
        _time.Advance(TimeSpan.FromMilliseconds(30));
        lease.RecordFirstToken();
        lease.SetServedEndpoint("fallback:1");
        lease.RecordUsage(40, 12, 32);
        lease.RecordStatus(200);
        _time.Advance(TimeSpan.FromMilliseconds(850));

        // Act
        lease.Dispose();

        // Assert
        var completed = Assert.Single(observer.Completed);
        Assert.Same(info, completed.Request);
        Assert.Equal("fallback:1", completed.ServedEndpoint);
        Assert.Equal(TimeSpan.FromMilliseconds(120), completed.TimeToFirstToken);
        Assert.Equal(TimeSpan.FromMilliseconds(1000), completed.Duration);
        Assert.Equal(40, completed.PromptTokens);
        Assert.Equal(12, completed.CompletionTokens);
        Assert.Equal(32, completed.CachedPromptTokens);
        Assert.Equal(200, completed.StatusCode);
    }

    [Fact]
    public void Dispose_WithoutRecords_ReportsNulls()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var observer = new RecordingObserver();
        var lease = tracker.Acquire(Info("primary:1", 50), [observer]);

        // Act
        lease.Dispose();

        // Assert
        var completed = Assert.Single(observer.Completed);
        Assert.Null(completed.TimeToFirstToken);
        Assert.Null(completed.StatusCode);
        Assert.Null(completed.PromptTokens);
        Assert.Equal("primary:1", completed.ServedEndpoint);
    }

    [Fact]
    public void Dispose_ObserverThrows_StillReleasesAndDoesNotThrow()
    {
        // Arrange
        var tracker = new InFlightTracker(_time);
        var observer = new RecordingObserver { Throw = true };
        var lease = tracker.Acquire(Info("primary:1", 50), [observer]);

        // Act
        var exception = Record.Exception(lease.Dispose);

        // Assert
        Assert.Null(exception);
        Assert.Empty(tracker.Snapshot());
        Assert.Single(observer.Completed);
    }

    internal static RoutedRequestInfo Info(string endpoint, long tokens) => new(
        "req-1", RequestKind.ChatCompletions, "model", "model", CriticalityBand.Default, endpoint,
        Stream: false, IncludeUsage: false, EstimatedPromptTokens: 0, MaxTokens: null, EstimatedTokens: tokens, InferenceObjective: null,
        StartedAt: DateTimeOffset.UnixEpoch);
}
