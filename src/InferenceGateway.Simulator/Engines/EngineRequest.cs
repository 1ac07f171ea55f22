namespace InferenceGateway.Simulator.Engines;

public enum EngineRequestStatus
{
    Created,
    Waiting,
    Running,
    Finished,
    Cancelled,
    Rejected,
}

/// <summary>
/// One generation request as the engine sees it: a prompt length, the chained hashes of its full prompt blocks
/// (see <see cref="Tokens.PromptHasher"/>), the exact number of tokens to generate and an optional LoRA adapter.
/// The engine fills in the outcome properties. <see cref="State"/> is the caller's (the event sink's) own data.
/// </summary>
public sealed class EngineRequest
{
    public EngineRequest(long id, int promptTokens, ulong[] promptBlockHashes, int outputTokens, string? adapter = null, object? state = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(promptTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputTokens, 1);
        ArgumentNullException.ThrowIfNull(promptBlockHashes);
        Id = id;
        PromptTokens = promptTokens;
        PromptBlockHashes = promptBlockHashes;
        OutputTokens = outputTokens;
        Adapter = adapter;
        State = state;
        TotalTokens = promptTokens;
    }

    public long Id { get; }

    public int PromptTokens { get; }

    public ulong[] PromptBlockHashes { get; }

    /// <summary>Tokens to generate; the request finishes after exactly this many.</summary>
    public int OutputTokens { get; }

    public string? Adapter { get; }

    public object? State { get; }

    public EngineRequestStatus Status { get; internal set; }

    /// <summary>Prompt tokens served from the prefix cache when the request was first scheduled.</summary>
    public int CachedTokens { get; internal set; }

    public int GeneratedTokens { get; internal set; }

    /// <summary>How often the request was preempted (its KV freed, to be recomputed).</summary>
    public int Preemptions { get; internal set; }

    public TimeSpan ArrivalTime { get; internal set; }

    public TimeSpan? ScheduledTime { get; internal set; }

    public TimeSpan? FirstTokenTime { get; internal set; }

    public TimeSpan? FinishedTime { get; internal set; }

    // Engine bookkeeping (not part of the surface).
    internal int AdapterId;
    internal int Computed;
    internal int TotalTokens;
    internal int[] Blocks = [];
    internal int BlockCount;
    internal int HashedBlocks;
    internal int ScheduledTokens;
    internal bool CancelRequested;
    internal bool AdmittedPending;
    internal EngineRequest? Prev;
    internal EngineRequest? Next;
}
