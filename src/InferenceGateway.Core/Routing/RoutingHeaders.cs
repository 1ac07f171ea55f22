namespace InferenceGateway.Core.Routing;

/// <summary>Request headers the pipeline reads or sets (lower-case, as front ends hand them over).</summary>
public static class RoutingHeaders
{
    public const string RequestId = "x-request-id";
    public const string SessionToken = "x-session-token";
    public const string ModelNameRewrite = "x-gateway-model-name-rewrite";
    public const string InferenceObjective = "x-gateway-inference-objective";

    /// <summary>Client-supplied request ids longer than this are replaced by a generated one.</summary>
    public const int MaxRequestIdLength = 256;
}
