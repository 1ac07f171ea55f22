using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.V1Alpha2;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha2 InferenceModelRewrite: ordered rules that rewrite the request body's
/// model (matched exactly) to one of several weighted targets; the v1-era home of the traffic split.
/// </summary>
[Doc("InferenceModelRewrite is the Schema for the InferenceModelRewrite API.")]
[PrinterColumn("Inference Pool", "string", ".spec.poolRef.name")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class InferenceModelRewrite : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha2";
    public const string KindName = "InferenceModelRewrite";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    [Required]
    public InferenceModelRewriteSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferenceModelRewriteStatus? Status { get; set; }
}

[Doc("InferenceModelRewriteSpec defines the desired state of InferenceModelRewrite. The first matching rule wins; across resources an exact match beats a rule without matches, then the oldest resource wins.")]
public sealed class InferenceModelRewriteSpec
{
    [JsonPropertyName("poolRef")]
    [Required]
    [Doc("PoolRef is a reference to the inference pool.")]
    public PoolObjectReference PoolRef { get; set; } = new();

    [JsonPropertyName("rules")]
    [Required]
    [Doc("Rules are the ordered rules for rewriting inference requests; the first rule to match a request is used.")]
    public List<InferenceModelRewriteRule>? Rules { get; set; }
}

[Doc("InferenceModelRewriteRule defines match criteria and the weighted targets a matching request is rewritten to.")]
public sealed class InferenceModelRewriteRule
{
    /// <summary>Any match suffices (OR); no matches = the rule matches every request.</summary>
    [JsonPropertyName("matches")]
    [Doc("Matches are the criteria for matching a request; a request matches when ANY criterion holds. Empty: the rule matches all requests.")]
    public List<ModelRewriteMatch>? Matches { get; set; }

    [JsonPropertyName("targets")]
    [MinItems(1)]
    [Doc("Targets are the weighted model names a matching request is rewritten to (traffic splitting, A/B tests, canary rollouts).")]
    public List<ModelRewriteTarget>? Targets { get; set; }
}

[Doc("Match defines the criteria for matching an LLM request.")]
public sealed class ModelRewriteMatch
{
    [JsonPropertyName("model")]
    [Required]
    [Doc("Model specifies how the \"model\" field of the JSON request body is matched.")]
    public ModelMatch Model { get; set; } = new();
}

[Doc("ModelMatch defines how to match the model name of the request body.")]
public sealed class ModelMatch
{
    [JsonPropertyName("type")]
    [Default("Exact")]
    [Doc("Type is the kind of string matching; \"Exact\" (the default) is the only one supported.")]
    public ModelMatchType? Type { get; set; }

    [JsonPropertyName("value")]
    [Required]
    [MinLength(1)]
    [Doc("Value is the model name to match.")]
    public string? Value { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ModelMatchType>))]
public enum ModelMatchType
{
    Exact,
}

[Doc("TargetModel defines a weighted model destination.")]
public sealed class ModelRewriteTarget
{
    /// <summary>
    /// 1..1,000,000. The API asks for all targets or none to set a weight but its CRD does not enforce it (a CEL rule
    /// over the unbounded rules and targets lists would exceed the API server's cost budget); an absent weight counts as 1.
    /// </summary>
    [JsonPropertyName("weight")]
    [Minimum(1)]
    [Maximum(1000000)]
    [Doc("Weight is the proportion of matching requests (weight / sum of weights) rewritten to this target. Set it on every target or on none (an absent weight counts as 1, so no weights give an even split).")]
    public int? Weight { get; set; }

    [JsonPropertyName("modelRewrite")]
    [Required]
    [Doc("ModelRewrite is the model name the request body's model is rewritten to.")]
    public string? ModelRewrite { get; set; }
}

[Doc("InferenceModelRewriteStatus defines the observed state of InferenceModelRewrite.")]
public sealed class InferenceModelRewriteStatus
{
    [JsonPropertyName("conditions")]
    [MaxItems(8)]
    [Doc("Conditions track the state of the InferenceModelRewrite, e.g. Accepted.")]
    public List<Condition>? Conditions { get; set; }
}
