using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha2;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha2 InferenceObjective (the v1-era successor of InferenceModel): an integer
/// priority for the requests that name it (by metadata.name) in the <c>x-gateway-inference-objective</c> header.
/// </summary>
[Doc("InferenceObjective is the Schema for the InferenceObjectives API.")]
[PrinterColumn("Inference Pool", "string", ".spec.poolRef.name")]
[PrinterColumn("Priority", "integer", ".spec.priority")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferenceObjective : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha2";
    public const string KindName = "InferenceObjective";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferenceObjectiveSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceObjectiveStatus? Status { get; set; }
}

[Doc("InferenceObjectiveSpec represents the serving objectives of the requests associated with it.")]
public sealed class InferenceObjectiveSpec
{
    /// <summary>Higher is more important; negative values are allowed; absent means 0.</summary>
    [JsonPropertyName("priority")]
    [Doc("Priority defines how important it is to serve the request compared to other requests in the same pool. Higher values are more important; negative values are allowed. No default is set; an absent value is treated as 0.")]
    public int? Priority { get; set; }

    [JsonPropertyName("poolRef")]
    [Required]
    [Doc("PoolRef is a reference to the inference pool; the pool must exist in the same namespace.")]
    public PoolObjectReference PoolRef { get; set; } = new();
}

/// <summary>The pool reference of InferenceObjective and InferenceModelRewrite: the group defaults to the v1 pool's.</summary>
[Doc("PoolObjectReference identifies an API object within the namespace of the referrer.")]
public sealed class PoolObjectReference
{
    public const string DefaultGroup = "inference.networking.k8s.io";

    [JsonPropertyName("group")]
    [Default(DefaultGroup)]
    [MaxLength(253)]
    [Pattern(V1Alpha1.PoolObjectReference.GroupPattern)]
    [Doc("Group is the group of the referent.")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    [Default(InferencePool.KindName)]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(V1Alpha1.PoolObjectReference.KindPattern)]
    [Doc("Kind is kind of the referent. For example \"InferencePool\".")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [MaxLength(253)]
    [Doc("Name is the name of the referent.")]
    public string? Name { get; set; }
}

[Doc("InferenceObjectiveStatus defines the observed state of InferenceObjective.")]
public sealed class InferenceObjectiveStatus
{
    [JsonPropertyName("conditions")]
    [MaxItems(8)]
    [Doc("Conditions track the state of the InferenceObjective, e.g. Accepted.")]
    public List<Condition>? Conditions { get; set; }
}
