using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Routing;

namespace InferenceGateway.TestSupport;

/// <summary>A routing input as the fake router saw it (the body copied: front ends may pool their buffers).</summary>
public sealed record RecordedRoutingInput(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, IReadOnlySet<string>? SubsetHint);

/// <summary>
/// Hand-written <see cref="IInferenceRouter"/> for front-end tests (ext_proc and the HTTP proxy): records every
/// input, answers with the configured endpoints (primary first, narrowed to a subset hint), an error or an
/// exception, optionally rewrites the body and adds headers, and counts live leases.
/// </summary>
public sealed class FakeInferenceRouter : IInferenceRouter
{
    private int _liveLeases;
    private int _requestCounter;

    public ImmutableArray<string> Endpoints { get; set; } = ["10.0.0.1:8000", "10.0.0.2:8000"];

    /// <summary>When set, every request is refused with this error.</summary>
    public OpenAiError? Error { get; set; }

    /// <summary>When set, Route throws it (after recording the input; the front end must answer 500).</summary>
    public Exception? Throw { get; set; }

    /// <summary>When set, returns the body to forward instead of the original (BodyChanged = true).</summary>
    public Func<byte[], byte[]>? RewriteBody { get; set; }

    /// <summary>Headers added to the upstream request (RoutedRequest.HeadersToSet, next to x-request-id).</summary>
    public Dictionary<string, string> HeadersToSet { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string RequestedModel { get; set; } = "fake-model";

    public string TargetModel { get; set; } = "fake-target";

    public ConcurrentQueue<RecordedRoutingInput> Inputs { get; } = new();

    public ConcurrentQueue<FakeRequestLease> Leases { get; } = new();

    /// <summary>Leases handed out and not yet disposed.</summary>
    public int LiveLeases => Volatile.Read(ref _liveLeases);

    public RoutingOutcome Route(RoutingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var body = input.Body.ToArray();
        Inputs.Enqueue(new RecordedRoutingInput(input.Path, new Dictionary<string, string>(input.Headers, StringComparer.Ordinal), body, input.SubsetHint is null ? null : new HashSet<string>(input.SubsetHint, StringComparer.Ordinal)));
        if (Throw is { } exception)
        {
            throw exception;
        }

        if (Error is { } error)
        {
            return RoutingOutcome.Failure(error);
        }

        var endpoints = Endpoints;
        if (input.SubsetHint is { } hint)
        {
            endpoints = endpoints.Where(hint.Contains).ToImmutableArray();
            if (endpoints.IsEmpty)
            {
                return RoutingOutcome.Failure(OpenAiError.Unavailable("No endpoint of the subset hint is eligible."));
            }
        }

        var requestId = input.Headers.TryGetValue("x-request-id", out var id) && id.Length > 0
            ? id
            : "fake-" + Interlocked.Increment(ref _requestCounter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var rewritten = RewriteBody?.Invoke(body);
        var headers = new Dictionary<string, string>(HeadersToSet, StringComparer.OrdinalIgnoreCase) { ["x-request-id"] = requestId };
        var lease = new FakeRequestLease(this);
        Interlocked.Increment(ref _liveLeases);
        Leases.Enqueue(lease);
        return RoutingOutcome.Success(new RoutedRequest(
            requestId,
            RequestedModel,
            TargetModel,
            CriticalityBand.Default,
            endpoints,
            rewritten ?? body,
            rewritten is not null,
            Stream: false,
            headers,
            lease));
    }

    internal void Released() => Interlocked.Decrement(ref _liveLeases);
}

/// <summary>What the front end reported for one request; counts disposals (must end at exactly one).</summary>
public sealed class FakeRequestLease(FakeInferenceRouter owner) : IRequestLease
{
    private int _disposeCount;
    private int _firstTokenCount;
    private volatile string? _servedEndpoint;
    private volatile StrongBox<(int Prompt, int Completion, int Cached)>? _usage;

    /// <summary>The endpoint the front end reported as serving the request; null until it reports one.</summary>
    public string? ServedEndpoint => _servedEndpoint;

    public bool ServedEndpointReported => _servedEndpoint is not null;

    public int FirstTokenCount => Volatile.Read(ref _firstTokenCount);

    public (int Prompt, int Completion, int Cached)? Usage => _usage?.Value;

    public ConcurrentQueue<int> Statuses { get; } = new();

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public void SetServedEndpoint(string address) => _servedEndpoint = address;

    public void RecordFirstToken() => Interlocked.Increment(ref _firstTokenCount);

    public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens) =>
        _usage = new StrongBox<(int Prompt, int Completion, int Cached)>((promptTokens, completionTokens, cachedPromptTokens));

    public void RecordStatus(int statusCode) => Statuses.Enqueue(statusCode);

    public void Dispose()
    {
        if (Interlocked.Increment(ref _disposeCount) == 1)
        {
            owner.Released();
        }
    }
}
