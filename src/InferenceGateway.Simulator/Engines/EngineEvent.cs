namespace InferenceGateway.Simulator.Engines;

public enum EngineEventKind
{
    /// <summary>First scheduled into a batch; Value = prompt tokens served from the prefix cache.</summary>
    Admitted,

    /// <summary>The first generated token (Value = 0, the token index).</summary>
    FirstToken,

    /// <summary>A later generated token; Value = its index (1-based count minus one).</summary>
    Token,

    /// <summary>All requested tokens generated (follows the last token event); Value = generated tokens.</summary>
    Finished,
}

/// <summary>What happened to a request in a step, at virtual time <see cref="Time"/> (the step's end).</summary>
public readonly record struct EngineEvent(EngineEventKind Kind, EngineRequest Request, TimeSpan Time, int Value);

/// <summary>Receives the events of a step. Called synchronously inside the engine; must not call back into it.</summary>
public interface IEngineEventSink
{
    void OnEvent(in EngineEvent engineEvent);
}

public enum SubmitResult
{
    Accepted,

    /// <summary>The waiting queue is full (HTTP 429).</summary>
    QueueFull,

    /// <summary>Prompt plus output exceed max-model-len (HTTP 400).</summary>
    ContextTooLong,

    /// <summary>The request needs more KV blocks than the whole cache has (HTTP 400).</summary>
    ExceedsKvCache,
}
