using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Globalization;
using InferenceGateway.Api.Meta;
using A1 = InferenceGateway.Api.V1Alpha1;
using A2 = InferenceGateway.Api.V1Alpha2;
using V1 = InferenceGateway.Api.V1;

namespace InferenceGateway.Core.Datastore;

/// <summary>
/// The edge between the API versions and the internal model: one conversion per InferencePool version into the
/// version-independent <see cref="PoolInfo"/>. Everything after this point (membership, endpoints, routing) only
/// sees PoolInfo.
/// </summary>
public static class PoolConverter
{
    /// <summary>True for the InferencePool types of every supported version.</summary>
    public static bool IsPool(KubernetesObject resource) => resource is A1.InferencePool or A2.InferencePool or V1.InferencePool;

    /// <summary>API group of a pool by its type: inference.networking.x-k8s.io (v1alpha1, v1alpha2) or inference.networking.k8s.io (v1).</summary>
    public static string GroupOf(KubernetesObject pool) => pool switch
    {
        V1.InferencePool => V1.InferencePool.Group,
        A2.InferencePool => A2.InferencePool.Group,
        A1.InferencePool => A1.InferencePool.Group,
        _ => throw new ArgumentException($"{pool.GetType().FullName} is not an InferencePool", nameof(pool)),
    };

    /// <summary>Converts a pool of any supported version; null with <paramref name="error"/> set when it cannot be served.</summary>
    public static PoolInfo? ToPoolInfo(KubernetesObject pool, out string? error) => pool switch
    {
        V1.InferencePool v1 => ToPoolInfo(v1, out error),
        A2.InferencePool v1Alpha2 => ToPoolInfo(v1Alpha2, out error),
        A1.InferencePool v1Alpha1 => ToPoolInfo(v1Alpha1, out error),
        _ => throw new ArgumentException($"{pool.GetType().FullName} is not an InferencePool", nameof(pool)),
    };

    /// <summary>v1alpha1 (the seed): selector map, targetPortNumber, optional extensionRef.failureMode.</summary>
    public static PoolInfo? ToPoolInfo(A1.InferencePool pool, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return SinglePort(pool, pool.Spec?.Selector, pool.Spec?.TargetPortNumber,
            pool.Spec?.ExtensionRef?.FailureMode == A1.ExtensionFailureMode.FailOpen, PoolInfo.V1Alpha1ApiVersion, out error);
    }

    /// <summary>v1alpha2: as v1alpha1, with extensionRef.portNumber (not used by the picker itself).</summary>
    public static PoolInfo? ToPoolInfo(A2.InferencePool pool, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return SinglePort(pool, pool.Spec?.Selector, pool.Spec?.TargetPortNumber,
            pool.Spec?.ExtensionRef?.FailureMode == A2.ExtensionFailureMode.FailOpen, PoolInfo.V1Alpha2ApiVersion, out error);
    }

    /// <summary>v1: selector.matchLabels, targetPorts[] (each port of a pod is its own endpoint), appProtocol, endpointPickerRef.failureMode.</summary>
    public static PoolInfo? ToPoolInfo(V1.InferencePool pool, out string? error)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var key = SnapshotBuilder.KeyOf(pool);
        var ports = pool.Spec?.TargetPorts;
        if (ports is null || ports.Count == 0)
        {
            error = $"InferencePool {key}: spec.targetPorts must list at least one port";
            return null;
        }

        var builder = ImmutableArray.CreateBuilder<int>(ports.Count);
        for (var i = 0; i < ports.Count; i++)
        {
            var number = ports[i]?.Number;
            if (!CheckPort(key, $"spec.targetPorts[{i}].number", number, out error))
            {
                return null;
            }

            if (builder.Contains(number!.Value))
            {
                error = $"InferencePool {key}: spec.targetPorts[{i}].number {number.Value.ToString(CultureInfo.InvariantCulture)} is listed twice (port numbers must be unique)";
                return null;
            }

            builder.Add(number.Value);
        }

        var failureMode = pool.Spec!.EndpointPickerRef?.FailureMode == V1.EndpointPickerFailureMode.FailOpen ? FailureMode.FailOpen : FailureMode.FailClose;
        var appProtocol = string.IsNullOrEmpty(pool.Spec.AppProtocol) ? PoolInfo.HttpAppProtocol : pool.Spec.AppProtocol;
        if (appProtocol is not (PoolInfo.HttpAppProtocol or PoolInfo.H2cAppProtocol))
        {
            error = $"InferencePool {key}: spec.appProtocol must be \"{PoolInfo.HttpAppProtocol}\" or \"{PoolInfo.H2cAppProtocol}\" (got \"{appProtocol}\")";
            return null;
        }

        error = null;
        return new PoolInfo(key.Name, key.Namespace, Freeze(pool.Spec.Selector?.MatchLabels), builder.MoveToImmutable(), failureMode)
        {
            ApiVersion = PoolInfo.V1ApiVersion,
            AppProtocol = appProtocol,
        };
    }

    /// <summary>The x-k8s.io pools (v1alpha1, v1alpha2): a selector map and one spec.targetPortNumber.</summary>
    private static PoolInfo? SinglePort(
        KubernetesObject pool, Dictionary<string, string>? selector, int? port, bool failOpen, string apiVersion, out string? error)
    {
        var key = SnapshotBuilder.KeyOf(pool);
        if (!CheckPort(key, "spec.targetPortNumber", port, out error))
        {
            return null;
        }

        return new PoolInfo(key.Name, key.Namespace, Freeze(selector), [port!.Value], failOpen ? FailureMode.FailOpen : FailureMode.FailClose)
        {
            ApiVersion = apiVersion,
        };
    }

    private static bool CheckPort(ObjectKey key, string field, int? port, out string? error)
    {
        if (port is null or < 1 or > 65535)
        {
            error = $"InferencePool {key}: {field} must be between 1 and 65535 (got {port?.ToString(CultureInfo.InvariantCulture) ?? "nothing"})";
            return false;
        }

        error = null;
        return true;
    }

    private static FrozenDictionary<string, string> Freeze(Dictionary<string, string>? labels) =>
        labels?.ToFrozenDictionary(StringComparer.Ordinal) ?? FrozenDictionary<string, string>.Empty;
}
