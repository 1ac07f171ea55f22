namespace InferenceGateway.Core.Prefix;

/// <summary>Settings of the approximate prefix-cache index (the reference picker's defaults).</summary>
public sealed class PrefixCacheOptions
{
    /// <summary>Tokens per KV block when the engine does not report its block size (vLLM's default).</summary>
    public int DefaultBlockSizeTokens { get; set; } = 16;

    /// <summary>
    /// Blocks hashed per request; longer prompts are matched on their first blocks only. 2,048 blocks of 16 tokens
    /// cover 32K tokens, so long shared prefixes (system prompts, chat histories) are matched whole; the reference
    /// picker's 256 (4K tokens) cut a 6,000-token system prompt short. The reference scorer keeps its own 256.
    /// </summary>
    public int MaxBlocksPerRequest { get; set; } = 2048;

    /// <summary>Block entries kept per endpoint when the engine does not report its number of KV blocks.</summary>
    public int DefaultCapacityPerEndpoint { get; set; } = 31_250;

    /// <summary>Block entries kept over all endpoints together (about 60 bytes each: a 40-byte node and its share of the hash table): the memory bound.</summary>
    public int MaxTotalEntries { get; set; } = 4_000_000;

    internal void Validate()
    {
        if (DefaultBlockSizeTokens is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultBlockSizeTokens), DefaultBlockSizeTokens, "must be in [1, 4096]");
        }

        if (MaxBlocksPerRequest is < 1 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBlocksPerRequest), MaxBlocksPerRequest, "must be in [1, 65536]");
        }

        if (DefaultCapacityPerEndpoint < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DefaultCapacityPerEndpoint), DefaultCapacityPerEndpoint, "must be positive");
        }

        if (MaxTotalEntries < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxTotalEntries), MaxTotalEntries, "must be positive");
        }
    }
}
