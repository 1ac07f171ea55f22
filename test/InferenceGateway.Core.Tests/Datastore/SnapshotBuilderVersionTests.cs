using InferenceGateway.Api.Meta;
using InferenceGateway.Core.Datastore;
using static InferenceGateway.Core.Tests.Datastore.Resources;
using static InferenceGateway.Core.Tests.Datastore.VersionedResources;
using A1 = InferenceGateway.Api.V1Alpha1;
using A2 = InferenceGateway.Api.V1Alpha2;
using V1 = InferenceGateway.Api.V1;

namespace InferenceGateway.Core.Tests.Datastore;

/// <summary>Pools of every API version converted into the one internal model, and the v1alpha2-era kinds.</summary>
public sealed class SnapshotBuilderVersionTests
{
    private static SnapshotBuildResult BuildFrom(PoolSelection selection, params KubernetesObject[] resources) =>
        SnapshotBuilder.Build(SnapshotInputs.FromResources(resources), selection);

    private static DatastoreSnapshot BuildOkFrom(params KubernetesObject[] resources)
    {
        var result = BuildFrom(default, resources);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Snapshot!;
    }

    [Fact]
    public void ToPoolInfo_V1Alpha1Pool_SeedFieldsAndHttp()
    {
        var pool = Pool("p", ns: "ns", port: 8080);
        pool.Spec.ExtensionRef = new A1.ExtensionReference { Name = "epp", FailureMode = A1.ExtensionFailureMode.FailOpen };

        var info = PoolConverter.ToPoolInfo(pool, out var error);

        Assert.Null(error);
        Assert.NotNull(info);
        Assert.Equal(("p", "ns", PoolInfo.V1Alpha1ApiVersion, "inference.networking.x-k8s.io"), (info.Name, info.Namespace, info.ApiVersion, info.Group));
        Assert.Equal([8080], info.TargetPorts.ToArray());
        Assert.Equal(FailureMode.FailOpen, info.FailureMode);
        Assert.Equal(PoolInfo.HttpAppProtocol, info.AppProtocol);
        Assert.Equal("llm", info.Selector["app"]);
        Assert.False(info.AllowsUnregisteredModels);
    }

    [Fact]
    public void ToPoolInfo_V1Alpha2Pool_ExtensionRefFailureMode()
    {
        var info = PoolConverter.ToPoolInfo(PoolV1Alpha2(port: 9000, failureMode: A2.ExtensionFailureMode.FailOpen), out var error);

        Assert.Null(error);
        Assert.NotNull(info);
        Assert.Equal(PoolInfo.V1Alpha2ApiVersion, info.ApiVersion);
        Assert.Equal([9000], info.TargetPorts.ToArray());
        Assert.Equal(FailureMode.FailOpen, info.FailureMode);
        Assert.False(info.AllowsUnregisteredModels);
    }

    [Fact]
    public void ToPoolInfo_V1Pool_PortsProtocolPickerFailureMode()
    {
        var info = PoolConverter.ToPoolInfo(
            PoolV1(ports: [8000, 8001, 8002], appProtocol: V1.AppProtocols.H2c, failureMode: V1.EndpointPickerFailureMode.FailOpen, matchLabels: Labels("app=llm", "tier=gpu")),
            out var error);

        Assert.Null(error);
        Assert.NotNull(info);
        Assert.Equal((PoolInfo.V1ApiVersion, "inference.networking.k8s.io"), (info.ApiVersion, info.Group));
        Assert.Equal([8000, 8001, 8002], info.TargetPorts.ToArray());
        Assert.Equal(PoolInfo.H2cAppProtocol, info.AppProtocol);
        Assert.Equal(FailureMode.FailOpen, info.FailureMode);
        Assert.Equal(2, info.Selector.Count);
        Assert.True(info.AllowsUnregisteredModels);
    }

    [Fact]
    public void ToPoolInfo_V1PoolWithoutPickerOrProtocol_FailCloseAndHttp()
    {
        var info = PoolConverter.ToPoolInfo(PoolV1(), out _);

        Assert.NotNull(info);
        Assert.Equal(FailureMode.FailClose, info.FailureMode);
        Assert.Equal(PoolInfo.HttpAppProtocol, info.AppProtocol);
    }

