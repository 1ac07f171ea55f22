using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Kubernetes.Tests;

public sealed class StatusConditionsTests
{
    private static readonly DateTimeOffset Earlier = DateTimeOffset.Parse("2025-01-01T00:00:00Z");
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2025-06-01T12:30:45.678Z");

    private static Condition Make(string status, string reason = "R", string message = "m", long? generation = 1, DateTimeOffset? time = null) => new()
    {
        Type = "Ready",
        Status = status,
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
        LastTransitionTime = time ?? Earlier,
    };

    [Fact]
    public void Merge_SameCondition_ReturnsNullSoNothingIsWritten()
    {
        Assert.Null(StatusConditions.Merge([Make("True")], Make("True", time: Now), Now));
    }

    [Fact]
    public void Merge_MessageChangesStatusSame_KeepsLastTransitionTime()
    {
        var merged = StatusConditions.Merge([Make("True")], Make("True", message: "other"), Now)!;

        Assert.Equal("other", Assert.Single(merged).Message);
        Assert.Equal(Earlier, merged[0].LastTransitionTime);
    }

    [Fact]
    public void Merge_StatusFlips_SetsTransitionTimeToNowTruncatedToSeconds()
    {
        var merged = StatusConditions.Merge([Make("True")], Make("False"), Now)!;

        Assert.Equal(DateTimeOffset.Parse("2025-06-01T12:30:45Z"), Assert.Single(merged).LastTransitionTime);
    }

    [Fact]
    public void Merge_GenerationChanges_Rewrites()
    {
        Assert.NotNull(StatusConditions.Merge([Make("True")], Make("True", generation: 2), Now));
    }

    [Fact]
    public void Merge_OtherConditionTypes_AreKept()
    {
        var other = new Condition { Type = "ResolvedRefs", Status = "True", Reason = "x", Message = "y" };

        var merged = StatusConditions.Merge([other], Make("True"), Now)!;

        Assert.Equal(["ResolvedRefs", "Ready"], merged.Select(c => c.Type));
    }

    [Fact]
    public void Desired_PoolWithConflictingModels_PoolReadyAndOneAcceptedPerModelOfThePool()
    {
        var labels = new Dictionary<string, string> { ["app"] = "llama" };
        var read = ManifestReader.Read(ManifestYaml.Join(
            ManifestYaml.Pool("llama", 8000, "serving", labels),
            ManifestYaml.Pod("vllm-0", "10.0.0.10", labels, "serving"),
            ManifestYaml.Model("chat", "chat", "llama", "serving", created: Earlier),
            ManifestYaml.Model("chat-new", "chat", "llama", "serving", created: Now),
            ManifestYaml.Model("elsewhere", "other", "another-pool", "serving")), "test");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var objects = read.Documents.Select(d => d.Object).ToList();
        var build = SnapshotBuilder.Build(SnapshotInputs.FromResources(objects), new PoolSelection("llama", "serving"));
        var models = objects.Where(o => o is Api.V1Alpha1.InferenceModel).ToList();

        var desired = StatusConditions.Desired(objects[0], models, build);

        Assert.Equal(("Ready", "True", StatusConditionNames.ReasonReady), (desired.Pool!.Type, desired.Pool.Status, desired.Pool.Reason));
        Assert.Equal(
            [("chat", "True", StatusConditionNames.ReasonAccepted), ("chat-new", "False", ModelConditionReasons.ModelNameConflict)],
            desired.Models.Select(m => (m.Model.Metadata.Name!, m.Accepted.Status, m.Accepted.Reason)));
        Assert.All(desired.Models, m => Assert.Equal(StatusConditionNames.Accepted, m.Accepted.Type));
    }

    [Fact]
    public void Desired_NoPoolObject_NoPoolConditionAndUnservableModelsGetNone()
    {
        var read = ManifestReader.Read(ManifestYaml.Model("chat", "chat", "llama", "serving"), "test");
        var objects = read.Documents.Select(d => d.Object).ToList();
        var build = SnapshotBuilder.Build(SnapshotInputs.FromResources(objects), new PoolSelection("llama", "serving"));

        var desired = StatusConditions.Desired(null, objects, build);

        Assert.Null(desired.Pool);
        Assert.Empty(desired.Models);
    }

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(3, 800)]
    [InlineData(5, 1000)]
    [InlineData(40, 1000)]
    public void ReconnectBackoff_Failures_DoublesUpToTheCap(int failures, int expectedMs)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs),
            ReconnectBackoff.Delay(failures, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Options_Validate_RejectsMissingPoolAndInconsistentLeaseTimes()
    {
        Assert.Throws<ArgumentException>(() => new KubernetesSourceOptions().Validate());
        var options = new KubernetesSourceOptions { PoolName = "p" };
        options.Validate();
        options.LeaderElection.RenewDeadline = TimeSpan.FromSeconds(20);
        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
        options.LeaderElection.Enabled = false;
        options.Validate();
        Assert.Equal("p-epp-leader", options.EffectiveLeaseName);
        Assert.Equal("default", options.EffectiveLeaseNamespace);
    }
}
