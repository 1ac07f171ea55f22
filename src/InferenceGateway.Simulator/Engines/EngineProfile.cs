namespace InferenceGateway.Simulator.Engines;

/// <summary>
/// The cost model of one model on one server, and the server's default sizes. A step that computes P uncached
/// prefill tokens (with mean prior context C per prefill chunk) and D decode tokens over K context tokens takes
/// <c>a + b*P + c*D + d*K + e*sum(P_i*C_i)</c>, plus the adapter load time for each LoRA adapter loaded in the step.
/// docs/simulator.md gives the source of every coefficient.
/// </summary>
public sealed record EngineProfile(
    string Name,
    string Description,
    double StepBaseMicros,
    double PrefillTokenMicros,
    double DecodeSequenceMicros,
    double ContextTokenNanos,
    double PrefillContextNanos,
    double LoraLoadMicros,
    int KvCacheBlocks,
    int BlockSize,
    int MaxNumSeqs,
    int MaxNumBatchedTokens,
    int MaxModelLen,
    int MaxWaitingQueueLength,
    int MaxLoras)
{
    /// <summary>Llama-3.1-8B, bf16, one H100 80 GB (TP1).</summary>
    public static readonly EngineProfile Llama31_8B_H100 = new(
        "llama-3.1-8b-h100",
        "Llama-3.1-8B bf16 on one H100 80GB (TP1), vLLM defaults",
        StepBaseMicros: 6_500,
        PrefillTokenMicros: 22,
        DecodeSequenceMicros: 6.5,
        ContextTokenNanos: 49,
        PrefillContextNanos: 1.2,
        LoraLoadMicros: 25_000,
        KvCacheBlocks: 27_943,
        BlockSize: 16,
        MaxNumSeqs: 1024,
        MaxNumBatchedTokens: 8192,
        MaxModelLen: 131_072,
        MaxWaitingQueueLength: 1000,
        MaxLoras: 1);

    /// <summary>Qwen3-32B, bf16, two H100 80 GB (TP2).</summary>
    public static readonly EngineProfile Qwen3_32B_H100x2 = new(
        "qwen3-32b-h100x2",
        "Qwen3-32B bf16 on two H100 80GB (TP2), vLLM defaults",
        StepBaseMicros: 13_500,
        PrefillTokenMicros: 53,
        DecodeSequenceMicros: 12,
        ContextTokenNanos: 49,
        PrefillContextNanos: 2.4,
        LoraLoadMicros: 50_000,
        KvCacheBlocks: 19_208,
        BlockSize: 16,
        MaxNumSeqs: 1024,
        MaxNumBatchedTokens: 8192,
        MaxModelLen: 40_960,
        MaxWaitingQueueLength: 1000,
        MaxLoras: 1);

    /// <summary>A tiny fast server for tests: the reference simulator's default sizes, millisecond steps.</summary>
    public static readonly EngineProfile Test = new(
        "test",
        "Tiny fast server for tests (reference simulator default sizes; ~1 ms steps)",
        StepBaseMicros: 1_000,
        PrefillTokenMicros: 2,
        DecodeSequenceMicros: 20,
        ContextTokenNanos: 0,
        PrefillContextNanos: 0,
        LoraLoadMicros: 2_000,
        KvCacheBlocks: 1024,
        BlockSize: 16,
        MaxNumSeqs: 5,
        MaxNumBatchedTokens: 2048,
        MaxModelLen: 1024,
        MaxWaitingQueueLength: 1000,
        MaxLoras: 1);

    public static IReadOnlyList<EngineProfile> All { get; } = [Test, Llama31_8B_H100, Qwen3_32B_H100x2];

    public static EngineProfile? Find(string name)
    {
        foreach (var profile in All)
        {
            if (string.Equals(profile.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return profile;
            }
        }

        return null;
    }

    /// <summary>The duration of one step, in seconds.</summary>
    public double StepSeconds(long prefillTokens, long prefillContextProduct, int decodeSequences, long decodeContextTokens, int loraLoads) =>
        ((StepBaseMicros + (PrefillTokenMicros * prefillTokens) + (DecodeSequenceMicros * decodeSequences) + (LoraLoadMicros * loraLoads)) * 1e-6)
        + (((ContextTokenNanos * decodeContextTokens) + (PrefillContextNanos * prefillContextProduct)) * 1e-9);
}
