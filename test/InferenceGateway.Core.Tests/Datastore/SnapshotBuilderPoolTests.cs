using InferenceGateway.Api.V1Alpha1;
using InferenceGateway.Core.Datastore;
using static InferenceGateway.Core.Tests.Datastore.Resources;

namespace InferenceGateway.Core.Tests.Datastore;

public sealed class SnapshotBuilderPoolTests
{
    [Fact]
    public void Build_OnePoolAndNoSelection_ServesThatPool()
    {
        var snapshot = BuildOk(pools: [Pool("only", ns: "team-a", port: 8200, selector: Labels("app=llm", "tier=gpu"))]);

        Assert.NotNull(snapshot.Pool);
        Assert.Equal("only", snapshot.Pool.Name);
        Assert.Equal("team-a", snapshot.Pool.Namespace);
        Assert.Equal([8200], snapshot.Pool.TargetPorts.ToArray());
        Assert.Equal("gpu", snapshot.Pool.Selector["tier"]);
        Assert.Equal(FailureMode.FailClose, snapshot.Pool.FailureMode);
        Assert.Equal(0, snapshot.Version);
    }

    [Fact]
    public void Build_PoolWithoutNamespace_UsesDefaultNamespace()
    {
        var snapshot = BuildOk(pools: [Pool("p", ns: null)], models: [Model("m", "llama", pool: "p", ns: null)]);

        Assert.Equal("default", snapshot.Pool!.Namespace);
        Assert.Contains("llama", snapshot.Models.Keys);
    }

    [Fact]
    public void Build_ExtensionRefFailOpen_MapsFailureMode()
    {
        var pool = Pool();
        pool.Spec.ExtensionRef = new ExtensionReference { Name = "epp", FailureMode = ExtensionFailureMode.FailOpen };

        var snapshot = BuildOk(pools: [pool]);

        Assert.Equal(FailureMode.FailOpen, snapshot.Pool!.FailureMode);
    }

    [Fact]
    public void Build_NoPool_FailsWithClearError()
    {
        var result = Build(pools: []);

        Assert.False(result.Succeeded);
        Assert.Contains("no InferencePool found", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SeveralPoolsAndNoSelection_FailsListingPools()
    {
        var result = Build(pools: [Pool("b"), Pool("a", ns: "other")]);

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Contains("several InferencePools", error, StringComparison.Ordinal);
        Assert.Contains("default/b, other/a", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_SelectedPoolMissing_FailsListingPools()
    {
        var result = Build(pools: [Pool("a"), Pool("b")], selection: new PoolSelection("c", "default"));

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Contains("default/c not found", error, StringComparison.Ordinal);
        Assert.Contains("default/a, default/b", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NameInTwoNamespacesWithoutNamespace_FailsAsAmbiguous()
    {
        var result = Build(pools: [Pool("p", ns: "x"), Pool("p", ns: "y")], selection: new PoolSelection("p", null));

        Assert.False(result.Succeeded);
        Assert.Contains("ambiguous (x/p, y/p)", Assert.Single(result.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("p", "y", "y")]
    [InlineData("q", null, "x")]
    public void Build_SelectionAmongSeveralPools_ServesTheSelectedOne(string name, string? ns, string expectedNamespace)
    {
        var snapshot = BuildOk(pools: [Pool("p", ns: "x"), Pool("p", ns: "y"), Pool("q", ns: "x")], selection: new PoolSelection(name, ns));

        Assert.Equal(name, snapshot.Pool!.Name);
        Assert.Equal(expectedNamespace, snapshot.Pool.Namespace);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(65536)]
    public void Build_UnusableTargetPort_Fails(int? port)
    {
        var result = Build(pools: [Pool(port: port)]);

        Assert.False(result.Succeeded);
        Assert.Contains("spec.targetPortNumber", Assert.Single(result.Errors), StringComparison.Ordinal);
    }
}
