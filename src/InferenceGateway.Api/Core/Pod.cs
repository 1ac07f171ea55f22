using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Core;

/// <summary>
/// The slice of a core v1 Pod that pool membership needs: labels, namespace, pod IP, Ready condition and
/// deletion. Other fields of a real pod manifest (spec, status.containerStatuses, ...) are accepted and ignored;
/// metadata is checked like any object's, and status.podIP must be an IP address.
/// </summary>
[PreserveUnknownFields]
public sealed class Pod : KubernetesObject
{
    public const string GroupVersion = "v1";
    public const string KindName = "Pod";

    [JsonPropertyName("status")]
    public PodStatus? Status { get; set; }
}

[PreserveUnknownFields]
public sealed class PodStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }

    [JsonPropertyName("podIP")]
    [Format(SchemaFormat.IP)]
    public string? PodIP { get; set; }

    [JsonPropertyName("conditions")]
    public List<PodCondition>? Conditions { get; set; }
}

[PreserveUnknownFields]
public sealed class PodCondition
{
    [JsonPropertyName("type")]
    [Required]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    [Required]
    [EnumValues("True", "False", "Unknown")]
    public string Status { get; set; } = "";
}