    [Theory]
    [InlineData(new[] { 8000, 8000 }, "spec.targetPorts[1].number 8000 is listed twice")]
    [InlineData(new[] { 0 }, "spec.targetPorts[0].number must be between 1 and 65535 (got 0)")]
    [InlineData(new int[0], "spec.targetPorts must list at least one port")]
    public void ToPoolInfo_V1PoolBadPorts_ErrorNamesTheField(int[] ports, string expected)
    {
        var info = PoolConverter.ToPoolInfo(PoolV1(ports: ports), out var error);

        Assert.Null(info);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_V1PoolWithThreePorts_OneEndpointPerPortNamedPerRank()
    {
        var snapshot = BuildOkFrom(PoolV1(ports: [8000, 8001, 8002]), Pod("pod-a", "10.0.0.1"), Pod("pod-b", "10.0.0.2"));

        Assert.Equal(
            [
                ("10.0.0.1:8000", "pod-a"), ("10.0.0.1:8001", "pod-a-rank-1"), ("10.0.0.1:8002", "pod-a-rank-2"),
                ("10.0.0.2:8000", "pod-b"), ("10.0.0.2:8001", "pod-b-rank-1"), ("10.0.0.2:8002", "pod-b-rank-2"),
            ],
            snapshot.Endpoints.Select(e => (e.Address, e.Name)));
        Assert.Equal(PoolInfo.V1ApiVersion, snapshot.PoolApiVersion);
    }

    [Fact]
    public void Build_V1PoolMatchLabels_SelectsLikeTheSeedSelector()
    {
        var snapshot = BuildOkFrom(
            PoolV1(matchLabels: Labels("app=llm", "tier=gpu")),
            Pod("both", "10.0.0.1", Labels("app=llm", "tier=gpu")),
            Pod("one", "10.0.0.2", Labels("app=llm")));

        Assert.Equal("10.0.0.1:8000", Assert.Single(snapshot.Endpoints).Address);
    }

    [Fact]
    public void Build_V1Alpha2Pool_ServesItsPods()
    {
        var snapshot = BuildOkFrom(PoolV1Alpha2(port: 8100), Pod("pod-a", "10.0.0.1"));

        Assert.Equal(PoolInfo.V1Alpha2ApiVersion, snapshot.PoolApiVersion);
        Assert.Equal(("10.0.0.1:8100", "pod-a"), (Assert.Single(snapshot.Endpoints).Address, snapshot.Endpoints[0].Name));
    }

    [Fact]
    public void Build_SameNameInTwoGroups_AmbiguousUntilGroupChosen()
    {
        KubernetesObject[] resources = [Pool("pool"), PoolV1("pool")];

        var ambiguous = BuildFrom(new PoolSelection("pool", null), resources);
        var v1 = BuildFrom(new PoolSelection("pool", null) { Group = "inference.networking.k8s.io" }, resources);
        var seed = BuildFrom(new PoolSelection("pool", "default") { Group = "inference.networking.x-k8s.io" }, resources);

        Assert.False(ambiguous.Succeeded);
        Assert.Contains("set the pool group too", Assert.Single(ambiguous.Errors), StringComparison.Ordinal);
        Assert.Contains("default/pool (inference.networking.k8s.io)", ambiguous.Errors[0], StringComparison.Ordinal);
        Assert.Equal(PoolInfo.V1ApiVersion, v1.Snapshot?.PoolApiVersion);
        Assert.Equal(PoolInfo.V1Alpha1ApiVersion, seed.Snapshot?.PoolApiVersion);
    }

    [Fact]
    public void Build_GroupWithoutSuchPool_ErrorListsPools()
    {
        var result = BuildFrom(new PoolSelection(null, null) { Group = "inference.networking.k8s.io" }, Pool("seed"));

        Assert.False(result.Succeeded);
        Assert.Equal("no InferencePool of group inference.networking.k8s.io found (pools defined: default/seed)", Assert.Single(result.Errors));
    }

    [Theory]
    [InlineData(A2.Criticality.Critical, CriticalityBand.Critical)]
    [InlineData(A2.Criticality.Standard, CriticalityBand.Default)]
    [InlineData(A2.Criticality.Sheddable, CriticalityBand.Sheddable)]
    [InlineData(null, CriticalityBand.Default)]
    public void Build_V1Alpha2Model_CriticalityMapsToBand(A2.Criticality? criticality, CriticalityBand expected)
    {
        var snapshot = BuildOkFrom(Pool(), ModelV1Alpha2("m", "llama", criticality));

        Assert.Equal(expected, snapshot.Models["llama"].Criticality);
    }

    [Fact]
    public void Build_V1Alpha2ModelWithoutWeights_EqualSplit()
    {
        var snapshot = BuildOkFrom(Pool(), ModelV1Alpha2("m", "llama", targets: [("a", null), ("b", null)]));

        Assert.Equal([new WeightedTarget("a", 1), new WeightedTarget("b", 1)], snapshot.Models["llama"].Targets.ToArray());
    }

    [Fact]
    public void Build_SameModelNameInBothVersions_OldestWinsAcrossVersions()
    {
        var snapshot = BuildOkFrom(
            Pool(),
            Model("old-v1alpha1", "llama", created: T0.AddHours(1)),
            ModelV1Alpha2("older-v1alpha2", "llama", created: T0));

        Assert.Equal("older-v1alpha2", snapshot.Models["llama"].Source.Name);
        var conflict = Assert.Single(snapshot.Conflicts);
        Assert.Equal(("old-v1alpha1", ModelConditionReasons.ModelNameConflict), (conflict.Loser.Name, conflict.Reason));
    }

    [Fact]
    public void Build_ModelPoolRefGroup_MustBeThePoolsGroup()
    {
        // The seed's poolRef defaults to the x-k8s.io group, so it does not bind to a v1 pool of the same name.
        var snapshot = BuildOkFrom(
            PoolV1(),
            Model("seed-default", "a"),
            ModelV1Alpha2("x-k8s", "b", group: "inference.networking.x-k8s.io"),
            ModelV1Alpha2("k8s", "c", group: "inference.networking.k8s.io"));

        Assert.Equal(["c"], snapshot.Models.Keys.ToArray());
    }

    [Fact]
    public void Build_Objectives_OfThePoolOnlyWithPriorityBands()
    {
        var snapshot = BuildOkFrom(
            Pool(),
            Objective("premium", 10),
            Objective("standard", 0),
            Objective("unset", null),
            Objective("batch", -3),
            Objective("other-pool", 5, pool: "other"),
            Objective("other-namespace", 5, ns: "elsewhere"),
            Objective("other-group", 5, group: "example.com"));

        Assert.Equal(["batch", "premium", "standard", "unset"], snapshot.Objectives.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((10, CriticalityBand.Critical), (snapshot.Objectives["premium"].Priority, snapshot.Objectives["premium"].Band));
        Assert.Equal((0, CriticalityBand.Default), (snapshot.Objectives["standard"].Priority, snapshot.Objectives["standard"].Band));
        Assert.Equal((0, CriticalityBand.Default), (snapshot.Objectives["unset"].Priority, snapshot.Objectives["unset"].Band));
        Assert.Equal((-3, CriticalityBand.Sheddable), (snapshot.Objectives["batch"].Priority, snapshot.Objectives["batch"].Band));
    }

    [Fact]
    public void Build_ObjectiveWithXK8sGroup_BindsOnlyToXK8sPool()
    {
        var objective = Objective("o", 1, group: "inference.networking.x-k8s.io");

        Assert.Single(BuildOkFrom(Pool(), objective).Objectives);
        Assert.Empty(BuildOkFrom(PoolV1(), objective).Objectives);
    }

    [Theory]
    [InlineData(int.MaxValue, CriticalityBand.Critical)]
    [InlineData(1, CriticalityBand.Critical)]
    [InlineData(0, CriticalityBand.Default)]
    [InlineData(-1, CriticalityBand.Sheddable)]
    [InlineData(int.MinValue, CriticalityBand.Sheddable)]
    public void BandOf_Priority_MapsBySign(int priority, CriticalityBand expected)
    {
        Assert.Equal(expected, ObjectiveInfo.BandOf(priority));
    }

    [Fact]
    public void Build_Rewrites_ExactBeatsCatchAllThenOldestThenFirstRule()
    {
        var snapshot = BuildOkFrom(
            PoolV1(),
            Rewrite("newer", T0.AddHours(1), (["food"], [("food-newer", null)]), (["chat"], [("chat-newer", null)])),
            Rewrite("older", T0, ([], [("catch-all", null)]), (["food"], [("food-older-1", null)]), (["food"], [("food-older-2", null)])),
            Rewrite("other-pool", T0.AddHours(-1), "other", (["chat"], [("chat-other", null)])));

        var rewrites = snapshot.Rewrites;
        Assert.Equal("food-older-1", Assert.Single(rewrites.Find("food")!.Targets).Name);
        Assert.Equal(("older", 1), (rewrites.Find("food")!.Source.Name, rewrites.Find("food")!.RuleIndex));
        Assert.Equal("chat-newer", Assert.Single(rewrites.Find("chat")!.Targets).Name);
        Assert.Equal("catch-all", Assert.Single(rewrites.Find("anything")!.Targets).Name);
    }

    [Fact]
    public void Build_RewriteTargets_WeightsKeptOrOneEach()
    {
        var snapshot = BuildOkFrom(
            Pool(),
            Rewrite("r", T0, (["a"], [("a1", 10), ("a2", 90)]), (["b"], [("b1", null), ("b2", null)])));

        Assert.Equal([new WeightedTarget("a1", 10), new WeightedTarget("a2", 90)], snapshot.Rewrites.Find("a")!.Targets.ToArray());
        Assert.Equal([new WeightedTarget("b1", 1), new WeightedTarget("b2", 1)], snapshot.Rewrites.Find("b")!.Targets.ToArray());
        Assert.Null(snapshot.Rewrites.Find("c"));
    }

    [Fact]
    public void Build_RewriteRuleWithTwoMatches_AppliesWhenEitherMatches()
    {
        var snapshot = BuildOkFrom(Pool(), Rewrite("r", T0, (["a", "b"], [("ab1", null)])));

        Assert.Equal(("r", 0), (snapshot.Rewrites.Find("a")!.Source.Name, snapshot.Rewrites.Find("a")!.RuleIndex));
        Assert.Same(snapshot.Rewrites.Find("a"), snapshot.Rewrites.Find("b"));
        Assert.Null(snapshot.Rewrites.Find("c"));
    }

    [Fact]
    public void Build_RewriteRuleWithUnusableTarget_IgnoredWithWarning()
    {
        var result = BuildFrom(default, Pool(), Rewrite("r", T0, (["a"], [("", 1)]), (["b"], [("b1", 0)]), (["c"], [("c1", 1)])));

        Assert.True(result.Succeeded);
        Assert.Null(result.Snapshot!.Rewrites.Find("a"));
        Assert.Null(result.Snapshot.Rewrites.Find("b"));
        Assert.NotNull(result.Snapshot.Rewrites.Find("c"));
        Assert.Equal(2, result.Warnings.Count(w => w.Contains("InferenceModelRewrite default/r", StringComparison.Ordinal)));
    }

    [Fact]
    public void FromResources_EveryKind_SortedIntoItsList()
    {
        var inputs = SnapshotInputs.FromResources(
        [
            Pool(), Model("m", "a"), Pod("p"), Static("s", "pool", endpoints: "127.0.0.2:8000"), PoolV1Alpha2(), PoolV1(),
            ModelV1Alpha2("m2", "b"), Objective("o", 1), Rewrite("r", T0, (["a"], [("a1", null)])),
        ]);

        Assert.Equal(
            (1, 1, 1, 1, 1, 1, 1, 1, 1),
            (inputs.Pools.Count, inputs.Models.Count, inputs.Pods.Count, inputs.StaticEndpoints.Count, inputs.PoolsV1Alpha2.Count,
                inputs.PoolsV1.Count, inputs.ModelsV1Alpha2.Count, inputs.Objectives.Count, inputs.Rewrites.Count));
        Assert.Equal(3, inputs.AllPools.Count());
    }

    [Fact]
    public void Build_SeedInputsOnly_NoObjectivesOrRewrites()
    {
        var snapshot = BuildOk();

        Assert.Empty(snapshot.Objectives);
        Assert.True(snapshot.Rewrites.IsEmpty);
        Assert.Equal(PoolInfo.V1Alpha1ApiVersion, snapshot.PoolApiVersion);
        Assert.Null(DatastoreSnapshot.Empty.PoolApiVersion);
    }
}
