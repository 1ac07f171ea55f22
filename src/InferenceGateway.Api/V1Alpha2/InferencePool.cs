using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha2;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha2 InferencePool (early 2025): the seed's selector map and single target
/// port, a required extensionRef whose port field is <c>portNumber</c>, and per-gateway status in <c>status.parent[]</c>.
/// </summary>
[Doc("InferencePool is the Schema for the InferencePools API.")]
[PrinterColumn("Port", "integer", ".spec.targetPortNumber")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferencePool : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha2";
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
    /// <summary>Required equality selector over pod labels (same rules as v1alpha1).</summary>
    [JsonPropertyName("selector")]
    [Required]
    [MapKeys(MinLength = 1, MaxLength = 253, Pattern = V1Alpha1.InferencePoolSpec.LabelKeyPattern)]
    [MapValues(MaxLength = 63, Pattern = V1Alpha1.InferencePoolSpec.LabelValuePattern)]
    [Doc("Selector is a map of labels that model server pods of the InferencePool carry, in the pool's namespace. It is the simple map of a Service selector, not a full LabelSelector.")]
    public Dictionary<string, string>? Selector { get; set; }

    /// <summary>Required; 1..65535. Endpoint address = podIP:targetPortNumber.</summary>
    [JsonPropertyName("targetPortNumber")]
    [Required]
    [Minimum(1)]
    [Maximum(65535)]
    [Doc("TargetPortNumber is the port number of the selected model server pods, 1 to 65535.")]
    public int? TargetPortNumber { get; set; }

    /// <summary>Required in v1alpha2: the endpoint picker serving the pool.</summary>
    [JsonPropertyName("extensionRef")]
    [Required]
    [Doc("ExtensionRef configures the endpoint picker service that picks endpoints for the requests routed to this pool.")]
    public ExtensionReference ExtensionRef { get; set; } = new();
}

[Doc("ExtensionReference is a reference to the endpoint picker extension and the connection to it.")]
public sealed class ExtensionReference
{
    /// <summary>Defaults to "" (core).</summary>
    [JsonPropertyName("group")]
    [Default("")]
    [MaxLength(253)]
    [Pattern(V1Alpha1.PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent. The empty string means the core API group.")]
    public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")]
    [Default("Service")]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(V1Alpha1.PoolObjectReference.KindPattern)]
    [Doc("Kind is the Kubernetes resource kind of the referent, \"Service\" when not given. ExternalName services are not supported.")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [MaxLength(253)]
    [Doc("Name is the name of the referent.")]
    public string? Name { get; set; }

    /// <summary>Optional; implementations assume 9002 for a Service when absent.</summary>
    [JsonPropertyName("portNumber")]
    [Minimum(1)]
    [Maximum(65535)]
    [Doc("PortNumber is the port of the service running the extension; when absent, 9002 is assumed for a Service.")]
    public int? PortNumber { get; set; }

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
    /// <summary>Serialized as <c>parent</c> (singular), as v1alpha2 names it.</summary>
    [JsonPropertyName("parent")]
    [MaxItems(32)]
    [Doc("Parents lists the gateways associated with the InferencePool and the pool's status with respect to each.")]
    public List<PoolStatus>? Parents { get; set; }
}

[Doc("PoolStatus defines the observed state of InferencePool from a Gateway.")]
public sealed class PoolStatus
{
    [JsonPropertyName("parentRef")]
    [Required]
    [Doc("ParentRef is the gateway that observed this state of the InferencePool.")]
    public ParentGatewayReference ParentRef { get; set; } = new();

    [JsonPropertyName("conditions")]
    [MaxItems(8)]
    [Doc("Conditions track the state of the InferencePool, e.g. Accepted and ResolvedRefs.")]
    public List<Condition>? Conditions { get; set; }
}

[Doc("ParentGatewayReference identifies a parent (by default a Gateway), including its namespace.")]
public sealed class ParentGatewayReference
{
    [JsonPropertyName("group")]
    [Default("gateway.networking.k8s.io")]
    [MaxLength(253)]
    [Pattern(V1Alpha1.PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent.")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    [Default("Gateway")]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(V1Alpha1.PoolObjectReference.KindPattern)]
    [Doc("Kind is the kind of the referent, e.g. \"Gateway\".")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [MaxLength(253)]
    [Doc("Name is the name of the referent.")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(ParentGatewayReference.NamespacePattern)]
    [Doc("Namespace is the namespace of the referent; the referrer's namespace when absent.")]
    public string? Namespace { get; set; }

    public const string NamespacePattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
}
