using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.Core.Routing;

/// <summary>The traffic split of an InferenceModel: one target per request, drawn with probability weight / sum.</summary>
internal static class TargetModelSelector
{
    /// <summary>True when the model has targets and all their weights are zero (the name is reserved).</summary>
    public static bool IsReserved(ModelRoute route)
    {
        var targets = route.Targets;
        if (targets.IsDefaultOrEmpty)
        {
            return false;
        }

        for (var i = 0; i < targets.Length; i++)
        {
            if (targets[i].Weight > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Integer draw in [0, sum of weights) walked over the weights (negative weights count as zero).
    /// No targets: the model name itself. Reserved (all zero): null.
    /// </summary>
    public static string? Draw(ModelRoute route, Random random) => Draw(route.Targets, route.ModelName, random);

    /// <summary>
    /// The same draw over any weighted targets (an InferenceModelRewrite rule's too). No targets:
    /// <paramref name="fallback"/>. All weights zero: null.
    /// </summary>
    public static string? Draw(ImmutableArray<WeightedTarget> targets, string fallback, Random random)
    {
        if (targets.IsDefaultOrEmpty)
        {
            return fallback;
        }

        long sum = 0;
        var positive = 0;
        var last = -1;
        for (var i = 0; i < targets.Length; i++)
        {
            if (targets[i].Weight > 0)
            {
                sum += targets[i].Weight;
                positive++;
                last = i;
            }
        }

        if (positive == 0)
        {
            return null;
        }

        if (positive == 1)
        {
            return targets[last].Name;
        }

        var draw = random.NextInt64(sum);
        for (var i = 0; i < targets.Length; i++)
        {
            var weight = targets[i].Weight;
            if (weight <= 0)
            {
                continue;
            }

            if (draw < weight)
            {
                return targets[i].Name;
            }

            draw -= weight;
        }

        // Unreachable: draw < sum.
        return targets[last].Name;
    }
}
