using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Scheduling;

/// <summary>What the scheduler knows about the request being placed.</summary>
/// <param name="TargetModel">Model or adapter name after the weighted draw: what the server will see.</param>
/// <param name="PromptBytes">The text the prefix index hashes: completions' prompt, chat's messages JSON.</param>
/// <param name="SessionToken">Value of x-session-token, when present (session affinity).</param>
public sealed record SchedulingRequest(
    string RequestId,
    string TargetModel,
    CriticalityBand Criticality,
    ReadOnlyMemory<byte> PromptBytes,
    int EstimatedPromptTokens,
    int? MaxTokens,
    string? SessionToken);

/// <summary>An endpoint as the scheduler sees it at decision time.</summary>
/// <param name="Metrics">Null when unknown or stale.</param>
/// <param name="InFlightRequests">Requests this picker sent that have not finished.</param>
/// <param name="InFlightTokens">Estimated tokens (prompt + max output) of those requests.</param>
public readonly record struct EndpointCandidate(
    Endpoint Endpoint,
    EndpointMetrics? Metrics,
    int InFlightRequests,
    long InFlightTokens);

/// <summary>Primary endpoint first, then fallbacks; or a refusal.</summary>
public sealed record SchedulingResult(ImmutableArray<Endpoint> Endpoints, string Profile, SchedulingRejection? Rejection)
{
    public bool IsRejected => Rejection is not null;

    /// <summary>What the prefix index expects the primary to hold; null without a prefix match (or a prefix plugin).</summary>
    public CacheExpectation? Expectation { get; init; }
}

/// <summary>Why no endpoint was chosen. StatusCode is 429 (shed) or 503 (nothing eligible).</summary>
public sealed record SchedulingRejection(int StatusCode, string Message);

/// <summary>Places one request on the endpoints of a pool.</summary>
public interface IScheduler
{
    SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates);
}

/// <summary>
/// Optional for an <see cref="IScheduler"/> that keeps state per endpoint (the prefix-cache index): the router calls
/// it with the pool's endpoints each time the datastore publishes a snapshot, never on the request path, so state of
/// endpoints that left the pool, or were replaced under the same address, can be dropped.
/// </summary>
public interface IEndpointSetObserver
{
    /// <summary>
    /// <paramref name="endpoints"/> is the pool's complete set of ready endpoints, replacing the previous one. Calls do
    /// not overlap and come in snapshot order.
    /// </summary>
    void OnEndpointsChanged(IReadOnlyCollection<Endpoint> endpoints);
}
