using System.Buffers;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Requests;
using InferenceGateway.Core.Scheduling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// The request path every front end calls: parse the body, resolve the model, draw the target, build the
/// candidates (subset hint, fresh metrics, in-flight counts), admit, schedule, rewrite the model, open the lease.
/// </summary>
internal sealed class InferenceRouter : IInferenceRouter
{
    private readonly IDatastore _datastore;
    private readonly IEndpointMetricsStore _metrics;
    private readonly InFlightTracker _tracker;
    private readonly IAdmissionController _admission;
    private readonly IScheduler _scheduler;
    private readonly IEndpointSetObserver? _endpointSetObserver;
    private readonly Lock _poolGate = new();
    private readonly RoutingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly IRequestObserver[] _observers;
    private readonly ILogger _logger;
    private long _notifiedVersion = -1;

    public InferenceRouter(
        IDatastore datastore,
        IEndpointMetricsStore metrics,
        InFlightTracker tracker,
        IAdmissionController admission,
        IScheduler scheduler,
        IOptions<RoutingOptions> options,
        TimeProvider timeProvider,
        Random random,
        IEnumerable<IRequestObserver>? observers = null,
        ILogger<InferenceRouter>? logger = null)
    {
        _datastore = datastore;
        _metrics = metrics;
        _tracker = tracker;
        _admission = admission;
        _scheduler = scheduler;
        _endpointSetObserver = scheduler as IEndpointSetObserver;
        _options = options.Value;
        var invalid = _options.Validate();
        if (invalid is not null)
        {
            throw new ArgumentException($"Invalid {nameof(RoutingOptions)}: {invalid}", nameof(options));
        }

        _timeProvider = timeProvider;
        _random = random;
        _observers = observers is null ? [] : [.. observers];
        if (scheduler is ICacheFeedback feedback)
        {
            // The responses' cached_tokens flow back into the scheduler's prefix index.
            _observers = [.. _observers, new CacheFeedbackObserver(feedback)];
        }

        _logger = logger ?? (ILogger)NullLogger.Instance;

        // Slots of addresses that left the pool go once idle (bounded under pod churn), and so does the scheduler's
        // per-endpoint state (prefix index): pruned when a pool is published, not checked per request. The router
        // lives as long as the datastore (both singletons).
        datastore.Changed += OnPoolChanged;
        OnPoolChanged(datastore.Current);
    }

