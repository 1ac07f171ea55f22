using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Kubernetes;

/// <summary>
/// Compares what two snapshots route (not their version), so an event that changes nothing the picker uses (a
/// status write, a label nobody selects on) does not publish a new snapshot.
/// </summary>
internal static class SnapshotContent
{
    public static bool Same(DatastoreSnapshot a, DatastoreSnapshot b)
    {
        if (!SamePool(a.Pool, b.Pool) || a.Endpoints.Length != b.Endpoints.Length || a.Models.Count != b.Models.Count
            || a.Conflicts.Length != b.Conflicts.Length || a.Objectives.Count != b.Objectives.Count
            || !SameRewrites(a.Rewrites, b.Rewrites))
        {
            return false;
        }

        foreach (var (name, objective) in a.Objectives)
        {
            if (!b.Objectives.TryGetValue(name, out var other) || objective != other)
            {
                return false;
            }
        }

        for (var i = 0; i < a.Endpoints.Length; i++)
        {
            var (x, y) = (a.Endpoints[i], b.Endpoints[i]);
            if (x.Address != y.Address || x.Name != y.Name || x.Namespace != y.Namespace || x.EngineType != y.EngineType
                || !SameMap(x.Labels, y.Labels))
            {
                return false;
            }
        }

        foreach (var (name, route) in a.Models)
        {
            if (!b.Models.TryGetValue(name, out var other) || route.Criticality != other.Criticality || route.Source != other.Source
                || route.CreatedAt != other.CreatedAt || !route.Targets.SequenceEqual(other.Targets))
            {
                return false;
            }
        }

        for (var i = 0; i < a.Conflicts.Length; i++)
        {
            if (a.Conflicts[i] != b.Conflicts[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool SamePool(PoolInfo? a, PoolInfo? b) =>
        (a is null && b is null)
        || (a is not null && b is not null && a.Name == b.Name && a.Namespace == b.Namespace && a.FailureMode == b.FailureMode
            && a.ApiVersion == b.ApiVersion && a.AppProtocol == b.AppProtocol
            && a.TargetPorts.SequenceEqual(b.TargetPorts) && SameMap(a.Selector, b.Selector));

    private static bool SameRewrites(ModelRewriteTable a, ModelRewriteTable b)
    {
        if (a.Exact.Count != b.Exact.Count || !SameRule(a.CatchAll, b.CatchAll))
        {
            return false;
        }

        foreach (var (model, rule) in a.Exact)
        {
            if (!b.Exact.TryGetValue(model, out var other) || !SameRule(rule, other))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameRule(ModelRewriteRule? a, ModelRewriteRule? b) =>
        (a is null && b is null)
        || (a is not null && b is not null && a.Source == b.Source && a.RuleIndex == b.RuleIndex && a.Targets.SequenceEqual(b.Targets));

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }

        foreach (var (key, value) in a)
        {
            if (!b.TryGetValue(key, out var other) || other != value)
            {
                return false;
            }
        }

        return true;
    }
}
