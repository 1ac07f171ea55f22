using System.Collections.Immutable;
using System.Text;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Bench.Tests;

/// <summary>The simulation's stand-in for the gateway's response path: expectations out, cached tokens back.</summary>
public class CacheFeedbackAdapterTests
{
    private static readonly Endpoint A = FakeDatastore.CreateEndpoint("10.0.0.1:8000", "pod-10.0.0.1:8000");
    private static readonly Endpoint B = FakeDatastore.CreateEndpoint("10.0.0.2:8000", "pod-10.0.0.2:8000");
    private static readonly CacheExpectation ExpectedOnA = new(A.Address, 0.75, 42);

    [Fact]
    public void Schedule_ResultWithExpectation_ReturnedUnchanged()
    {
        var result = Placed(A, ExpectedOnA);
        var inner = new FixedScheduler(result);
        var adapter = new CacheFeedbackAdapter(inner, new RecordingFeedback());

        var returned = adapter.Schedule(Request("r1", 800), [Candidate(A), Candidate(B)]);

        Assert.Same(result, returned);
        Assert.Equal(1, inner.Calls);
        Assert.Equal("r1", inner.LastRequest!.RequestId);
        Assert.Equal(2, inner.LastCandidateCount);
    }

    [Fact]
    public void Schedule_Rejection_ReturnedUnchanged()
    {
        var result = new SchedulingResult([], "p", new SchedulingRejection(429, "shed"));
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(result), new RecordingFeedback());

