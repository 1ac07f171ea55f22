using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;

namespace InferenceGateway.Api.V1Alpha1;

/// <summary>
/// inference.networking.x-k8s.io/v1alpha1 InferencePool of the seed's era: a Service-style label selector over
/// model-server pods, the port they serve on, and an optional reference to the endpoint picker.
/// </summary>
public sealed class InferencePool : KubernetesObject
{
    public const string Group = "inference.networking.x-k8s.io";
    public const string Version = "v1alpha1";
    public const string KindName = "InferencePool";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("spec")]
    public InferencePoolSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public InferencePoolStatus? Status { get; set; }
}

public sealed class InferencePoolSpec
{
    /// <summary>Required equality selector over pod labels.</summary>
    [JsonPropertyName("selector")]
    public Dictionary<string, string>? Selector { get; set; }

    /// <summary>Required; 1..65535. Endpoint address = podIP:targetPortNumber.</summary>
    [JsonPropertyName("targetPortNumber")]
    public int? TargetPortNumber { get; set; }

    [JsonPropertyName("extensionRef")]
    public ExtensionReference? ExtensionRef { get; set; }
}

public sealed class ExtensionReference
{
    /// <summary>Defaults to "" (core).</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    /// <summary>Defaults to Service.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Defaults to 9002.</summary>
    [JsonPropertyName("targetPortNumber")]
    public int? TargetPortNumber { get; set; }

    /// <summary>FailOpen or FailClose (default).</summary>
    [JsonPropertyName("failureMode")]
    public ExtensionFailureMode? FailureMode { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<ExtensionFailureMode>))]
public enum ExtensionFailureMode
{
    FailOpen,
    FailClose,
}

public sealed class InferencePoolStatus
{
    [JsonPropertyName("conditions")]
    public List<Condition>? Conditions { get; set; }
}
