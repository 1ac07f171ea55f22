using System.Reflection;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Schema;

/// <summary>A kind the manifest reader understands, with its schema.</summary>
/// <param name="IsCustomResource">True for the kinds this project defines as CRDs (InferenceModel, InferencePool, ...).</param>
/// <param name="IsStorageVersion">For a custom resource: this version is the CRD's storage version (one per group and kind).</param>
internal sealed record ResourceKind(string ApiVersion, string Kind, Type ClrType, bool IsCustomResource, bool IsStorageVersion = true)
{
    public SchemaNode Schema => SchemaBuilder.For(ClrType);

    public string Group => ApiVersion.Contains('/') ? ApiVersion[..ApiVersion.IndexOf('/')] : "";

    public string Version => ApiVersion.Contains('/') ? ApiVersion[(ApiVersion.IndexOf('/') + 1)..] : ApiVersion;

    public string Plural => Kind.ToLowerInvariant() + "s";

    public string Singular => Kind.ToLowerInvariant();

    public string ListKind => Kind + "List";

    public IReadOnlyList<PrinterColumnAttribute> PrinterColumns => [.. ClrType.GetCustomAttributes<PrinterColumnAttribute>()];
}

/// <summary>The registry of readable kinds.</summary>
internal static class ResourceKinds
{
    public static readonly ResourceKind InferenceModel = new(V1Alpha1.InferenceModel.GroupVersion, V1Alpha1.InferenceModel.KindName, typeof(InferenceModel), true);
    public static readonly ResourceKind InferencePool = new(V1Alpha1.InferencePool.GroupVersion, V1Alpha1.InferencePool.KindName, typeof(InferencePool), true);

    // v1alpha2 is served next to the seed's v1alpha1, which stays the storage version (conversion: None, the
    // shapes differ only where a manifest names the new fields).
    public static readonly ResourceKind InferenceModelV1Alpha2 = new(V1Alpha2.InferenceModel.GroupVersion, V1Alpha2.InferenceModel.KindName, typeof(V1Alpha2.InferenceModel), true, IsStorageVersion: false);
    public static readonly ResourceKind InferencePoolV1Alpha2 = new(V1Alpha2.InferencePool.GroupVersion, V1Alpha2.InferencePool.KindName, typeof(V1Alpha2.InferencePool), true, IsStorageVersion: false);
    public static readonly ResourceKind InferenceObjective = new(V1Alpha2.InferenceObjective.GroupVersion, V1Alpha2.InferenceObjective.KindName, typeof(V1Alpha2.InferenceObjective), true);
    public static readonly ResourceKind InferenceModelRewrite = new(V1Alpha2.InferenceModelRewrite.GroupVersion, V1Alpha2.InferenceModelRewrite.KindName, typeof(V1Alpha2.InferenceModelRewrite), true);
    public static readonly ResourceKind InferencePoolV1 = new(V1.InferencePool.GroupVersion, V1.InferencePool.KindName, typeof(V1.InferencePool), true);

    public static readonly ResourceKind Pod = new(Core.Pod.GroupVersion, Core.Pod.KindName, typeof(Pod), false);
    public static readonly ResourceKind StaticEndpoints = new(Local.StaticEndpoints.GroupVersion, Local.StaticEndpoints.KindName, typeof(StaticEndpoints), false);

    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        InferenceModel, InferencePool, InferenceModelV1Alpha2, InferencePoolV1Alpha2, InferenceObjective, InferenceModelRewrite, InferencePoolV1,
        Pod, StaticEndpoints,
    ];

    public static ResourceKind? Find(string apiVersion, string kind)
    {
        foreach (var candidate in All)
        {
            if (candidate.ApiVersion == apiVersion && candidate.Kind == kind)
            {
                return candidate;
            }
        }

        return null;
    }

    public static ResourceKind? For(KubernetesObject resource)
    {
        foreach (var candidate in All)
        {
            if (candidate.ClrType == resource.GetType())
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A column `kubectl get` shows for the kind (CRD additionalPrinterColumns).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
internal sealed class PrinterColumnAttribute(string name, string type, string jsonPath) : Attribute
{
    public string Name { get; } = name;

    public string Type { get; } = type;

    public string JsonPath { get; } = jsonPath;
}