    public RoutingOutcome Route(RoutingInput input)
    {
        var headers = input.Headers;
        var requestId = GetHeader(headers, RoutingHeaders.RequestId) is { Length: <= RoutingHeaders.MaxRequestIdLength } clientId
            ? clientId
            : Guid.CreateVersion7(_timeProvider.GetUtcNow()).ToString();

        if (!RequestPaths.TryGetKind(input.Path, out var kind))
        {
            if (input.Body.IsEmpty)
            {
                return RouteWithoutModel(requestId, input);
            }

            return Refuse(requestId, OpenAiError.NotFound(
                $"unsupported path \"{input.Path}\": the gateway routes POST {RequestPaths.Completions}, "
                + $"{RequestPaths.ChatCompletions}, {RequestPaths.Responses} and {RequestPaths.Embeddings}",
                "unknown_url"));
        }

        if (!RequestParser.TryParse(kind, input.Body, _options.MaxBodyBytes, _options.MaxJsonDepth, out var parsed, out var parseError))
        {
            return Refuse(requestId, parseError);
        }

        // One snapshot for the whole decision: models and endpoints are consistent with each other.
        var snapshot = _datastore.Current;
        snapshot.Models.TryGetValue(parsed.Model, out var route);
        var rewrite = snapshot.Rewrites.IsEmpty ? null : snapshot.Rewrites.Find(parsed.Model);
        if (route is null && rewrite is null)
        {
            // v1 pools have no model registry: any name passes through (the reference picker's behaviour). The
            // x-k8s.io pools keep the seed's rule that only InferenceModels (or rewrite rules) make a name servable.
            if (snapshot.Pool is not { AllowsUnregisteredModels: true })
            {
                return Refuse(requestId, OpenAiError.NotFound($"model \"{parsed.Model}\" not found"));
            }

            RoutingLog.UnregisteredModel(_logger, requestId, parsed.Model);
        }

        if (route is not null && TargetModelSelector.IsReserved(route))
        {
            return Refuse(requestId, OpenAiError.NotFound(
                $"no valid target model for model \"{parsed.Model}\": every target has weight 0"));
        }

        // Admission band: the objective named by the header, else the model's criticality, else Default.
        var band = route?.Criticality ?? CriticalityBand.Default;
        var objective = GetHeader(headers, RoutingHeaders.InferenceObjective);
        if (objective is not null)
        {
            if (snapshot.Objectives.TryGetValue(objective, out var objectiveInfo))
            {
                band = objectiveInfo.Band;
            }
            else
            {
                // A typo in a gateway policy should not demote (or promote) traffic: keep the model's own band.
                RoutingLog.UnknownObjective(_logger, requestId, objective);
            }
        }

        // Target: the rewrite header (set by the gateway's own policy) wins, then an InferenceModelRewrite rule,
        // then the InferenceModel's traffic split, then the requested name itself.
        var target = GetHeader(headers, RoutingHeaders.ModelNameRewrite)
            ?? (rewrite is not null ? TargetModelSelector.Draw(rewrite.Targets, parsed.Model, _random) : null)
            ?? (route is not null ? TargetModelSelector.Draw(route, _random) : null)
            ?? parsed.Model;

        var endpoints = snapshot.Endpoints;
        if (endpoints.IsDefaultOrEmpty)
        {
            return Refuse(requestId, OpenAiError.Unavailable("no ready endpoint in the pool"));
        }

        var rented = ArrayPool<EndpointCandidate>.Shared.Rent(endpoints.Length);
        var count = 0;
        SchedulingResult result;
        try
        {
            count = GatherCandidates(endpoints, input.SubsetHint, rented);
            var candidates = new ReadOnlySpan<EndpointCandidate>(rented, 0, count);
            if (AdmissionError(band, candidates) is { } refusal)
            {
                return Refuse(requestId, refusal);
            }

            var request = new SchedulingRequest(
                requestId,
                target,
                band,
                parsed.PromptBytes,
                parsed.EstimatedPromptTokens,
                parsed.MaxTokens,
                GetHeader(headers, RoutingHeaders.SessionToken));
            result = _scheduler.Schedule(request, candidates);
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<EndpointCandidate>.Shared.Return(rented);
        }

        if (result.Rejection is { } rejection)
        {
            return Refuse(requestId, rejection.StatusCode switch
            {
                429 => OpenAiError.TooManyRequests(rejection.Message, null),
                503 => OpenAiError.Unavailable(rejection.Message),
                _ => new OpenAiError(rejection.StatusCode, rejection.Message, "server_error"),
            });
        }

        var chosen = result.Endpoints;
        if (chosen.IsDefaultOrEmpty)
        {
            return Refuse(requestId, OpenAiError.Unavailable("no eligible endpoint for this request"));
        }

        var addresses = new string[chosen.Length];
        for (var i = 0; i < addresses.Length; i++)
        {
            addresses[i] = chosen[i].Address;
        }

        // Only the model value changes, and only when it differs; otherwise the caller's bytes pass through.
        var bodyChanged = !string.Equals(target, parsed.Model, StringComparison.Ordinal);
        var body = bodyChanged
            ? ModelRewriter.Rewrite(input.Body.Span, parsed.ModelTokenStart, parsed.ModelTokenEnd, target)
            : input.Body;

        var maxTokens = kind == RequestKind.Embeddings ? 0 : parsed.MaxTokens ?? _options.DefaultMaxTokensEstimate;
        var info = new RoutedRequestInfo(
            requestId,
            kind,
            parsed.Model,
            target,
            band,
            addresses[0],
            parsed.Stream,
            parsed.IncludeUsage,
            parsed.EstimatedPromptTokens,
            parsed.MaxTokens,
            (long)parsed.EstimatedPromptTokens + maxTokens,
            objective,
            _timeProvider.GetUtcNow())
        {
            CacheExpectation = result.Expectation,
        };
        var lease = _tracker.Acquire(info, _observers);
        Notify(info);
        RoutingLog.Routed(_logger, requestId, parsed.Model, target, addresses[0], result.Profile);

        return RoutingOutcome.Success(new RoutedRequest(
            requestId,
            parsed.Model,
            target,
            band,
            ImmutableCollectionsMarshal.AsImmutableArray(addresses),
            body,
            bodyChanged,
            parsed.Stream,
            RequestIdHeader(requestId),
            lease)
        {
            InferenceObjective = objective,
        });
    }

