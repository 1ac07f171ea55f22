using System.Net.Http.Headers;
using InferenceGateway.Core.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// Per-request state of one forwarded request, and the YARP transformer that shapes the upstream request
/// (YARP's default header copy, which drops hop-by-hop headers, plus the router's headers and x-request-id).
/// </summary>
internal sealed class ForwardingExchange : HttpTransformer, IDisposable
{
    private const string RequestIdHeader = "x-request-id";

    private readonly HttpContext _context;
    private readonly RoutedRequest _routed;
    private readonly DestinationHeaders _destinationHeaders;
    // Inline (not readonly: it is mutated in place), so a response's accounting allocates nothing.
    private ResponseAccounting _accounting;

    public ForwardingExchange(HttpContext context, RoutedRequest routed, DestinationHeaders destinationHeaders)
    {
        _context = context;
        _routed = routed;
        _destinationHeaders = destinationHeaders;
    }

    /// <summary>HTTP status of the upstream response of the last attempt, or 0 when none arrived.</summary>
    public int UpstreamStatus { get; private set; }

    /// <summary>The response's accounting, by reference: a copy would not see the bytes observed later.</summary>
    public ref ResponseAccounting Accounting => ref _accounting;

    public override async ValueTask TransformRequestAsync(
        HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        UpstreamStatus = 0;
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);

        foreach (var header in _routed.HeadersToSet)
        {
            if (_destinationHeaders.IsDestinationHeader(header.Key) || IsManagedByProxy(header.Key))
            {
                continue;
            }

            SetHeader(proxyRequest, header.Key, header.Value);
        }

        SetHeader(proxyRequest, RequestIdHeader, _routed.RequestId);
    }

    public override ValueTask<bool> TransformResponseAsync(
        HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is not null)
        {
            UpstreamStatus = (int)proxyResponse.StatusCode;
        }

        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }

    /// <summary>The first body byte is about to be written: status and headers are final now.</summary>
    public void OnResponseBodyStarting() =>
        _accounting.Begin(_context.Response.StatusCode, _context.Response.ContentType);

    public void OnResponseBytes(ReadOnlySpan<byte> bytes)
    {
        if (_accounting.Observe(bytes))
        {
            _routed.Lease.RecordFirstToken();
        }
    }

    public void Dispose() => _accounting.Dispose();

    private static bool IsManagedByProxy(string name) =>
        name.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || name.Equals("host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("transfer-encoding", StringComparison.OrdinalIgnoreCase)
        || name.Equals("connection", StringComparison.OrdinalIgnoreCase);

    private static void SetHeader(HttpRequestMessage request, string name, string value)
    {
        request.Headers.Remove(name);
        if (request.Headers.TryAddWithoutValidation(name, value))
        {
            return;
        }

        // Content headers (content-type, ...) live on the content.
        HttpContentHeaders? contentHeaders = request.Content?.Headers;
        if (contentHeaders is not null)
        {
            contentHeaders.Remove(name);
            contentHeaders.TryAddWithoutValidation(name, value);
        }
    }
}
