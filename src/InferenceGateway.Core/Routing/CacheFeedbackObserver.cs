using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// Hands each response's usage back to the scheduler when the request had a prefix expectation and was served by
/// the endpoint it was expected on (a fallback's cache says nothing about the primary's). Responses without usage,
/// with an error status, or from a client that went away teach nothing and are skipped.
/// </summary>
internal sealed class CacheFeedbackObserver(ICacheFeedback feedback) : IRequestObserver
{
    public void OnRouted(RoutedRequestInfo request)
    {
    }

    public void OnCompleted(CompletedRequest request)
    {
        if (request.Request.CacheExpectation is not { } expectation
            || request.PromptTokens is not { } promptTokens
            || request.StatusCode is not (>= 200 and < 300)
            || !string.Equals(request.ServedEndpoint, expectation.Address, StringComparison.Ordinal))
        {
            return;
        }

        feedback.OnUsage(expectation, promptTokens, request.CachedPromptTokens ?? 0);
    }
}
