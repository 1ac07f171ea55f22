using InferenceGateway.Api.Core;
using InferenceGateway.Core.Datastore;
using static InferenceGateway.Core.Tests.Datastore.Resources;

namespace InferenceGateway.Core.Tests.Datastore;

public sealed class SnapshotBuilderEndpointTests
{
    private static readonly PoolInfo TwoKeyPool = BuildOk(pools: [Pool("p", ns: "ns", selector: Labels("app=llm", "tier=gpu"))]).Pool!;

    public sealed record MembershipCase(string Description, Pod Pod, PodMembership Expected)
    {
        public override string ToString() => Description;
    }

    public static TheoryData<MembershipCase> MembershipCases => new()
    {
        new("all selector labels, ready, IP", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns"), PodMembership.Member),
        new("extra labels are fine", Pod("p", labels: Labels("app=llm", "tier=gpu", "x=y"), ns: "ns"), PodMembership.Member),
        new("one selector key missing", Pod("p", labels: Labels("app=llm"), ns: "ns"), PodMembership.LabelMismatch),
        new("one selector value differs", Pod("p", labels: Labels("app=llm", "tier=cpu"), ns: "ns"), PodMembership.LabelMismatch),
        new("label values are case-sensitive", Pod("p", labels: Labels("app=LLM", "tier=gpu"), ns: "ns"), PodMembership.LabelMismatch),
        new("no labels", Pod("p", labels: [], ns: "ns"), PodMembership.LabelMismatch),
        new("other namespace", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "other"), PodMembership.OtherNamespace),
        new("no pod IP", Pod("p", ip: null, labels: Labels("app=llm", "tier=gpu"), ns: "ns"), PodMembership.NoPodIP),
        new("empty pod IP", Pod("p", ip: "", labels: Labels("app=llm", "tier=gpu"), ns: "ns"), PodMembership.NoPodIP),
        new("pod IP not an address", Pod("p", ip: "not-an-ip", labels: Labels("app=llm", "tier=gpu"), ns: "ns"), PodMembership.InvalidPodIP),
        new("Ready False", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns", ready: "False"), PodMembership.NotReady),
        new("Ready Unknown", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns", ready: "Unknown"), PodMembership.NotReady),
        new("no Ready condition", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns", ready: null), PodMembership.NotReady),
        new("terminating", Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns", terminating: true), PodMembership.Terminating),
    };

    [Theory]
    [MemberData(nameof(MembershipCases))]
    public void Evaluate_Pod_AppliesMembershipRule(MembershipCase testCase)
    {
        Assert.Equal(testCase.Expected, SnapshotBuilder.Evaluate(testCase.Pod, TwoKeyPool));
    }

    [Fact]
    public void Evaluate_ReadyConditionAmongOthers_Member()
    {
        var pod = Pod("p", labels: Labels("app=llm", "tier=gpu"), ns: "ns", ready: null);
        pod.Status!.Conditions = [new() { Type = "PodScheduled", Status = "True" }, new() { Type = "Ready", Status = "True" }];

        Assert.Equal(PodMembership.Member, SnapshotBuilder.Evaluate(pod, TwoKeyPool));
    }

    [Fact]
    public void Evaluate_EmptySelector_SelectsNothing()
    {
        var pool = BuildOk(pools: [Pool(selector: [])]).Pool!;

        Assert.Equal(PodMembership.LabelMismatch, SnapshotBuilder.Evaluate(Pod("p"), pool));
    }

    [Fact]
    public void Build_MixedPods_OnlyMembersBecomeEndpointsSortedByAddress()
    {
        var pods = new[]
        {
            Pod("c", ip: "10.0.0.3"),
            Pod("a", ip: "10.0.0.10"),
            Pod("not-ready", ip: "10.0.0.4", ready: "False"),
            Pod("b", ip: "10.0.0.2"),
            Pod("elsewhere", ip: "10.0.0.5", ns: "other"),
        };

        var snapshot = BuildOk(pools: [Pool(port: 8000)], pods: pods);

        Assert.Equal(["10.0.0.10:8000", "10.0.0.2:8000", "10.0.0.3:8000"], snapshot.Endpoints.Select(e => e.Address));
        Assert.Equal(["a", "b", "c"], snapshot.Endpoints.Select(e => e.Name));
        Assert.All(snapshot.Endpoints, e => Assert.Equal("default", e.Namespace));
    }

    [Theory]
    [InlineData("fd00::1", "[fd00::1]:8000")]
    [InlineData("FD00:0:0::0001", "[fd00::1]:8000")]
    [InlineData("192.168.1.7", "192.168.1.7:8000")]
    public void Build_PodIP_FormatsAddress(string ip, string expected)
    {
        var snapshot = BuildOk(pods: [Pod("p", ip: ip)]);

        Assert.Equal(expected, Assert.Single(snapshot.Endpoints).Address);
    }

    [Fact]
    public void Build_PodWithUnusableIP_Warns()
    {
        var result = Build(pods: [Pod("weird", ip: "10.0.0.300")]);

        Assert.True(result.Succeeded);
        Assert.Empty(result.Snapshot!.Endpoints);
        Assert.Contains(result.Warnings, w => w.Contains("default/weird", StringComparison.Ordinal) && w.Contains("10.0.0.300", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(null, "vllm")]
    [InlineData("", "vllm")]
    [InlineData("sglang", "sglang")]
    [InlineData("trtllm-serve", "trtllm-serve")]
    public void Build_EngineTypeLabel_SetsEngineType(string? engineType, string expected)
    {
        var labels = Labels("app=llm");
        if (engineType is not null)
        {
            labels[Endpoint.EngineTypeLabel] = engineType;
        }

        var endpoint = Assert.Single(BuildOk(pods: [Pod("p", labels: labels)]).Endpoints);

        Assert.Equal(expected, endpoint.EngineType);
        Assert.Equal("llm", endpoint.Labels["app"]);
    }

    [Fact]
    public void Build_StaticEndpoints_AddedWithEntryAsName()
    {
        var statics = new[]
        {
            Static("servers", "pool", engineType: "sglang", endpoints: ["127.0.0.3:8000", "127.0.0.2:8000", "[::1]:9000", "Model-Host.local:8001"]),
        };

        var snapshot = BuildOk(statics: statics);

        Assert.Equal(["127.0.0.2:8000", "127.0.0.3:8000", "[::1]:9000", "model-host.local:8001"], snapshot.Endpoints.Select(e => e.Address));
        Assert.Equal(["127.0.0.2:8000", "127.0.0.3:8000", "[::1]:9000", "Model-Host.local:8001"], snapshot.Endpoints.Select(e => e.Name));
        Assert.All(snapshot.Endpoints, e => Assert.Equal("sglang", e.EngineType));
    }

    [Fact]
    public void Build_StaticEndpointsWithoutEngineType_DefaultsToVllm()
    {
        var endpoint = Assert.Single(BuildOk(statics: [Static("s", "pool", endpoints: ["127.0.0.2:8000"])]).Endpoints);

        Assert.Equal(Endpoint.DefaultEngineType, endpoint.EngineType);
    }

    [Theory]
    [InlineData("other-pool", "default")]
    [InlineData("pool", "other-namespace")]
    public void Build_StaticEndpointsForAnotherPool_Ignored(string pool, string ns)
    {
        var snapshot = BuildOk(statics: [Static("s", pool, ns: ns, endpoints: ["127.0.0.2:8000"])]);

        Assert.Empty(snapshot.Endpoints);
    }

    [Fact]
    public void Build_InvalidStaticEntry_SkippedWithWarning()
    {
        var result = Build(statics: [Static("s", "pool", endpoints: ["127.0.0.2:8000", "127.0.0.3"])]);

        Assert.Equal("127.0.0.2:8000", Assert.Single(result.Snapshot!.Endpoints).Address);
        Assert.Contains(result.Warnings, w => w.Contains("\"127.0.0.3\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_SameAddressFromPodAndStaticList_ListedOnceWithWarning()
    {
        var result = Build(pods: [Pod("pod-a", ip: "127.0.0.2")], statics: [Static("s", "pool", endpoints: ["127.0.0.2:8000", "127.0.0.2:8000"])]);

        var endpoint = Assert.Single(result.Snapshot!.Endpoints);
        Assert.Equal("pod-a", endpoint.Name);
        Assert.Equal(2, result.Warnings.Count(w => w.Contains("already provided by Pod default/pod-a", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("127.0.0.2:8000", true, "127.0.0.2:8000")]
    [InlineData(" 10.1.2.3:1 ", true, "10.1.2.3:1")]
    [InlineData("[::1]:65535", true, "[::1]:65535")]
    [InlineData("[2001:DB8::1]:80", true, "[2001:db8::1]:80")]
    [InlineData("localhost:8000", true, "localhost:8000")]
    [InlineData("::1:8000", false, "")]
    [InlineData("[10.0.0.1]:80", false, "")]
    [InlineData("host", false, "")]
    [InlineData("host:0", false, "")]
    [InlineData("host:65536", false, "")]
    [InlineData("host:+80", false, "")]
    [InlineData(":80", false, "")]
    [InlineData("bad host:80", false, "")]
    [InlineData("", false, "")]
    public void TryNormalizeHostPort_Entry_ParsesOrRejects(string entry, bool ok, string expected)
    {
        Assert.Equal(ok, SnapshotBuilder.TryNormalizeHostPort(entry, out var address));
        Assert.Equal(expected, address);
    }
}
