using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Kubernetes.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public async Task AddKubernetesSource_HostWithKubeconfig_SyncsDatastoreAndElectsLeader()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.ApplyFixture("cluster.yaml");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddKubernetesSource(cluster.Options("host-replica", leaderElection: true));
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            var source = host.Services.GetRequiredService<KubernetesConfigurationSource>();
            await source.Synced.WaitAsync(TimeSpan.FromSeconds(30));
            var datastore = host.Services.GetRequiredService<IDatastore>();
            Assert.Equal(2, datastore.Current.Endpoints.Length);
            Assert.Same(host.Services.GetRequiredService<InMemoryDatastore>(), datastore);
            var leadership = host.Services.GetRequiredService<ILeadership>();
            Assert.IsType<LeaseLeadership>(leadership);
            await Wait.UntilAsync(() => leadership.IsLeader, "the only replica leads");
            await Wait.UntilAsync(() => LeaseNotes(cluster).Contains("host-replica became leader"), "the recorder posted the leadership event");
        }
        finally
        {
            await host.StopAsync();
        }

        // The recorder stops after the services that emit, so the last event still goes out.
        Assert.Contains("host-replica stopped leading", LeaseNotes(cluster));
    }

    [Fact]
    public void AddKubernetesSource_EventsOff_RegistersNoRecorder()
    {
        var services = new ServiceCollection();
        var options = new KubernetesSourceOptions { PoolName = "p", KubeconfigPath = "unused", EmitEvents = false };

        services.AddKubernetesSource(options);

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(KubernetesEventRecorder));
        Assert.Contains(services, d => d.ServiceType == typeof(IEventRecorder) && d.ImplementationInstance is NullEventRecorder);
    }

    private static List<string> LeaseNotes(KubernetesTestCluster cluster) =>
        [.. cluster.Server.StoredEvents.Where(e => e["regarding"]?["kind"]?.GetValue<string>() == "Lease").Select(e => e["note"]!.GetValue<string>())];

    [Fact]
    public void AddKubernetesSource_LeaderElectionOff_RegistersSingleReplicaLeadership()
    {
        var services = new ServiceCollection();
        var options = new KubernetesSourceOptions { PoolName = "p", KubeconfigPath = "unused" };
        options.LeaderElection.Enabled = false;

        services.AddKubernetesSource(options);

        Assert.Contains(services, d => d.ServiceType == typeof(ILeadership) && d.ImplementationType == typeof(SingleReplicaLeadership));
    }

    [Fact]
    public void AddKubernetesSource_NoPoolName_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddKubernetesSource(new KubernetesSourceOptions()));
    }
}