        var returned = adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        Assert.Same(result, returned);
    }

    [Fact]
    public void OnRequestEnded_SucceededOnTheExpectedEndpoint_FeedsBackExpectationPromptAndCachedTokens()
    {
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, ExpectedOnA)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        adapter.OnRequestEnded("r1", A, true, 123);

        var call = Assert.Single(feedback.Calls);
        Assert.Equal(ExpectedOnA, call.Expectation);
        Assert.Equal(800, call.PromptTokens);
        Assert.Equal(123, call.CachedPromptTokens);
    }

    [Fact]
    public void OnRequestEnded_Failed_NoFeedback()
    {
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, ExpectedOnA)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        adapter.OnRequestEnded("r1", A, false, 0);

        Assert.Empty(feedback.Calls);
    }

    [Fact]
    public void OnRequestEnded_OtherEndpoint_NoFeedback()
    {
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, ExpectedOnA)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A), Candidate(B)]);

        adapter.OnRequestEnded("r1", B, true, 0);

        Assert.Empty(feedback.Calls);
    }

    [Fact]
    public void OnRequestEnded_NoExpectationOrUnknownRequest_NoFeedback()
    {
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, null)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        adapter.OnRequestEnded("r1", A, true, 500);
        adapter.OnRequestEnded("never-scheduled", A, true, 500);

        Assert.Empty(feedback.Calls);
    }

    [Fact]
    public void OnRequestEnded_SecondTimeForTheSameRequest_FeedsBackOnce()
    {
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, ExpectedOnA)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        adapter.OnRequestEnded("r1", A, true, 10);
        adapter.OnRequestEnded("r1", A, true, 20);

        Assert.Equal(10, Assert.Single(feedback.Calls).CachedPromptTokens);
    }

    [Fact]
    public void OnRequestEnded_FailedFirst_DoesNotFeedBackALaterEndForThatId()
    {
        // The pending entry goes with the failure: nothing is held for a request that ended.
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(new FixedScheduler(Placed(A, ExpectedOnA)), feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A)]);

        adapter.OnRequestEnded("r1", A, false, 0);
        adapter.OnRequestEnded("r1", A, true, 10);

        Assert.Empty(feedback.Calls);
    }

    [Fact]
    public void OnRequestEnded_InterleavedRequests_EachFedBackWithItsOwnExpectation()
    {
        var onB = new CacheExpectation(B.Address, 0.5, 7);
        var inner = new QueueScheduler(Placed(A, ExpectedOnA), Placed(B, onB));
        var feedback = new RecordingFeedback();
        var adapter = new CacheFeedbackAdapter(inner, feedback);
        adapter.Schedule(Request("r1", 800), [Candidate(A), Candidate(B)]);
        adapter.Schedule(Request("r2", 300), [Candidate(A), Candidate(B)]);

        adapter.OnRequestEnded("r2", B, true, 150);
        adapter.OnRequestEnded("r1", A, true, 600);

        Assert.Equal(
            new[] { (onB, 300, 150), (ExpectedOnA, 800, 600) },
            feedback.Calls.Select(c => (c.Expectation, c.PromptTokens, c.CachedPromptTokens)).ToArray());
    }

    [Fact]
    public void Wrap_SchedulerWithCacheFeedback_IsWrapped()
    {
        var scheduler = SchedulerFactory.Create(new SchedulerOptions(), new Random(1));

        Assert.IsType<CacheFeedbackAdapter>(CacheFeedbackAdapter.Wrap(scheduler));
    }

    [Fact]
    public void Wrap_SchedulerWithoutCacheFeedback_ReturnedAsIs()
    {
        var scheduler = new FixedScheduler(Placed(A, null));

        Assert.Same(scheduler, CacheFeedbackAdapter.Wrap(scheduler));
    }

    [Fact]
    public void Wrap_RealScheduler_RepeatedPromptFedBackAsAMissTrimsAfterTrust()
    {
        // Arrange: the real default scheduler behind the adapter; an old prompt, then a prompt placed three times.
        var scheduler = SchedulerFactory.Create(new SchedulerOptions(), new Random(1));
        var adapter = Assert.IsType<CacheFeedbackAdapter>(CacheFeedbackAdapter.Wrap(scheduler));
        EndpointCandidate[] candidates = [Candidate(A)];
        adapter.Schedule(Prompt("old", "o"), candidates);
        var oldBlocks = scheduler.PrefixIndex.CountFor(A.Address);
        adapter.Schedule(Prompt("p1", "p"), candidates);
        adapter.OnRequestEnded("p1", A, true, 0);
        adapter.Schedule(Prompt("p2", "p"), candidates);
        adapter.OnRequestEnded("p2", A, true, 640);
        Assert.Equal(2 * oldBlocks, scheduler.PrefixIndex.CountFor(A.Address));

        // Act: the engine served none of it from cache.
        adapter.Schedule(Prompt("p3", "p"), candidates);
        adapter.OnRequestEnded("p3", A, true, 0);

        // Assert: the old prompt's entries are gone; the repeated prompt's (placed again) stay.
        Assert.Equal(oldBlocks, scheduler.PrefixIndex.CountFor(A.Address));
    }

    private static SchedulingRequest Prompt(string id, string seed) =>
        new(id, "m", CriticalityBand.Default, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(seed, 2560))), 640, null, null);

    private static SchedulingResult Placed(Endpoint endpoint, CacheExpectation? expectation) =>
        new([endpoint], "p", null) { Expectation = expectation };

    private static SchedulingRequest Request(string id, int promptTokens) =>
        new(id, "m", CriticalityBand.Default, Encoding.UTF8.GetBytes("prompt"), promptTokens, null, null);

    private static EndpointCandidate Candidate(Endpoint endpoint) => new(endpoint, null, 0, 0);

    private sealed class FixedScheduler(SchedulingResult result) : IScheduler
    {
        public int Calls { get; private set; }

        public SchedulingRequest? LastRequest { get; private set; }

        public int LastCandidateCount { get; private set; }

        public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
        {
            Calls++;
            LastRequest = request;
            LastCandidateCount = candidates.Length;
            return result;
        }
    }

    private sealed class QueueScheduler(params SchedulingResult[] results) : IScheduler
    {
        private int _next;

        public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates) => results[_next++];
    }

    private sealed class RecordingFeedback : ICacheFeedback
    {
        public List<(CacheExpectation Expectation, int PromptTokens, int CachedPromptTokens)> Calls { get; } = [];

        public void OnUsage(CacheExpectation expectation, int promptTokens, int cachedPromptTokens) =>
            Calls.Add((expectation, promptTokens, cachedPromptTokens));
    }
}
