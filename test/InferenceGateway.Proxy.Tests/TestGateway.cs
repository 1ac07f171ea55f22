using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Proxy.Hosting;
using InferenceGateway.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace InferenceGateway.Proxy.Tests;

/// <summary>A gateway on 127.0.0.1 with free public and admin ports, a fake router and a fake datastore.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private TestGateway(GatewayServer server, FakeInferenceRouter router, FakeDatastore datastore, CollectorRegistry registry)
    {
        Server = server;
        Router = router;
        Datastore = datastore;
        Registry = registry;
        Client = new HttpClient { BaseAddress = server.PublicUrl, Timeout = TimeSpan.FromSeconds(60) };
        Admin = new HttpClient { BaseAddress = server.AdminUrl, Timeout = TimeSpan.FromSeconds(60) };
    }

    public GatewayServer Server { get; }

    public FakeInferenceRouter Router { get; }

    public FakeDatastore Datastore { get; }

    public CollectorRegistry Registry { get; }

    public HttpClient Client { get; }

    public HttpClient Admin { get; }

    public Uri BaseUrl => Server.PublicUrl;

    public static async Task<TestGateway> StartAsync(IDictionary<string, string?>? settings = null)
    {
        // No endpoints until a test names its upstreams; the proxy's own model names.
        var router = new FakeInferenceRouter { Endpoints = [], RequestedModel = "requested-model", TargetModel = "target-model" };
        var datastore = new FakeDatastore();
        var registry = Metrics.NewCustomRegistry();
        var builder = GatewayServer.CreateBuilder([]);
        var configuration = new Dictionary<string, string?>
        {
            ["InferenceGateway:Gateway:Port"] = "0",
            ["InferenceGateway:Gateway:AdminPort"] = "0",
            ["InferenceGateway:Gateway:ListenAddress"] = "127.0.0.1",
        };
        foreach (var setting in settings ?? new Dictionary<string, string?>())
        {
            configuration[setting.Key] = setting.Value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IInferenceRouter>(router);
        builder.Services.AddSingleton<IDatastore>(datastore);
        builder.Services.AddSingleton(registry);
        var server = GatewayServer.Build(builder);
        await server.StartAsync();
        return new TestGateway(server, router, datastore, registry);
    }

    /// <summary>Every lease handed out was disposed exactly once (waits: disposal follows the last byte).</summary>
    public async Task AssertLeasesReleasedAsync()
    {
        await Wait.UntilAsync(() => Router.LiveLeases == 0, $"{Router.LiveLeases} lease(s) still live");
        foreach (var lease in Router.Leases)
        {
            Assert.Equal(1, lease.DisposeCount);
        }
    }

    public FakeRequestLease SingleLease() => Assert.Single(Router.Leases);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await Server.StopAsync();
        await Server.DisposeAsync();
    }
}
