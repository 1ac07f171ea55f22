using System.Text.Json;
using InferenceGateway.Api.Serialization;
using A2 = InferenceGateway.Api.V1Alpha2;
using V1 = InferenceGateway.Api.V1;

namespace InferenceGateway.Api.Tests;

/// <summary>The later API versions read into their typed resources, with the API server's defaults filled in.</summary>
public sealed class ApiVersionReaderTests
{
    private static T ReadSingle<T>(string yaml)
    {
        var result = ManifestReader.Read(yaml, "test.yaml");
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        return Assert.IsType<T>(Assert.Single(result.Documents).Object);
    }

    [Fact]
    public void Read_V1PoolMinimal_DefaultsAppProtocolAndPickerRef()
    {
        var pool = ReadSingle<V1.InferencePool>("""
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: { name: vllm, namespace: default }
            spec:
              selector: { matchLabels: { app: vllm } }
              targetPorts: [{ number: 8000 }, { number: 8001 }]
              endpointPickerRef: { name: vllm-epp, port: { number: 9002 } }
            """);

        Assert.Equal(V1.AppProtocols.Http, pool.Spec.AppProtocol);
        Assert.Equal([8000, 8001], pool.Spec.TargetPorts!.Select(p => p.Number!.Value));
        Assert.Equal("vllm", pool.Spec.Selector.MatchLabels!["app"]);
        var picker = pool.Spec.EndpointPickerRef!;
        Assert.Equal(("", "Service", "vllm-epp", 9002, V1.EndpointPickerFailureMode.FailClose), (picker.Group, picker.Kind, picker.Name, picker.Port!.Number, picker.FailureMode));
    }

    [Fact]
    public void Read_V1PoolStatusParents_ParentRefDefaults()
    {
        var pool = ReadSingle<V1.InferencePool>("""
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: { name: vllm }
            spec:
              selector: { matchLabels: { app: vllm } }
              targetPorts: [{ number: 8000 }]
            status:
              parents:
              - parentRef: { name: gw }
                controllerName: example.com/gateway
            """);

        var parent = Assert.Single(pool.Status!.Parents!);
        Assert.Equal(("gateway.networking.k8s.io", "Gateway", "gw", "example.com/gateway"), (parent.ParentRef.Group, parent.ParentRef.Kind, parent.ParentRef.Name, parent.ControllerName));
    }

    [Fact]
    public void Read_V1Alpha2Pool_ExtensionRefDefaultsAndParentStatus()
    {
        var pool = ReadSingle<A2.InferencePool>("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferencePool
            metadata: { name: vllm }
            spec:
              selector: { app: vllm }
              targetPortNumber: 8000
              extensionRef: { name: vllm-epp }
            status:
              parent:
              - parentRef: { name: gw }
            """);

        var extension = pool.Spec.ExtensionRef;
        Assert.Equal(("", "Service", null, A2.ExtensionFailureMode.FailClose), (extension.Group, extension.Kind, extension.PortNumber, extension.FailureMode));
        Assert.Equal("gw", Assert.Single(pool.Status!.Parents!).ParentRef.Name);
    }

    [Fact]
    public void Read_V1Alpha2Model_NoCriticalityDefaultNoWeightDefault()
    {
        var model = ReadSingle<A2.InferenceModel>("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceModel
            metadata: { name: llama }
            spec:
              modelName: llama-3
              targetModels: [{ name: a }, { name: b }]
              poolRef: { name: vllm }
            """);

        Assert.Null(model.Spec.Criticality);
        Assert.All(model.Spec.TargetModels!, t => Assert.Null(t.Weight));
        Assert.Equal(("inference.networking.x-k8s.io", "InferencePool"), (model.Spec.PoolRef.Group, model.Spec.PoolRef.Kind));
    }

    [Fact]
    public void Read_Objective_PoolRefDefaultsToTheV1Group()
    {
        var objective = ReadSingle<A2.InferenceObjective>("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceObjective
            metadata: { name: batch }
            spec:
              priority: -5
              poolRef: { name: vllm }
            """);

        Assert.Equal(-5, objective.Spec.Priority);
        Assert.Equal(("inference.networking.k8s.io", "InferencePool", "vllm"), (objective.Spec.PoolRef.Group, objective.Spec.PoolRef.Kind, objective.Spec.PoolRef.Name));
    }

    [Fact]
    public void Read_Rewrite_MatchTypeDefaultsToExact()
    {
        var rewrite = ReadSingle<A2.InferenceModelRewrite>("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceModelRewrite
            metadata: { name: canary }
            spec:
              poolRef: { name: vllm }
              rules:
              - matches: [{ model: { value: food-review } }]
                targets: [{ modelRewrite: v1, weight: 10 }, { modelRewrite: v2, weight: 90 }]
            """);

        var rule = Assert.Single(rewrite.Spec.Rules!);
        var match = Assert.Single(rule.Matches!).Model;
        Assert.Equal((A2.ModelMatchType.Exact, "food-review"), (match.Type, match.Value));
        Assert.Equal([("v1", 10), ("v2", 90)], rule.Targets!.Select(t => (t.ModelRewrite!, t.Weight!.Value)));
    }

    [Fact]
    public void Read_TypedListOfObjectives_ItemsMayOmitApiVersionAndKind()
    {
        var result = ManifestReader.Read("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceObjectiveList
            items:
            - metadata: { name: a }
              spec: { priority: 1, poolRef: { name: vllm } }
            - metadata: { name: b }
              spec: { poolRef: { name: vllm } }
            """, "list.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(["a", "b"], result.Documents.Select(d => Assert.IsType<A2.InferenceObjective>(d.Object).Metadata.Name!));
    }

    [Fact]
    public void Serialize_V1Pool_UsesTheWireNames()
    {
        var pool = new V1.InferencePool
        {
            ApiVersion = V1.InferencePool.GroupVersion,
            Kind = V1.InferencePool.KindName,
            Metadata = new Meta.ObjectMeta { Name = "p" },
            Spec = new V1.InferencePoolSpec
            {
                Selector = new V1.LabelSelector { MatchLabels = new() { ["app"] = "x" } },
                TargetPorts = [new V1.Port { Number = 8000 }],
                AppProtocol = V1.AppProtocols.H2c,
                EndpointPickerRef = new V1.EndpointPickerRef { Name = "epp", Port = new V1.Port { Number = 9002 }, FailureMode = V1.EndpointPickerFailureMode.FailOpen },
            },
        };

        var json = JsonSerializer.Serialize(pool, KubernetesJson.Options);
        var back = ManifestReader.Read(json, "roundtrip.json");

        Assert.Contains("\"endpointPickerRef\":{", json, StringComparison.Ordinal);
        Assert.Contains("\"failureMode\":\"FailOpen\"", json, StringComparison.Ordinal);
        Assert.Contains("\"appProtocol\":\"kubernetes.io/h2c\"", json, StringComparison.Ordinal);
        Assert.True(back.IsValid, string.Join("\n", back.Errors));
    }
}
