using System.Net;
using InferenceGateway.ExtProc.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
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
    private readonly bool _tls;

    private EndpointPickerServer(WebApplication app, ListenerHolder listeners, bool tls)
    {
        _app = app;
        _listeners = listeners;
        _tls = tls;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>The bound ext_proc port (valid after start; resolves port 0).</summary>
    public int GrpcPort => _listeners.Grpc?.IPEndPoint?.Port ?? 0;

    /// <summary>The bound health port (valid after start; resolves port 0).</summary>
    public int HealthPort => _listeners.Health?.IPEndPoint?.Port ?? 0;

    public bool IsTls => _tls;

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
        var tls = serverOptions.SecureServing;
        var certificate = tls ? PickerCertificates.Load(serverOptions.CertificatePath, TimeProvider.System) : null;
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
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
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
        return new EndpointPickerServer(app, listeners, tls);
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        var logger = _app.Services.GetRequiredService<ILoggerFactory>().CreateLogger<EndpointPickerServer>();
        ExtProcLog.Listening(logger, Describe(_listeners.Grpc), _tls ? "TLS h2" : "h2c", Describe(_listeners.Health));
    }

    /// <summary>Runs until the host is asked to stop (Ctrl+C, SIGTERM) or the token fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private static string Describe(ListenOptions? listen) => listen?.IPEndPoint?.ToString() ?? "(none)";

    private sealed class ListenerHolder
    {
        public ListenOptions? Grpc { get; set; }

        public ListenOptions? Health { get; set; }
    }
}
