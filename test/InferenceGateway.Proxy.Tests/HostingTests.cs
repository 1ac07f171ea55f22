using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Proxy.Hosting;
using InferenceGateway.TestSupport;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Proxy.Tests;

public sealed class HostingTests
{
    [Fact]
    public async Task HostedServices_StartBeforeTheGatewayListens()
    {
        var builder = GatewayServer.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["InferenceGateway:Gateway:Port"] = "0",
            ["InferenceGateway:Gateway:AdminPort"] = "0",
            ["InferenceGateway:Gateway:ListenAddress"] = "127.0.0.1",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IInferenceRouter>(new FakeInferenceRouter { Endpoints = [] });
        builder.Services.AddSingleton<IDatastore>(new FakeDatastore());
        var probe = new ListenerProbe();
        builder.Services.AddSingleton(probe);
        builder.Services.AddHostedService(services => new StartOrderService(services.GetRequiredService<IServer>(), probe));

        await using var server = GatewayServer.Build(builder);
        await server.StartAsync();

        Assert.Equal(0, probe.AddressesWhenStarted);
        Assert.Equal(2, server.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Count);
        Assert.NotEqual(0, server.PublicUrl.Port);
        await server.StopAsync();
    }

    private sealed class ListenerProbe
    {
        public int AddressesWhenStarted { get; set; } = -1;
    }

    private sealed class StartOrderService(IServer server, ListenerProbe probe) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            probe.AddressesWhenStarted = server.Features.Get<IServerAddressesFeature>()?.Addresses.Count ?? 0;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
