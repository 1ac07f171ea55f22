using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using InferenceGateway.Core.Errors;

namespace InferenceGateway.Core.Requests;

/// <summary>
/// Reads the routing-relevant fields of an OpenAI request body with one forward pass of a
/// <see cref="Utf8JsonReader"/> (no DOM). Every other byte is skipped but still validated as JSON, so a body that
/// passes is well-formed, a single object, and no deeper than the configured limit.
/// </summary>
internal static class RequestParser
{
    public const int DefaultMaxBodyBytes = 16 * 1024 * 1024;
    public const int DefaultMaxJsonDepth = 64;

    private static readonly SearchValues<byte> JsonWhitespace = SearchValues.Create(" \t\r\n"u8);

    /// <summary>Parses <paramref name="body"/>; on failure <paramref name="error"/> is the 400/413 for the client.</summary>
    public static bool TryParse(
        RequestKind kind,
        ReadOnlyMemory<byte> body,
        int maxBodyBytes,
        int maxJsonDepth,
        out ParsedRequest request,
        [NotNullWhen(false)] out OpenAiError? error)
    {
        request = default;
        if (body.Length > maxBodyBytes)
        {
            error = OpenAiError.TooLarge(
                $"request body too large: {body.Length} bytes, the limit is {maxBodyBytes} bytes");
            return false;
        }

        if (body.Span.IndexOfAnyExcept(JsonWhitespace) < 0)
        {
            error = OpenAiError.BadRequest("request body is empty: a JSON object with a \"model\" is required");
            return false;
        }

        try
        {
            error = ParseCore(kind, body, maxJsonDepth, out request);
        }
        catch (JsonException ex)
        {
            error = OpenAiError.BadRequest(
                $"request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1})",
                "invalid_json");
        }
        catch (InvalidOperationException)
        {
            // Thrown by GetString/CopyString for strings that are not valid UTF-8.
            error = OpenAiError.BadRequest("request body contains a string that is not valid UTF-8", "invalid_json");
        }

        return error is null;
    }

    private static OpenAiError? ParseCore(RequestKind kind, ReadOnlyMemory<byte> body, int maxDepth, out ParsedRequest request)
    {
        request = default;
        var span = body.Span;

        // The reader may go one level deeper than the limit so that WalkValue, not the reader, reports it.
        var reader = new Utf8JsonReader(span, new JsonReaderOptions
        {
            MaxDepth = maxDepth + 1,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        });

        if (!reader.Read())
        {
            return OpenAiError.BadRequest("request body is empty: a JSON object with a \"model\" is required");
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return OpenAiError.BadRequest("request body must be a JSON object");
        }

        ReadOnlySpan<byte> promptName = kind switch
        {
            RequestKind.Completions => "prompt"u8,
            RequestKind.ChatCompletions => "messages"u8,
            _ => "input"u8,
        };

        string? model = null;
        var modelStart = 0;
        var modelEnd = 0;
        var stream = false;
        var includeUsage = false;
        int? maxTokens = null;
        int? maxCompletionTokens = null;
        int? maxOutputTokens = null;
        var prompt = ReadOnlyMemory<byte>.Empty;
        long promptTextBytes = 0;
        var promptTokenIds = 0;
        OpenAiError? error;

        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            // Top-level token inside the root object: always a property name.
            if (reader.ValueTextEquals("model"u8))
            {
                if (model is not null)
                {
                    // Ambiguous: servers differ on which duplicate wins, and the rewrite needs exactly one value.
                    return OpenAiError.BadRequest("duplicate \"model\" property in request body");
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return OpenAiError.BadRequest("\"model\" must be a string");
                }

                modelStart = checked((int)reader.TokenStartIndex);
                modelEnd = checked((int)reader.BytesConsumed);
                model = reader.GetString()!;
                if (model.Length == 0)
                {
                    return OpenAiError.BadRequest("\"model\" must not be empty");
                }
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                reader.Read();
                if (!TryReadOptionalBool(ref reader, out stream))
                {
                    return OpenAiError.BadRequest("\"stream\" must be a boolean");
                }
            }
            else if (reader.ValueTextEquals("max_tokens"u8))
            {
                reader.Read();
                if ((error = ReadOptionalCount(ref reader, "max_tokens", out maxTokens)) is not null)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals("max_completion_tokens"u8))
            {
                reader.Read();
                if ((error = ReadOptionalCount(ref reader, "max_completion_tokens", out maxCompletionTokens)) is not null)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals("max_output_tokens"u8))
            {
                reader.Read();
                if ((error = ReadOptionalCount(ref reader, "max_output_tokens", out maxOutputTokens)) is not null)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                if ((error = ReadStreamOptions(ref reader, maxDepth, out includeUsage)) is not null)
                {
                    return error;
                }
            }
            else if (reader.ValueTextEquals(promptName))
            {
                reader.Read();
                if ((error = ReadPrompt(kind, ref reader, body, maxDepth, out prompt, out promptTextBytes, out promptTokenIds)) is not null)
                {
                    return error;
                }
            }
            else
            {
                reader.Read();
                long ignoredText = 0;
                var ignoredNumbers = 0;
                if ((error = WalkValue(ref reader, maxDepth, ref ignoredText, ref ignoredNumbers)) is not null)
                {
                    return error;
                }
            }
        }

