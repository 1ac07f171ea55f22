using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha1;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha1 InferencePool of the seed's era: a Service-style label selector over
/// model-server pods, the port they serve on, and an optional reference to the endpoint picker.
/// </summary>
[Doc("InferencePool is the Schema for the InferencePools API.")]
[PrinterColumn("Port", "integer", ".spec.targetPortNumber")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferencePool : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha1";
    public const string KindName = "InferencePool";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferencePoolSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferencePoolStatus? Status { get; set; }
}

[Doc("InferencePoolSpec defines the desired state of InferencePool.")]
public sealed class InferencePoolSpec
{
    public const string LabelKeyPattern = @"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$";
    public const string LabelValuePattern = "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$";

    /// <summary>Required equality selector over pod labels.</summary>
    [JsonPropertyName("selector")]
    [Required]
    [MapKeys(MinLength = 1, MaxLength = 253, Pattern = LabelKeyPattern)]
    [MapValues(MaxLength = 63, Pattern = LabelValuePattern)]
    [Doc("Selector defines a map of labels to watch model server pods that should be included in the InferencePool. It matches the simple map used for Service selectors instead of the full Kubernetes LabelSelector type.")]
    public Dictionary<string, string>? Selector { get; set; }

    /// <summary>Required; 1..65535. Endpoint address = podIP:targetPortNumber.</summary>
    [JsonPropertyName("targetPortNumber")]
    [Required]
    [Minimum(1)]
    [Maximum(65535)]
    [Doc("TargetPortNumber defines the port number to access the selected model servers. The number must be in the range 1 to 65535.")]
    public int? TargetPortNumber { get; set; }

    [JsonPropertyName("extensionRef")]
    [Doc("ExtensionRef configures the endpoint picker service that picks endpoints for the requests routed to this pool.")]
    public ExtensionReference? ExtensionRef { get; set; }
}

[Doc("ExtensionReference is a reference to the endpoint picker extension and the connection to it.")]
public sealed class ExtensionReference
{
    /// <summary>Defaults to "" (core).</summary>
    [JsonPropertyName("group")]
    [Default("")]
    [MaxLength(253)]
    [Pattern(PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent. The empty string means the core API group.")]
    public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")]
    [Default("Service")]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(PoolObjectReference.KindPattern)]
    [Doc("Kind is the Kubernetes resource kind of the referent, e.g. \"Service\". ExternalName services are not supported.")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [MaxLength(253)]
    [Doc("Name is the name of the referent.")]
    public string? Name { get; set; }

    /// <summary>Defaults to 9002.</summary>
    [JsonPropertyName("targetPortNumber")]
    [Default(9002)]
    [Minimum(1)]
    [Maximum(65535)]
    [Doc("TargetPortNumber is the port number on the pods running the extension.")]
    public int? TargetPortNumber { get; set; }

    /// <summary>FailOpen or FailClose (default).</summary>
    [JsonPropertyName("failureMode")]
    [Default("FailClose")]
    [Doc("FailureMode configures how the gateway handles the case when the extension is not responsive.")]
    public ExtensionFailureMode? FailureMode { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ExtensionFailureMode>))]
public enum ExtensionFailureMode
{
    FailOpen,
    FailClose,
}

[Doc("InferencePoolStatus defines the observed state of InferencePool.")]
public sealed class InferencePoolStatus
{
    [JsonPropertyName("conditions")]
    [Doc("Conditions track the state of the InferencePool.")]
    public List<Condition>? Conditions { get; set; }
}
