using System.Reflection;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Schema;

/// <summary>A kind the manifest reader understands, with its schema.</summary>
/// <param name="IsCustomResource">True for the kinds this project defines as CRDs (InferenceModel, InferencePool).</param>
internal sealed record ResourceKind(string ApiVersion, string Kind, Type ClrType, bool IsCustomResource)
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
    public static readonly ResourceKind Pod = new(Core.Pod.GroupVersion, Core.Pod.KindName, typeof(Pod), false);
    public static readonly ResourceKind StaticEndpoints = new(Local.StaticEndpoints.GroupVersion, Local.StaticEndpoints.KindName, typeof(StaticEndpoints), false);

    public static IReadOnlyList<ResourceKind> All { get; } = [InferenceModel, InferencePool, Pod, StaticEndpoints];

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
