using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Core.Datastore;

/// <summary>Everything a source knows about the cluster (or the files), before a pool is chosen.</summary>
public sealed record SnapshotInputs(
    IReadOnlyList<InferencePool> Pools,
    IReadOnlyList<InferenceModel> Models,
    IReadOnlyList<Pod> Pods,
    IReadOnlyList<StaticEndpoints> StaticEndpoints)
{
    public static SnapshotInputs Empty { get; } = new([], [], [], []);
}

/// <summary>Which pool to serve. Name null: the only pool there is. Namespace null: any namespace, if unambiguous.</summary>
public readonly record struct PoolSelection(string? Name, string? Namespace)
{
    public static PoolSelection Auto => default;

    public override string ToString() => (Name, Namespace) switch
    {
        (null, _) => "<the only pool>",
        (_, null) => Name,
        _ => $"{Namespace}/{Name}",
    };
}

/// <summary>A snapshot (Version 0; the datastore numbers it on publish), or the errors that prevented one.</summary>
/// <param name="Warnings">Non-fatal findings (an unusable pod IP, a duplicate endpoint) worth logging.</param>
public sealed record SnapshotBuildResult(DatastoreSnapshot? Snapshot, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    public bool Succeeded => Snapshot is not null;
}

/// <summary>
/// Status-condition reasons for models the snapshot does not serve (<see cref="ModelConflict.Reason"/>). The
/// snapshot reports every unserved model of the pool in <see cref="DatastoreSnapshot.Conflicts"/>; for the reasons
/// without a competing model (<see cref="ModelNameMissing"/>, <see cref="InvalidTargetModels"/>) Winner equals Loser.
/// </summary>
public static class ModelConditionReasons
{
    /// <summary>Another, older InferenceModel of the same pool already has this modelName.</summary>
    public const string ModelNameConflict = "ModelNameConflict";

    /// <summary>spec.modelName is empty, so no request can ever select the model.</summary>
    public const string ModelNameMissing = "ModelNameMissing";

    /// <summary>A target model has no name or a weight outside 0..1,000,000.</summary>
    public const string InvalidTargetModels = "InvalidTargetModels";
}

/// <summary>Why a pod is or is not an endpoint of a pool (the seed's membership rule, one reason per check).</summary>
public enum PodMembership
{
    Member,
    OtherNamespace,
    LabelMismatch,
    NoPodIP,
    InvalidPodIP,
    NotReady,
    Terminating,
}

/// <summary>
/// Turns resources into a <see cref="DatastoreSnapshot"/>: picks the served pool, applies the modelName uniqueness
/// rule and the pod membership rule. Pure: the same inputs give the same snapshot, so every source simply rebuilds
/// on each change (which is also how deleting a winning model promotes the next oldest).
/// </summary>
public static class SnapshotBuilder
{
    /// <summary>Namespace of an object whose metadata.namespace is empty (kubectl's convention).</summary>
    public const string DefaultNamespace = "default";

    public const int MaxTargetWeight = 1_000_000;

    public static SnapshotBuildResult Build(SnapshotInputs inputs, PoolSelection selection)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var errors = new List<string>();
        var warnings = new List<string>();

        var pool = SelectPool(inputs.Pools, selection, errors);
        var poolInfo = pool is null ? null : ToPoolInfo(pool, errors);
        if (poolInfo is null)
        {
            return new(null, errors, warnings);
        }

