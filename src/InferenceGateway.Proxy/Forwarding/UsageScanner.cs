using System.Text.Json;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// Token-level scan of an OpenAI response document (or one SSE data payload) for the <c>usage</c> object and,
/// optionally, the first non-empty generated text. Keeps its state between calls so a document split across
/// network reads can be scanned piece by piece with a resumable <see cref="Utf8JsonReader"/>.
/// </summary>
/// <remarks>
/// Understands both usage vocabularies: chat/completions/embeddings (<c>prompt_tokens</c>,
/// <c>completion_tokens</c>, <c>prompt_tokens_details.cached_tokens</c>) and /v1/responses (<c>input_tokens</c>,
/// <c>output_tokens</c>, <c>input_tokens_details.cached_tokens</c>), at any depth (the responses API nests it in
/// <c>response.usage</c> of its final event). The last complete usage object wins.
/// </remarks>
internal struct UsageScanner
{
    private Pending _pending;
    private int _usageDepth;
    private int _detailsDepth;
    private int _prompt;
    private int _completion;
    private int _cached;

    public static UsageScanner Create() => new() { _usageDepth = -1, _detailsDepth = -1 };

    public bool HasUsage { get; private set; }

    public int PromptTokens { get; private set; }

    public int CompletionTokens { get; private set; }

    public int CachedPromptTokens { get; private set; }

    /// <summary>Set once a non-empty content/text/delta string value has been seen.</summary>
    public bool SawContent { get; private set; }

    private enum Pending : byte
    {
        None,
        Usage,
        Prompt,
        Completion,
        Details,
        Cached,
        Content,
    }

    /// <summary>Forget the position inside a document (start of a new SSE payload); results are kept.</summary>
    public void ResetPosition()
    {
        _pending = Pending.None;
        _usageDepth = -1;
        _detailsDepth = -1;
    }

    /// <summary>Reads tokens until the reader runs out of (possibly partial) input.</summary>
    public void Scan(ref Utf8JsonReader reader, bool lookForContent)
    {
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    _pending = Classify(ref reader, lookForContent);
                    break;
                case JsonTokenType.StartObject:
                    OnStartObject(reader.CurrentDepth);
                    break;
                case JsonTokenType.EndObject:
                    OnEndObject(reader.CurrentDepth);
                    break;
                case JsonTokenType.Number:
                    OnNumber(ref reader);
                    break;
                case JsonTokenType.String:
                    if (_pending == Pending.Content && reader.ValueSpan.Length > 0)
                    {
                        SawContent = true;
                    }

                    _pending = Pending.None;
                    break;
                default:
                    _pending = Pending.None;
                    break;
            }
        }
    }

    private readonly Pending Classify(ref Utf8JsonReader reader, bool lookForContent)
    {
        if (_usageDepth >= 0)
        {
            if (_detailsDepth >= 0)
            {
                return reader.ValueTextEquals("cached_tokens"u8) ? Pending.Cached : Pending.None;
            }

            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                return Pending.Prompt;
            }

            if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                return Pending.Completion;
            }

            if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                return Pending.Details;
            }

            return Pending.None;
        }

        if (reader.ValueTextEquals("usage"u8))
        {
            return Pending.Usage;
        }

        if (lookForContent && !SawContent
            && (reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8)
                || reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("reasoning_content"u8)
                || reader.ValueTextEquals("arguments"u8)))
        {
            return Pending.Content;
        }

        return Pending.None;
    }

    private void OnStartObject(int depth)
    {
        if (_pending == Pending.Usage && _usageDepth < 0)
        {
            _usageDepth = depth;
            _prompt = 0;
            _completion = 0;
            _cached = 0;
        }
        else if (_pending == Pending.Details && _usageDepth >= 0 && _detailsDepth < 0 && depth == _usageDepth + 1)
        {
            _detailsDepth = depth;
        }

        _pending = Pending.None;
    }

    private void OnEndObject(int depth)
    {
        if (_detailsDepth >= 0 && depth == _detailsDepth)
        {
            _detailsDepth = -1;
        }
        else if (_usageDepth >= 0 && depth == _usageDepth)
        {
            _usageDepth = -1;
            HasUsage = true;
            PromptTokens = _prompt;
            CompletionTokens = _completion;
            CachedPromptTokens = _cached;
        }

        _pending = Pending.None;
    }

    private void OnNumber(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        switch (_pending)
        {
            case Pending.Prompt when depth == _usageDepth + 1:
                _prompt = ReadCount(ref reader);
                break;
            case Pending.Completion when depth == _usageDepth + 1:
                _completion = ReadCount(ref reader);
                break;
            case Pending.Cached when depth == _detailsDepth + 1:
                _cached = ReadCount(ref reader);
                break;
            default:
                break;
        }

        _pending = Pending.None;
    }

    private static int ReadCount(ref Utf8JsonReader reader) =>
        reader.TryGetInt32(out var value) && value >= 0 ? value : 0;
}
