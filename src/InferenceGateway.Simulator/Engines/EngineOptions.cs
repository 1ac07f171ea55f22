namespace InferenceGateway.Simulator.Engines;

/// <summary>The sizes of one engine; start from <see cref="FromProfile"/> and override with <c>with</c>.</summary>
public sealed record EngineOptions
{
    public required EngineProfile Profile { get; init; }

    /// <summary>Tokens per KV block (vLLM `--block-size`).</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV cache size in blocks (reference simulator `--kv-cache-size`; vLLM's num_gpu_blocks).</summary>
    public int KvCacheBlocks { get; init; } = 1024;

    /// <summary>Running slots (vLLM `--max-num-seqs`).</summary>
    public int MaxNumSeqs { get; init; } = 5;

    /// <summary>Token budget of one step (vLLM `--max-num-batched-tokens`).</summary>
    public int MaxNumBatchedTokens { get; init; } = 2048;

    /// <summary>Longest prompt + output (vLLM `--max-model-len`).</summary>
    public int MaxModelLen { get; init; } = 1024;

    /// <summary>Waiting requests beyond this are rejected (reference simulator `--max-waiting-queue-length`).</summary>
    public int MaxWaitingQueueLength { get; init; } = 1000;

    /// <summary>LoRA adapters resident at once (vLLM `--max-loras`).</summary>
    public int MaxLoras { get; init; } = 1;

    public static EngineOptions FromProfile(EngineProfile profile) => new()
    {
        Profile = profile,
        BlockSize = profile.BlockSize,
        KvCacheBlocks = profile.KvCacheBlocks,
        MaxNumSeqs = profile.MaxNumSeqs,
        MaxNumBatchedTokens = profile.MaxNumBatchedTokens,
        MaxModelLen = profile.MaxModelLen,
        MaxWaitingQueueLength = profile.MaxWaitingQueueLength,
        MaxLoras = profile.MaxLoras,
    };

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BlockSize, 1, nameof(BlockSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(KvCacheBlocks, 1, nameof(KvCacheBlocks));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumSeqs, 1, nameof(MaxNumSeqs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxNumBatchedTokens, 1, nameof(MaxNumBatchedTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxModelLen, 1, nameof(MaxModelLen));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWaitingQueueLength, 0, nameof(MaxWaitingQueueLength));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLoras, 0, nameof(MaxLoras));
    }
}
