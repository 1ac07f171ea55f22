namespace InferenceGateway.Core.Requests;

/// <summary>
/// What the pipeline needs from an OpenAI request body. Nothing is copied except the model string (and the
/// prompt when it is a JSON string containing escapes).
/// </summary>
/// <param name="Model">The requested model, unescaped.</param>
/// <param name="ModelTokenStart">Offset of the opening quote of the model value in the body.</param>
/// <param name="ModelTokenEnd">Offset just past the closing quote of the model value (exclusive).</param>
/// <param name="MaxTokens">max_completion_tokens, max_output_tokens or max_tokens, in that order of preference.</param>
/// <param name="PromptBytes">What the prefix index hashes (see docs/request-pipeline.md); empty when absent.</param>
/// <param name="EstimatedPromptTokens">Text bytes / 4 (rounded up) plus one per token id.</param>
internal readonly record struct ParsedRequest(
    RequestKind Kind,
    string Model,
    int ModelTokenStart,
    int ModelTokenEnd,
    bool Stream,
    bool IncludeUsage,
    int? MaxTokens,
    ReadOnlyMemory<byte> PromptBytes,
    int EstimatedPromptTokens);
