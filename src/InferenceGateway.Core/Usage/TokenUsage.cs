namespace InferenceGateway.Core.Usage;

/// <summary>Token counts a model server reported in the <c>usage</c> object of its response.</summary>
public readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens);

/// <summary>How a response body is framed, as far as its content type tells.</summary>
public enum UsageBodyFormat
{
    /// <summary>No content type: the first non-blank byte decides (<c>{</c> or <c>[</c> is JSON, anything else SSE).</summary>
    Sniff,

    /// <summary>One JSON document (a non-streamed answer).</summary>
    Json,

    /// <summary>text/event-stream: usage is in a <c>data:</c> line.</summary>
    EventStream,
}

/// <summary>Memory and work bounds of a <see cref="UsageScanner"/>; everything it keeps is sized by these.</summary>
/// <param name="MaxJsonBodyBytes">A JSON body longer than this is not read for usage (the scan stops there).</param>
/// <param name="MaxJsonTokenBytes">
/// Longest single JSON token (a string such as the generated text) the scan reads through; a longer one stops
/// the scan. This bounds what is carried from one chunk to the next, and applies whether or not the token
/// happens to be split, so the result never depends on chunk boundaries.
/// </param>
/// <param name="MaxSseLineBytes">Longest SSE line (without its line break) read; longer lines are skipped.</param>
public readonly record struct UsageParserLimits(long MaxJsonBodyBytes, int MaxJsonTokenBytes, int MaxSseLineBytes);
