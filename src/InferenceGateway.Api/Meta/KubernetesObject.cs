using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Meta;

/// <summary>The part every Kubernetes object shares: apiVersion, kind and metadata (metav1.TypeMeta + ObjectMeta).</summary>
public abstract class KubernetesObject
{
    [JsonPropertyName("apiVersion")]
    [JsonPropertyOrder(-3)]
    [Doc("APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    [JsonPropertyOrder(-2)]
    [Doc("Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    [JsonPropertyOrder(-1)]
    [Required]
    public ObjectMeta Metadata { get; set; } = new();
}

/// <summary>metav1.ObjectMeta: every field the API server knows (so strict decoding accepts real manifests).</summary>
public sealed class ObjectMeta
{
    [JsonPropertyName("name")]
    [Required]
    [Format(SchemaFormat.Dns1123Subdomain)]
    public string? Name { get; set; }

    [JsonPropertyName("generateName")]
    public string? GenerateName { get; set; }

    [JsonPropertyName("namespace")]
    [Format(SchemaFormat.Dns1123Label)]
    public string? Namespace { get; set; }

    [JsonPropertyName("selfLink")]
    public string? SelfLink { get; set; }

    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    [JsonPropertyName("generation")]
    public long? Generation { get; set; }

    [JsonPropertyName("creationTimestamp")]
    public DateTimeOffset? CreationTimestamp { get; set; }

    [JsonPropertyName("deletionTimestamp")]
    public DateTimeOffset? DeletionTimestamp { get; set; }

    [JsonPropertyName("deletionGracePeriodSeconds")]
    public long? DeletionGracePeriodSeconds { get; set; }

    [JsonPropertyName("labels")]
    [MapKeys(Format = SchemaFormat.QualifiedName)]
    [MapValues(Format = SchemaFormat.LabelValue)]
    public Dictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    [MapKeys(Format = SchemaFormat.AnnotationKey)]
    [MaxTotalBytes(256 * 1024)]
    public Dictionary<string, string>? Annotations { get; set; }

    [JsonPropertyName("ownerReferences")]
    public List<OwnerReference>? OwnerReferences { get; set; }

    [JsonPropertyName("finalizers")]
    public List<string>? Finalizers { get; set; }

    /// <summary>Server-side apply bookkeeping; kept as-is so `kubectl get -o yaml --show-managed-fields` output reads.</summary>
    [JsonPropertyName("managedFields")]
    public List<JsonObject>? ManagedFields { get; set; }
}

/// <summary>metav1.OwnerReference.</summary>
public sealed class OwnerReference
{
    [JsonPropertyName("apiVersion")]
    [Required]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    [Required]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    public string? Name { get; set; }

    [JsonPropertyName("uid")]
    [Required]
    public string? Uid { get; set; }

    [JsonPropertyName("controller")]
    public bool? Controller { get; set; }

    [JsonPropertyName("blockOwnerDeletion")]
    public bool? BlockOwnerDeletion { get; set; }
}

/// <summary>metav1.Condition, with the validation controller-gen emits for it.</summary>
[Doc("Condition contains details for one aspect of the current state of this API Resource.")]
public sealed class Condition
{
    [JsonPropertyName("type")]
    [Required]
    [MaxLength(316)]
    [Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")]
    [Doc("type of condition in CamelCase or in foo.example.com/CamelCase.")]
    public string Type { get; set; } = "";

    /// <summary>"True", "False" or "Unknown".</summary>
    [JsonPropertyName("status")]
    [Required]
    [EnumValues("True", "False", "Unknown")]
    [Doc("status of the condition, one of True, False, Unknown.")]
    public string Status { get; set; } = "Unknown";

    [JsonPropertyName("observedGeneration")]
    [Minimum(0)]
    [Doc("observedGeneration represents the .metadata.generation that the condition was set based upon.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("lastTransitionTime")]
    [Required]
    [Doc("lastTransitionTime is the last time the condition transitioned from one status to another.")]
    public DateTimeOffset LastTransitionTime { get; set; }

    [JsonPropertyName("reason")]
    [Required]
    [MinLength(1)]
    [MaxLength(1024)]
    [Pattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")]
    [Doc("reason contains a programmatic identifier indicating the reason for the condition's last transition.")]
    public string Reason { get; set; } = "";

    [JsonPropertyName("message")]
    [Required]
    [MaxLength(32768)]
    [Doc("message is a human readable message indicating details about the transition. This may be an empty string.")]
    public string Message { get; set; } = "";
}
