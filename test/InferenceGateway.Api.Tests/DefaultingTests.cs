using InferenceGateway.Api.Local;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Tests;

public sealed class DefaultingTests
{
    private const string ModelHeader = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferenceModel\nmetadata:\n  name: m\n";
    private const string PoolHeader = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferencePool\nmetadata:\n  name: p\n";

    [Fact]
    public void Read_ModelWithoutOptionalFields_CriticalityAndPoolRefDefaulted()
    {
        var model = ReadOne<InferenceModel>(ModelHeader + "spec:\n  modelName: llama\n  poolRef:\n    name: pool\n");

        Assert.Equal(Criticality.Default, model.Spec.Criticality);
        Assert.Equal("inference.networking.x-k8s.io", model.Spec.PoolRef.Group);
        Assert.Equal("InferencePool", model.Spec.PoolRef.Kind);
        Assert.Equal("pool", model.Spec.PoolRef.Name);
        Assert.Null(model.Spec.TargetModels);
    }

    [Fact]
    public void Read_NullCriticality_DefaultedLikeAbsent()
    {
        var model = ReadOne<InferenceModel>(ModelHeader + "spec:\n  criticality: null\n  poolRef:\n    name: pool\n");

        Assert.Equal(Criticality.Default, model.Spec.Criticality);
    }

    [Fact]
    public void Read_TargetWithoutWeight_WeightDefaultsToOneAndExplicitZeroKept()
    {
        var model = ReadOne<InferenceModel>(ModelHeader + "spec:\n  targetModels:\n  - name: a\n  - name: b\n    weight: 0\n  - name: c\n    weight: 7\n  poolRef:\n    name: pool\n");

        Assert.Equal([1, 0, 7], model.Spec.TargetModels!.Select(t => t.Weight ?? -1));
    }

    [Fact]
    public void Read_ExplicitValues_NotOverwrittenByDefaults()
    {
        var model = ReadOne<InferenceModel>(ModelHeader + "spec:\n  criticality: Sheddable\n  poolRef:\n    group: \"\"\n    kind: Other\n    name: pool\n");

        Assert.Equal(Criticality.Sheddable, model.Spec.Criticality);
        Assert.Equal("", model.Spec.PoolRef.Group);
        Assert.Equal("Other", model.Spec.PoolRef.Kind);
    }

    [Fact]
    public void Read_ExtensionRefWithNameOnly_AllExtensionDefaults()
    {
        var pool = ReadOne<InferencePool>(PoolHeader + "spec:\n  selector: {app: vllm}\n  targetPortNumber: 8000\n  extensionRef:\n    name: epp\n");

        var extension = pool.Spec.ExtensionRef!;
        Assert.Equal("", extension.Group);
        Assert.Equal("Service", extension.Kind);
        Assert.Equal("epp", extension.Name);
        Assert.Equal(9002, extension.TargetPortNumber);
        Assert.Equal(ExtensionFailureMode.FailClose, extension.FailureMode);
    }

    [Fact]
    public void Read_PoolWithoutExtensionRef_ExtensionRefStaysAbsent()
    {
        var pool = ReadOne<InferencePool>(PoolHeader + "spec:\n  selector: {app: vllm}\n  targetPortNumber: 8000\n");

        Assert.Null(pool.Spec.ExtensionRef);
        Assert.Equal(8000, pool.Spec.TargetPortNumber);
        Assert.Equal("vllm", pool.Spec.Selector!["app"]);
    }

    [Fact]
    public void Read_StaticEndpointsWithoutEngine_EngineTypeDefaultsToVllm()
    {
        var endpoints = ReadOne<StaticEndpoints>("apiVersion: inference-gateway.io/v1alpha1\nkind: StaticEndpoints\nmetadata:\n  name: s\nspec:\n  poolName: p\n  endpoints: [\"127.0.0.2:8000\"]\n");

        Assert.Equal("vllm", endpoints.Spec.EngineType);
        Assert.Equal(["127.0.0.2:8000"], endpoints.Spec.Endpoints!);
    }

    [Fact]
    public void Read_Namespace_LeftAsWrittenWithoutDefault()
    {
        var pool = ReadOne<InferencePool>(PoolHeader + "spec:\n  selector: {app: vllm}\n  targetPortNumber: 8000\n");

        // Like kubectl, the namespace comes from context (the file source), not from the schema.
        Assert.Null(pool.Metadata.Namespace);
    }

    private static T ReadOne<T>(string yaml)
    {
        var result = ManifestReader.Read(yaml, "test.yaml");
        Assert.Empty(result.Errors);
        return Assert.IsType<T>(Assert.Single(result.Documents).Object);
    }
}