    /// <summary>
    /// A request without a body on a path the pipeline does not parse (GET /v1/models, a probe sent through the
    /// gateway): there is no model to resolve, so, as the reference picker does for header-only requests, it goes to
    /// a random endpoint of the pool (within the subset hint) that admission lets a Default request reach. It is
    /// not an inference request: no in-flight accounting, no observers, no model rewrite.
    /// </summary>
    private RoutingOutcome RouteWithoutModel(string requestId, RoutingInput input)
    {
        var endpoints = _datastore.Current.Endpoints;
        if (endpoints.IsDefaultOrEmpty)
        {
            return Refuse(requestId, OpenAiError.Unavailable("no ready endpoint in the pool"));
        }

        var rented = ArrayPool<EndpointCandidate>.Shared.Rent(endpoints.Length);
        var count = 0;
        string address;
        try
        {
            count = GatherCandidates(endpoints, input.SubsetHint, rented);
            if (AdmissionError(CriticalityBand.Default, new ReadOnlySpan<EndpointCandidate>(rented, 0, count)) is { } refusal)
            {
                return Refuse(requestId, refusal);
            }

            address = rented[_random.Next(count)].Endpoint.Address;
        }
        finally
        {
            rented.AsSpan(0, count).Clear();
            ArrayPool<EndpointCandidate>.Shared.Return(rented);
        }

        RoutingLog.Routed(_logger, requestId, string.Empty, string.Empty, address, "header-only");
        return RoutingOutcome.Success(new RoutedRequest(
            requestId,
            string.Empty,
            string.Empty,
            CriticalityBand.Default,
            [address],
            input.Body,
            false,
            false,
            RequestIdHeader(requestId),
            UntrackedLease.Instance));
    }

    private void OnPoolChanged(DatastoreSnapshot snapshot)
    {
        _tracker.RetainEndpoints(snapshot.Endpoints, snapshot.Version);
        if (_endpointSetObserver is null)
        {
            return;
        }

        // Serialized, and never an older pool than the last one passed on: the constructor's first call can race a
        // publish, and a stale set would drop entries of endpoints that are live (or wrongly see a replacement).
        lock (_poolGate)
        {
            if (snapshot.Version < _notifiedVersion)
            {
                return;
            }

            _notifiedVersion = snapshot.Version;
            _endpointSetObserver.OnEndpointsChanged(snapshot.Endpoints.IsDefault ? [] : snapshot.Endpoints);
        }
    }

    /// <summary>The headers every routed request sets: its request id.</summary>
    private static Dictionary<string, string> RequestIdHeader(string requestId) => new(1, StringComparer.Ordinal)
    {
        [RoutingHeaders.RequestId] = requestId,
    };

    private static string? GetHeader(IReadOnlyDictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;

    /// <summary>
    /// Fills <paramref name="into"/> with the pool's endpoints the proxy allows (all when there is no subset hint),
    /// each with its fresh metrics (stale ones count as unknown) and our in-flight counts; returns how many.
    /// </summary>
    private int GatherCandidates(ImmutableArray<Endpoint> endpoints, IReadOnlySet<string>? subset, EndpointCandidate[] into)
    {
        var now = _timeProvider.GetUtcNow();
        var staleness = _options.StalenessThreshold;
        var count = 0;
        for (var i = 0; i < endpoints.Length; i++)
        {
            var endpoint = endpoints[i];
            if (subset is not null && !subset.Contains(endpoint.Address))
            {
                continue;
            }

            var metrics = _metrics.TryGet(endpoint.Address);
            if (metrics is not null && !metrics.IsFresh(now, staleness))
            {
                metrics = null;
            }

            var inFlight = _tracker.Get(endpoint.Address);
            into[count++] = new EndpointCandidate(endpoint, metrics, inFlight.Requests, inFlight.Tokens);
        }

        return count;
    }

    /// <summary>The error a request of <paramref name="band"/> gets from admission over these candidates, or null when admitted.</summary>
    private OpenAiError? AdmissionError(CriticalityBand band, ReadOnlySpan<EndpointCandidate> candidates)
    {
        if (candidates.IsEmpty)
        {
            return OpenAiError.Unavailable("no endpoint in subset: none of the endpoints the proxy allows is in the pool");
        }

        var decision = _admission.Decide(band, candidates);
        if (decision.IsUnavailable)
        {
            return OpenAiError.Unavailable(decision.Message ?? "no endpoint can take the request");
        }

        return decision.Admitted
            ? null
            : OpenAiError.TooManyRequests(decision.Message ?? "the pool is saturated; retry later", decision.RetryAfter);
    }

    private RoutingOutcome Refuse(string requestId, OpenAiError error)
    {
        RoutingLog.Refused(_logger, requestId, error.StatusCode, error.Message);
        return RoutingOutcome.Failure(error);
    }

    private void Notify(RoutedRequestInfo info)
    {
        for (var i = 0; i < _observers.Length; i++)
        {
            try
            {
                _observers[i].OnRouted(info);
            }
            catch (Exception ex)
            {
                RoutingLog.ObserverFailed(_logger, ex, _observers[i].GetType().Name, info.RequestId);
            }
        }
    }
}

/// <summary>The lease of a request that is not an inference request (header-only, no model): nothing to record.</summary>
internal sealed class UntrackedLease : IRequestLease
{
    public static readonly UntrackedLease Instance = new();

    private UntrackedLease()
    {
    }

    public void SetServedEndpoint(string address)
    {
    }

    public void RecordFirstToken()
    {
    }

    public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens)
    {
    }

    public void RecordStatus(int statusCode)
    {
    }

    public void Dispose()
    {
    }
}
