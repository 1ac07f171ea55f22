using System.Text.Json.Nodes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.Kubernetes;
using static InferenceGateway.Kubernetes.Tests.KubernetesTestCluster;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>--pool-group / --pool-version, InferenceObjectives and InferenceModelRewrites, pool-less mode, missing CRDs.</summary>
public sealed class PoolGroupsTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "vllm-llama" };

    private static string[] Addresses(DatastoreSnapshot snapshot) => [.. snapshot.Endpoints.Select(e => e.Address)];

    private static JsonObject Meta(string name) => new() { ["name"] = name, ["namespace"] = Namespace };

    private static JsonObject V1Pool(params int[] ports) => new()
    {
        ["apiVersion"] = "inference.networking.k8s.io/v1",
        ["kind"] = "InferencePool",
        ["metadata"] = Meta(PoolName),
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "vllm-llama" } },
            ["targetPorts"] = new JsonArray([.. ports.Select(p => (JsonNode)new JsonObject { ["number"] = p })]),
            ["endpointPickerRef"] = new JsonObject { ["name"] = "epp", ["port"] = new JsonObject { ["number"] = 9002 }, ["failureMode"] = "FailOpen" },
        },
    };

    private static JsonObject Objective(string name, int priority) => new()
    {
        ["apiVersion"] = "inference.networking.x-k8s.io/v1alpha2",
        ["kind"] = "InferenceObjective",
        ["metadata"] = Meta(name),
        ["spec"] = new JsonObject { ["priority"] = priority, ["poolRef"] = new JsonObject { ["name"] = PoolName } },
    };

    private static JsonObject Rewrite(string name, string model, params (string Target, int Weight)[] targets) => new()
    {
        ["apiVersion"] = "inference.networking.x-k8s.io/v1alpha2",
        ["kind"] = "InferenceModelRewrite",
        ["metadata"] = Meta(name),
        ["spec"] = new JsonObject
        {
            ["poolRef"] = new JsonObject { ["name"] = PoolName },
            ["rules"] = new JsonArray(new JsonObject
            {
                ["matches"] = new JsonArray(new JsonObject { ["model"] = new JsonObject { ["type"] = "Exact", ["value"] = model } }),
                ["targets"] = new JsonArray([.. targets.Select(t => (JsonNode)new JsonObject { ["modelRewrite"] = t.Target, ["weight"] = t.Weight })]),
            }),
        },
    };

    private static KubernetesSourceOptions StandardOptions(KubernetesTestCluster cluster)
    {
        var options = cluster.Options();
        options.PoolGroup = KubernetesSourceOptions.StandardGroup;
        return options;
    }

    [Fact]
    public async Task V1Pool_PodWithTwoTargetPorts_OneEndpointPerPortAndNoStatusWrites()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Apply(V1Pool(8000, 8001));
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-0", "10.0.0.10", Labels, Namespace));
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-1", "10.0.0.11", Labels, Namespace));

        var replica = await cluster.StartReplicaAsync(StandardOptions(cluster));

        var snapshot = replica.Current;
        Assert.Equal(["10.0.0.10:8000", "10.0.0.10:8001", "10.0.0.11:8000", "10.0.0.11:8001"], Addresses(snapshot));
        Assert.Equal(["vllm-0", "vllm-0-rank-1", "vllm-1", "vllm-1-rank-1"], snapshot.Endpoints.Select(e => e.Name));
        Assert.Equal(PoolInfo.V1ApiVersion, snapshot.Pool!.ApiVersion);
        Assert.Equal(FailureMode.FailOpen, snapshot.Pool.FailureMode);
        Assert.Equal(1, cluster.Server.ListCount(FakeKubernetesApiServer.V1Pools));
        Assert.Equal(0, cluster.Server.ListCount("inferencepools"));

        // A later change is still followed, and the gateways' status.parents is never written by the picker.
        cluster.Server.Delete("pods", Namespace, "vllm-1");
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 2, "the deleted pod's two endpoints left");
        Assert.Equal(0, cluster.Server.StatusWriteCount);
    }

    [Fact]
    public async Task Objectives_AddedThenPriorityChanged_SnapshotBandFollows()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Apply(V1Pool(8000));
        var replica = await cluster.StartReplicaAsync(StandardOptions(cluster));
        Assert.Empty(replica.Current.Objectives);

        cluster.Server.Apply(Objective("premium", 10));
        cluster.Server.Apply(Objective("batch", -5));
        await Wait.UntilAsync(() => replica.Current.Objectives.Count == 2, "both objectives are in the snapshot");
        Assert.Equal(CriticalityBand.Critical, replica.Current.Objectives["premium"].Band);
        Assert.Equal(CriticalityBand.Sheddable, replica.Current.Objectives["batch"].Band);

        cluster.Server.Apply(Objective("premium", 0));
        await Wait.UntilAsync(
            () => replica.Current.Objectives.TryGetValue("premium", out var o) && o.Band == CriticalityBand.Default,
            "priority 0 moved premium to the Default band");

        cluster.Server.Delete(FakeKubernetesApiServer.Objectives, Namespace, "batch");
        await Wait.UntilAsync(() => !replica.Current.Objectives.ContainsKey("batch"), "the deleted objective is gone");
    }

    [Fact]
    public async Task Rewrites_Applied_SnapshotRewritesModelByWeight()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Apply(V1Pool(8000));
        var replica = await cluster.StartReplicaAsync(StandardOptions(cluster));
        Assert.True(replica.Current.Rewrites.IsEmpty);

        cluster.Server.Apply(Rewrite("food", "food-review", ("food-review-1", 90), ("food-review-2", 10)));

        await Wait.UntilAsync(() => replica.Current.Rewrites.Find("food-review") is not null, "the rewrite rule is in the snapshot");
        var rule = replica.Current.Rewrites.Find("food-review")!;
        Assert.Equal([new WeightedTarget("food-review-1", 90), new WeightedTarget("food-review-2", 10)], rule.Targets.ToArray());
        Assert.Null(replica.Current.Rewrites.Find("other-model"));
    }

    [Fact]
    public async Task MissingObjectiveAndRewriteCrds_PickerSyncsAndServes_ThenFollowsInstalledCrd()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Uninstall(FakeKubernetesApiServer.Objectives);
        cluster.Server.Uninstall(FakeKubernetesApiServer.Rewrites);
        cluster.Server.Apply(V1Pool(8000));
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-0", "10.0.0.10", Labels, Namespace));

        var replica = await cluster.StartReplicaAsync(StandardOptions(cluster));

        Assert.Equal(["10.0.0.10:8000"], Addresses(replica.Current));
        Assert.Equal((true, true), replica.Source.MissingResources);

        cluster.Server.Install(FakeKubernetesApiServer.Objectives);
        cluster.Server.Apply(Objective("premium", 3));
        await Wait.UntilAsync(() => replica.Current.Objectives.ContainsKey("premium"), "the objective is served once its CRD exists");
        Assert.Equal((false, true), replica.Source.MissingResources);
        Assert.Equal(["10.0.0.10:8000"], Addresses(replica.Current));
    }

    [Fact]
    public async Task Poolless_SelectorAndTwoPorts_ServesMatchingPodsWithoutAnyPool()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-0", "10.0.0.10", new Dictionary<string, string> { ["app"] = "vllm", ["tier"] = "gpu" }, Namespace));
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-cpu", "10.0.0.20", new Dictionary<string, string> { ["app"] = "vllm", ["tier"] = "cpu" }, Namespace));
        var options = cluster.Options();
        options.PoolName = "";
        options.EndpointSelector = "app=vllm,tier=gpu";
        options.EndpointTargetPorts = [8000, 8002];

        var replica = await cluster.StartReplicaAsync(options);

        Assert.Equal(["10.0.0.10:8000", "10.0.0.10:8002"], Addresses(replica.Current));
        Assert.Equal(KubernetesSourceOptions.DefaultPoollessName, replica.Current.Pool!.Name);
        Assert.True(replica.Current.Pool.AllowsUnregisteredModels);
        Assert.Equal("app=vllm,tier=gpu", replica.Source.PodSelector);
        Assert.Equal(0, cluster.Server.ListCount("inferencepools"));
        Assert.Equal(0, cluster.Server.ListCount(FakeKubernetesApiServer.V1Pools));

        cluster.ApplyYaml(ManifestYaml.Pod("vllm-1", "10.0.0.11", new Dictionary<string, string> { ["app"] = "vllm", ["tier"] = "gpu" }, Namespace));
        await Wait.UntilAsync(() => replica.Current.Endpoints.Length == 4, "a new matching pod adds its two endpoints");
        Assert.Equal(0, cluster.Server.StatusWriteCount);
    }

    [Fact]
    public async Task V1Alpha2Pool_WithV1Alpha2Model_ServedFromTheV1Alpha2Resources()
    {
        await using var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.Apply(new JsonObject
        {
            ["apiVersion"] = "inference.networking.x-k8s.io/v1alpha2",
            ["kind"] = "InferencePool",
            ["metadata"] = Meta(PoolName),
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["app"] = "vllm-llama" },
                ["targetPortNumber"] = 8000,
                ["extensionRef"] = new JsonObject { ["name"] = "epp" },
            },
        });
        cluster.Server.Apply(new JsonObject
        {
            ["apiVersion"] = "inference.networking.x-k8s.io/v1alpha2",
            ["kind"] = "InferenceModel",
            ["metadata"] = Meta("chat"),
            ["spec"] = new JsonObject
            {
                ["modelName"] = "chat",
                ["criticality"] = "Critical",
                ["poolRef"] = new JsonObject { ["name"] = PoolName },
            },
        });
        cluster.ApplyYaml(ManifestYaml.Pod("vllm-0", "10.0.0.10", Labels, Namespace));
        var options = cluster.Options();
        options.PoolVersion = "v1alpha2";

        var replica = await cluster.StartReplicaAsync(options);

        Assert.Equal(["10.0.0.10:8000"], Addresses(replica.Current));
        Assert.Equal(PoolInfo.V1Alpha2ApiVersion, replica.Current.Pool!.ApiVersion);
        Assert.Equal(CriticalityBand.Critical, replica.Current.Models["chat"].Criticality);
        Assert.Equal(1, cluster.Server.ListCount(FakeKubernetesApiServer.V1Alpha2Models));
        Assert.Equal(0, cluster.Server.ListCount("inferencemodels"));
    }

    [Theory]
    [InlineData("inference.networking.k8s.io", "v1alpha2")]
    [InlineData("inference.networking.x-k8s.io", "v1")]
    [InlineData("example.com", null)]
    public void Validate_GroupVersionMismatch_Throws(string group, string? version)
    {
        var options = new KubernetesSourceOptions { PoolName = "p", PoolGroup = group, PoolVersion = version };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Theory]
    [InlineData("app=vllm", "")]
    [InlineData("app in (a,b)", "8000")]
    [InlineData("app!=vllm", "8000")]
    [InlineData("app=vllm", "8000,8000")]
    [InlineData("app=vllm", "0")]
    [InlineData("-app=vllm", "8000")]
    public void Validate_BadPoollessSettings_Throws(string selector, string ports)
    {
        var options = new KubernetesSourceOptions
        {
            EndpointSelector = selector,
            EndpointTargetPorts = [.. ports.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)],
        };

        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Theory]
    [InlineData("-app")]
    [InlineData("app-")]
    [InlineData("a/b/c")]
    [InlineData("Example.com/app")]
    [InlineData("example.com/")]
    [InlineData("x/toolong-name-part-of-a-label-key-that-exceeds-sixty-three-characters")]
    public void Validate_SelectorKeyNotALabelKey_ThrowsNamingTheKey(string key)
    {
        var options = new KubernetesSourceOptions { EndpointSelector = $"tier=gpu,{key}=vllm", EndpointTargetPorts = [8000] };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains($"\"{key}\" is not a label key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app")]
    [InlineData("app.kubernetes.io/name")]
    [InlineData("A_b.c-9")]
    public void Validate_SelectorKeyIsALabelKey_Accepted(string key)
    {
        var options = new KubernetesSourceOptions { EndpointSelector = $"{key}=vllm", EndpointTargetPorts = [8000] };

        options.Validate();

        Assert.Equal(key, Assert.Single(LabelSelectors.ParseEquality(options.EndpointSelector)).Key);
    }
}
