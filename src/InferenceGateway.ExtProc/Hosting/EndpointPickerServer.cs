using System.Net;
using InferenceGateway.ExtProc.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.ExtProc.Hosting;

/// <summary>
/// A Kestrel host for the picker: the ext_proc port (h2c, or TLS with ALPN h2) serving ext_proc and gRPC health,
/// and a separate health port serving only gRPC health.
/// </summary>
public sealed class EndpointPickerServer : IAsyncDisposable
{
    private const string HealthPathPrefix = "/grpc.health.v1.Health";

    private readonly WebApplication _app;
    private readonly ListenerHolder _listeners;
    private readonly PickerCertificateSource? _certificates;
    private readonly EndpointPickerServerOptions _options;

    private EndpointPickerServer(WebApplication app, ListenerHolder listeners, PickerCertificateSource? certificates, EndpointPickerServerOptions options)
    {
        _app = app;
        _listeners = listeners;
        _certificates = certificates;
        _options = options;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The bound ext_proc port (valid after start; resolves port 0).</summary>
    public int GrpcPort => _listeners.Grpc?.IPEndPoint?.Port ?? 0;

    /// <summary>The bound health port (valid after start; resolves port 0).</summary>
    public int HealthPort => _listeners.Health?.IPEndPoint?.Port ?? 0;

    public bool IsTls => _certificates is not null;

    /// <summary>The certificate the next TLS handshake presents (null for h2c).</summary>
    internal System.Security.Cryptography.X509Certificates.X509Certificate2? ServerCertificate => _certificates?.Current;

    internal PickerCertificateSource? Certificates => _certificates;

    /// <summary>
    /// Builds the picker host. <paramref name="configureServices"/> must register an <c>IInferenceRouter</c> and
    /// an <see cref="IPickerReadiness"/> (and may replace PickerMetrics, TimeProvider, logging).
    /// </summary>
    public static EndpointPickerServer Create(
        EndpointPickerServerOptions serverOptions,
        Action<ExtProcOptions>? configureExtProc,
        Action<IServiceCollection> configureServices) =>
        CreateCustom(serverOptions, configureServices, services => services.AddEndpointPickerExtProc(configureExtProc), endpoints => endpoints.MapEndpointPicker());

    /// <summary>The same host with other gRPC services (the benchmark's no-op processor uses it).</summary>
    internal static EndpointPickerServer CreateCustom(
        EndpointPickerServerOptions serverOptions,
        Action<IServiceCollection> configureServices,
        Action<IServiceCollection> addServices,
        Action<IEndpointRouteBuilder> map)
    {
        ArgumentNullException.ThrowIfNull(serverOptions);
        ArgumentNullException.ThrowIfNull(configureServices);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        configureServices(builder.Services);
        addServices(builder.Services);

        var listeners = new ListenerHolder();
        var certificates = serverOptions.SecureServing
            ? PickerCertificateSource.Create(serverOptions.CertificatePath, serverOptions.ListenAddress, TimeProvider.System)
            : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Envoy multiplexes every ext_proc stream over few connections, and streams live as long as the
            // response (minutes for long generations), so the default caps do not fit.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 10_000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 8 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
            kestrel.Listen(serverOptions.ListenAddress, serverOptions.GrpcPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (certificates is not null)
                {
                    // Read per handshake, so a reloaded certificate is served without dropping open connections.
                    // ALPN offers h2 only (the listener's protocols).
                    listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificateSelector = (_, _) => certificates.Current });
                }

                listeners.Grpc = listen;
            });
            kestrel.Listen(serverOptions.ListenAddress, serverOptions.HealthPort, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listeners.Health = listen;
            });
        });

        var app = builder.Build();
        app.Use((context, next) =>
        {
            // The health port answers gRPC health only.
            if (listeners.Health?.IPEndPoint is { } health
                && context.Connection.LocalPort == health.Port
                && !context.Request.Path.StartsWithSegments(HealthPathPrefix, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        map(app);
        return new EndpointPickerServer(app, listeners, certificates, serverOptions);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<EndpointPickerServer>();
        if (_certificates is not null && _options.EnableCertificateReload)
        {
            _certificates.StartReloading(_options.CertificatePollInterval, _app.Services.GetService<TimeProvider>() ?? TimeProvider.System, logger);
        }

        ExtProcLog.Listening(logger, Describe(_listeners.Grpc), IsTls ? "TLS h2" : "h2c", Describe(_listeners.Health));
    }

    /// <summary>Runs until the host is asked to stop (Ctrl+C, SIGTERM) or the token fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _certificates?.Dispose();
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private static string Describe(ListenOptions? listen) => listen?.IPEndPoint?.ToString() ?? "(none)";

    private sealed class ListenerHolder
    {
        public ListenOptions? Grpc { get; set; }

        public ListenOptions? Health { get; set; }
    }
}
