using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;

namespace InferenceGateway.Api.V1Alpha1;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha1 InferenceModel, exactly as the seed defines it: a model name that
/// clients put in the request body, its criticality, an optional weighted traffic split, and the pool it runs on.
/// </summary>
public sealed class InferenceModel : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha1";
    public const string KindName = "InferenceModel";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    public InferenceModelSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceModelStatus? Status { get; set; }
}

public sealed class InferenceModelSpec
{
    /// <summary>The name clients set in the request's "model" field. Unique per pool; max 253.</summary>
    [JsonPropertyName("modelName")]
    public string? ModelName { get; set; }

    /// <summary>Critical, Default or Sheddable; defaults to Default.</summary>
    [JsonPropertyName("criticality")]
    public Criticality? Criticality { get; set; }

    /// <summary>At most 10. Without targets the target is the modelName itself.</summary>
    [JsonPropertyName("targetModels")]
    public List<TargetModel>? TargetModels { get; set; }

    /// <summary>Required: the pool (same namespace) that serves this model.</summary>
    [JsonPropertyName("poolRef")]
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

public sealed class TargetModel
{
    /// <summary>Adapter or base model name as registered in the model server; max 253.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>0..1,000,000; defaults to 1.</summary>
    [JsonPropertyName("weight")]
    public int? Weight { get; set; }
}

public sealed class PoolObjectReference
{
    /// <summary>Defaults to inference.networking.x-k8s.io.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    /// <summary>Defaults to InferencePool.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }
}

public sealed class InferenceModelStatus
{
    [JsonPropertyName("conditions")]
    public List<Condition>? Conditions { get; set; }
}
