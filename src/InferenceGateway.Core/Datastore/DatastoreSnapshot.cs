using System.Collections.Frozen;
using System.Collections.Immutable;

namespace InferenceGateway.Core.Datastore;

/// <summary>
/// The version-independent internal model every source (files, Kubernetes) converts into, and every reader
/// (picker, proxy, status) reads. Immutable; a new snapshot replaces the old one atomically.
/// </summary>
public sealed record DatastoreSnapshot(
    PoolInfo? Pool,
    ImmutableArray<Endpoint> Endpoints,
    FrozenDictionary<string, ModelRoute> Models,
    ImmutableArray<ModelConflict> Conflicts,
    long Version)
{
    public static DatastoreSnapshot Empty { get; } = new(
        null, [], FrozenDictionary<string, ModelRoute>.Empty, [], 0);

    /// <summary>True once a pool has been loaded (readiness gates on this).</summary>
    public bool HasPool => Pool is not null;

    /// <summary>
    /// The InferenceObjectives of the served pool by metadata.name (the value of the x-gateway-inference-objective
    /// header), each with its priority mapped onto an admission band.
    /// </summary>
    public FrozenDictionary<string, ObjectiveInfo> Objectives { get; init; } = FrozenDictionary<string, ObjectiveInfo>.Empty;

    /// <summary>The InferenceModelRewrite rules of the served pool, merged by precedence.</summary>
    public ModelRewriteTable Rewrites { get; init; } = ModelRewriteTable.Empty;

    /// <summary>apiVersion of the served pool (e.g. inference.networking.k8s.io/v1); null without a pool.</summary>
    public string? PoolApiVersion => Pool?.ApiVersion;
}

/// <summary>The pool being served, whatever API version it came from.</summary>
/// <param name="TargetPorts">One port (v1alpha1, v1alpha2) or up to 8 (v1); every port of a pod is its own endpoint.</param>
/// <param name="FailureMode">From extensionRef (v1alpha1, v1alpha2) or endpointPickerRef (v1); FailClose when absent.</param>
public sealed record PoolInfo(
    string Name,
    string Namespace,
    FrozenDictionary<string, string> Selector,
    ImmutableArray<int> TargetPorts,
    FailureMode FailureMode)
{
    public const string V1Alpha1ApiVersion = Api.V1Alpha1.InferencePool.GroupVersion;
    public const string V1Alpha2ApiVersion = Api.V1Alpha2.InferencePool.GroupVersion;
    public const string V1ApiVersion = Api.V1.InferencePool.GroupVersion;
    public const string HttpAppProtocol = Api.V1.AppProtocols.Http;
    public const string H2cAppProtocol = Api.V1.AppProtocols.H2c;

    /// <summary>apiVersion of the InferencePool this came from; the seed's v1alpha1 unless a converter says otherwise.</summary>
    public string ApiVersion { get; init; } = V1Alpha1ApiVersion;

    /// <summary>API group of the pool: inference.networking.x-k8s.io or inference.networking.k8s.io.</summary>
    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";

    /// <summary>Protocol the model servers speak on the target ports: "http" (HTTP/1.1) or "kubernetes.io/h2c" (v1 only).</summary>
    public string AppProtocol { get; init; } = HttpAppProtocol;

    /// <summary>
    /// True for a v1 pool: that era has no InferenceModel registry, so a model name nobody registered passes through
    /// unchanged in the Default band (the reference picker's behaviour) instead of being refused with 404.
    /// </summary>
    /// <remarks>Read per request on the unregistered-model path, so it compares without cutting out <see cref="Group"/>.</remarks>
    public bool AllowsUnregisteredModels => ApiVersion.StartsWith(Api.V1.InferencePool.Group + "/", StringComparison.Ordinal);
}

public enum FailureMode
{
    FailClose,
    FailOpen,
}

