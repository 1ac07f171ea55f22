using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Bench.Scheduling;

/// <summary>
/// Plays a gateway's response path in the simulation: keeps each placed request's cache expectation and hands it
/// back with the engine's cached-token count when the request ends, as the picker does from a response's usage.
/// </summary>
internal sealed class CacheFeedbackAdapter(IScheduler inner, ICacheFeedback feedback) : IScheduler, ISchedulerObserver
{
    private readonly Dictionary<string, (CacheExpectation Expectation, int PromptTokens)> _pending = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="scheduler"/> when it learns from usage; otherwise returns it unchanged.</summary>
    public static IScheduler Wrap(IScheduler scheduler) =>
        scheduler is ICacheFeedback feedback and not ISchedulerObserver ? new CacheFeedbackAdapter(scheduler, feedback) : scheduler;

    /// <summary>The wrapped scheduler.</summary>
    public IScheduler Inner => inner;

    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        var result = inner.Schedule(request, candidates);
        if (result.Expectation is { } expectation)
        {
            _pending[request.RequestId] = (expectation, request.EstimatedPromptTokens);
        }

        return result;
    }

    public void OnRequestEnded(string requestId, Endpoint endpoint, bool succeeded, int cachedPromptTokens)
    {
        if (!_pending.Remove(requestId, out var pending) || !succeeded
            || !string.Equals(endpoint.Address, pending.Expectation.Address, StringComparison.Ordinal))
        {
            return;
        }

        feedback.OnUsage(pending.Expectation, pending.PromptTokens, cachedPromptTokens);
    }
}
