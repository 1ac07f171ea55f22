using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha1;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha1 InferenceModel, exactly as the seed defines it: a model name that
/// clients put in the request body, its criticality, an optional weighted traffic split, and the pool it runs on.
/// </summary>
[Doc("InferenceModel is the Schema for the InferenceModels API.")]
[PrinterColumn("Model Name", "string", ".spec.modelName")]
[PrinterColumn("Pool", "string", ".spec.poolRef.name")]
[PrinterColumn("Criticality", "string", ".spec.criticality")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferenceModel : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha1";
    public const string KindName = "InferenceModel";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferenceModelSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceModelStatus? Status { get; set; }
}

[Doc("InferenceModelSpec represents the desired state of a specific model use case. This resource is managed by the \"Inference Workload Owner\" persona. An InferenceModel's modelName (not the ObjectMeta name) is unique for a given InferencePool; when the name is reused, the oldest InferenceModel by creation timestamp stays valid and the others get an error on their status.")]
public sealed class InferenceModelSpec
{
    /// <summary>The name clients set in the request's "model" field. Unique per pool; max 253.</summary>
    [JsonPropertyName("modelName")]
    [MaxLength(253)]
    [Doc("ModelName is the name of the model as users set it in the \"model\" parameter of requests. It is unique among the workloads that reference the same pool. Names can be reserved without an actual model by giving every target model weight zero: requests then get an error saying no valid target model was found.")]
    public string? ModelName { get; set; }

    /// <summary>Critical, Default or Sheddable; defaults to Default.</summary>
    [JsonPropertyName("criticality")]
    [Default("Default")]
    [Doc("Criticality defines how important it is to serve the model compared to other models referencing the same pool.")]
    public Criticality? Criticality { get; set; }

    /// <summary>At most 10. Without targets the target is the modelName itself.</summary>
    [JsonPropertyName("targetModels")]
    [MaxItems(10)]
    [Doc("TargetModels allow multiple versions of a model for traffic splitting. If not specified, the target model name is defaulted to the modelName parameter. modelName is often in reference to a LoRA adapter.")]
    public List<TargetModel>? TargetModels { get; set; }

    /// <summary>Required: the pool (same namespace) that serves this model.</summary>
    [JsonPropertyName("poolRef")]
    [Required]
    [Doc("PoolRef is a reference to the inference pool; the pool must exist in the same namespace.")]
    public PoolObjectReference PoolRef { get; set; } = new();
}

[JsonConverter(typeof(JsonStringEnumConverter<Criticality>))]
public enum Criticality
{
    /// <summary>Shed last.</summary>
    Critical,

    /// <summary>Shed before Critical, after Sheddable. The default.</summary>
    Default,

    /// <summary>Shed first.</summary>
    Sheddable,
}

[Doc("TargetModel represents a deployed model or a LoRA adapter. The Name field is expected to match the name of the LoRA adapter (or base model) as it is registered within the model server.")]
public sealed class TargetModel
{
    /// <summary>Adapter or base model name as registered in the model server; max 253.</summary>
    [JsonPropertyName("name")]
    [MaxLength(253)]
    [Doc("Name is the name of the adapter as expected by the model server.")]
    public string? Name { get; set; }

    /// <summary>0..1,000,000; defaults to 1.</summary>
    [JsonPropertyName("weight")]
    [Default(1)]
    [Minimum(0)]
    [Maximum(1000000)]
    [Doc("Weight determines the proportion of traffic sent to this target model when multiple versions of the model are specified.")]
    public int? Weight { get; set; }
}

[Doc("PoolObjectReference identifies an API object within the namespace of the referrer.")]
public sealed class PoolObjectReference
{
    public const string GroupPattern = @"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
    public const string KindPattern = "^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$";

    /// <summary>Defaults to inference.networking.x-k8s.io.</summary>
    [JsonPropertyName("group")]
    [Default(InferencePool.Group)]
    [MaxLength(253)]
    [Pattern(GroupPattern)]
    [Doc("Group is the group of the referent.")]
    public string? Group { get; set; }

    /// <summary>Defaults to InferencePool.</summary>
    [JsonPropertyName("kind")]
    [Default(InferencePool.KindName)]
    [MinLength(1)]
    [MaxLength(63)]
    [Pattern(KindPattern)]
    [Doc("Kind is kind of the referent. For example \"InferencePool\".")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    [Required]
    [MinLength(1)]
    [MaxLength(253)]
    [Doc("Name is the name of the referent.")]
    public string? Name { get; set; }
}

[Doc("InferenceModelStatus defines the observed state of InferenceModel.")]
public sealed class InferenceModelStatus
{
    [JsonPropertyName("conditions")]
    [Doc("Conditions track the state of the InferenceModel.")]
    public List<Condition>? Conditions { get; set; }
}