/// <summary>One routable model-server endpoint: one port of one ready pod (or a plain host:port entry).</summary>
/// <param name="Address">"ip:port" (IPv6 as "[::1]:port"), the value the picker returns to the proxy.</param>
/// <param name="Name">Stable name for metrics and logs: pod name, with "-rank-N" per extra port.</param>
/// <param name="EngineType">vllm, sglang, trtllm-serve or triton-tensorrt-llm (label inference.networking.k8s.io/engine-type).</param>
public sealed record Endpoint(
    string Address,
    string Name,
    string Namespace,
    string EngineType,
    FrozenDictionary<string, string> Labels)
{
    public const string EngineTypeLabel = "inference.networking.k8s.io/engine-type";
    public const string DefaultEngineType = "vllm";
}

/// <summary>Scheduling importance of a request; lower value is more important. Sheddable is refused first.</summary>
public enum CriticalityBand
{
    Critical = 0,
    Default = 1,
    Sheddable = 2,
}

/// <summary>A served model name and how requests for it are routed.</summary>
/// <param name="Targets">Empty: the target is ModelName itself. All weights zero: the name is reserved (404).</param>
public sealed record ModelRoute(
    string ModelName,
    CriticalityBand Criticality,
    ImmutableArray<WeightedTarget> Targets,
    ObjectKey Source,
    DateTimeOffset CreatedAt);

public readonly record struct WeightedTarget(string Name, int Weight);

public readonly record struct ObjectKey(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>A model that lost the modelName uniqueness rule to an older model of the same pool.</summary>
public sealed record ModelConflict(ObjectKey Loser, ObjectKey Winner, string ModelName, string Reason, string Message);

/// <summary>An InferenceObjective of the served pool.</summary>
/// <param name="Name">metadata.name: what clients put in the x-gateway-inference-objective header.</param>
/// <param name="Priority">spec.priority; 0 when unset.</param>
/// <param name="Band">The admission band the priority maps to (<see cref="BandOf"/>).</param>
public sealed record ObjectiveInfo(string Name, int Priority, CriticalityBand Band, ObjectKey Source)
{
    /// <summary>Priority above 0: Critical; 0 (or unset): Default; below 0: Sheddable.</summary>
    public static CriticalityBand BandOf(int priority) => priority switch
    {
        > 0 => CriticalityBand.Critical,
        0 => CriticalityBand.Default,
        _ => CriticalityBand.Sheddable,
    };
}

/// <summary>One InferenceModelRewrite rule: a matching request's model is rewritten to a target drawn by weight.</summary>
/// <param name="Targets">At least one; weights 1..1,000,000 (an absent weight counts as 1).</param>
/// <param name="RuleIndex">Position of the rule in spec.rules of <paramref name="Source"/>.</param>
public sealed record ModelRewriteRule(ImmutableArray<WeightedTarget> Targets, ObjectKey Source, int RuleIndex);

/// <summary>
/// The rewrite rules of a pool merged by precedence: an exact model match beats a rule without matches; between
/// resources the oldest (creationTimestamp, then namespace/name) wins; within a resource the first rule wins.
/// </summary>
/// <param name="Exact">Model name (exact match) to the rule that applies to it.</param>
/// <param name="CatchAll">The first rule without matches, which applies to every other model; null if none.</param>
public sealed record ModelRewriteTable(FrozenDictionary<string, ModelRewriteRule> Exact, ModelRewriteRule? CatchAll)
{
    public static ModelRewriteTable Empty { get; } = new(FrozenDictionary<string, ModelRewriteRule>.Empty, null);

    public bool IsEmpty => Exact.Count == 0 && CatchAll is null;

    /// <summary>The rule that applies to <paramref name="model"/>, or null.</summary>
    public ModelRewriteRule? Find(string model) => Exact.TryGetValue(model, out var rule) ? rule : CatchAll;
}

/// <summary>Lock-free access to the current snapshot. Sources publish; everything else reads.</summary>
public interface IDatastore
{
    DatastoreSnapshot Current { get; }

    /// <summary>Raised after a new snapshot has been published.</summary>
    event Action<DatastoreSnapshot>? Changed;
}
