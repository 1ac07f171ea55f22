using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha2;
using A2 = InferenceGateway.Api.V1Alpha2;
using V1 = InferenceGateway.Api.V1;

namespace InferenceGateway.Core.Datastore;

/// <summary>
/// Everything a source knows about the cluster (or the files), before a pool is chosen. The positional lists are
/// the seed's v1alpha1 kinds; the later API versions and kinds are init properties (empty by default), so a
/// source sets only what it watches. <see cref="FromResources"/> sorts a mixed list.
/// </summary>
public sealed record SnapshotInputs(
    IReadOnlyList<Api.V1Alpha1.InferencePool> Pools,
    IReadOnlyList<Api.V1Alpha1.InferenceModel> Models,
    IReadOnlyList<Pod> Pods,
    IReadOnlyList<StaticEndpoints> StaticEndpoints)
{
    public static SnapshotInputs Empty { get; } = new([], [], [], []);

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferencePools.</summary>
    public IReadOnlyList<A2.InferencePool> PoolsV1Alpha2 { get; init; } = [];

    /// <summary>inference.networking.k8s.io/v1 InferencePools.</summary>
    public IReadOnlyList<V1.InferencePool> PoolsV1 { get; init; } = [];

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceModels (Standard criticality = the Default band).</summary>
    public IReadOnlyList<A2.InferenceModel> ModelsV1Alpha2 { get; init; } = [];

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceObjectives.</summary>
    public IReadOnlyList<InferenceObjective> Objectives { get; init; } = [];

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceModelRewrites.</summary>
    public IReadOnlyList<InferenceModelRewrite> Rewrites { get; init; } = [];

    /// <summary>Every pool of every version, v1alpha1 first.</summary>
    public IEnumerable<KubernetesObject> AllPools => [.. Pools, .. PoolsV1Alpha2, .. PoolsV1];

    /// <summary>Sorts resources of any supported kind and version into inputs; other kinds are ignored.</summary>
    public static SnapshotInputs FromResources(IEnumerable<KubernetesObject> resources)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var pools = new List<Api.V1Alpha1.InferencePool>();
        var models = new List<Api.V1Alpha1.InferenceModel>();
        var pods = new List<Pod>();
        var staticLists = new List<StaticEndpoints>();
        var poolsV1Alpha2 = new List<A2.InferencePool>();
        var poolsV1 = new List<V1.InferencePool>();
        var modelsV1Alpha2 = new List<A2.InferenceModel>();
        var objectives = new List<InferenceObjective>();
        var rewrites = new List<InferenceModelRewrite>();
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case Api.V1Alpha1.InferencePool pool:
                    pools.Add(pool);
                    break;
                case Api.V1Alpha1.InferenceModel model:
                    models.Add(model);
                    break;
                case Pod pod:
                    pods.Add(pod);
                    break;
                case StaticEndpoints list:
                    staticLists.Add(list);
                    break;
                case A2.InferencePool pool:
                    poolsV1Alpha2.Add(pool);
                    break;
                case V1.InferencePool pool:
                    poolsV1.Add(pool);
                    break;
                case A2.InferenceModel model:
                    modelsV1Alpha2.Add(model);
                    break;
                case InferenceObjective objective:
                    objectives.Add(objective);
                    break;
                case InferenceModelRewrite rewrite:
                    rewrites.Add(rewrite);
                    break;
            }
        }

        return new SnapshotInputs(pools, models, pods, staticLists)
        {
            PoolsV1Alpha2 = poolsV1Alpha2,
            PoolsV1 = poolsV1,
            ModelsV1Alpha2 = modelsV1Alpha2,
            Objectives = objectives,
            Rewrites = rewrites,
        };
    }
}

