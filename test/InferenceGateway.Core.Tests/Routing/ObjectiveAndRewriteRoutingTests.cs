using System.Text;
using InferenceGateway.Api.Meta;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Tests.Sources;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static InferenceGateway.Core.Tests.Datastore.Resources;
using static InferenceGateway.Core.Tests.Datastore.VersionedResources;
using A1 = InferenceGateway.Api.V1Alpha1;
using A2 = InferenceGateway.Api.V1Alpha2;
using static InferenceGateway.Core.Tests.Routing.RouterFixture;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>
/// InferenceObjective bands, InferenceModelRewrite rules, the rewrite header and the v1 pass-through, through the
/// real <see cref="InferenceRouter"/> over snapshots built from typed resources.
/// </summary>
public sealed class ObjectiveAndRewriteRoutingTests
{
    private readonly RouterFixture _fixture = new();
    private readonly FakeDatastore _datastore = new();
    private readonly RecordingScheduler _scheduler = new();
    private readonly RecordingLogger<InferenceRouter> _logger = new();

    private void Publish(params KubernetesObject[] resources)
    {
        var result = SnapshotBuilder.Build(
            SnapshotInputs.FromResources([.. resources, Pod("pod-a", "10.0.0.1"), Pod("pod-b", "10.0.0.2")]),
            PoolSelection.Auto);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        _datastore.Publish(result.Snapshot!);
    }

    private InferenceRouter CreateRouter(int seed = 1, IAdmissionController? admission = null) =>
        _fixture.CreateRouter(_datastore, _scheduler, admission: admission, random: new Random(seed), observers: [], logger: _logger);

    private static RoutingInput Input(string model, params (string Name, string Value)[] headers) =>
        RouterFixture.Input(Chat, $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", headers);

    private static A1.InferenceModel CriticalModel(string modelName) =>
        Model("m-" + modelName, modelName, criticality: A1.Criticality.Critical);

    [Theory]
    [InlineData("premium", CriticalityBand.Critical)]
    [InlineData("standard", CriticalityBand.Default)]
    [InlineData("unset", CriticalityBand.Default)]
    [InlineData("batch", CriticalityBand.Sheddable)]
    public void Route_ObjectiveHeader_BandOverridesModelCriticality(string objective, CriticalityBand expected)
    {
        // Arrange
        Publish(Pool(), CriticalModel("llama"), Objective("premium", 10), Objective("standard", 0), Objective("unset", null), Objective("batch", -1));
        var router = CreateRouter();

        // Act
        var routed = Routed(router.Route(Input("llama", (RoutingHeaders.InferenceObjective, objective))));

        // Assert
        Assert.Equal(expected, routed.Criticality);
        Assert.Equal(expected, Assert.Single(_fixture.Admission.Calls).Band);
        Assert.Equal(expected, Assert.Single(_scheduler.Calls).Request.Criticality);
        Assert.Equal(objective, routed.InferenceObjective);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_NoObjectiveHeader_ModelCriticalityApplies()
    {
        Publish(Pool(), CriticalModel("llama"), Objective("batch", -1));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("llama")));

        Assert.Equal(CriticalityBand.Critical, routed.Criticality);
        Assert.Null(routed.InferenceObjective);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_UnknownObjective_KeepsModelBandAndDebugLog()
    {
        Publish(Pool(), CriticalModel("llama"), Objective("premium", 10));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("llama", (RoutingHeaders.InferenceObjective, "no-such-objective"))));

        Assert.Equal(CriticalityBand.Critical, routed.Criticality);
        var entry = Assert.Single(_logger.Entries, e => e.EventId.Id == 2004);
        Assert.Equal(LogLevel.Debug, entry.Level);
        Assert.Contains("no-such-objective", entry.Message, StringComparison.Ordinal);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_SaturatedPool_ShedsSheddableObjectiveAdmitsOthers()
    {
        // Arrange: both endpoints at 1.2 x the queue threshold: above Sheddable's limit (1.0), below Default's (1.5).
        Publish(PoolV1(), Objective("batch", -5), Objective("premium", 3));
        foreach (var address in new[] { "10.0.0.1:8000", "10.0.0.2:8000" })
        {
            _fixture.Metrics.Set(address, FakeMetricsStore.Metrics(_fixture.Time.GetUtcNow(), waiting: 6));
        }

        var admission = new SaturationAdmissionController(Options.Create(new SaturationAdmissionOptions()), _fixture.Time);
        var router = CreateRouter(admission: admission);

        // Act
        var batch = router.Route(Input("llama", (RoutingHeaders.InferenceObjective, "batch")));
        var premium = router.Route(Input("llama", (RoutingHeaders.InferenceObjective, "premium")));
        var plain = router.Route(Input("llama"));

        // Assert
        Assert.Equal(429, batch.Error?.StatusCode);
        Assert.Equal(CriticalityBand.Critical, Routed(premium).Criticality);
        Assert.Equal(CriticalityBand.Default, Routed(plain).Criticality);
        premium.Routed!.Lease.Dispose();
        plain.Routed!.Lease.Dispose();
    }

    [Fact]
    public void Route_V1PoolUnregisteredModel_PassesThroughUnchangedInDefaultBand()
    {
        Publish(PoolV1());
        var router = CreateRouter();
        var input = Input("any-model-the-servers-know");

        var routed = Routed(router.Route(input));

        Assert.Equal(("any-model-the-servers-know", "any-model-the-servers-know"), (routed.RequestedModel, routed.TargetModel));
        Assert.False(routed.BodyChanged);
        Assert.True(routed.Body.Equals(input.Body));
        Assert.Equal(CriticalityBand.Default, routed.Criticality);
        Assert.Contains(_logger.Entries, e => e.EventId.Id == 2005);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_V1PoolRegisteredModel_KeepsItsCriticalityAndSplit()
    {
        Publish(PoolV1(), ModelV1Alpha2("m", "llama", A2.Criticality.Sheddable, group: "inference.networking.k8s.io", targets: [("lora-x", 1)]));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("llama")));

