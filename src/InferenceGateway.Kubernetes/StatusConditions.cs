using System.Globalization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Kubernetes;

/// <summary>Condition types and reasons this picker writes.</summary>
public static class StatusConditionNames
{
    /// <summary>InferenceModel: is the model served by its pool?</summary>
    public const string Accepted = "Accepted";

    /// <summary>InferencePool: does the picker serve the pool, with how many ready endpoints?</summary>
    public const string Ready = "Ready";

    public const string ReasonAccepted = "Accepted";
    public const string ReasonReady = "Ready";
    public const string ReasonNoReadyEndpoints = "NoReadyEndpoints";
    public const string ReasonInvalidPool = "InvalidPool";
}

/// <summary>
/// The conditions the leader wants in one reconcile pass, computed once and then both reported as Events (transitions
/// only) and, for v1alpha1, written as status.
/// </summary>
/// <param name="Pool">The pool's Ready condition; null when there is no pool object (none found, or pool-less mode).</param>
/// <param name="Models">The Accepted condition of each model of the served pool, in the order the models were given.</param>
internal sealed record DesiredConditions(Condition? Pool, IReadOnlyList<(KubernetesObject Model, Condition Accepted)> Models);

/// <summary>
/// Computes the conditions the picker wants on its pool and models (pure) and merges one into an existing list the
/// way metav1 conditions work: lastTransitionTime changes only when the status value changes, other condition
/// types are left alone, and an unchanged condition means no write at all.
/// </summary>
internal static class StatusConditions
{
    /// <summary>
    /// Every condition one pass decides: the pool's Ready (when <paramref name="pool"/> is an object) and the Accepted
    /// of each v1alpha1 or v1alpha2 model of the served pool (none when the pool cannot be served).
    /// </summary>
    public static DesiredConditions Desired(KubernetesObject? pool, IReadOnlyList<KubernetesObject> models, SnapshotBuildResult build)
    {
        var accepted = new List<(KubernetesObject, Condition)>();
        if (build.Snapshot is { } snapshot)
        {
            foreach (var model in models)
            {
                var desired = model switch
                {
                    InferenceModel m => ForModel(m, snapshot),
                    Api.V1Alpha2.InferenceModel m => ForModel(m, snapshot),
                    _ => null,
                };
                if (desired is not null)
                {
                    accepted.Add((model, desired));
                }
            }
        }

        return new DesiredConditions(pool is null ? null : ForPool(pool, build.Snapshot, build.Errors), accepted);
    }

    /// <summary>The Accepted condition for a model of the served pool; null when the model is not the pool's.</summary>
    public static Condition? ForModel(InferenceModel model, DatastoreSnapshot snapshot) =>
        snapshot.Pool is null || !SnapshotBuilder.ReferencesPool(model, snapshot.Pool)
            ? null
            : ForPoolModel(model, model.Spec.ModelName, snapshot);

    /// <summary>The same for a v1alpha2 InferenceModel (the picker reports it through Events, not status).</summary>
    public static Condition? ForModel(Api.V1Alpha2.InferenceModel model, DatastoreSnapshot snapshot) =>
        snapshot.Pool is null || !SnapshotBuilder.ReferencesPool(model, snapshot.Pool)
            ? null
            : ForPoolModel(model, model.Spec.ModelName, snapshot);

    private static Condition ForPoolModel(KubernetesObject model, string? modelName, DatastoreSnapshot snapshot)
    {
        var key = SnapshotBuilder.KeyOf(model);
        foreach (var conflict in snapshot.Conflicts)
        {
            if (conflict.Loser == key)
            {
                return New(StatusConditionNames.Accepted, "False", conflict.Reason, conflict.Message, model.Metadata.Generation);
            }
        }

        return New(StatusConditionNames.Accepted, "True", StatusConditionNames.ReasonAccepted,
            $"modelName \"{modelName}\" is served by InferencePool {snapshot.Pool!.Namespace}/{snapshot.Pool.Name}",
            model.Metadata.Generation);
    }

    /// <summary>The Ready condition of the served pool (any version; written as status only for v1alpha1).</summary>
    public static Condition ForPool(KubernetesObject pool, DatastoreSnapshot? snapshot, IReadOnlyList<string> buildErrors)
    {
        if (snapshot?.Pool is null)
        {
            var why = buildErrors.Count == 0 ? "the pool cannot be served" : string.Join("; ", buildErrors);
            return New(StatusConditionNames.Ready, "False", StatusConditionNames.ReasonInvalidPool, why, pool.Metadata.Generation);
        }

        var count = snapshot.Endpoints.Length;
        var models = snapshot.Models.Count.ToString(CultureInfo.InvariantCulture);
        return count == 0
            ? New(StatusConditionNames.Ready, "False", StatusConditionNames.ReasonNoReadyEndpoints,
                $"0 ready endpoints: no Ready pod with a pod IP matches the selector; the endpoint picker is healthy and serves {models} model(s)",
                pool.Metadata.Generation)
            : New(StatusConditionNames.Ready, "True", StatusConditionNames.ReasonReady,
                $"{count.ToString(CultureInfo.InvariantCulture)} ready endpoint(s); the endpoint picker is healthy and serves {models} model(s)",
                pool.Metadata.Generation);
    }

    /// <summary>
    /// The condition list with <paramref name="desired"/> merged in, or null when the list already says the same
    /// (type, status, reason, message, observedGeneration): then nothing needs writing.
    /// </summary>
    public static List<Condition>? Merge(IReadOnlyList<Condition>? existing, Condition desired, DateTimeOffset now)
    {
        var result = new List<Condition>();
        Condition? current = null;
        if (existing is not null)
        {
            foreach (var condition in existing)
            {
                if (condition is null)
                {
                    continue;
                }

                if (condition.Type == desired.Type)
                {
                    current = condition;
                }
                else
                {
                    result.Add(condition);
                }
            }
        }

        if (current is not null
            && current.Status == desired.Status
            && current.Reason == desired.Reason
            && current.Message == desired.Message
            && current.ObservedGeneration == desired.ObservedGeneration)
        {
            return null;
        }

        var merged = new Condition
        {
            Type = desired.Type,
            Status = desired.Status,
            Reason = desired.Reason,
            Message = desired.Message,
            ObservedGeneration = desired.ObservedGeneration,
            LastTransitionTime = current is not null && current.Status == desired.Status
                ? current.LastTransitionTime
                : TruncateToSeconds(now),
        };
        result.Add(merged);
        return result;
    }

    private static Condition New(string type, string status, string reason, string message, long? generation) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        ObservedGeneration = generation,
    };

    // metav1.Time has second precision; writing more would make every comparison with the stored value differ.
    private static DateTimeOffset TruncateToSeconds(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
