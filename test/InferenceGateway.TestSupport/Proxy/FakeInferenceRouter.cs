using System.Collections.Concurrent;
using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Routing;

namespace InferenceGateway.TestSupport.Proxy;

/// <summary>
/// A router that answers what the test sets: a fixed endpoint list (primary first), or an error. Records every
/// input (with a copy of the body) and hands out <see cref="FakeRequestLease"/>s it tracks.
/// </summary>
public sealed class FakeInferenceRouter : IInferenceRouter
{
    private int _sequence;

    public ImmutableArray<string> Endpoints { get; set; } = [];

    /// <summary>When set, every request is refused with this error.</summary>
    public OpenAiError? Error { get; set; }

    /// <summary>When set, Route throws it (after recording the input).</summary>
    public Exception? Throw { get; set; }

    /// <summary>Headers added to the upstream request (RoutedRequest.HeadersToSet).</summary>
    public Dictionary<string, string> HeadersToSet { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, replaces the body forwarded upstream (BodyChanged = true).</summary>
    public byte[]? RewrittenBody { get; set; }

    public ConcurrentQueue<RecordedRoutingInput> Inputs { get; } = new();

    public ConcurrentQueue<FakeRequestLease> Leases { get; } = new();

    private int _live;

    /// <summary>Leases handed out and not yet disposed.</summary>
    public int LiveLeases => Volatile.Read(ref _live);

    public RoutingOutcome Route(RoutingInput input)
    {
        var body = input.Body.ToArray();
        Inputs.Enqueue(new RecordedRoutingInput(input.Path, new Dictionary<string, string>(input.Headers), body));
        if (Throw is { } exception)
        {
            throw exception;
        }

        if (Error is { } error)
        {
            return RoutingOutcome.Failure(error);
        }

        var requestId = input.Headers.TryGetValue("x-request-id", out var id) ? id : $"fake-{Interlocked.Increment(ref _sequence)}";
        var lease = new FakeRequestLease(this);
        Interlocked.Increment(ref _live);
        Leases.Enqueue(lease);
        var forwarded = RewrittenBody ?? body;
        return RoutingOutcome.Success(new RoutedRequest(
            requestId, "requested-model", "target-model", CriticalityBand.Default, Endpoints, forwarded,
            RewrittenBody is not null, false, new Dictionary<string, string>(HeadersToSet), lease));
    }

    internal void Released() => Interlocked.Decrement(ref _live);
}

public sealed record RecordedRoutingInput(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body);

/// <summary>Records what the proxy reported on a request lease; counts disposals (must end at exactly one).</summary>
public sealed class FakeRequestLease(FakeInferenceRouter owner) : IRequestLease
{
    private readonly object _gate = new();
    private int _disposeCount;

    public string? ServedEndpoint { get; private set; }

    public int FirstTokenCount { get; private set; }

    public (int Prompt, int Completion, int Cached)? Usage { get; private set; }

    public List<int> Statuses { get; } = [];

    public int DisposeCount => Volatile.Read(ref _disposeCount);

    public void SetServedEndpoint(string address)
    {
        lock (_gate)
        {
            ServedEndpoint = address;
        }
    }

    public void RecordFirstToken()
    {
        lock (_gate)
        {
            FirstTokenCount++;
        }
    }

    public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens)
    {
        lock (_gate)
        {
            Usage = (promptTokens, completionTokens, cachedPromptTokens);
        }
    }

    public void RecordStatus(int statusCode)
    {
        lock (_gate)
        {
            Statuses.Add(statusCode);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Increment(ref _disposeCount) == 1)
        {
            owner.Released();
        }
    }
}