        var (models, conflicts) = BuildModels(poolInfo, inputs.Models);
        var endpoints = BuildEndpoints(poolInfo, inputs.Pods, inputs.StaticEndpoints, warnings);
        var snapshot = new DatastoreSnapshot(poolInfo, endpoints, models, conflicts, 0);
        return new(snapshot, errors, warnings);
    }

    public static string NamespaceOf(KubernetesObject resource) =>
        string.IsNullOrEmpty(resource.Metadata.Namespace) ? DefaultNamespace : resource.Metadata.Namespace;

    public static ObjectKey KeyOf(KubernetesObject resource) => new(NamespaceOf(resource), resource.Metadata.Name ?? "");

    private static InferencePool? SelectPool(IReadOnlyList<InferencePool> pools, PoolSelection selection, List<string> errors)
    {
        var matches = new List<InferencePool>();
        foreach (var pool in pools)
        {
            if ((selection.Name is null || pool.Metadata.Name == selection.Name)
                && (selection.Namespace is null || NamespaceOf(pool) == selection.Namespace))
            {
                matches.Add(pool);
            }
        }

        if (matches.Count == 1)
        {
            return matches[0];
        }

        var available = pools.Count == 0 ? "none" : string.Join(", ", SortedKeys(pools));
        if (matches.Count == 0)
        {
            errors.Add(selection.Name is null
                ? "no InferencePool found: the configuration must define the pool to serve"
                : $"InferencePool {selection} not found (pools defined: {available})");
        }
        else if (selection.Name is null)
        {
            errors.Add($"several InferencePools are defined ({available}): choose one with the pool name (and namespace)");
        }
        else
        {
            errors.Add($"InferencePool {selection} is ambiguous ({string.Join(", ", SortedKeys(matches))}): set the pool namespace too");
        }

        return null;
    }

    private static IEnumerable<string> SortedKeys(IEnumerable<KubernetesObject> resources) =>
        resources.Select(r => KeyOf(r).ToString()).Order(StringComparer.Ordinal);

    private static PoolInfo? ToPoolInfo(InferencePool pool, List<string> errors)
    {
        var key = KeyOf(pool);
        var port = pool.Spec.TargetPortNumber;
        if (port is null or < 1 or > 65535)
        {
            errors.Add($"InferencePool {key}: spec.targetPortNumber must be between 1 and 65535 (got {port?.ToString(CultureInfo.InvariantCulture) ?? "nothing"})");
            return null;
        }

        var selector = pool.Spec.Selector?.ToFrozenDictionary(StringComparer.Ordinal) ?? FrozenDictionary<string, string>.Empty;
        var failureMode = pool.Spec.ExtensionRef?.FailureMode == ExtensionFailureMode.FailOpen ? FailureMode.FailOpen : FailureMode.FailClose;
        return new PoolInfo(key.Name, key.Namespace, selector, [port.Value], failureMode);
    }

    /// <summary>
    /// True when the model's poolRef names <paramref name="pool"/>: same namespace, same name, and group/kind either
    /// empty (the seed's defaults apply) or exactly inference.networking.x-k8s.io / InferencePool.
    /// </summary>
    public static bool ReferencesPool(InferenceModel model, PoolInfo pool)
    {
        var poolRef = model.Spec.PoolRef;
        return poolRef is not null
            && NamespaceOf(model) == pool.Namespace
            && poolRef.Name == pool.Name
            && (string.IsNullOrEmpty(poolRef.Group) || poolRef.Group == InferencePool.Group)
            && (string.IsNullOrEmpty(poolRef.Kind) || poolRef.Kind == InferencePool.KindName);
    }

    private static (FrozenDictionary<string, ModelRoute> Models, ImmutableArray<ModelConflict> Conflicts) BuildModels(
        PoolInfo pool, IReadOnlyList<InferenceModel> models)
    {
        var conflicts = new List<ModelConflict>();
        var candidates = new List<ModelRoute>();
        foreach (var model in models)
        {
            if (!ReferencesPool(model, pool))
            {
                continue;
            }

            var key = KeyOf(model);
            var modelName = model.Spec.ModelName;
            if (string.IsNullOrEmpty(modelName))
            {
                // Using metadata.name instead would silently serve a name nobody configured.
                conflicts.Add(new ModelConflict(key, key, "", ModelConditionReasons.ModelNameMissing,
                    "spec.modelName is empty: requests select a model by this name, so this InferenceModel cannot be served"));
                continue;
            }

            if (!TryBuildTargets(model.Spec.TargetModels, out var targets, out var problem))
            {
                conflicts.Add(new ModelConflict(key, key, modelName, ModelConditionReasons.InvalidTargetModels, problem));
                continue;
            }

            var criticality = model.Spec.Criticality switch
            {
                Criticality.Critical => CriticalityBand.Critical,
                Criticality.Sheddable => CriticalityBand.Sheddable,
                _ => CriticalityBand.Default,
            };
            candidates.Add(new ModelRoute(modelName, criticality, targets, key,
                model.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue));
        }

        // Oldest first; unknown creation times count as newest; ties go to the first namespace/name (ordinal).
        candidates.Sort(CompareAge);
        var winners = new Dictionary<string, ModelRoute>(StringComparer.Ordinal);
        foreach (var candidate in candidates)
        {
            if (winners.TryGetValue(candidate.ModelName, out var winner))
            {
                conflicts.Add(new ModelConflict(candidate.Source, winner.Source, candidate.ModelName,
                    ModelConditionReasons.ModelNameConflict, ConflictMessage(candidate, winner)));
            }
            else
            {
                winners.Add(candidate.ModelName, candidate);
            }
        }

        conflicts.Sort((a, b) => CompareKeys(a.Loser, b.Loser));
        return (winners.ToFrozenDictionary(StringComparer.Ordinal), [.. conflicts]);
    }

    private static int CompareAge(ModelRoute a, ModelRoute b)
    {
        var aKnown = a.CreatedAt != DateTimeOffset.MinValue;
        var bKnown = b.CreatedAt != DateTimeOffset.MinValue;
        if (aKnown != bKnown)
        {
            return aKnown ? -1 : 1;
        }

        var byTime = a.CreatedAt.CompareTo(b.CreatedAt);
        return byTime != 0 ? byTime : CompareKeys(a.Source, b.Source);
    }

    private static int CompareKeys(ObjectKey a, ObjectKey b)
    {
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
    }

    private static string ConflictMessage(ModelRoute loser, ModelRoute winner)
    {
        var why = loser.CreatedAt == winner.CreatedAt
            ? "both have the same (or no) creationTimestamp, and ties go to the first namespace/name in ordinal order"
            : $"it is older (created {Format(winner.CreatedAt)}, this one {Format(loser.CreatedAt)})";
        return $"modelName \"{loser.ModelName}\" is already served by InferenceModel {winner.Source}; {why}";
    }

    private static string Format(DateTimeOffset time) =>
        time == DateTimeOffset.MinValue ? "at an unknown time" : time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static bool TryBuildTargets(List<TargetModel>? targetModels, out ImmutableArray<WeightedTarget> targets, out string problem)
    {
        problem = "";
        if (targetModels is null || targetModels.Count == 0)
        {
            targets = [];
            return true;
        }

        var builder = ImmutableArray.CreateBuilder<WeightedTarget>(targetModels.Count);
        for (var i = 0; i < targetModels.Count; i++)
        {
            var target = targetModels[i];
            var weight = target?.Weight ?? 1;
            if (string.IsNullOrEmpty(target?.Name))
            {
                problem = $"spec.targetModels[{i}].name is empty";
            }
            else if (weight is < 0 or > MaxTargetWeight)
            {
                problem = $"spec.targetModels[{i}].weight must be between 0 and {MaxTargetWeight} (got {weight})";
            }
            else
            {
                builder.Add(new WeightedTarget(target.Name, weight));
                continue;
            }

            targets = [];
            return false;
        }

        targets = builder.MoveToImmutable();
        return true;
    }

    /// <summary>
    /// The seed's membership rule: same namespace as the pool, labels match every selector entry (extra labels are
    /// fine; an empty selector selects nothing), a parseable pod IP, Ready=True, and no deletionTimestamp.
    /// </summary>
    public static PodMembership Evaluate(Pod pod, PoolInfo pool)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (NamespaceOf(pod) != pool.Namespace)
        {
            return PodMembership.OtherNamespace;
        }

        if (!MatchesSelector(pod.Metadata.Labels, pool.Selector))
        {
            return PodMembership.LabelMismatch;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return PodMembership.Terminating;
        }

        if (string.IsNullOrEmpty(pod.Status?.PodIP))
        {
            return PodMembership.NoPodIP;
        }

        if (!IPAddress.TryParse(pod.Status.PodIP, out _))
        {
            return PodMembership.InvalidPodIP;
        }

        return IsReady(pod.Status) ? PodMembership.Member : PodMembership.NotReady;
    }

    private static bool MatchesSelector(Dictionary<string, string>? labels, FrozenDictionary<string, string> selector)
    {
        if (selector.Count == 0 || labels is null)
        {
            return false;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsReady(PodStatus status)
    {
        if (status.Conditions is null)
        {
            return false;
        }

        foreach (var condition in status.Conditions)
        {
            if (condition?.Type == "Ready")
            {
                return condition.Status == "True";
            }
        }

        return false;
    }

    private static ImmutableArray<Endpoint> BuildEndpoints(
        PoolInfo pool, IReadOnlyList<Pod> pods, IReadOnlyList<StaticEndpoints> staticLists, List<string> warnings)
    {
        var found = new List<(Endpoint Endpoint, string Origin)>();
        foreach (var pod in pods)
        {
            var membership = Evaluate(pod, pool);
            var key = KeyOf(pod);
            if (membership == PodMembership.InvalidPodIP)
            {
                warnings.Add($"Pod {key} matches InferencePool {pool.Namespace}/{pool.Name} but status.podIP \"{pod.Status?.PodIP}\" is not an IP address; it is not used");
            }

            if (membership != PodMembership.Member)
            {
                continue;
            }

            var ip = IPAddress.Parse(pod.Status!.PodIP!);
            var labels = pod.Metadata.Labels?.ToFrozenDictionary(StringComparer.Ordinal) ?? FrozenDictionary<string, string>.Empty;
            var engine = labels.TryGetValue(Endpoint.EngineTypeLabel, out var label) && label.Length > 0 ? label : Endpoint.DefaultEngineType;
            for (var i = 0; i < pool.TargetPorts.Length; i++)
            {
                // One endpoint per port; extra ports are data-parallel ranks of the same pod.
                var name = i == 0 ? key.Name : $"{key.Name}-rank-{i}";
                var address = new IPEndPoint(ip, pool.TargetPorts[i]).ToString();
                found.Add((new Endpoint(address, name, key.Namespace, engine, labels), $"Pod {key}"));
            }
        }

        foreach (var list in staticLists)
        {
            var key = KeyOf(list);
            if (key.Namespace != pool.Namespace || list.Spec?.PoolName != pool.Name || list.Spec.Endpoints is null)
            {
                continue;
            }

            var engine = string.IsNullOrEmpty(list.Spec.EngineType) ? Endpoint.DefaultEngineType : list.Spec.EngineType;
            foreach (var entry in list.Spec.Endpoints)
            {
                if (!TryNormalizeHostPort(entry, out var address))
                {
                    warnings.Add($"StaticEndpoints {key}: \"{entry}\" is not host:port, ip:port or [ipv6]:port with a port in 1..65535; it is not used");
                    continue;
                }

                found.Add((new Endpoint(address, entry.Trim(), key.Namespace, engine, FrozenDictionary<string, string>.Empty), $"StaticEndpoints {key}"));
            }
        }

        found.Sort((a, b) =>
        {
            var byAddress = string.CompareOrdinal(a.Endpoint.Address, b.Endpoint.Address);
            return byAddress != 0 ? byAddress : string.CompareOrdinal(a.Origin, b.Origin);
        });

        var endpoints = ImmutableArray.CreateBuilder<Endpoint>(found.Count);
        for (var i = 0; i < found.Count; i++)
        {
            if (i > 0 && found[i].Endpoint.Address == found[i - 1].Endpoint.Address)
            {
                warnings.Add($"endpoint {found[i].Endpoint.Address} of {found[i].Origin} is already provided by {KeptOrigin(found, i)}; it is listed once");
                continue;
            }

            endpoints.Add(found[i].Endpoint);
        }

        return endpoints.ToImmutable();
    }

    private static string KeptOrigin(List<(Endpoint Endpoint, string Origin)> found, int duplicate)
    {
        var i = duplicate;
        while (i > 0 && found[i - 1].Endpoint.Address == found[duplicate].Endpoint.Address)
        {
            i--;
        }

        return found[i].Origin;
    }

    /// <summary>
    /// Parses "host:port", "ip:port" or "[ipv6]:port" into the form endpoints use: IPs normalized (IPv6 bracketed),
    /// host names lower-cased.
    /// </summary>
    public static bool TryNormalizeHostPort(string? entry, out string address)
    {
        address = "";
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var colon = text.LastIndexOf(':');
        if (colon <= 0
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || port is < 1 or > 65535)
        {
            return false;
        }

        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            if (!IPAddress.TryParse(host[1..^1], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = new IPEndPoint(v6, port).ToString();
            return true;
        }

        if (host.Contains(':'))
        {
            return false; // an IPv6 address needs brackets, otherwise the port is ambiguous
        }

        if (IPAddress.TryParse(host, out var ip) && host.Count(c => c == '.') == 3)
        {
            address = new IPEndPoint(ip, port).ToString();
            return true;
        }

        if (Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            return false;
        }

        address = $"{host.ToLowerInvariant()}:{port.ToString(CultureInfo.InvariantCulture)}";
        return true;
    }
}
