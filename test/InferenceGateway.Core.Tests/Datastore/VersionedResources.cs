using InferenceGateway.Api.Meta;
using A2 = InferenceGateway.Api.V1Alpha2;
using V1 = InferenceGateway.Api.V1;

namespace InferenceGateway.Core.Tests.Datastore;

/// <summary>Typed v1alpha2 and v1 resources for builder and router tests (the v1alpha1 ones are in <see cref="Resources"/>).</summary>
internal static class VersionedResources
{
    public static V1.InferencePool PoolV1(
        string name = "pool",
        string ns = "default",
        int[]? ports = null,
        string? appProtocol = null,
        V1.EndpointPickerFailureMode? failureMode = null,
        Dictionary<string, string>? matchLabels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new V1.InferencePoolSpec
        {
            Selector = new V1.LabelSelector { MatchLabels = matchLabels ?? Resources.Labels("app=llm") },
            TargetPorts = [.. (ports ?? [8000]).Select(p => new V1.Port { Number = p })],
            AppProtocol = appProtocol,
            EndpointPickerRef = failureMode is null ? null : new V1.EndpointPickerRef
            {
                Name = "epp",
                Port = new V1.Port { Number = 9002 },
                FailureMode = failureMode,
            },
        },
    };

    public static A2.InferencePool PoolV1Alpha2(string name = "pool", string ns = "default", int port = 8000, A2.ExtensionFailureMode? failureMode = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new A2.InferencePoolSpec
        {
            Selector = Resources.Labels("app=llm"),
            TargetPortNumber = port,
            ExtensionRef = new A2.ExtensionReference { Name = "epp", PortNumber = 9002, FailureMode = failureMode },
        },
    };

    public static A2.InferenceModel ModelV1Alpha2(
        string name,
        string modelName,
        A2.Criticality? criticality = null,
        string pool = "pool",
        string? group = null,
        DateTimeOffset? created = null,
        params (string Name, int? Weight)[] targets) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", CreationTimestamp = created },
        Spec = new A2.InferenceModelSpec
        {
            ModelName = modelName,
            Criticality = criticality,
            TargetModels = targets.Length == 0 ? null : [.. targets.Select(t => new A2.TargetModel { Name = t.Name, Weight = t.Weight })],
            PoolRef = new A2.InferenceModelPoolReference { Name = pool, Group = group },
        },
    };

    public static A2.InferenceObjective Objective(string name, int? priority, string pool = "pool", string ns = "default", string? group = A2.PoolObjectReference.DefaultGroup) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new A2.InferenceObjectiveSpec
        {
            Priority = priority,
            PoolRef = new A2.PoolObjectReference { Name = pool, Group = group },
        },
    };

    /// <summary>A rewrite; each rule is (exact model values to match, or none for a catch-all; targets).</summary>
    public static A2.InferenceModelRewrite Rewrite(
        string name,
        DateTimeOffset? created,
        params (string[] Matches, (string Model, int? Weight)[] Targets)[] rules) => Rewrite(name, created, "pool", rules);

    public static A2.InferenceModelRewrite Rewrite(
        string name,
        DateTimeOffset? created,
        string pool,
        params (string[] Matches, (string Model, int? Weight)[] Targets)[] rules) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default", CreationTimestamp = created },
        Spec = new A2.InferenceModelRewriteSpec
        {
            PoolRef = new A2.PoolObjectReference { Name = pool, Group = A2.PoolObjectReference.DefaultGroup },
            Rules =
            [
                .. rules.Select(r => new A2.InferenceModelRewriteRule
                {
                    Matches = r.Matches.Length == 0
                        ? null
                        : [.. r.Matches.Select(m => new A2.ModelRewriteMatch { Model = new A2.ModelMatch { Type = A2.ModelMatchType.Exact, Value = m } })],
                    Targets = [.. r.Targets.Select(t => new A2.ModelRewriteTarget { ModelRewrite = t.Model, Weight = t.Weight })],
                }),
            ],
        },
    };
}
