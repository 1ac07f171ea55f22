namespace InferenceGateway.ExtProc;

/// <summary>How the picker answers Envoy's ext_proc stream.</summary>
public sealed class ExtProcOptions
{
    /// <summary>Default destination header (and envoy.lb metadata key) of the endpoint-picker protocol.</summary>
    public const string DefaultDestinationHeader = "x-gateway-destination-endpoint";

    /// <summary>
    /// Request header (and key under the envoy.lb dynamic-metadata namespace) that carries the picked endpoints.
    /// The seed era used <c>target-pod</c>.
    /// </summary>
    public string DestinationHeader { get; set; } = DefaultDestinationHeader;

    /// <summary>
    /// Send only the primary endpoint (header and metadata keep one value, as the protocol requires them equal).
    /// Needed behind an ORIGINAL_DST cluster, which parses the header as a single address; the override-host
    /// policy (Istio, Envoy 1.35+) understands the ordered fallback list.
    /// </summary>
    public bool DestinationPrimaryOnly { get; set; }

    /// <summary>Largest request body the picker accumulates; larger bodies are refused with 413.</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>gRPC message size limit in both directions (a BUFFERED body arrives and leaves in one message).</summary>
    public int MaxGrpcMessageBytes { get; set; } = 80 * 1024 * 1024;

    /// <summary>Size of the streamed_response chunks sent back in FULL_DUPLEX_STREAMED (Envoy allows at most 64 KiB).</summary>
    public int StreamedChunkBytes { get; set; } = 62_000;

    /// <summary>
    /// Envoy 1.33 sends FULL_DUPLEX_STREAMED bodies without announcing it (protocol_config arrived in 1.34).
    /// Set this when such an Envoy is configured for full duplex; otherwise a stream without protocol_config
    /// is treated as half duplex (BUFFERED or STREAMED, told apart by the first body message).
    /// </summary>
    public bool AssumeFullDuplexWithoutProtocolConfig { get; set; }

    /// <summary>Largest non-streaming (JSON) response body kept to read its usage; larger ones are passed unread.</summary>
    public int MaxResponseBytesForUsage { get; set; } = 16 * 1024 * 1024;

    /// <summary>Longest single SSE line parsed for usage.</summary>
    public int MaxSseLineBytes { get; set; } = 1024 * 1024;

    /// <summary>How often the gRPC health statuses are refreshed from the readiness source.</summary>
    public TimeSpan HealthRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DestinationHeader) || !string.Equals(DestinationHeader, DestinationHeader.ToLowerInvariant(), StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ExtProc destination header must be a non-empty lower-case header name, got '{DestinationHeader}'.");
        }

        if (StreamedChunkBytes is <= 0 or > 64 * 1024)
        {
            throw new InvalidOperationException($"ExtProc streamed chunk size must be between 1 and 65536 bytes, got {StreamedChunkBytes}.");
        }

        if (MaxRequestBodyBytes <= 0 || MaxGrpcMessageBytes < MaxRequestBodyBytes)
        {
            throw new InvalidOperationException("ExtProc MaxGrpcMessageBytes must be at least MaxRequestBodyBytes (a BUFFERED body travels in one message).");
        }

        if (HealthRefreshInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("ExtProc HealthRefreshInterval must be positive.");
        }
    }
}
