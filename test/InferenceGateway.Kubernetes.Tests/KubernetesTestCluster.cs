using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>A fake API server, a kubeconfig pointing at it, and helpers to start picker replicas against it.</summary>
internal sealed class KubernetesTestCluster : IAsyncDisposable
{
    public const string Namespace = "serving";
    public const string PoolName = "llama";

    private readonly string _folder;
    private readonly List<Replica> _replicas = [];

    private KubernetesTestCluster(FakeKubernetesApiServer server, string folder)
    {
        Server = server;
        _folder = folder;
        KubeconfigPath = server.WriteKubeconfig(folder, Namespace);
    }

    public FakeKubernetesApiServer Server { get; }

    public string KubeconfigPath { get; }

    public static async Task<KubernetesTestCluster> StartAsync()
    {
        var server = await FakeKubernetesApiServer.StartAsync();
        server.RequireBearerToken = true;
        var folder = Directory.CreateTempSubdirectory("k8s-tests-").FullName;
        return new KubernetesTestCluster(server, folder);
    }

    /// <summary>Loads YAML (ManifestReader) into the server, object by object.</summary>
    public void ApplyYaml(string yaml)
    {
        var read = ManifestReader.Read(yaml, "test");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        foreach (var document in read.Documents)
        {
            Server.Apply(ToJson(document.Object));
        }
    }

    public void ApplyFixture(string name) => ApplyYaml(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name)));

    public static JsonObject ToJson(KubernetesObject obj) =>
        JsonSerializer.SerializeToNode(obj, obj.GetType(), KubernetesApiClient.Json)!.AsObject();

    public KubernetesSourceOptions Options(string identity = "replica-a", bool leaderElection = false) => new()
    {
        PoolName = PoolName,
        PoolNamespace = Namespace,
        KubeconfigPath = KubeconfigPath,
        CoalesceDelay = TimeSpan.FromMilliseconds(20),
        InitialReconnectDelay = TimeSpan.FromMilliseconds(50),
        MaxReconnectDelay = TimeSpan.FromMilliseconds(400),
        LeaderElection = new LeaderElectionOptions
        {
            Enabled = leaderElection,
            Identity = identity,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(250),
        },
    };

    /// <summary>Starts one picker replica (informers + datastore, and leader election when enabled) and waits for its sync.</summary>
    /// <param name="events">Options of the replica's event recorder (its instance is the identity); null: the defaults.</param>
    /// <param name="startEvents">False: the event recorder is not started, so events stay queued until the test starts it.</param>
    public async Task<Replica> StartReplicaAsync(KubernetesSourceOptions? options = null, bool waitForSync = true, TimeProvider? time = null, EventRecorderOptions? events = null,
        bool startEvents = true)
    {
        options ??= Options();
        var api = new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(options.KubeconfigPath, options.KubeconfigContext), options.LeaderElection.Identity);
        var datastore = new InMemoryDatastore();
        events ??= new EventRecorderOptions();
        events.ReportingInstance = options.LeaderElection.Identity;
        var recorder = new KubernetesEventRecorder(api, events, time ?? TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        LeaseLeadership? lease = null;
        ILeadership leadership = new SingleReplicaLeadership();
        if (options.LeaderElection.Enabled)
        {
            lease = new LeaseLeadership(options, api, NullLogger<LeaseLeadership>.Instance, recorder);
            leadership = lease;
        }

        var source = new KubernetesConfigurationSource(options, api, datastore, leadership, time ?? TimeProvider.System, NullLogger<KubernetesConfigurationSource>.Instance, recorder);
        var replica = new Replica(api, datastore, source, lease, recorder);
        _replicas.Add(replica);
        if (startEvents)
        {
            await recorder.StartAsync(CancellationToken.None);
        }

        if (lease is not null)
        {
            await lease.StartAsync(CancellationToken.None);
        }

        await source.StartAsync(CancellationToken.None);
        if (waitForSync)
        {
            await source.Synced.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return replica;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.StopAsync();
        }

        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    internal sealed class Replica(KubernetesApiClient api, InMemoryDatastore datastore, KubernetesConfigurationSource source, LeaseLeadership? lease, KubernetesEventRecorder events)
    {
        private bool _stopped;

        public InMemoryDatastore Datastore { get; } = datastore;

        public KubernetesConfigurationSource Source { get; } = source;

        public LeaseLeadership? Lease { get; } = lease;

        public KubernetesEventRecorder Events { get; } = events;

        public DatastoreSnapshot Current => Datastore.Current;

        public async Task StopAsync()
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            await Source.StopAsync(CancellationToken.None);
            if (Lease is not null)
            {
                await Lease.StopAsync(CancellationToken.None);
            }

            await Events.StopAsync(CancellationToken.None);
            Source.Dispose();
            Lease?.Dispose();
            Events.Dispose();
            api.Dispose();
        }
    }
}
