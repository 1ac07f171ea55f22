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
}

/// <summary>The pool being served, whatever API version it came from.</summary>
public sealed record PoolInfo(
    string Name,
    string Namespace,
    FrozenDictionary<string, string> Selector,
    ImmutableArray<int> TargetPorts,
    FailureMode FailureMode);

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

/// <summary>Lock-free access to the current snapshot. Sources publish; everything else reads.</summary>
public interface IDatastore
{
    DatastoreSnapshot Current { get; }

    /// <summary>Raised after a new snapshot has been published.</summary>
    event Action<DatastoreSnapshot>? Changed;
}
