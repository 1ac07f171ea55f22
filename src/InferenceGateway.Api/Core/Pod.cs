using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;

namespace InferenceGateway.Api.Core;

/// <summary>
/// The slice of a core v1 Pod that pool membership needs: labels, namespace, pod IP, Ready condition and
/// deletion. Other fields of a real pod manifest are accepted and ignored (see PodValidation).
/// </summary>
public sealed class Pod : KubernetesObject
{
    public const string GroupVersion = "v1";
    public const string KindName = "Pod";

    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}

public sealed class PodStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("podIP")]
    public string? PodIP { get; set; }

    [JsonPropertyName("conditions")]
    public List<PodCondition>? Conditions { get; set; }
}

public sealed class PodCondition
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";
}
