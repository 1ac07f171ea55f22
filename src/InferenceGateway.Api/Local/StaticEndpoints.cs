using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Local;

/// <summary>
/// File-source shorthand (not a cluster resource): a plain list of host:port model servers for a pool, instead
/// of one v1 Pod document per server. Example:
/// <code>
/// apiVersion: inference-gateway.io/v1alpha1
/// kind: StaticEndpoints
/// metadata: { name: local-servers, namespace: default }
/// spec:
///   poolName: my-pool
///   engineType: vllm          # optional, default vllm
///   endpoints: ["127.0.0.2:8000", "127.0.0.3:8000"]
/// </code>
/// </summary>
public sealed class StaticEndpoints : KubernetesObject
{
    public const string Group = "inference-gateway.io";
    public const string Version = "v1alpha1";
    public const string KindName = "StaticEndpoints";
    public const string GroupVersion = Group + "/" + Version;

    /// <summary>The model-server engines the shorthand knows (they differ in metric names).</summary>
    public static readonly IReadOnlyList<string> EngineTypes = ["vllm", "sglang", "trtllm-serve", "triton-tensorrt-llm"];

    [JsonPropertyName("spec")]
    [Required]
    public StaticEndpointsSpec Spec { get; set; } = new();
}

public sealed class StaticEndpointsSpec
{
    /// <summary>Required: the InferencePool (same namespace) these endpoints belong to.</summary>
    [JsonPropertyName("poolName")]
    [Required]
    [Format(SchemaFormat.Dns1123Subdomain)]
    public string? PoolName { get; set; }

    /// <summary>vllm (default), sglang, trtllm-serve or triton-tensorrt-llm.</summary>
    [JsonPropertyName("engineType")]
    [Default("vllm")]
    [EnumValues("vllm", "sglang", "trtllm-serve", "triton-tensorrt-llm")]
    public string? EngineType { get; set; }

    /// <summary>Required, 1..1024 items: "host:port", "ip:port" or "[ipv6]:port".</summary>
    [JsonPropertyName("endpoints")]
    [Required]
    [MinItems(1)]
    [MaxItems(1024)]
    [Format(SchemaFormat.HostPort)]
    public List<string>? Endpoints { get; set; }
}
