using System.Text.Json.Nodes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport;
using static InferenceGateway.Kubernetes.Tests.KubernetesTestCluster;

namespace InferenceGateway.Kubernetes.Tests;

public sealed class KubernetesConfigurationSourceTests
{
    private static readonly Dictionary<string, string> LlamaLabels = new() { ["app"] = "vllm-llama" };

    private static string[] Addresses(DatastoreSnapshot snapshot) => [.. snapshot.Endpoints.Select(e => e.Address)];

    private static void ApplyPool(KubernetesTestCluster cluster, string app = "vllm-llama") =>
        cluster.ApplyYaml(ManifestYaml.Pool(PoolName, 8000, Namespace, new Dictionary<string, string> { ["app"] = app }));

    private static void ApplyPod(KubernetesTestCluster cluster, string name, string ip, string ready = "True", Dictionary<string, string>? labels = null) =>
        cluster.ApplyYaml(ManifestYaml.Pod(name, ip, labels ?? LlamaLabels, Namespace, ready));

    private static void ApplyModel(KubernetesTestCluster cluster, string name, string modelName, DateTimeOffset created, params (string, int?)[] targets) =>
        cluster.ApplyYaml(ManifestYaml.Model(name, modelName, PoolName, Namespace, null, created, targets));

    private static void SetReady(KubernetesTestCluster cluster, string pod, string ready) =>
        cluster.Server.Modify("pods", Namespace, pod, p => p["status"]!["conditions"]![0]!["status"] = ready);

    [Fact]
    public async Task InitialSync_FixtureCluster_SnapshotHasPoolReadyEndpointsAndPoolModels()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.ApplyFixture("cluster.yaml");

        var replica = await cluster.StartReplicaAsync();

        var snapshot = replica.Current;
        Assert.True(replica.Source.IsSynced);
        Assert.Equal(new ObjectKey(Namespace, PoolName), new ObjectKey(snapshot.Pool!.Namespace, snapshot.Pool.Name));
        Assert.Equal(["10.0.0.10:8000", "10.0.0.11:8000"], Addresses(snapshot));
        Assert.Equal(["chat", "meta-llama/Llama-3.1-8B-Instruct"], snapshot.Models.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(CriticalityBand.Critical, snapshot.Models["chat"].Criticality);
        Assert.Equal([new WeightedTarget("chat-lora-v1", 90), new WeightedTarget("chat-lora-v2", 10)], snapshot.Models["chat"].Targets.ToArray());
        Assert.Equal("app=vllm-llama", replica.Source.PodSelector);
    }

    [Fact]
    public async Task Start_PoolMissing_SyncsWithEmptySnapshotAndServesPoolOnceCreated()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPod(cluster, "vllm-0", "10.0.0.10");

        var replica = await cluster.StartReplicaAsync();
        Assert.False(replica.Current.HasPool);

