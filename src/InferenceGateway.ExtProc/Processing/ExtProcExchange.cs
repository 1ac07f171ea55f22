using System.Globalization;
using System.Text;
using Envoy.Config.Core.V3;
using Envoy.Service.ExtProc.V3;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metadata = Envoy.Config.Core.V3.Metadata;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Usage;
using InferenceGateway.ExtProc.Metrics;
using Microsoft.Extensions.Logging;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.ExtProc.Processing;

/// <summary>
/// One ext_proc stream, which Envoy opens per HTTP request: collects the request, routes it once, answers in the
/// shape the body mode needs, then follows the response (status, served endpoint, TTFT, usage) and releases the
/// lease when the response ends or the stream goes away.
/// </summary>
/// <remarks>
/// Body mode: protocol_config (Envoy 1.34+, first message) is authoritative. Without it, FULL_DUPLEX_STREAMED is
/// assumed only when <see cref="ExtProcOptions.AssumeFullDuplexWithoutProtocolConfig"/> is set; otherwise the
/// request headers are answered at once (half duplex) and the first body message decides: end_of_stream on it
/// means BUFFERED (the whole body), otherwise STREAMED.
/// </remarks>
internal sealed class ExtProcExchange : IDisposable
{
    public const string LbNamespace = "envoy.lb";
    public const string SubsetHintNamespace = "envoy.lb.subset_hint";
    public const string SubsetHintKey = "x-gateway-destination-endpoint-subset";
    public const string ServedKey = "x-gateway-destination-endpoint-served";

    private readonly IInferenceRouter _router;
    private readonly ExtProcOptions _options;
    private readonly PickerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IAsyncStreamWriter<ProcessingResponse> _writer;
    private readonly Dictionary<string, string> _headers = new(StringComparer.Ordinal);

    private string _path = "/";
    private HashSet<string>? _subsetHint;
    private bool _protocolKnown;
    private BodySendMode _requestBodyMode;
    private BodySendMode _responseBodyMode;
    private bool _observabilityMode;
    private bool _started;
    private long _startTimestamp;

    private bool _deferHeaders;
    private BodySendMode? _halfDuplexMode;
    private int _withheldChunks;
    private PooledBuffer? _body;
    private bool _requestDone;

    private RoutedRequest? _routed;
    private OpenAiError? _pendingError;
    private bool _servedSeen;
    private bool _firstToken;
    private bool? _eventStream;
    private bool _usageStarted;
    private bool _finished;

    // Inline, so a response body costs no parser allocation. A mutable struct: only ever used through this
    // (non-readonly) field, never copied into a local or passed by value, or the copy's state would be lost.
    private UsageScanner _usage;

    public ExtProcExchange(IInferenceRouter router, ExtProcOptions options, PickerMetrics metrics, TimeProvider time, ILogger logger, IAsyncStreamWriter<ProcessingResponse> writer)
    {
        _router = router;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _writer = writer;
    }

    private bool FullDuplexRequest => _protocolKnown ? _requestBodyMode == BodySendMode.FullDuplexStreamed : _options.AssumeFullDuplexWithoutProtocolConfig;

    private bool FullDuplexResponse => _protocolKnown ? _responseBodyMode == BodySendMode.FullDuplexStreamed : _options.AssumeFullDuplexWithoutProtocolConfig;

    /// <summary>Handles one message; false when processing is over (an immediate response was sent).</summary>
    public async ValueTask<bool> HandleAsync(ProcessingRequest request, CancellationToken cancellationToken)
    {
        if (!_started)
        {
            _started = true;
            _startTimestamp = _time.GetTimestamp();
            _observabilityMode = request.ObservabilityMode;
            if (request.ProtocolConfig is { } protocol)
            {
                _protocolKnown = true;
                _requestBodyMode = protocol.RequestBodyMode;
                _responseBodyMode = protocol.ResponseBodyMode;
            }
        }

        switch (request.RequestCase)
        {
            case ProcessingRequest.RequestOneofCase.RequestHeaders:
                return await OnRequestHeadersAsync(request, cancellationToken).ConfigureAwait(false);
            case ProcessingRequest.RequestOneofCase.RequestBody:
                return await OnRequestBodyAsync(request.RequestBody, cancellationToken).ConfigureAwait(false);
            case ProcessingRequest.RequestOneofCase.RequestTrailers:
                return await OnRequestTrailersAsync(cancellationToken).ConfigureAwait(false);
            case ProcessingRequest.RequestOneofCase.ResponseHeaders:
                await OnResponseHeadersAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            case ProcessingRequest.RequestOneofCase.ResponseBody:
                await OnResponseBodyAsync(request, cancellationToken).ConfigureAwait(false);
                return true;
            case ProcessingRequest.RequestOneofCase.ResponseTrailers:
                ObserveServedEndpoint(request.MetadataContext);
                await WriteAsync(new ProcessingResponse { ResponseTrailers = new TrailersResponse() }, cancellationToken).ConfigureAwait(false);
                Finish();
                return true;
            default:
                return true;
        }
    }

