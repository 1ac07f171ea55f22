using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Core.Tests.Datastore;

/// <summary>Typed resources for builder tests, with only the fields a test names set.</summary>
internal static class Resources
{
    public static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Dictionary<string, string> Labels(params string[] pairs)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            labels[pair[..equals]] = pair[(equals + 1)..];
        }

        return labels;
    }

    public static InferencePool Pool(string name = "pool", string? ns = "default", int? port = 8000, Dictionary<string, string>? selector = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new InferencePoolSpec { TargetPortNumber = port, Selector = selector ?? Labels("app=llm") },
    };

    public static InferenceModel Model(
        string name,
        string? modelName,
        string pool = "pool",
        string? ns = "default",
        DateTimeOffset? created = null,
        Criticality? criticality = null,
        List<TargetModel>? targets = null,
        string? group = null,
        string? kind = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, CreationTimestamp = created },
        Spec = new InferenceModelSpec
        {
            ModelName = modelName,
            Criticality = criticality,
            TargetModels = targets,
            PoolRef = new PoolObjectReference { Name = pool, Group = group, Kind = kind },
        },
    };

    public static Pod Pod(
        string name,
        string? ip = "10.0.0.1",
        Dictionary<string, string>? labels = null,
        string? ns = "default",
        string? ready = "True",
        bool terminating = false) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = name,
            Namespace = ns,
            Labels = labels ?? Labels("app=llm"),
            DeletionTimestamp = terminating ? T0 : null,
        },
        Status = new PodStatus
        {
            PodIP = ip,
            Conditions = ready is null ? null : [new PodCondition { Type = "Ready", Status = ready }],
        },
    };

    public static StaticEndpoints Static(string name, string pool, string? ns = "default", string? engineType = null, params string[] endpoints) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns },
        Spec = new StaticEndpointsSpec { PoolName = pool, EngineType = engineType, Endpoints = [.. endpoints] },
    };

    public static SnapshotBuildResult Build(
        IEnumerable<InferencePool>? pools = null,
        IEnumerable<InferenceModel>? models = null,
        IEnumerable<Pod>? pods = null,
        IEnumerable<StaticEndpoints>? statics = null,
        PoolSelection selection = default) =>
        SnapshotBuilder.Build(
            new SnapshotInputs([.. pools ?? [Pool()]], [.. models ?? []], [.. pods ?? []], [.. statics ?? []]),
            selection);

    public static DatastoreSnapshot BuildOk(
        IEnumerable<InferencePool>? pools = null,
        IEnumerable<InferenceModel>? models = null,
        IEnumerable<Pod>? pods = null,
        IEnumerable<StaticEndpoints>? statics = null,
        PoolSelection selection = default)
    {
        var result = Build(pools, models, pods, statics, selection);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Snapshot!;
    }
}
