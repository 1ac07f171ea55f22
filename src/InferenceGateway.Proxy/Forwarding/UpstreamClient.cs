using System.Diagnostics;
using System.Net;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>The one HTTP client (connection pool) used for all model servers, and the per-request YARP settings.</summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<GatewayOptions> options)
    {
        var settings = options.Value;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = settings.ConnectTimeout,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        };
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        RequestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = settings.UpstreamTimeout,
            // Model servers speak plain-text HTTP/1.1; asking for HTTP/2 over http:// would only downgrade.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            AllowResponseBuffering = false,
        };
        H2cRequestConfig = RequestConfig with
        {
            // A pool with appProtocol kubernetes.io/h2c: HTTP/2 with prior knowledge over plain TCP (no upgrade, no ALPN).
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public HttpMessageInvoker Invoker { get; }

    public ForwarderRequestConfig RequestConfig { get; }

    /// <summary>The settings for pools whose model servers speak HTTP/2 cleartext (v1 appProtocol kubernetes.io/h2c).</summary>
    public ForwarderRequestConfig H2cRequestConfig { get; }

    /// <summary>The settings matching the served pool's application protocol.</summary>
    public ForwarderRequestConfig For(PoolInfo? pool) =>
        pool is { AppProtocol: PoolInfo.H2cAppProtocol } ? H2cRequestConfig : RequestConfig;

    public void Dispose() => Invoker.Dispose();
}
