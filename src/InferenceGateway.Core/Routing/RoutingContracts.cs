using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// A request as a front end (ext_proc or the YARP proxy) hands it over: path, lower-cased headers and the whole
/// body (empty for header-only requests).
/// </summary>
/// <param name="SubsetHint">Endpoints the proxy allows (envoy.lb.subset_hint); null when none was sent.</param>
public sealed record RoutingInput(
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> Body,
    IReadOnlySet<string>? SubsetHint = null);

/// <summary>A request that was placed. Dispose the Lease when the response has ended (or failed).</summary>
/// <param name="Endpoints">Addresses, primary first, then fallbacks.</param>
/// <param name="Body">The body to forward: the original bytes, or a copy with only the model value rewritten.</param>
/// <param name="HeadersToSet">Headers to add or overwrite on the upstream request (e.g. x-request-id).</param>
public sealed record RoutedRequest(
    string RequestId,
    string RequestedModel,
    string TargetModel,
    CriticalityBand Criticality,
    ImmutableArray<string> Endpoints,
    ReadOnlyMemory<byte> Body,
    bool BodyChanged,
    bool Stream,
    IReadOnlyDictionary<string, string> HeadersToSet,
    IRequestLease Lease)
{
    /// <summary>Value of x-gateway-inference-objective: the InferenceObjective whose band admitted the request (Default when the pool has no such objective).</summary>
    public string? InferenceObjective { get; init; }
}

/// <summary>Either a placed request or an error for the client.</summary>
public readonly record struct RoutingOutcome(RoutedRequest? Routed, OpenAiError? Error)
{
    public static RoutingOutcome Success(RoutedRequest routed) => new(routed, null);
    public static RoutingOutcome Failure(OpenAiError error) => new(null, error);
}

/// <summary>The whole request path: parse, resolve the model, draw the target, admit, schedule.</summary>
public interface IInferenceRouter
{
    RoutingOutcome Route(RoutingInput input);
}

/// <summary>
/// Per-request state held between the pick and the end of the response: in-flight counters, TTFT, usage,
/// the served endpoint. Dispose exactly once, on every path (success, error, cancellation, disconnect).
/// </summary>
public interface IRequestLease : IDisposable
{
    /// <summary>The proxy reported (or used) this endpoint; defaults to the primary.</summary>
    void SetServedEndpoint(string address);

    /// <summary>The first response byte of content arrived (TTFT).</summary>
    void RecordFirstToken();

    /// <summary>Usage from the response body or the final SSE usage chunk.</summary>
    void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens);

    /// <summary>The upstream answered with this HTTP status (errors are counted per model).</summary>
    void RecordStatus(int statusCode);
}
