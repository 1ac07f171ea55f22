using System.Collections.Concurrent;
using InferenceGateway.Simulator.Engines;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Simulator.Tests;

public class EngineHostTests
{
    private sealed class Collector : IEngineEventSink
    {
        public ConcurrentQueue<EngineEvent> Events { get; } = new();

        public void OnEvent(in EngineEvent engineEvent) => Events.Enqueue(engineEvent);
    }

    [Fact]
    public async Task Submit_UnderFakeTime_TokensOnlyAsTimeAdvances()
    {
        // Arrange: steps of the test profile take ~1 ms of simulated time, waited at 10x on the fake clock.
        var time = new FakeTimeProvider();
        await using var host = new EngineHost(new Engine(EngineOptions.FromProfile(EngineProfile.Test)), time, timeScale: 10);
        host.Start();
        var collector = new Collector();
        var request = new EngineRequest(1, 100, [], 3, state: collector);

        // Act
        Assert.Equal(SubmitResult.Accepted, host.Submit(request));
        await Task.Delay(200);
        var beforeAdvance = collector.Events.Count(e => e.Kind != EngineEventKind.Admitted);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (request.Status != EngineRequestStatus.Finished)
        {
            Assert.True(DateTime.UtcNow < deadline, "request did not finish as fake time advanced");
            time.Advance(TimeSpan.FromMilliseconds(5));
            await Task.Delay(5);
        }

        // Assert
        Assert.Equal(0, beforeAdvance);
        var kinds = collector.Events.Select(e => e.Kind).ToList();
        Assert.Equal([EngineEventKind.Admitted, EngineEventKind.FirstToken, EngineEventKind.Token, EngineEventKind.Token, EngineEventKind.Finished], kinds);
        var snapshot = host.Snapshot();
        Assert.Equal(1, snapshot.Counters.RequestsFinished);
        Assert.True(snapshot.Counters.Steps >= 3);
        // Virtual time runs at 1/10 of the fake clock.
        Assert.True(request.FinishedTime!.Value <= time.GetElapsedTime(0) / 10 + TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Cancel_WaitingRequest_NeverRuns()
    {
        var time = new FakeTimeProvider();
        await using var host = new EngineHost(new Engine(EngineOptions.FromProfile(EngineProfile.Test) with { MaxNumSeqs = 1 }), time, timeScale: 1);
        host.Start();
        var first = new EngineRequest(1, 10, [], 100);
        var second = new EngineRequest(2, 10, [], 100);
        host.Submit(first);
        await ServerTestHelpers.EventuallyAsync(() => first.Status == EngineRequestStatus.Running, "first request admitted");
        host.Submit(second);

        var cancelled = host.Cancel(second);

        Assert.True(cancelled);
        Assert.Equal(EngineRequestStatus.Cancelled, second.Status);
        Assert.Equal(0, host.Snapshot().WaitingRequests);
    }
}
