using InferenceGateway.Api.V1Alpha1;
using InferenceGateway.Core.Datastore;
using static InferenceGateway.Core.Tests.Datastore.Resources;

namespace InferenceGateway.Core.Tests.Datastore;

public sealed class SnapshotBuilderModelTests
{
    /// <summary>One uniqueness case: models as "namespace-free name@minutes-after-T0" ("-" = no timestamp).</summary>
    public sealed record UniquenessCase(string Description, string[] Models, string Winner, string[] Losers)
    {
        public override string ToString() => Description;
    }

    public static TheoryData<UniquenessCase> UniquenessCases => new()
    {
        new("oldest wins", ["new@5", "old@1"], "old", ["new"]),
        new("oldest wins even when its name sorts last", ["a@2", "z@1"], "z", ["a"]),
        new("exact tie goes to the first name in ordinal order", ["b@3", "a@3"], "a", ["b"]),
        new("ordinal, not culture, order on ties", ["a@3", "B@3"], "B", ["a"]),
        new("no timestamps: first name in ordinal order", ["m2@-", "m1@-"], "m1", ["m2"]),
        new("a known creation time beats an unknown one", ["a@-", "b@9"], "b", ["a"]),
        new("three-way conflict: one winner, two losers", ["c@3", "b@2", "a@4"], "b", ["a", "c"]),
    };