    public void Dispose()
    {
        // Stream over (normally, cancelled or broken): whatever was held is released here.
        Finish();
        ReleaseRequestBody();
    }

    private async ValueTask<bool> OnRequestHeadersAsync(ProcessingRequest request, CancellationToken cancellationToken)
    {
        var message = request.RequestHeaders;
        ReadRequestHeaders(message.Headers);
        ReadSubsetHint(request.MetadataContext);

        if (message.EndOfStream || (_protocolKnown && _requestBodyMode == BodySendMode.None))
        {
            // No body (or the proxy will not send it): route on the headers alone.
            var routed = Route(ReadOnlyMemory<byte>.Empty);
            if (routed is null)
            {
                await WriteErrorAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }

            var (mutation, metadata) = BuildDestination(routed, contentLength: null);
            await WriteAsync(new ProcessingResponse
            {
                RequestHeaders = new HeadersResponse { Response = new CommonResponse { HeaderMutation = mutation, ClearRouteCache = true } },
                DynamicMetadata = metadata,
            }, cancellationToken).ConfigureAwait(false);
            _requestDone = true;
            return true;
        }

        if (FullDuplexRequest)
        {
            // Envoy streams the body without waiting; the headers reply carries the destination, so it waits
            // until the whole body is here.
            _deferHeaders = true;
            return true;
        }

        // Half duplex: Envoy waits for this reply before it sends the body. Drop a client-chosen destination now.
        var remove = new HeaderMutation();
        remove.RemoveHeaders.Add(_options.DestinationHeader);
        await WriteAsync(new ProcessingResponse
        {
            RequestHeaders = new HeadersResponse { Response = new CommonResponse { HeaderMutation = remove } },
        }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> OnRequestBodyAsync(HttpBody message, CancellationToken cancellationToken)
    {
        var endOfStream = message.EndOfStream || message.EndOfStreamWithoutMessage;
        if (_requestDone)
        {
            // Only half duplex can get here (BUFFERED_PARTIAL sends the rest unprocessed; be lenient).
            if (!_deferHeaders)
            {
                await WriteAsync(new ProcessingResponse { RequestBody = new BodyResponse { Response = new CommonResponse() } }, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }

        var buffered = _body?.Length ?? 0;
        if ((long)buffered + message.Body.Length > _options.MaxRequestBodyBytes)
        {
            return await RefuseAsync(OpenAiError.TooLarge($"The request body exceeds the endpoint picker's limit of {_options.MaxRequestBodyBytes} bytes."), cancellationToken).ConfigureAwait(false);
        }

        if (_deferHeaders)
        {
            Accumulate(message.Body);
            if (!endOfStream)
            {
                return true;
            }

            return await RouteFullDuplexAsync(bodyEndsStream: true, cancellationToken).ConfigureAwait(false);
        }

        _halfDuplexMode ??= _protocolKnown
            ? _requestBodyMode
            : endOfStream && buffered == 0 ? BodySendMode.Buffered : BodySendMode.Streamed;

        if (_halfDuplexMode is BodySendMode.Buffered or BodySendMode.BufferedPartial)
        {
            // The whole body (or, BUFFERED_PARTIAL, all Envoy will show us) in one message: route on it.
            var body = message.Body.Memory;
            if (_body is not null)
            {
                Accumulate(message.Body);
                body = _body.Memory;
            }

            return await RouteHalfDuplexAsync(body, withheld: false, cancellationToken).ConfigureAwait(false);
        }

        // STREAMED: every chunk needs an answer before the next arrives. Earlier chunks would reach the upstream
        // before the (possibly rewritten) body is known, so each is withheld (cleared) and the last answer
        // carries the whole body.
        Accumulate(message.Body);
        if (!endOfStream)
        {
            _withheldChunks++;
            await WriteAsync(new ProcessingResponse
            {
                RequestBody = new BodyResponse { Response = new CommonResponse { BodyMutation = new BodyMutation { ClearBodyRequested = true } } },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }

        return await RouteHalfDuplexAsync(_body!.Memory, withheld: _withheldChunks > 0, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> OnRequestTrailersAsync(CancellationToken cancellationToken)
    {
        if (!_requestDone)
        {
            if (_deferHeaders)
            {
                // Full duplex with trailers: the body ended without end_of_stream.
                if (!await RouteFullDuplexAsync(bodyEndsStream: false, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }
            else
            {
                // STREAMED with trailers: the withheld chunks can no longer be released in a body answer.
                ExtProcLog.TrailersInStreamedMode(_logger);
                return await RefuseAsync(OpenAiError.BadRequest("Request trailers are not supported when the proxy streams the request body in STREAMED mode; configure BUFFERED or FULL_DUPLEX_STREAMED."), cancellationToken).ConfigureAwait(false);
            }
        }

        await WriteAsync(new ProcessingResponse { RequestTrailers = new TrailersResponse() }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async ValueTask<bool> RouteHalfDuplexAsync(ReadOnlyMemory<byte> body, bool withheld, CancellationToken cancellationToken)
    {
        var routed = Route(body);
        if (routed is null)
        {
            await WriteErrorAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        // BUFFERED: a replaced body needs a matching content-length. STREAMED: Envoy dropped content-length and
        // applies header mutations from a body answer only in BUFFERED mode, so there the destination reaches
        // Envoy through the dynamic metadata (override-host policy), not the header.
        var replaceBody = routed.BodyChanged || withheld;
        var contentLength = replaceBody && !withheld ? routed.Body.Length : (int?)null;
        var (mutation, metadata) = BuildDestination(routed, contentLength);
        var common = new CommonResponse { HeaderMutation = mutation, ClearRouteCache = true };
        if (replaceBody)
        {
            common.BodyMutation = new BodyMutation { Body = UnsafeByteOperations.UnsafeWrap(routed.Body) };
        }

        await WriteAsync(new ProcessingResponse { RequestBody = new BodyResponse { Response = common }, DynamicMetadata = metadata }, cancellationToken).ConfigureAwait(false);
        _requestDone = true;
        ReleaseRequestBody();
        return true;
    }

    private async ValueTask<bool> RouteFullDuplexAsync(bool bodyEndsStream, CancellationToken cancellationToken)
    {
        var routed = Route(_body?.Memory ?? ReadOnlyMemory<byte>.Empty);
        if (routed is null)
        {
            await WriteErrorAsync(cancellationToken).ConfigureAwait(false);
            return false;
        }

        // Order matters: the deferred headers reply first, then the body in chunks, the last one closing it.
        var body = routed.Body;
        var (mutation, metadata) = BuildDestination(routed, body.Length);
        await WriteAsync(new ProcessingResponse
        {
            RequestHeaders = new HeadersResponse { Response = new CommonResponse { HeaderMutation = mutation, ClearRouteCache = true } },
            DynamicMetadata = metadata,
        }, cancellationToken).ConfigureAwait(false);

        var chunkSize = _options.StreamedChunkBytes;
        if (body.IsEmpty && bodyEndsStream)
        {
            await WriteAsync(StreamedRequestChunk(ReadOnlyMemory<byte>.Empty, endOfStream: true), cancellationToken).ConfigureAwait(false);
        }

        for (var offset = 0; offset < body.Length; offset += chunkSize)
        {
            var length = Math.Min(chunkSize, body.Length - offset);
            var last = offset + length == body.Length;
            await WriteAsync(StreamedRequestChunk(body.Slice(offset, length), last && bodyEndsStream), cancellationToken).ConfigureAwait(false);
        }

        _requestDone = true;
        ReleaseRequestBody();
        return true;
    }

    private static ProcessingResponse StreamedRequestChunk(ReadOnlyMemory<byte> chunk, bool endOfStream) => new()
    {
        RequestBody = new BodyResponse
        {
            Response = new CommonResponse
            {
                BodyMutation = new BodyMutation
                {
                    StreamedResponse = new StreamedBodyResponse { Body = UnsafeByteOperations.UnsafeWrap(chunk), EndOfStream = endOfStream },
                },
            },
        },
    };

    private async ValueTask OnResponseHeadersAsync(ProcessingRequest request, CancellationToken cancellationToken)
    {
        ObserveServedEndpoint(request.MetadataContext);
        var message = request.ResponseHeaders;
        var status = 0;
        foreach (var header in message.Headers?.Headers ?? [])
        {
            if (header.Key == ":status")
            {
                _ = int.TryParse(HeaderText(header), NumberStyles.None, CultureInfo.InvariantCulture, out status);
            }
            else if (header.Key == "content-type")
            {
                _eventStream = HeaderText(header).Contains("text/event-stream", StringComparison.OrdinalIgnoreCase);
            }
        }

        if (_routed is { } routed && status > 0)
        {
            routed.Lease.RecordStatus(status);
            if (status >= 400 && IsInference(routed))
            {
                _metrics.RequestFailed(routed.RequestedModel, routed.TargetModel, status);
            }
        }

        await WriteAsync(new ProcessingResponse { ResponseHeaders = new HeadersResponse { Response = new CommonResponse() } }, cancellationToken).ConfigureAwait(false);
        if (message.EndOfStream)
        {
            Finish();
        }
    }

    private async ValueTask OnResponseBodyAsync(ProcessingRequest request, CancellationToken cancellationToken)
    {
        ObserveServedEndpoint(request.MetadataContext);
        var message = request.ResponseBody;
        var endOfStream = message.EndOfStream || message.EndOfStreamWithoutMessage;
        if (!_finished)
        {
            if (!message.Body.IsEmpty && !_firstToken)
            {
                _firstToken = true;
                _routed?.Lease.RecordFirstToken();
            }

            if (!_usageStarted)
            {
                _usageStarted = true;
                _usage = CreateUsageScanner();
            }

            _usage.Append(message.Body.Span);
        }

        ProcessingResponse reply;
        if (FullDuplexResponse)
        {
            // Full duplex: nothing passes unless echoed back, in order.
            reply = new ProcessingResponse
            {
                ResponseBody = new BodyResponse
                {
                    Response = new CommonResponse
                    {
                        BodyMutation = new BodyMutation
                        {
                            StreamedResponse = new StreamedBodyResponse
                            {
                                Body = message.Body,
                                EndOfStream = message.EndOfStream,
                                EndOfStreamWithoutMessage = message.EndOfStreamWithoutMessage,
                            },
                        },
                    },
                },
            };
        }
        else
        {
            reply = new ProcessingResponse { ResponseBody = new BodyResponse { Response = new CommonResponse() } };
        }

        await WriteAsync(reply, cancellationToken).ConfigureAwait(false);
        if (endOfStream)
        {
            Finish();
        }
    }

    /// <summary>
    /// The content type picks the framing: text/event-stream is SSE, any other is JSON, none is sniffed. A JSON
    /// body over <see cref="ExtProcOptions.MaxResponseBytesForUsage"/> is not read; no single token can exceed
    /// it either, so that is also the carry bound.
    /// </summary>
    private UsageScanner CreateUsageScanner()
    {
        var format = _eventStream switch
        {
            true => UsageBodyFormat.EventStream,
            false => UsageBodyFormat.Json,
            null => UsageBodyFormat.Sniff,
        };
        return new UsageScanner(format, new UsageParserLimits(_options.MaxResponseBytesForUsage, _options.MaxResponseBytesForUsage, _options.MaxSseLineBytes));
    }

    private RoutedRequest? Route(ReadOnlyMemory<byte> body)
    {
        RoutingOutcome outcome;
        var started = _time.GetTimestamp();
        try
        {
            outcome = _router.Route(new RoutingInput(_path, _headers, body, _subsetHint));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ExtProcLog.RouterFailed(_logger, ex);
            outcome = RoutingOutcome.Failure(OpenAiError.Internal("The endpoint picker failed while routing the request."));
        }

        _metrics.SchedulerLatency(_time.GetElapsedTime(started));
        if (outcome.Routed is { } routed)
        {
            _routed = routed;
            if (IsInference(routed))
            {
                _metrics.RequestStarted(routed.RequestedModel, routed.TargetModel);
            }

            if (routed.Endpoints.IsDefaultOrEmpty)
            {
                // A placed request without an address cannot be forwarded; release it and say so.
                Finish();
                _pendingError = OpenAiError.Unavailable("No endpoint is available for the request.");
                return null;
            }

            return routed;
        }

        _pendingError = outcome.Error ?? OpenAiError.Internal("The endpoint picker produced no routing decision.");
        return null;
    }

    /// <summary>False for a header-only request routed without a model (GET /v1/models): no model metrics for it.</summary>
    private static bool IsInference(RoutedRequest routed) => routed.RequestedModel.Length > 0;

    private async ValueTask WriteErrorAsync(CancellationToken cancellationToken) =>
        await RefuseAsync(_pendingError ?? OpenAiError.Internal("The endpoint picker failed."), cancellationToken).ConfigureAwait(false);

    private async ValueTask<bool> RefuseAsync(OpenAiError error, CancellationToken cancellationToken)
    {
        ExtProcLog.RequestRefused(_logger, error.StatusCode, error.Message);
        _metrics.RequestFailed(_routed?.RequestedModel ?? string.Empty, _routed?.TargetModel ?? string.Empty, error.StatusCode);
        _requestDone = true;
        await WriteAsync(new ProcessingResponse { ImmediateResponse = BuildImmediateResponse(error) }, cancellationToken).ConfigureAwait(false);
        Finish();
        ReleaseRequestBody();
        return false;
    }

    internal static ImmediateResponse BuildImmediateResponse(OpenAiError error)
    {
        var headers = new HeaderMutation();
        headers.SetHeaders.Add(SetHeader("content-type", "application/json"));
        if (error.RetryAfter is { } retryAfter)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
            headers.SetHeaders.Add(SetHeader("retry-after", seconds.ToString(CultureInfo.InvariantCulture)));
        }

        return new ImmediateResponse
        {
            Status = new Envoy.Type.V3.HttpStatus { Code = (Envoy.Type.V3.StatusCode)error.StatusCode },
            Headers = headers,
            Body = UnsafeByteOperations.UnsafeWrap(error.ToJsonBytes()),
            Details = "inference_gateway_" + error.Type,
        };
    }

    private (HeaderMutation Mutation, Struct Metadata) BuildDestination(RoutedRequest routed, int? contentLength)
    {
        var destination = _options.DestinationPrimaryOnly ? routed.Endpoints[0] : JoinEndpoints(routed);
        var mutation = new HeaderMutation();
        // Envoy applies removals before sets: a client-sent destination never survives.
        mutation.RemoveHeaders.Add(_options.DestinationHeader);
        mutation.SetHeaders.Add(SetHeader(_options.DestinationHeader, destination));
        foreach (var header in routed.HeadersToSet)
        {
            mutation.SetHeaders.Add(SetHeader(header.Key.ToLowerInvariant(), header.Value));
        }

        if (contentLength is { } length)
        {
            mutation.SetHeaders.Add(SetHeader("content-length", length.ToString(CultureInfo.InvariantCulture)));
        }

        var lb = new Struct();
        lb.Fields[_options.DestinationHeader] = Value.ForString(destination);
        var metadata = new Struct();
        metadata.Fields[LbNamespace] = Value.ForStruct(lb);
        return (mutation, metadata);
    }

    private static string JoinEndpoints(RoutedRequest routed)
    {
        var endpoints = routed.Endpoints;
        if (endpoints.Length == 1)
        {
            return endpoints[0];
        }

        var builder = new StringBuilder();
        for (var i = 0; i < endpoints.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(endpoints[i]);
        }

        return builder.ToString();
    }

    /// <summary>Sets exactly one of value/raw_value (raw_value, as Envoy does); both makes Envoy answer 500.</summary>
    internal static HeaderValueOption SetHeader(string key, string value) => new()
    {
        Header = new HeaderValue { Key = key, RawValue = ByteString.CopyFromUtf8(value) },
        AppendAction = HeaderValueOption.Types.HeaderAppendAction.OverwriteIfExistsOrAdd,
    };

    internal static string HeaderText(HeaderValue header) =>
        header.RawValue.IsEmpty ? header.Value : Encoding.UTF8.GetString(header.RawValue.Span);

    private void ReadRequestHeaders(HeaderMap? map)
    {
        if (map is null)
        {
            return;
        }

        foreach (var header in map.Headers)
        {
            var key = header.Key;
            if (HasUpper(key))
            {
                key = key.ToLowerInvariant();
            }

            var value = HeaderText(header);
            _headers[key] = _headers.TryGetValue(key, out var existing) ? existing + "," + value : value;
        }

        if (_headers.TryGetValue(":path", out var path) && path.Length > 0)
        {
            var query = path.IndexOf('?', StringComparison.Ordinal);
            _path = query >= 0 ? path[..query] : path;
        }
    }

    private static bool HasUpper(string key)
    {
        foreach (var c in key)
        {
            if (c is >= 'A' and <= 'Z')
            {
                return true;
            }
        }

        return false;
    }

    private void ReadSubsetHint(Metadata? metadata)
    {
        if (metadata is null
            || !metadata.FilterMetadata.TryGetValue(SubsetHintNamespace, out var hint)
            || !hint.Fields.TryGetValue(SubsetHintKey, out var value))
        {
            return;
        }

        var subset = new HashSet<string>(StringComparer.Ordinal);
        if (value.KindCase == Value.KindOneofCase.ListValue)
        {
            foreach (var item in value.ListValue.Values)
            {
                if (item.KindCase == Value.KindOneofCase.StringValue)
                {
                    AddEndpoints(subset, item.StringValue);
                }
            }
        }
        else if (value.KindCase == Value.KindOneofCase.StringValue)
        {
            AddEndpoints(subset, value.StringValue);
        }

        _subsetHint = subset;
    }

    private static void AddEndpoints(HashSet<string> subset, string text)
    {
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            subset.Add(part);
        }
    }

    private void ObserveServedEndpoint(Metadata? metadata)
    {
        if (_servedSeen
            || _routed is null
            || _finished
            || metadata is null
            || !metadata.FilterMetadata.TryGetValue(LbNamespace, out var lb)
            || !lb.Fields.TryGetValue(ServedKey, out var value)
            || value.KindCase != Value.KindOneofCase.StringValue)
        {
            return;
        }

        _servedSeen = true;
        _routed.Lease.SetServedEndpoint(value.StringValue);
    }

    private void Accumulate(ByteString chunk)
    {
        _body ??= new PooledBuffer();
        _body.Append(chunk.Span);
    }

    private void ReleaseRequestBody()
    {
        _body?.Dispose();
        _body = null;
    }

    private ValueTask WriteAsync(ProcessingResponse response, CancellationToken cancellationToken)
    {
        // In observability mode Envoy does not wait for (or read) answers.
        return _observabilityMode ? ValueTask.CompletedTask : new ValueTask(_writer.WriteAsync(response, cancellationToken));
    }

    /// <summary>End of the request's life: usage, metrics, and the lease disposed exactly once.</summary>
    private void Finish()
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        // A scanner never started (no response body) is default: it reads nothing and holds no buffer.
        var usage = _usage.Complete();
        _usage.Dispose();
        if (_routed is not { } routed)
        {
            return;
        }

        try
        {
            if (usage is { } counts)
            {
                routed.Lease.RecordUsage(counts.PromptTokens, counts.CompletionTokens, counts.CachedPromptTokens);
            }

            if (IsInference(routed))
            {
                _metrics.RequestEnded(routed.RequestedModel, routed.TargetModel, _time.GetElapsedTime(_startTimestamp), usage?.PromptTokens, usage?.CompletionTokens);
            }
        }
        finally
        {
            routed.Lease.Dispose();
        }
    }
}
