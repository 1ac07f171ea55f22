using System.Net;
using InferenceGateway.Core.Routing;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.ExtProc.Hosting;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace InferenceGateway.ExtProc.Tests;

/// <summary>The real picker host on 127.0.0.1 (ports 0) with the fake router, and a client for it.</summary>
internal sealed class PickerHost : IAsyncDisposable
{
    private PickerHost(EndpointPickerServer server, FakeInferenceRouter router, CollectorRegistry registry, EnvoyExtProcClient client)
    {
        Server = server;
        Router = router;
        Registry = registry;
        Client = client;
    }

    public EndpointPickerServer Server { get; }

    public FakeInferenceRouter Router { get; }

    public CollectorRegistry Registry { get; }

    public EnvoyExtProcClient Client { get; }

    public bool Ready { get; set; } = true;

    public static async Task<PickerHost> StartAsync(Action<ExtProcOptions>? configure = null, bool tls = false, Func<bool>? readiness = null, TimeSpan? healthInterval = null, string? certificatePath = null, Action<IServiceCollection>? services = null, bool reload = false)
    {
        var extraServices = services;
        var router = new FakeInferenceRouter();
        var registry = Prometheus.Metrics.NewCustomRegistry();
        PickerHost? host = null;
        var server = EndpointPickerServer.Create(
            new EndpointPickerServerOptions { ListenAddress = IPAddress.Loopback, GrpcPort = 0, HealthPort = 0, SecureServing = tls, CertificatePath = certificatePath, EnableCertificateReload = reload, CertificatePollInterval = TimeSpan.FromMilliseconds(200) },
            options =>
            {
                options.HealthRefreshInterval = healthInterval ?? TimeSpan.FromMilliseconds(50);
                configure?.Invoke(options);
            },
            services =>
            {
                services.AddLogging(logging => logging.ClearProviders());
                services.AddSingleton<IInferenceRouter>(router);
                services.AddSingleton<IPickerReadiness>(new DelegatePickerReadiness(readiness ?? (() => host?.Ready ?? true)));
                services.AddSingleton(new PickerMetrics(registry));
                extraServices?.Invoke(services);
            });
        await server.StartAsync();
        host = new PickerHost(server, router, registry, new EnvoyExtProcClient(server.GrpcPort, tls));
        return host;
    }

    /// <summary>Waits (with a deadline) until every lease the fake router handed out is disposed.</summary>
    public Task WaitForNoLiveLeasesAsync() =>
        Wait.UntilAsync(() => Router.LiveLeases == 0, $"no lease is live after the streams ended ({Router.LiveLeases} still live)");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
    }
}