    [Theory]
    [MemberData(nameof(UniquenessCases))]
    public void Build_SameModelName_OldestWinsAndOthersConflict(UniquenessCase testCase)
    {
        var models = testCase.Models.Select(spec =>
        {
            var (name, age) = (spec.Split('@')[0], spec.Split('@')[1]);
            return Model(name, "llama", created: age == "-" ? null : T0.AddMinutes(int.Parse(age, System.Globalization.CultureInfo.InvariantCulture)));
        });

        var snapshot = BuildOk(models: models);

        Assert.Equal(new ObjectKey("default", testCase.Winner), snapshot.Models["llama"].Source);
        Assert.Equal(testCase.Losers, snapshot.Conflicts.Select(c => c.Loser.Name));
        Assert.All(snapshot.Conflicts, conflict =>
        {
            Assert.Equal(ModelConditionReasons.ModelNameConflict, conflict.Reason);
            Assert.Equal(new ObjectKey("default", testCase.Winner), conflict.Winner);
            Assert.Equal("llama", conflict.ModelName);
            Assert.Contains($"InferenceModel default/{testCase.Winner}", conflict.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Build_SameModelNameTwiceInInputOrder_ResultDoesNotDependOnOrder()
    {
        var first = BuildOk(models: [Model("a", "llama"), Model("b", "llama")]);
        var second = BuildOk(models: [Model("b", "llama"), Model("a", "llama")]);

        Assert.Equal(first.Models["llama"].Source, second.Models["llama"].Source);
        Assert.Equal(first.Conflicts.ToArray(), second.Conflicts.ToArray());
    }

    [Fact]
    public void Build_WinnerDeleted_NextOldestIsPromoted()
    {
        var oldest = Model("oldest", "llama", created: T0);
        var middle = Model("middle", "llama", created: T0.AddHours(1));
        var newest = Model("newest", "llama", created: T0.AddHours(2));
        var before = BuildOk(models: [newest, oldest, middle]);

        var after = BuildOk(models: [newest, middle]);

        Assert.Equal("oldest", before.Models["llama"].Source.Name);
        Assert.Equal("middle", after.Models["llama"].Source.Name);
        var conflict = Assert.Single(after.Conflicts);
        Assert.Equal("newest", conflict.Loser.Name);
        Assert.Equal("middle", conflict.Winner.Name);
        Assert.Contains("is older", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SameModelNameInDifferentPools_NoConflict()
    {
        var pools = new[] { Pool("a"), Pool("b") };
        var models = new[] { Model("on-a", "llama", pool: "a", created: T0.AddHours(1)), Model("on-b", "llama", pool: "b", created: T0) };

        var servedA = BuildOk(pools: pools, models: models, selection: new PoolSelection("a", "default"));
        var servedB = BuildOk(pools: pools, models: models, selection: new PoolSelection("b", "default"));

        Assert.Equal("on-a", servedA.Models["llama"].Source.Name);
        Assert.Empty(servedA.Conflicts);
        Assert.Equal("on-b", servedB.Models["llama"].Source.Name);
        Assert.Empty(servedB.Conflicts);
    }

    [Theory]
    [InlineData("other-pool", "default", null, null)]
    [InlineData("pool", "other-namespace", null, null)]
    [InlineData("pool", "default", "example.com", null)]
    [InlineData("pool", "default", null, "Service")]
    public void Build_ModelForAnotherPool_IsIgnored(string pool, string ns, string? group, string? kind)
    {
        var snapshot = BuildOk(models: [Model("m", "llama", pool: pool, ns: ns, group: group, kind: kind)]);

        Assert.Empty(snapshot.Models);
        Assert.Empty(snapshot.Conflicts);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("inference.networking.x-k8s.io", "InferencePool")]
    public void Build_PoolRefGroupAndKindDefaultedOrExplicit_ModelServed(string? group, string? kind)
    {
        var snapshot = BuildOk(models: [Model("m", "llama", group: group, kind: kind)]);

        Assert.Contains("llama", snapshot.Models.Keys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Build_EmptyModelName_ReportedNotRenamed(string? modelName)
    {
        var snapshot = BuildOk(models: [Model("my-model", modelName)]);

        Assert.Empty(snapshot.Models);
        var conflict = Assert.Single(snapshot.Conflicts);
        Assert.Equal(ModelConditionReasons.ModelNameMissing, conflict.Reason);
        Assert.Equal(new ObjectKey("default", "my-model"), conflict.Loser);
        Assert.Equal(conflict.Loser, conflict.Winner);
        Assert.Contains("spec.modelName is empty", conflict.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, CriticalityBand.Default)]
    [InlineData(Criticality.Critical, CriticalityBand.Critical)]
    [InlineData(Criticality.Default, CriticalityBand.Default)]
    [InlineData(Criticality.Sheddable, CriticalityBand.Sheddable)]
    public void Build_Criticality_MapsToBand(Criticality? criticality, CriticalityBand expected)
    {
        var snapshot = BuildOk(models: [Model("m", "llama", criticality: criticality)]);

        Assert.Equal(expected, snapshot.Models["llama"].Criticality);
    }

    [Fact]
    public void Build_TargetModels_KeepOrderAndDefaultWeightToOne()
    {
        var targets = new List<TargetModel>
        {
            new() { Name = "lora-a", Weight = 90 },
            new() { Name = "lora-b" },
            new() { Name = "lora-c", Weight = 0 },
        };

        var route = BuildOk(models: [Model("m", "llama", created: T0, targets: targets)]).Models["llama"];

        Assert.Equal([new WeightedTarget("lora-a", 90), new WeightedTarget("lora-b", 1), new WeightedTarget("lora-c", 0)], route.Targets.ToArray());
        Assert.Equal(new ObjectKey("default", "m"), route.Source);
        Assert.Equal(T0, route.CreatedAt);
    }

    [Fact]
    public void Build_NoTargetModels_EmptyTargets()
    {
        var route = BuildOk(models: [Model("m", "llama")]).Models["llama"];

        Assert.Empty(route.Targets);
        Assert.Equal("llama", route.ModelName);
    }

    [Fact]
    public void Build_AllTargetWeightsZero_ModelKeptAsReservedName()
    {
        var route = BuildOk(models: [Model("m", "reserved", targets: [new() { Name = "x", Weight = 0 }])]).Models["reserved"];

        Assert.Equal([new WeightedTarget("x", 0)], route.Targets.ToArray());
    }

    [Theory]
    [InlineData(null, 1, "spec.targetModels[1].name is empty")]
    [InlineData("b", -1, "spec.targetModels[1].weight must be between 0 and 1000000")]
    [InlineData("b", 1_000_001, "spec.targetModels[1].weight must be between 0 and 1000000")]
    public void Build_InvalidTargetModel_ModelNotServedAndReported(string? name, int weight, string expected)
    {
        var targets = new List<TargetModel> { new() { Name = "a", Weight = 1 }, new() { Name = name, Weight = weight } };

        var snapshot = BuildOk(models: [Model("bad", "llama", targets: targets, created: T0), Model("good", "llama", created: T0.AddDays(1))]);

        Assert.Equal("good", snapshot.Models["llama"].Source.Name);
        var conflict = Assert.Single(snapshot.Conflicts);
        Assert.Equal(ModelConditionReasons.InvalidTargetModels, conflict.Reason);
        Assert.Contains(expected, conflict.Message, StringComparison.Ordinal);
    }
}
