using System.Text.Json;

namespace InferenceGateway.ExtProc.Processing;

/// <summary>Token counts reported by the model server.</summary>
internal readonly record struct TokenUsage(int PromptTokens, int CompletionTokens, int CachedPromptTokens);

/// <summary>
/// Reads usage from a response body fed chunk by chunk: a JSON body (kept up to a cap and parsed at the end) or
/// an SSE stream (split into lines across chunk boundaries; every <c>data:</c> payload that mentions usage is
/// parsed). Understands the chat/completions names (prompt_tokens, completion_tokens,
/// prompt_tokens_details.cached_tokens) and the /v1/responses names (input_tokens, output_tokens,
/// input_tokens_details.cached_tokens, also nested under "response" in streamed events).
/// </summary>
internal sealed class UsageReader : IDisposable
{
    private static readonly byte[] UsageMarker = "\"usage\""u8.ToArray();
    private static readonly byte[] DataPrefix = "data:"u8.ToArray();
    private static readonly byte[] DoneMarker = "[DONE]"u8.ToArray();

    private readonly int _maxJsonBytes;
    private readonly int _maxLineBytes;
    private readonly PooledBuffer _buffer = new();
    private Format _format;
    private bool _overflow;
    private TokenUsage? _usage;

    public UsageReader(int maxJsonBytes, int maxLineBytes, bool? eventStream)
    {
        _maxJsonBytes = maxJsonBytes;
        _maxLineBytes = maxLineBytes;
        _format = eventStream switch
        {
            true => Format.Sse,
            false => Format.Json,
            null => Format.Unknown,
        };
    }

    private enum Format
    {
        Unknown,
        Json,
        Sse,
    }

    /// <summary>The latest usage seen in an SSE stream (JSON bodies are only read by <see cref="Complete"/>).</summary>
    public TokenUsage? Usage => _usage;

    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_format == Format.Unknown)
        {
            var trimmed = chunk.TrimStart(" \t\r\n"u8);
            if (trimmed.IsEmpty)
            {
                return;
            }

            _format = trimmed[0] is (byte)'{' or (byte)'[' ? Format.Json : Format.Sse;
        }

        if (_format == Format.Json)
        {
            AppendJson(chunk);
        }
        else
        {
            AppendSse(chunk);
        }
    }

    /// <summary>Call at the end of the body: parses a JSON body, flushes a last unterminated SSE line.</summary>
    public TokenUsage? Complete()
    {
        if (_format == Format.Json && !_overflow && _buffer.Length > 0)
        {
            if (TryReadUsage(_buffer.Span, out var usage))
            {
                _usage = usage;
            }
        }
        else if (_format == Format.Sse && !_overflow && _buffer.Length > 0)
        {
            ProcessLine(_buffer.Span);
        }

        _buffer.Clear();
        return _usage;
    }

    public void Dispose() => _buffer.Dispose();

    /// <summary>Finds usage at the top level or under "response" of one JSON document.</summary>
    internal static bool TryReadUsage(ReadOnlySpan<byte> json, out TokenUsage usage)
    {
        usage = default;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadObjectForUsage(ref reader, nested: true, out usage);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool ReadObjectForUsage(ref Utf8JsonReader reader, bool nested, out TokenUsage usage)
    {
        usage = default;
        var found = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    found = ReadUsageObject(ref reader, out usage) || found;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (nested && reader.ValueTextEquals("response"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    if (ReadObjectForUsage(ref reader, nested: false, out var inner))
                    {
                        usage = inner;
                        found = true;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return found;
    }

    private static bool ReadUsageObject(ref Utf8JsonReader reader, out TokenUsage usage)
    {
        int? prompt = null;
        int? completion = null;
        var cached = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                reader.Read();
                prompt = ReadCount(ref reader) ?? prompt;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                reader.Read();
                completion = ReadCount(ref reader) ?? completion;
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isCached = reader.ValueTextEquals("cached_tokens"u8);
                        reader.Read();
                        if (isCached)
                        {
                            cached = ReadCount(ref reader) ?? cached;
                        }
                        else
                        {
                            reader.Skip();
                        }
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        usage = new TokenUsage(prompt ?? 0, completion ?? 0, cached);
        return prompt.HasValue || completion.HasValue;
    }

    private static int? ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) && value >= 0)
        {
            return value;
        }

        reader.Skip();
        return null;
    }

    private void AppendJson(ReadOnlySpan<byte> chunk)
    {
        if (_overflow)
        {
            return;
        }

        if (_buffer.Length + chunk.Length > _maxJsonBytes)
        {
            _overflow = true;
            _buffer.Dispose();
            return;
        }

        _buffer.Append(chunk);
    }

    private void AppendSse(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                AppendPartialLine(chunk);
                return;
            }

            var tail = chunk[..newline];
            if (_overflow)
            {
                // The end of an over-long line: skip it and start clean.
                _overflow = false;
                _buffer.Clear();
            }
            else if (_buffer.Length == 0)
            {
                ProcessLine(tail);
            }
            else
            {
                AppendPartialLine(tail);
                if (!_overflow)
                {
                    ProcessLine(_buffer.Span);
                }

                _overflow = false;
                _buffer.Clear();
            }

            chunk = chunk[(newline + 1)..];
        }
    }

    private void AppendPartialLine(ReadOnlySpan<byte> part)
    {
        if (_overflow)
        {
            return;
        }

        if (_buffer.Length + part.Length > _maxLineBytes)
        {
            _overflow = true;
            _buffer.Clear();
            return;
        }

        _buffer.Append(part);
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (!line.StartsWith(DataPrefix))
        {
            return;
        }

        var payload = line[DataPrefix.Length..].TrimStart((byte)' ');
        if (payload.SequenceEqual(DoneMarker) || payload.IndexOf(UsageMarker) < 0)
        {
            return;
        }

        if (TryReadUsage(payload, out var usage))
        {
            _usage = usage;
        }
    }
}