/// <summary>Which pool to serve. Name null: the only pool there is. Namespace null: any namespace, if unambiguous.</summary>
public readonly record struct PoolSelection(string? Name, string? Namespace)
{
    public static PoolSelection Auto => default;

    /// <summary>
    /// API group of the pool to serve (--pool-group): inference.networking.x-k8s.io or inference.networking.k8s.io.
    /// Null: any group, if unambiguous.
    /// </summary>
    public string? Group { get; init; }

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

        var pool = SelectPool([.. inputs.AllPools], selection, errors);
        PoolInfo? poolInfo = null;
        if (pool is not null)
        {
            poolInfo = PoolConverter.ToPoolInfo(pool, out var poolError);
            if (poolError is not null)
            {
                errors.Add(poolError);
            }
        }

        if (poolInfo is null)
        {
            return new(null, errors, warnings);
        }

        var (models, conflicts) = BuildModels(poolInfo, inputs.Models, inputs.ModelsV1Alpha2);
        var endpoints = BuildEndpoints(poolInfo, inputs.Pods, inputs.StaticEndpoints, warnings);
        var snapshot = new DatastoreSnapshot(poolInfo, endpoints, models, conflicts, 0)
        {
            Objectives = BuildObjectives(poolInfo, inputs.Objectives),
            Rewrites = BuildRewrites(poolInfo, inputs.Rewrites, warnings),
        };
        return new(snapshot, errors, warnings);
    }

    public static string NamespaceOf(KubernetesObject resource) =>
        string.IsNullOrEmpty(resource.Metadata.Namespace) ? DefaultNamespace : resource.Metadata.Namespace;

    public static ObjectKey KeyOf(KubernetesObject resource) => new(NamespaceOf(resource), resource.Metadata.Name ?? "");

    private static KubernetesObject? SelectPool(List<KubernetesObject> pools, PoolSelection selection, List<string> errors)
    {
        var matches = new List<KubernetesObject>();
        foreach (var pool in pools)
        {
            if ((selection.Name is null || pool.Metadata.Name == selection.Name)
                && (selection.Namespace is null || NamespaceOf(pool) == selection.Namespace)
                && (selection.Group is null || PoolConverter.GroupOf(pool) == selection.Group))
            {
                matches.Add(pool);
            }
        }

        if (matches.Count == 1)
        {
            return matches[0];
        }

        var available = pools.Count == 0 ? "none" : string.Join(", ", PoolKeys(pools));
        var described = selection.Group is null ? selection.ToString() : $"{selection} (group {selection.Group})";
        if (matches.Count == 0)
        {
            errors.Add(selection.Name is null && selection.Group is null
                ? "no InferencePool found: the configuration must define the pool to serve"
                : selection.Name is null
                    ? $"no InferencePool of group {selection.Group} found (pools defined: {available})"
                    : $"InferencePool {described} not found (pools defined: {available})");
        }
        else if (selection.Name is null)
        {
            errors.Add(HasSeveralGroups(matches)
                ? $"several InferencePools are defined ({available}): choose one with the pool name (and namespace) and the pool group"
                : $"several InferencePools are defined ({available}): choose one with the pool name (and namespace)");
        }
        else if (selection.Group is null && HasSeveralGroups(matches))
        {
            errors.Add($"InferencePool {selection} is ambiguous ({string.Join(", ", PoolKeys(matches))}): set the pool group too");
        }
        else
        {
            errors.Add($"InferencePool {described} is ambiguous ({string.Join(", ", PoolKeys(matches))}): set the pool namespace too");
        }

        return null;
    }

    private static bool HasSeveralGroups(List<KubernetesObject> pools)
    {
        for (var i = 1; i < pools.Count; i++)
        {
            if (PoolConverter.GroupOf(pools[i]) != PoolConverter.GroupOf(pools[0]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>namespace/name of each pool; with the group added when the pools come from more than one group.</summary>
    private static IEnumerable<string> PoolKeys(List<KubernetesObject> pools)
    {
        var withGroup = HasSeveralGroups(pools);
        return pools
            .Select(p => withGroup ? $"{KeyOf(p)} ({PoolConverter.GroupOf(p)})" : KeyOf(p).ToString())
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// True when the model's poolRef names <paramref name="pool"/>: same namespace, same name, and group/kind either
    /// empty (the seed's defaults apply: inference.networking.x-k8s.io / InferencePool) or exactly the pool's.
    /// </summary>
    public static bool ReferencesPool(Api.V1Alpha1.InferenceModel model, PoolInfo pool)
    {
        ArgumentNullException.ThrowIfNull(model);
        var poolRef = model.Spec?.PoolRef;
        return poolRef is not null
            && References(NamespaceOf(model), poolRef.Group, poolRef.Kind, poolRef.Name, pool, Api.V1Alpha1.InferencePool.Group);
    }

    /// <summary>As for v1alpha1: the poolRef group defaults to inference.networking.x-k8s.io.</summary>
    public static bool ReferencesPool(A2.InferenceModel model, PoolInfo pool)
    {
        ArgumentNullException.ThrowIfNull(model);
        var poolRef = model.Spec?.PoolRef;
        return poolRef is not null
            && References(NamespaceOf(model), poolRef.Group, poolRef.Kind, poolRef.Name, pool, A2.InferencePool.Group);
    }

    /// <summary>
    /// True when an InferenceObjective or InferenceModelRewrite poolRef names <paramref name="pool"/>. Its group
    /// defaults to inference.networking.k8s.io, and a defaulted group cannot be told from a written one, so that
    /// group also matches an inference.networking.x-k8s.io pool of the same name; any other group must be the pool's.
    /// </summary>
    public static bool ReferencesPool(A2.PoolObjectReference? poolRef, string referrerNamespace, PoolInfo pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return poolRef is not null
            && (poolRef.Group == A2.PoolObjectReference.DefaultGroup
                ? References(referrerNamespace, null, poolRef.Kind, poolRef.Name, pool, pool.Group)
                : References(referrerNamespace, poolRef.Group, poolRef.Kind, poolRef.Name, pool, A2.PoolObjectReference.DefaultGroup));
    }

    private static bool References(string referrerNamespace, string? group, string? kind, string? name, PoolInfo pool, string defaultGroup) =>
        referrerNamespace == pool.Namespace
        && name == pool.Name
        && (string.IsNullOrEmpty(group) ? defaultGroup : group) == pool.Group
        && (string.IsNullOrEmpty(kind) || kind == Api.V1Alpha1.InferencePool.KindName);

    private static (FrozenDictionary<string, ModelRoute> Models, ImmutableArray<ModelConflict> Conflicts) BuildModels(
        PoolInfo pool, IReadOnlyList<Api.V1Alpha1.InferenceModel> models, IReadOnlyList<A2.InferenceModel> modelsV1Alpha2)
    {
        var conflicts = new List<ModelConflict>();
        var candidates = new List<ModelRoute>();
        foreach (var model in models)
        {
            if (!ReferencesPool(model, pool))
            {
                continue;
            }

            var criticality = model.Spec.Criticality switch
            {
                Api.V1Alpha1.Criticality.Critical => CriticalityBand.Critical,
                Api.V1Alpha1.Criticality.Sheddable => CriticalityBand.Sheddable,
                _ => CriticalityBand.Default,
            };
            var targets = model.Spec.TargetModels?.Select(t => (t?.Name, t?.Weight)).ToList();
            AddCandidate(model, model.Spec.ModelName, criticality, targets, candidates, conflicts);
        }

        foreach (var model in modelsV1Alpha2)
        {
            if (!ReferencesPool(model, pool))
            {
                continue;
            }

            // v1alpha2 renamed Default to Standard and dropped the default; an absent criticality is Standard.
            var criticality = model.Spec.Criticality switch
            {
                A2.Criticality.Critical => CriticalityBand.Critical,
                A2.Criticality.Sheddable => CriticalityBand.Sheddable,
                _ => CriticalityBand.Default,
            };
            var targets = model.Spec.TargetModels?.Select(t => (t?.Name, t?.Weight)).ToList();
            AddCandidate(model, model.Spec.ModelName, criticality, targets, candidates, conflicts);
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

    private static void AddCandidate(
        KubernetesObject model,
        string? modelName,
        CriticalityBand criticality,
        List<(string? Name, int? Weight)>? targetModels,
        List<ModelRoute> candidates,
        List<ModelConflict> conflicts)
    {
        var key = KeyOf(model);
        if (string.IsNullOrEmpty(modelName))
        {
            // Using metadata.name instead would silently serve a name nobody configured.
            conflicts.Add(new ModelConflict(key, key, "", ModelConditionReasons.ModelNameMissing,
                "spec.modelName is empty: requests select a model by this name, so this InferenceModel cannot be served"));
            return;
        }

        if (!TryBuildTargets(targetModels, out var targets, out var problem))
        {
            conflicts.Add(new ModelConflict(key, key, modelName, ModelConditionReasons.InvalidTargetModels, problem));
            return;
        }

        candidates.Add(new ModelRoute(modelName, criticality, targets, key,
            model.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue));
    }

    /// <summary>Absent weights count as 1 (v1alpha1's default; v1alpha2 sets all weights or none).</summary>
    private static bool TryBuildTargets(List<(string? Name, int? Weight)>? targetModels, out ImmutableArray<WeightedTarget> targets, out string problem)
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
            var weight = target.Weight ?? 1;
            if (string.IsNullOrEmpty(target.Name))
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

    private static FrozenDictionary<string, ObjectiveInfo> BuildObjectives(PoolInfo pool, IReadOnlyList<InferenceObjective> objectives)
    {
        if (objectives.Count == 0)
        {
            return FrozenDictionary<string, ObjectiveInfo>.Empty;
        }

        var byName = new Dictionary<string, ObjectiveInfo>(StringComparer.Ordinal);
        foreach (var objective in objectives)
        {
            var key = KeyOf(objective);
            if (key.Name.Length == 0 || !ReferencesPool(objective.Spec?.PoolRef, key.Namespace, pool))
            {
                continue;
            }

            // Names are unique per namespace and the pool has one namespace, so TryAdd only guards odd inputs.
            var priority = objective.Spec!.Priority ?? 0;
            byName.TryAdd(key.Name, new ObjectiveInfo(key.Name, priority, ObjectiveInfo.BandOf(priority), key));
        }

        return byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static ModelRewriteTable BuildRewrites(PoolInfo pool, IReadOnlyList<InferenceModelRewrite> rewrites, List<string> warnings)
    {
        if (rewrites.Count == 0)
        {
            return ModelRewriteTable.Empty;
        }

        var applicable = new List<InferenceModelRewrite>();
        foreach (var rewrite in rewrites)
        {
            if (ReferencesPool(rewrite.Spec?.PoolRef, NamespaceOf(rewrite), pool))
            {
                applicable.Add(rewrite);
            }
        }

        // Oldest resource first (unknown creation times last, ties by namespace/name); then rules in list order.
        // With TryAdd below, that order is the whole precedence rule.
        applicable.Sort((a, b) =>
        {
            var aTime = a.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue;
            var bTime = b.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue;
            var byTime = aTime.CompareTo(bTime);
            return byTime != 0 ? byTime : CompareKeys(KeyOf(a), KeyOf(b));
        });

        var exact = new Dictionary<string, ModelRewriteRule>(StringComparer.Ordinal);
        ModelRewriteRule? catchAll = null;
        foreach (var rewrite in applicable)
        {
            var key = KeyOf(rewrite);
            var rules = rewrite.Spec.Rules ?? [];
            for (var i = 0; i < rules.Count; i++)
            {
                var rule = rules[i];
                if (!TryBuildRewriteTargets(rule?.Targets, out var targets))
                {
                    warnings.Add($"InferenceModelRewrite {key}: spec.rules[{i}] has no usable target (each needs a modelRewrite and a weight of 1..{MaxTargetWeight}); the rule is ignored");
                    continue;
                }

                var built = new ModelRewriteRule(targets, key, i);
                if (rule!.Matches is not { Count: > 0 } matches)
                {
                    catchAll ??= built;
                    continue;
                }

                foreach (var match in matches)
                {
                    // Exact is the only match type (and the default).
                    if (match?.Model is { Value: { Length: > 0 } value } model && model.Type is null or ModelMatchType.Exact)
                    {
                        exact.TryAdd(value, built);
                    }
                }
            }
        }

        return new ModelRewriteTable(exact.ToFrozenDictionary(StringComparer.Ordinal), catchAll);
    }

    private static bool TryBuildRewriteTargets(List<ModelRewriteTarget>? rewriteTargets, out ImmutableArray<WeightedTarget> targets)
    {
        targets = [];
        if (rewriteTargets is null || rewriteTargets.Count == 0)
        {
            return false;
        }

        var builder = ImmutableArray.CreateBuilder<WeightedTarget>(rewriteTargets.Count);
        foreach (var target in rewriteTargets)
        {
            var weight = target?.Weight ?? 1;
            if (string.IsNullOrEmpty(target?.ModelRewrite) || weight is < 1 or > MaxTargetWeight)
            {
                return false;
            }

            builder.Add(new WeightedTarget(target.ModelRewrite, weight));
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
