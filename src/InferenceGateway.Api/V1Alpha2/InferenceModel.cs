using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha2;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha2 InferenceModel: like v1alpha1, but the criticality enum is
/// Critical|Standard|Sheddable with no default, modelName is required (max 256) and target weights are either all
/// set or all absent.
/// </summary>
[Doc("InferenceModel is the Schema for the InferenceModels API.")]
[PrinterColumn("Model Name", "string", ".spec.modelName")]
[PrinterColumn("Pool", "string", ".spec.poolRef.name")]
[PrinterColumn("Criticality", "string", ".spec.criticality")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferenceModel : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha2";
    public const string KindName = "InferenceModel";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferenceModelSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceModelStatus? Status { get; set; }
}

[Doc("InferenceModelSpec represents the desired state of a specific model use case. modelName is unique per pool; on a clash the oldest InferenceModel stays valid.")]
public sealed class InferenceModelSpec
{
    public const string WeightsRuleMessage = "Weights should be set for all models, or none of the models.";

    [JsonPropertyName("modelName")]
    [Required]
    [MaxLength(256)]
    [Doc("ModelName is the name clients set in the \"model\" parameter of requests; unique per pool.")]
    public string? ModelName { get; set; }

    /// <summary>No default: an absent criticality is treated as Standard.</summary>
    [JsonPropertyName("criticality")]
    [Doc("Criticality defines how important it is to serve the model compared to other models referencing the same pool. No default is set; consumers treat an absent value as Standard.")]
    public Criticality? Criticality { get; set; }

    [JsonPropertyName("targetModels")]
    [MaxItems(10)]
    [AllOrNone("weight", WeightsRuleMessage)]
    [Doc("TargetModels allow multiple versions of a model for traffic splitting. If not specified, the target model name is defaulted to the modelName parameter.")]
    public List<TargetModel>? TargetModels { get; set; }

    [JsonPropertyName("poolRef")]
    [Required]
    [Doc("PoolRef is a reference to the inference pool; the pool must exist in the same namespace.")]
    public InferenceModelPoolReference PoolRef { get; set; } = new();
}

[JsonConverter(typeof(JsonStringEnumConverter<Criticality>))]
public enum Criticality
{
    /// <summary>Shed last.</summary>
    Critical,

    /// <summary>The base band (v1alpha1's Default).</summary>
    Standard,

    /// <summary>Shed first.</summary>
    Sheddable,
}

[Doc("TargetModel represents a deployed model or a LoRA adapter, by the name the model server knows it by.")]
public sealed class TargetModel
{
    [JsonPropertyName("name")]
    [Required]
    [MaxLength(253)]
    [Doc("Name is the name of the adapter or base model, as expected by the model server.")]
    public string? Name { get; set; }

    /// <summary>0..1,000,000; no default (all targets set a weight, or none does).</summary>
    [JsonPropertyName("weight")]
    [Minimum(0)]
    [Maximum(1000000)]
    [Doc("Weight is the proportion of requests (weight / sum of weights) sent to this target. Either every target sets a weight or none does.")]
    public int? Weight { get; set; }
}

[Doc("PoolObjectReference identifies an API object within the namespace of the referrer.")]
public sealed class InferenceModelPoolReference
{
    [JsonPropertyName("group")]
    [Default(InferencePool.Group)]
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

[Doc("InferenceModelStatus defines the observed state of InferenceModel.")]
public sealed class InferenceModelStatus
{
    [JsonPropertyName("conditions")]
    [MaxItems(8)]
    [Doc("Conditions track the state of the InferenceModel, e.g. Accepted.")]
    public List<Condition>? Conditions { get; set; }
}