        // Anything but whitespace after the root object makes the reader throw (caught as invalid JSON).
        if (reader.Read())
        {
            return OpenAiError.BadRequest("request body must contain exactly one JSON object", "invalid_json");
        }

        if (model is null)
        {
            return OpenAiError.BadRequest("\"model\" is required", "missing_model");
        }

        var estimate = (promptTextBytes + 3) / 4 + promptTokenIds;
        request = new ParsedRequest(
            kind,
            model,
            modelStart,
            modelEnd,
            stream,
            includeUsage,
            maxCompletionTokens ?? maxOutputTokens ?? maxTokens,
            prompt,
            (int)Math.Min(estimate, int.MaxValue));
        return null;
    }

    private static bool TryReadOptionalBool(ref Utf8JsonReader reader, out bool value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                value = true;
                return true;
            case JsonTokenType.False:
            case JsonTokenType.Null:
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static OpenAiError? ReadOptionalCount(ref Utf8JsonReader reader, string name, out int? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var parsed) && parsed >= 0)
        {
            value = parsed;
            return null;
        }

        return OpenAiError.BadRequest($"\"{name}\" must be a non-negative integer");
    }

    private static OpenAiError? ReadStreamOptions(ref Utf8JsonReader reader, int maxDepth, out bool includeUsage)
    {
        includeUsage = false;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return OpenAiError.BadRequest("\"stream_options\" must be an object");
        }

        if (reader.CurrentDepth + 1 > maxDepth)
        {
            return TooDeep(maxDepth);
        }

        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return null;
            }

            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                if (!TryReadOptionalBool(ref reader, out includeUsage))
                {
                    return OpenAiError.BadRequest("\"stream_options.include_usage\" must be a boolean");
                }
            }
            else
            {
                long ignoredText = 0;
                var ignoredNumbers = 0;
                var error = WalkValue(ref reader, maxDepth, ref ignoredText, ref ignoredNumbers);
                if (error is not null)
                {
                    return error;
                }
            }
        }
    }

    private static OpenAiError? ReadPrompt(
        RequestKind kind,
        ref Utf8JsonReader reader,
        ReadOnlyMemory<byte> body,
        int maxDepth,
        out ReadOnlyMemory<byte> prompt,
        out long textBytes,
        out int tokenIds)
    {
        prompt = ReadOnlyMemory<byte>.Empty;
        textBytes = 0;
        tokenIds = 0;
        var type = reader.TokenType;
        var stringAllowed = kind != RequestKind.ChatCompletions;
        if (type == JsonTokenType.String && stringAllowed)
        {
            var start = checked((int)reader.TokenStartIndex) + 1;
            textBytes = reader.ValueSpan.Length;
            if (!reader.ValueIsEscaped)
            {
                // The text between the quotes, as a slice of the body: no copy.
                prompt = body.Slice(start, reader.ValueSpan.Length);
            }
            else
            {
                // Escapes must be resolved so that "\u00e9" and "é" hash alike; unescaping never grows the text.
                var buffer = new byte[reader.ValueSpan.Length];
                var written = reader.CopyString(buffer);
                prompt = buffer.AsMemory(0, written);
            }

            return null;
        }

        if (type == JsonTokenType.StartArray)
        {
            var start = checked((int)reader.TokenStartIndex);
            var error = WalkValue(ref reader, maxDepth, ref textBytes, ref tokenIds);
            if (error is not null)
            {
                return error;
            }

            prompt = body[start..checked((int)reader.BytesConsumed)];
            return null;
        }

        return kind switch
        {
            RequestKind.ChatCompletions => OpenAiError.BadRequest("\"messages\" must be an array"),
            RequestKind.Completions => OpenAiError.BadRequest("\"prompt\" must be a string or an array"),
            _ => OpenAiError.BadRequest("\"input\" must be a string or an array"),
        };
    }

    /// <summary>
    /// Moves past the value the reader is on (a scalar or a whole container), enforcing the depth limit and
    /// counting string-value bytes and numbers (token ids) for the prompt estimate.
    /// </summary>
    private static OpenAiError? WalkValue(ref Utf8JsonReader reader, int maxDepth, ref long textBytes, ref int numbers)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                textBytes += reader.ValueSpan.Length;
                return null;
            case JsonTokenType.Number:
                numbers++;
                return null;
            case JsonTokenType.StartObject:
            case JsonTokenType.StartArray:
                break;
            default:
                return null;
        }

        var depth = reader.CurrentDepth;
        if (depth + 1 > maxDepth)
        {
            return TooDeep(maxDepth);
        }

        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (reader.CurrentDepth + 1 > maxDepth)
                    {
                        return TooDeep(maxDepth);
                    }

                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    if (reader.CurrentDepth == depth)
                    {
                        return null;
                    }

                    break;
                case JsonTokenType.String:
                    textBytes += reader.ValueSpan.Length;
                    break;
                case JsonTokenType.Number:
                    numbers++;
                    break;
                default:
                    break;
            }
        }

        // Unreachable with a complete buffer: the reader throws on a truncated container.
        return OpenAiError.BadRequest("request body is not valid JSON (truncated)", "invalid_json");
    }

    private static OpenAiError TooDeep(int maxDepth) =>
        OpenAiError.BadRequest($"request body nests JSON deeper than {maxDepth} levels", "json_too_deep");
}
