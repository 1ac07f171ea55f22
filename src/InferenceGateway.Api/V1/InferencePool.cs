using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1;

/// <summary>
/// inference.networking.k8s.io/v1 InferencePool (late 2025), the version today's gateways read: a matchLabels
/// selector, up to 8 target ports (each port of a pod is its own endpoint, e.g. one per data-parallel rank), the
/// application protocol, and an optional endpointPickerRef.
/// </summary>
[Doc("InferencePool is the Schema for the InferencePools API.")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferencePool : KubernetesObject
{
    public const string Group = "inference.networking.k8s.io";
    public const string Version = "v1";
    public const string KindName = "InferencePool";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferencePoolSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferencePoolStatus? Status { get; set; }
}

/// <summary>The values of <see cref="InferencePoolSpec.AppProtocol"/>.</summary>
public static class AppProtocols
{
    /// <summary>HTTP/1.1, the default.</summary>
    public const string Http = "http";

    /// <summary>HTTP/2 over cleartext.</summary>
    public const string H2c = "kubernetes.io/h2c";
}

[Doc("InferencePoolSpec defines the desired state of the InferencePool.")]
public sealed class InferencePoolSpec
{
    public const string UniquePortsMessage = "port number must be unique";

    [JsonPropertyName("selector")]
    [Required]
    [Doc("Selector determines which pods are members of the pool, by their labels, in the pool's namespace only.")]
    public LabelSelector Selector { get; set; } = new();

    /// <summary>1..8 ports with distinct numbers; every port of a pod is a separate endpoint.</summary>
    [JsonPropertyName("targetPorts")]
    [Required]
    [MinItems(1)]
    [MaxItems(8)]
    [UniqueBy("number", UniquePortsMessage)]
    [Doc("TargetPorts are the ports exposed by the pool. Every port is a distinct endpoint, addressed as podIP:portNumber.")]
    public List<Port>? TargetPorts { get; set; }

    /// <summary>"http" (default) or "kubernetes.io/h2c"; see <see cref="AppProtocols"/>.</summary>
    [JsonPropertyName("appProtocol")]
    [Default(AppProtocols.Http)]
    [EnumValues(AppProtocols.Http, AppProtocols.H2c)]
    [Doc("AppProtocol is the application protocol of all the target ports: \"http\" (HTTP/1.1, the default) or \"kubernetes.io/h2c\" (HTTP/2 over cleartext).")]
    public string? AppProtocol { get; set; }

    [JsonPropertyName("endpointPickerRef")]
    [Doc("EndpointPickerRef is a reference to the endpoint picker extension and its configuration.")]
    public EndpointPickerRef? EndpointPickerRef { get; set; }
}

[Doc("LabelSelector selects resources by their labels; only matchLabels is supported.")]
public sealed class LabelSelector
{
    /// <summary>Required, 1..64 labels; a pod must carry every one.</summary>
    [JsonPropertyName("matchLabels")]
    [Required]
    [MinItems(1)]
    [MaxItems(64)]
    [MapKeys(MinLength = 1, MaxLength = 253, Pattern = V1Alpha1.InferencePoolSpec.LabelKeyPattern)]
    [MapValues(MaxLength = 63, Pattern = V1Alpha1.InferencePoolSpec.LabelValuePattern)]
    [Doc("MatchLabels are {key,value} pairs that a pod must all carry to be selected.")]
    public Dictionary<string, string>? MatchLabels { get; set; }
}

[Doc("Port defines a network port.")]
public sealed class Port
{
    [JsonPropertyName("number")]
    [Required]
    [Minimum(1)]
    [Maximum(65535)]
    [Doc("Number is the port number, 1 to 65535.")]
    public int? Number { get; set; }
}

[Doc("EndpointPickerRef specifies a reference to an endpoint picker extension and its configuration.")]
[RequiredWhen("port", "kind", "Service", PortRequiredMessage)]
public sealed class EndpointPickerRef
{
    public const string PortRequiredMessage = "port is required when kind is 'Service' or unspecified (defaults to 'Service')";

    [JsonPropertyName("group")]
    [Default("")]
    [MaxLength(253)]
    [Pattern(V1Alpha1.PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent; \"\" (the core API group) when not given.")]
    public string? Group { get; set; }

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

    /// <summary>Required when kind is Service: the Service port (not the target port).</summary>
    [JsonPropertyName("port")]
    [Doc("Port is the port of the endpoint picker service; required when the referent is a Service, where it is the service port, not the target port.")]
    public Port? Port { get; set; }

    [JsonPropertyName("failureMode")]
    [Default("FailClose")]
    [Doc("FailureMode configures how the parent handles an unresponsive endpoint picker; FailClose when not given.")]
    public EndpointPickerFailureMode? FailureMode { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<EndpointPickerFailureMode>))]
public enum EndpointPickerFailureMode
{
    FailOpen,
    FailClose,
}

[Doc("InferencePoolStatus defines the observed state of the InferencePool.")]
public sealed class InferencePoolStatus
{
    [JsonPropertyName("parents")]
    [MaxItems(32)]
    [Doc("Parents are the parent resources (usually Gateways) associated with the pool, with the pool's status with respect to each.")]
    public List<ParentStatus>? Parents { get; set; }
}

[Doc("ParentStatus defines the observed state of the InferencePool from a parent, i.e. a Gateway.")]
public sealed class ParentStatus
{
    public const string ControllerNamePattern = @"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$";

    [JsonPropertyName("conditions")]
    [MaxItems(8)]
    [Doc("Conditions of the pool with respect to the parent: Accepted and ResolvedRefs.")]
    public List<Condition>? Conditions { get; set; }

    [JsonPropertyName("parentRef")]
    [Required]
    [Doc("ParentRef identifies the parent resource this status is associated with.")]
    public ParentReference ParentRef { get; set; } = new();

    [JsonPropertyName("controllerName")]
    [MinLength(1)]
    [MaxLength(253)]
    [Pattern(ControllerNamePattern)]
    [Doc("ControllerName is the domain/path name of the controller that wrote this status.")]
    public string? ControllerName { get; set; }
}

[Doc("ParentReference identifies a parent resource, such as a Gateway.")]
public sealed class ParentReference
{
    [JsonPropertyName("group")]
    [Default("gateway.networking.k8s.io")]
    [MaxLength(253)]
    [Pattern(V1Alpha1.PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent; gateway.networking.k8s.io when not given.")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    [Default("Gateway")]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(V1Alpha1.PoolObjectReference.KindPattern)]
    [Doc("Kind is the kind of the referent; Gateway when not given.")]
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
    [Pattern(V1Alpha2.ParentGatewayReference.NamespacePattern)]
    [Doc("Namespace is the namespace of the referent; the pool's namespace when not given.")]
    public string? Namespace { get; set; }
}
