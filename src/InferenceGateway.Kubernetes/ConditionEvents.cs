using InferenceGateway.Api.Meta;

namespace InferenceGateway.Kubernetes;

/// <summary>
/// Turns the conditions the controller decides (Accepted on models, Ready on the pool) into Events, only when one
/// changes status or reason: a Normal event when it becomes True, a Warning when it becomes False. The previous value
/// is what this replica last decided for the object; the first time it sees an object it starts from the condition
/// the object already carries (so a restart or a new leader does not repeat what the object says), or from nothing
/// (then the current state is reported once). Message-only changes (an endpoint count) are no transition. Used by
/// one reconcile loop; not thread-safe.
/// </summary>
internal sealed class ConditionEvents(IEventRecorder recorder)
{
    /// <summary>The events.k8s.io/v1 action of these events.</summary>
    public const string Action = "Reconcile";

    private Dictionary<string, (string Status, string Reason)> _last = new(StringComparer.Ordinal);
    private Dictionary<string, (string Status, string Reason)> _seen = new(StringComparer.Ordinal);

    /// <summary>Records <paramref name="desired"/> for the object and emits an event when it is a transition.</summary>
    /// <param name="stored">The object's status.conditions as read (null: it carries none we know).</param>
    public void Observe(EventReference regarding, Condition desired, IReadOnlyList<Condition>? stored)
    {
        var key = string.Join('\n', regarding.Kind, regarding.Namespace, regarding.Name, regarding.Uid ?? "", desired.Type);
        (string Status, string Reason)? previous = _last.TryGetValue(key, out var last) ? last : StoredState(stored, desired.Type);
        var current = (desired.Status, desired.Reason);
        _seen[key] = current;
        if (previous == current)
        {
            return;
        }

        if (desired.Status == "True")
        {
            recorder.Normal(regarding, desired.Reason, Action, desired.Message);
        }
        else
        {
            recorder.Warning(regarding, desired.Reason, Action, desired.Message);
        }
    }

    /// <summary>Ends a pass: objects not observed in it are forgotten (deleted, or no longer the pool's).</summary>
    public void Complete()
    {
        (_last, _seen) = (_seen, _last);
        _seen.Clear();
    }

    /// <summary>Forgets everything (leadership lost: the next leader reports from the objects' own conditions).</summary>
    public void Reset()
    {
        _last.Clear();
        _seen.Clear();
    }

    private static (string Status, string Reason)? StoredState(IReadOnlyList<Condition>? stored, string type)
    {
        if (stored is null)
        {
            return null;
        }

        foreach (var condition in stored)
        {
            if (condition?.Type == type)
            {
                return (condition.Status, condition.Reason);
            }
        }

        return null;
    }
}
