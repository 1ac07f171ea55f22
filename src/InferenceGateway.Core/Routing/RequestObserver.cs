using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Requests;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// Receives one OnRouted per placed request and one OnCompleted when its lease is disposed (request metrics,
/// access logs). Called on the request path: keep it cheap and non-blocking; exceptions are logged, not thrown.
/// </summary>
public interface IRequestObserver
{
    void OnRouted(RoutedRequestInfo request);

    void OnCompleted(CompletedRequest request);
}

/// <summary>A request as it was placed.</summary>
/// <param name="IncludeUsage">stream_options.include_usage: a streamed response ends with a usage chunk.</param>
/// <param name="EstimatedTokens">Prompt estimate plus max output tokens (or the default): the in-flight weight.</param>
/// <param name="InferenceObjective">Value of x-gateway-inference-objective (not interpreted yet).</param>
public sealed record RoutedRequestInfo(
    string RequestId,
    RequestKind Kind,
    string RequestedModel,
    string TargetModel,
    CriticalityBand Criticality,
    string PrimaryEndpoint,
    bool Stream,
    bool IncludeUsage,
    int EstimatedPromptTokens,
    int? MaxTokens,
    long EstimatedTokens,
    string? InferenceObjective,
    DateTimeOffset StartedAt)
{
    /// <summary>What the scheduler's prefix index expected the primary to serve from cache (null without a match).</summary>
    public CacheExpectation? CacheExpectation { get; init; }
}

/// <summary>A request whose lease was disposed: what the response path recorded.</summary>
/// <param name="TimeToFirstToken">Null when no first token was recorded (errors, disconnects, embeddings).</param>
/// <param name="StatusCode">Null when the upstream status was never recorded (e.g. the client went away).</param>
public sealed record CompletedRequest(
    RoutedRequestInfo Request,
    string ServedEndpoint,
    TimeSpan? TimeToFirstToken,
    TimeSpan Duration,
    int? PromptTokens,
    int? CompletionTokens,
    int? CachedPromptTokens,
    int? StatusCode);