        ApplyPool(cluster);
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 1, "the pool's pod is an endpoint");
    }

    [Fact]
    public async Task PodReadiness_ReadyThenUnreadyThenDeleted_EndpointsFollow()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyPod(cluster, "vllm-1", "10.0.0.11", ready: "False");
        var replica = await cluster.StartReplicaAsync();
        Assert.Equal(["10.0.0.10:8000"], Addresses(replica.Current));

        SetReady(cluster, "vllm-1", "True");
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 2, "vllm-1 became an endpoint");

        SetReady(cluster, "vllm-0", "False");
        await Wait.UntilAsync(() => Addresses(replica.Current).SequenceEqual(["10.0.0.11:8000"]), "unready vllm-0 left the endpoints");

        cluster.Server.Delete("pods", Namespace, "vllm-1");
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 0, "deleted vllm-1 left the endpoints");
    }

    [Fact]
    public async Task PoolSelectorChange_RestartsPodWatchWithNewSelector_ReselectsPods()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster, app: "blue");
        ApplyPod(cluster, "blue-0", "10.0.1.1", labels: new() { ["app"] = "blue" });
        ApplyPod(cluster, "green-0", "10.0.2.1", labels: new() { ["app"] = "green" });
        var replica = await cluster.StartReplicaAsync();
        Assert.Equal(["10.0.1.1:8000"], Addresses(replica.Current));

        ApplyPool(cluster, app: "green");

        await Wait.UntilAsync(() => Addresses(replica.Current).SequenceEqual(["10.0.2.1:8000"]), "the green pod replaced the blue one");
        Assert.Equal("app=green", replica.Source.PodSelector);
        await Wait.UntilAsync(() => cluster.Server.OpenWatchCount("pods") == 1, "only the new pod watch stays open");
    }

    [Fact]
    public async Task Models_AddedChangedDeleted_SnapshotFollows()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        var replica = await cluster.StartReplicaAsync();
        Assert.Empty(replica.Current.Models);

        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"), ("lora-a", 1));
        await Wait.UntilAsync(() => replica.Current.Models.ContainsKey("chat"), "the new model is served");

        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"), ("lora-b", 3));
        await Wait.UntilAsync(
            () => replica.Current.Models.TryGetValue("chat", out var route) && route.Targets.SequenceEqual([new WeightedTarget("lora-b", 3)]),
            "the changed targets are served");

        cluster.Server.Delete("inferencemodels", Namespace, "chat");
        await Wait.UntilAsync(() => replica.Current.Models.Count == 0, "the deleted model is gone");
    }

    [Fact]
    public async Task NameConflict_NewerModelRejected_ThenAcceptedWhenOlderDeleted()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyModel(cluster, "chat-old", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"), ("old-lora", 1));
        ApplyModel(cluster, "chat-new", "chat", DateTimeOffset.Parse("2025-02-01T00:00:00Z"), ("new-lora", 1));
        var replica = await cluster.StartReplicaAsync();

        Assert.Equal(new ObjectKey(Namespace, "chat-old"), replica.Current.Models["chat"].Source);
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat-new", "Accepted")?["status"]?.GetValue<string>() == "False",
            "the newer model is marked not accepted");
        var rejected = Condition(cluster, "inferencemodels", "chat-new", "Accepted")!;
        Assert.Equal(ModelConditionReasons.ModelNameConflict, rejected["reason"]!.GetValue<string>());
        Assert.Contains("serving/chat-old", rejected["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, rejected["observedGeneration"]!.GetValue<long>());
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat-old", "Accepted")?["status"]?.GetValue<string>() == "True",
            "the older model is accepted");

        cluster.Server.Delete("inferencemodels", Namespace, "chat-old");

        await Wait.UntilAsync(() => replica.Current.Models.TryGetValue("chat", out var r) && r.Source.Name == "chat-new", "the newer model is served");
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat-new", "Accepted")?["status"]?.GetValue<string>() == "True",
            "the newer model becomes accepted");
        Assert.Equal(StatusConditionNames.ReasonAccepted, Condition(cluster, "inferencemodels", "chat-new", "Accepted")!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task WatchDisconnect_ChangesWhileDisconnected_ResumedFromResourceVersionWithoutRelist()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyPod(cluster, "vllm-1", "10.0.0.11");
        var replica = await cluster.StartReplicaAsync();
        var lists = (cluster.Server.ListCount("pods"), cluster.Server.ListCount("inferencemodels"), cluster.Server.ListCount("inferencepools"));

        cluster.Server.RejectWatches = true;
        cluster.Server.DisconnectWatches();
        var refusedFrom = cluster.Server.WatchRequestCount;
        SetReady(cluster, "vllm-0", "False");
        ApplyPod(cluster, "vllm-2", "10.0.0.12");
        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        cluster.Server.RejectWatches = false;

        await Wait.UntilAsync(
            () => Addresses(replica.Current).SequenceEqual(["10.0.0.11:8000", "10.0.0.12:8000"]) && replica.Current.Models.ContainsKey("chat"),
            "every change made while disconnected arrived");
        Assert.True(cluster.Server.WatchRequestCount > refusedFrom);
        Assert.Equal(lists, (cluster.Server.ListCount("pods"), cluster.Server.ListCount("inferencemodels"), cluster.Server.ListCount("inferencepools")));
    }

    [Fact]
    public async Task WatchGone_HistoryCompactedWhileDisconnected_RelistsAndCatchesUp()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyPod(cluster, "vllm-1", "10.0.0.11");
        var replica = await cluster.StartReplicaAsync();
        var podLists = cluster.Server.ListCount("pods");

        cluster.Server.RejectWatches = true;
        cluster.Server.DisconnectWatches();
        cluster.Server.Delete("pods", Namespace, "vllm-0");
        cluster.Server.CompactHistory();
        cluster.Server.RejectWatches = false;

        await Wait.UntilAsync(() => Addresses(replica.Current).SequenceEqual(["10.0.0.11:8000"]), "the pod deleted during the gap is gone");
        Assert.True(cluster.Server.ListCount("pods") > podLists, "the pod informer listed again after 410 Gone");

        ApplyPod(cluster, "vllm-2", "10.0.0.12");
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 2, "the watch after the re-list delivers new events");
    }

    [Fact]
    public async Task WatchRefused_ReconnectWaitsForBackoffOnInjectedClock()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var options = cluster.Options();
        options.CoalesceDelay = TimeSpan.Zero;
        options.InitialReconnectDelay = TimeSpan.FromSeconds(10);
        options.MaxReconnectDelay = TimeSpan.FromSeconds(40);
        var replica = await cluster.StartReplicaAsync(options, time: time);

        cluster.Server.RejectWatches = true;
        cluster.Server.DisconnectWatches();
        await Wait.UntilAsync(() => cluster.Server.RefusedWatchCount >= 3, "the pool, model and pod watches were refused");
        cluster.Server.RejectWatches = false;
        SetReady(cluster, "vllm-0", "False");
        Assert.Equal(0, cluster.Server.OpenWatchCount("pods")); // waiting on the fake clock, not reconnected

        // The informer loops may register their backoff timers just after the refusals were counted, so keep
        // moving the fake clock a backoff step at a time until the reconnect delivers the change.
        await Wait.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(10));
                return replica.Current.Endpoints.Length == 0;
            },
            "the change arrived after the backoff elapsed");
        Assert.Equal(3, cluster.Server.RefusedWatchCount);
    }

    [Fact]
    public async Task Status_AfterConvergence_NotRewrittenForChangesThatKeepItTheSame()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var replica = await cluster.StartReplicaAsync();
        await Wait.UntilAsync(() => Condition(cluster, "inferencepools", PoolName, "Ready")?["status"]?.GetValue<string>() == "True"
            && Condition(cluster, "inferencemodels", "chat", "Accepted") is not null, "status converged");
        await WaitForQuietAsync(cluster, replica);
        var writes = cluster.Server.StatusWriteCount;
        Assert.Equal(2, writes);

        // A label change re-publishes the snapshot (labels are routed on) but leaves every condition as it is.
        cluster.Server.Modify("pods", Namespace, "vllm-0", p => p["metadata"]!["labels"]!["tier"] = "gold");
        await Wait.UntilAsync(() => replica.Current.Endpoints[0].Labels.ContainsKey("tier"), "the new label is in the snapshot");
        cluster.Server.SendBookmarks();
        await WaitForQuietAsync(cluster, replica);

        Assert.Equal(writes, cluster.Server.StatusWriteCount);
    }

    [Fact]
    public async Task Status_ReadyMessageChanges_LastTransitionTimeKept()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        var replica = await cluster.StartReplicaAsync();
        await Wait.UntilAsync(() => Condition(cluster, "inferencepools", PoolName, "Ready")?["status"]?.GetValue<string>() == "True", "pool Ready");
        var first = Condition(cluster, "inferencepools", PoolName, "Ready")!;
        Assert.StartsWith("1 ready endpoint", first["message"]!.GetValue<string>(), StringComparison.Ordinal);

        ApplyPod(cluster, "vllm-1", "10.0.0.11");

        await Wait.UntilAsync(() => Condition(cluster, "inferencepools", PoolName, "Ready")?["message"]?.GetValue<string>().StartsWith("2 ready", StringComparison.Ordinal) == true,
            "the message counts two endpoints");
        var second = Condition(cluster, "inferencepools", PoolName, "Ready")!;
        Assert.Equal(first["lastTransitionTime"]!.GetValue<string>(), second["lastTransitionTime"]!.GetValue<string>());
        Assert.StartsWith("application/merge-patch+json", cluster.Server.LastStatusWrite!.ContentType, StringComparison.Ordinal);

        cluster.Server.Delete("pods", Namespace, "vllm-0");
        cluster.Server.Delete("pods", Namespace, "vllm-1");
        await Wait.UntilAsync(() => Condition(cluster, "inferencepools", PoolName, "Ready")?["status"]?.GetValue<string>() == "False", "pool not Ready");
        Assert.Equal(StatusConditionNames.ReasonNoReadyEndpoints, Condition(cluster, "inferencepools", PoolName, "Ready")!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Status_ModelSpecChanged_ObservedGenerationFollows()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"), ("a", 1));
        var replica = await cluster.StartReplicaAsync();
        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat", "Accepted")?["observedGeneration"]?.GetValue<long>() == 1, "generation 1 observed");

        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"), ("b", 1));

        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "chat", "Accepted")?["observedGeneration"]?.GetValue<long>() == 2, "generation 2 observed");
        Assert.NotNull(replica.Current.Models["chat"]);
    }

    [Fact]
    public async Task TwoReplicas_OnlyLeaderWritesStatus_OtherTakesOverAfterLeaderStops()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        ApplyPool(cluster);
        ApplyPod(cluster, "vllm-0", "10.0.0.10");
        ApplyModel(cluster, "chat", "chat", DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        var a = await cluster.StartReplicaAsync(cluster.Options("replica-a", leaderElection: true));
        await Wait.UntilAsync(() => a.Lease!.IsLeader, "replica-a leads");
        var b = await cluster.StartReplicaAsync(cluster.Options("replica-b", leaderElection: true));

        await Wait.UntilAsync(() => cluster.Server.StatusWriteCount == 2, "the leader wrote the pool and model status");
        await WaitForQuietAsync(cluster, a, b);
        Assert.False(b.Lease!.IsLeader);
        Assert.All(cluster.Server.StatusWrites, w => Assert.Equal("inference-gateway/replica-a", w.UserAgent));
        Assert.Equal(a.Current.Endpoints.Length, b.Current.Endpoints.Length); // both serve picks
        Assert.Equal("replica-a", cluster.Server.Get("leases", Namespace, $"{PoolName}-epp-leader")!["spec"]!["holderIdentity"]!.GetValue<string>());

        await a.StopAsync();
        await Wait.UntilAsync(() => b.Lease.IsLeader, "replica-b takes over after the lease expires");
        ApplyModel(cluster, "summarize", "summarize", DateTimeOffset.Parse("2025-03-01T00:00:00Z"));

        await Wait.UntilAsync(() => Condition(cluster, "inferencemodels", "summarize", "Accepted") is not null, "the new leader writes status");
        Assert.Equal("inference-gateway/replica-b", cluster.Server.LastStatusWrite!.UserAgent);
    }

    /// <summary>
    /// Waits until the replica has processed everything the server holds and nothing more gets written: bookmarks
    /// bring every informer to the server's resourceVersion (and trigger a pass); a pass that started after that has
    /// seen it all. Repeats while that pass still changed something.
    /// </summary>
    private static async Task WaitForQuietAsync(KubernetesTestCluster cluster, params Replica[] replicas)
    {
        for (var round = 0; round < 20; round++)
        {
            var writes = cluster.Server.StatusWriteCount;
            var version = cluster.Server.CurrentResourceVersion;
            cluster.Server.SendBookmarks();
            foreach (var replica in replicas)
            {
                await Wait.UntilAsync(
                    () => replica.Source.ObservedResourceVersions.All(v => long.TryParse(v, out var seen) && seen >= version),
                    $"the informers reached resourceVersion {version}");
                var signalled = replica.Source.SignalSequence;
                await Wait.UntilAsync(() => replica.Source.ReconciledSequence >= signalled, "a reconcile pass after the bookmark");
            }

            if (writes == cluster.Server.StatusWriteCount && version == cluster.Server.CurrentResourceVersion)
            {
                return;
            }
        }

        Assert.Fail("the replicas kept writing status");
    }

    private static JsonObject? Condition(KubernetesTestCluster cluster, string resource, string name, string type)
    {
        var obj = cluster.Server.Get(resource, Namespace, name);
        if (obj?["status"]?["conditions"] is not JsonArray conditions)
        {
            return null;
        }

        return conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
    }
}