        Assert.Equal(("lora-x", CriticalityBand.Sheddable), (routed.TargetModel, routed.Criticality));
        routed.Lease.Dispose();
    }

    [Theory]
    [InlineData("v1alpha1")]
    [InlineData("v1alpha2")]
    public void Route_XK8sPoolUnregisteredModel_Returns404(string version)
    {
        Publish(version == "v1alpha1" ? Pool() : PoolV1Alpha2(), Model("m", "llama"));
        var router = CreateRouter();

        var outcome = router.Route(Input("unknown"));

        Assert.Equal(404, outcome.Error?.StatusCode);
        Assert.Contains("model \"unknown\" not found", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.Empty(_scheduler.Calls);
    }

    [Fact]
    public void Route_XK8sPoolModelKnownOnlyToARewriteRule_IsRewritten()
    {
        Publish(Pool(), Rewrite("r", T0, (["alias"], [("llama", null)])));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("alias")));

        Assert.Equal(("alias", "llama", CriticalityBand.Default), (routed.RequestedModel, routed.TargetModel, routed.Criticality));
        Assert.Contains("\"model\":\"llama\"", Encoding.UTF8.GetString(routed.Body.Span), StringComparison.Ordinal);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_RewriteRule_TwoTargetsFollowWeights()
    {
        // Arrange: 10/90 split; chi-square against the expected counts, 1 degree of freedom, p = 0.001 -> 10.83.
        Publish(PoolV1(), Rewrite("canary", T0, (["food-review"], [("food-review-v1", 10), ("food-review-v2", 90)])));
        var router = CreateRouter(seed: 42);
        const int N = 20_000;

        // Act
        var counts = Draw(router, "food-review", N);

        // Assert
        Assert.Equal(["food-review-v1", "food-review-v2"], counts.Keys.Order(StringComparer.Ordinal));
        var chiSquare = ChiSquare(counts, new Dictionary<string, double> { ["food-review-v1"] = 0.1, ["food-review-v2"] = 0.9 }, N);
        Assert.True(chiSquare < 10.83, $"chi-square {chiSquare:F2} for counts {string.Join(", ", counts)}");
    }

    [Fact]
    public void Route_RewriteRuleWithoutWeights_EvenThreeWaySplit()
    {
        Publish(PoolV1(), Rewrite("even", T0, (["m"], [("a", null), ("b", null), ("c", null)])));
        var router = CreateRouter(seed: 7);
        const int N = 9_000;

        var counts = Draw(router, "m", N);

        // 2 degrees of freedom, p = 0.001 -> 13.82.
        var chiSquare = ChiSquare(counts, new Dictionary<string, double> { ["a"] = 1 / 3.0, ["b"] = 1 / 3.0, ["c"] = 1 / 3.0 }, N);
        Assert.True(chiSquare < 13.82, $"chi-square {chiSquare:F2} for counts {string.Join(", ", counts)}");
    }

    [Fact]
    public void Route_RewriteHeader_WinsOverRewriteRuleAndModelSplit()
    {
        Publish(
            Pool(),
            Model("m", "food-review", targets: [new A1.TargetModel { Name = "split-target", Weight = 1 }]),
            Rewrite("r", T0, (["food-review"], [("rule-target", null)])));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("food-review", (RoutingHeaders.ModelNameRewrite, "header-target"))));

        Assert.Equal("header-target", routed.TargetModel);
        Assert.Contains("\"model\":\"header-target\"", Encoding.UTF8.GetString(routed.Body.Span), StringComparison.Ordinal);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_RewriteRule_WinsOverModelSplitButKeepsModelCriticality()
    {
        Publish(
            Pool(),
            Model("m", "food-review", criticality: A1.Criticality.Sheddable, targets: [new A1.TargetModel { Name = "split-target", Weight = 1 }]),
            Rewrite("r", T0, (["food-review"], [("rule-target", null)])));
        var router = CreateRouter();

        var routed = Routed(router.Route(Input("food-review")));

        Assert.Equal(("rule-target", CriticalityBand.Sheddable), (routed.TargetModel, routed.Criticality));
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_CatchAllRule_AppliesToModelsWithoutExactRule()
    {
        Publish(PoolV1(), Rewrite("r", T0, (["exact"], [("exact-target", null)]), ([], [("fallback", null)])));
        var router = CreateRouter();

        var exact = Routed(router.Route(Input("exact")));
        var other = Routed(router.Route(Input("whatever")));

        Assert.Equal(("exact-target", "fallback"), (exact.TargetModel, other.TargetModel));
        exact.Lease.Dispose();
        other.Lease.Dispose();
    }

    private static Dictionary<string, int> Draw(InferenceRouter router, string model, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            var routed = Routed(router.Route(Input(model)));
            counts[routed.TargetModel] = counts.GetValueOrDefault(routed.TargetModel) + 1;
            routed.Lease.Dispose();
        }

        return counts;
    }

    private static double ChiSquare(Dictionary<string, int> counts, Dictionary<string, double> probabilities, int n)
    {
        var sum = 0.0;
        foreach (var (name, probability) in probabilities)
        {
            var expected = probability * n;
            var observed = counts.GetValueOrDefault(name);
            sum += (observed - expected) * (observed - expected) / expected;
        }

        return sum;
    }
}
