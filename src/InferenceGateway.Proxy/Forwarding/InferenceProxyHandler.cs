using System.Buffers;
using System.Net.Http;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// One inference request end to end: read the body (capped), route it, forward it to the picked endpoint with
/// YARP, fall back to the next endpoint only while nothing has reached the client, and account for the
/// response on the request lease.
/// </summary>
internal sealed class InferenceProxyHandler
{
    /// <summary>What the lease records when the client went away before the response ended (nginx's code).</summary>
    internal const int ClientClosedRequest = 499;

    private readonly IInferenceRouter _router;
    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamClient _upstream;
    private readonly IDatastore _datastore;
    private readonly DestinationHeaders _destinationHeaders;
    private readonly long _maxBodyBytes;
    private readonly ILogger<InferenceProxyHandler> _logger;

    public InferenceProxyHandler(
        IInferenceRouter router,
        IHttpForwarder forwarder,
        UpstreamClient upstream,
        IDatastore datastore,
        IOptions<GatewayOptions> options,
        ILogger<InferenceProxyHandler> logger)
    {
        _router = router;
        _datastore = datastore;
        _forwarder = forwarder;
        _upstream = upstream;
        _destinationHeaders = new DestinationHeaders(options.Value.DestinationHeaderName);
        _maxBodyBytes = options.Value.MaxRequestBodyBytes;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var requestHeaders = context.Request.Headers;
        foreach (var name in _destinationHeaders.Names)
        {
            requestHeaders.Remove(name);
        }

        var (buffer, length, bodyError) = await ReadBodyAsync(context).ConfigureAwait(false);
        if (bodyError is not null)
        {
            // The rest of the body stays unread: the connection cannot carry another request.
            await OpenAiErrorWriter.WriteAsync(context, bodyError, closeConnection: true).ConfigureAwait(false);
            return;
        }

        try
        {
            RoutingOutcome outcome;
            try
            {
                var input = new RoutingInput(context.Request.Path.Value ?? "/", LowerCaseHeaders(requestHeaders), buffer.AsMemory(0, length));
                outcome = _router.Route(input);
            }
            catch (Exception ex)
            {
                ProxyLog.RouterFailed(_logger, ex);
                await OpenAiErrorWriter.WriteAsync(context, OpenAiError.Internal("The gateway failed to route the request.")).ConfigureAwait(false);
                return;
            }

            if (outcome.Routed is not { } routed)
            {
                var error = outcome.Error ?? OpenAiError.Internal("The router returned neither a destination nor an error.");
                await OpenAiErrorWriter.WriteAsync(context, error).ConfigureAwait(false);
                return;
            }

            var exchange = new ForwardingExchange(context, routed, _destinationHeaders);
            try
            {
                await ForwardAsync(context, routed, exchange).ConfigureAwait(false);
            }
            finally
            {
                exchange.Dispose();
                routed.Lease.Dispose();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task ForwardAsync(HttpContext context, RoutedRequest routed, ForwardingExchange exchange)
    {
        var lease = routed.Lease;
        var endpoints = routed.Endpoints;
        if (endpoints.IsDefaultOrEmpty)
        {
            lease.RecordStatus(StatusCodes.Status503ServiceUnavailable);
            await OpenAiErrorWriter.WriteAsync(context, OpenAiError.Unavailable("No model server endpoint is available for this request.")).ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        request.Headers.Remove("Transfer-Encoding");
        request.ContentLength = routed.Body.Length;

        var clientBody = context.Response.Body;
        var observer = new ResponseObserverStream(clientBody, exchange);
        context.Response.Body = observer;

        var requestConfig = _upstream.For(_datastore.Current.Pool);
        var error = ForwarderError.None;
        string? answeredBy = null;
        var connectFailures = 0;
        var attempts = 0;
        try
        {
            for (var i = 0; i < endpoints.Length; i++)
            {
                var endpoint = endpoints[i];
                attempts++;
                request.Body = new ReadOnlyMemoryStream(routed.Body);
                context.Features.Set<IForwarderErrorFeature>(null);

                error = await _forwarder.SendAsync(context, "http://" + endpoint, _upstream.Invoker, requestConfig, exchange).ConfigureAwait(false);
                if (exchange.UpstreamStatus != 0)
                {
                    answeredBy = endpoint;
                }

                if (error == ForwarderError.None)
                {
                    break;
                }

                var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
                if (!IsConnectFailure(error, exception, context))
                {
                    break;
                }

                connectFailures++;
                // The retry rule: only while not a single response byte (not even the status line) went out.
                if (i + 1 >= endpoints.Length || context.Response.HasStarted || observer.BytesWritten != 0)
                {
                    break;
                }

                ProxyLog.RetryingOnFallback(_logger, routed.RequestId, endpoint, endpoints[i + 1], exception?.Message ?? error.ToString());
                context.Response.StatusCode = StatusCodes.Status200OK;
            }
        }
        finally
        {
            context.Response.Body = clientBody;
        }

        if (answeredBy is not null)
        {
            lease.SetServedEndpoint(answeredBy);
        }

        if (error == ForwarderError.None)
        {
            exchange.Accounting.Complete();
            lease.RecordStatus(context.Response.StatusCode);
            if (exchange.Accounting.Usage is { } usage)
            {
                lease.RecordUsage(usage.PromptTokens, usage.CompletionTokens, usage.CachedPromptTokens);
            }

            return;
        }

        // YARP aborts the client connection after an upstream failure mid-response, which also trips
        // RequestAborted: look at which side failed before blaming the client.
        if (error != ForwarderError.ResponseBodyDestination && context.RequestAborted.IsCancellationRequested)
        {
            lease.RecordStatus(ClientClosedRequest);
            return;
        }

        if (context.Response.HasStarted)
        {
            // YARP has already aborted the client connection so a truncated stream cannot pass for a complete one.
            ProxyLog.UpstreamFailedMidResponse(_logger, routed.RequestId, answeredBy ?? endpoints[0], error.ToString());
            lease.RecordStatus(StatusCodes.Status502BadGateway);
            return;
        }

        var clientError = ToClientError(error, connectFailures, attempts);
        ProxyLog.UpstreamFailed(_logger, routed.RequestId, attempts, error.ToString(), clientError.StatusCode);
        lease.RecordStatus(clientError.StatusCode);
        await OpenAiErrorWriter.WriteAsync(context, clientError).ConfigureAwait(false);
    }

    private static OpenAiError ToClientError(ForwarderError error, int connectFailures, int attempts)
    {
        if (connectFailures > 0 && connectFailures == attempts)
        {
            return OpenAiError.Unavailable(attempts == 1
                ? "The model server could not be reached."
                : $"None of the {attempts} model servers picked for this request could be reached.");
        }

        if (error == ForwarderError.RequestTimedOut)
        {
            return new OpenAiError(StatusCodes.Status504GatewayTimeout, "The model server did not answer in time.", "timeout", "upstream_timeout");
        }

        return new OpenAiError(StatusCodes.Status502BadGateway, $"The model server failed to answer ({error}).", "bad_gateway", "upstream_error");
    }

    /// <summary>
    /// True when the upstream request never reached a server: refused or unreachable, name not resolved, or the
    /// connect timeout elapsed. Those are the only failures safe to retry elsewhere.
    /// </summary>
    internal static bool IsConnectFailure(ForwarderError error, Exception? exception, HttpContext context)
    {
        if (error is not (ForwarderError.Request or ForwarderError.RequestCanceled or ForwarderError.RequestTimedOut)
            || context.RequestAborted.IsCancellationRequested)
        {
            return false;
        }

        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // Only the connect phase: a reset on an established connection may come after the server
                // started work, and is not retried.
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                    return true;
                case TimeoutException:
                    // SocketsHttpHandler reports its ConnectTimeout as a cancellation wrapping a TimeoutException
                    // (YARP calls it RequestTimedOut); YARP's own idle timeout cancels without one.
                    return true;
                default:
                    break;
            }
        }

        return false;
    }

    private async Task<(byte[] Buffer, int Length, OpenAiError? Error)> ReadBodyAsync(HttpContext context)
    {
        var declared = context.Request.ContentLength;
        if (declared > _maxBodyBytes)
        {
            return (Array.Empty<byte>(), 0, TooLarge());
        }

        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : 4096);
        var length = 0;
        try
        {
            var body = context.Request.Body;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= _maxBodyBytes)
                    {
                        // Probe one more byte: a body of exactly the limit is fine.
                        var probe = new byte[1];
                        if (await body.ReadAsync(probe, context.RequestAborted).ConfigureAwait(false) == 0)
                        {
                            break;
                        }

                        ArrayPool<byte>.Shared.Return(buffer);
                        return (Array.Empty<byte>(), 0, TooLarge());
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(_maxBodyBytes, (long)buffer.Length * 2));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length, (int)Math.Min(buffer.Length - length, _maxBodyBytes - length + 1)), context.RequestAborted).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > _maxBodyBytes)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (Array.Empty<byte>(), 0, TooLarge());
                }
            }

            return (buffer, length, null);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (Array.Empty<byte>(), 0, TooLarge());
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private OpenAiError TooLarge() =>
        OpenAiError.TooLarge($"The request body is larger than the gateway's limit of {_maxBodyBytes} bytes.");

    private static Dictionary<string, string> LowerCaseHeaders(IHeaderDictionary headers)
    {
        var result = new Dictionary<string, string>(headers.Count, StringComparer.Ordinal);
        foreach (var header in headers)
        {
            result[ToLower(header.Key)] = Join(header.Value);
        }

        return result;
    }

    private static string Join(StringValues values) => values.Count == 1 ? values[0] ?? string.Empty : string.Join(',', values.ToArray());

    private static string ToLower(string name)
    {
        foreach (var c in name)
        {
            if (char.IsAsciiLetterUpper(c))
            {
                return name.ToLowerInvariant();
            }
        }

        return name;
    }
}
