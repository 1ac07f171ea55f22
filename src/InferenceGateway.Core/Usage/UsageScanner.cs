using System.Buffers;
using System.Text.Json;

namespace InferenceGateway.Core.Usage;

/// <summary>
/// Reads the token usage an OpenAI-compatible server reports, from a response body fed chunk by chunk as it
/// passes (never holding it back): a JSON body is scanned incrementally with a resumable
/// <see cref="Utf8JsonReader"/>, an SSE body line by line. The one usage parser of the gateway: the standalone
/// proxy and the ext_proc picker both hold it inline (a field of their per-request exchange), so reading a
/// response's usage allocates nothing.
/// </summary>
/// <remarks>
/// <para>Where usage is read: the <c>usage</c> member of the top-level object, or of its top-level
/// <c>response</c> object (the /v1/responses stream events). Names: <c>prompt_tokens</c>/<c>input_tokens</c>,
/// <c>completion_tokens</c>/<c>output_tokens</c>, <c>prompt_tokens_details.cached_tokens</c>/
/// <c>input_tokens_details.cached_tokens</c> (a missing details object counts as 0 cached).</para>
/// <para>A usage object counts once it is complete and has a valid prompt or completion count; the last one that
/// counts wins (servers that report usage on every chunk send a running total). A count is valid when it is a
/// non-negative whole number that fits an <see cref="int"/> (<c>12.0</c> and <c>1.2e1</c> are 12); an invalid
/// one is treated as absent. Malformed JSON stops the scan of a JSON body, or skips one SSE line; usage read
/// before the fault stays. Only whole <c>data:</c> lines are parsed; lines end with LF, CRLF or CR; a line with
/// no JSON object (<c>data: [DONE]</c>, comments, <c>event:</c>) is skipped.</para>
/// <para>Memory is bounded by <see cref="UsageParserLimits"/>: only a partial JSON token or SSE line is carried
/// between chunks, in a pooled buffer returned by <see cref="Dispose"/>.</para>
/// <para>A mutable struct: hold it in a field or a local that is not readonly and pass it by <c>ref</c>; a copy
/// forks the state, and the bytes fed to the copy are lost to the original. Deliberately not
/// <see cref="IDisposable"/>: a <c>using</c> variable is readonly, so every call on it would run on a hidden
/// copy. <c>default</c> reads nothing.</para>
/// </remarks>
public struct UsageScanner
{
    private const int MaxJsonDepth = 256;

    // Bytes of separators and whitespace that may precede a partial token in the carry.
    private const int CarrySlackBytes = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = MaxJsonDepth };

    private readonly UsageParserLimits _limits;
    private readonly bool _detectContent;
    private Mode _mode;

    private byte[]? _carry;
    private int _carryLength;
    private bool _skipLine;
    private long _jsonBytes;
    private JsonReaderState _jsonState;

    private Pending _pending;
    private int _responseDepth = -1;
    private int _usageDepth = -1;
    private int _detailsDepth = -1;
    private int? _prompt;
    private int? _completion;
    private int _cached;
    private TokenUsage? _usage;
    private bool _sawContent;

    /// <param name="format">The framing the content type announced.</param>
    /// <param name="limits">Caps on what is read and kept.</param>
    /// <param name="detectFirstContent">
    /// Also watch SSE events for the first non-empty generated text (<c>content</c>, <c>text</c>, <c>delta</c>,
    /// <c>reasoning_content</c>, <c>arguments</c>), see <see cref="FirstContentSeen"/>.
    /// </param>
    public UsageScanner(UsageBodyFormat format, UsageParserLimits limits, bool detectFirstContent = false)
    {
        _limits = limits;
        _detectContent = detectFirstContent;
        _mode = format switch
        {
            UsageBodyFormat.Json => Mode.Json,
            UsageBodyFormat.EventStream => Mode.Sse,
            _ => Mode.Sniff,
        };
        _jsonState = new JsonReaderState(ReaderOptions);
    }

    private enum Mode : byte
    {
        Sniff,
        Json,
        Sse,

        /// <summary>The JSON scan gave up (malformed, over a limit): the rest of the body is ignored.</summary>
        Stopped,
    }

    private enum Pending : byte
    {
        None,
        Usage,
        Response,
        Prompt,
        Completion,
        Details,
        Cached,
        Content,
    }

    /// <summary>The last complete, valid usage seen so far (for SSE, a last unterminated line needs <see cref="Complete"/>).</summary>
    public readonly TokenUsage? Usage => _usage;

    /// <summary>An SSE event with non-empty generated text has been seen (only with detectFirstContent).</summary>
    public readonly bool FirstContentSeen => _sawContent;

    /// <summary>A JSON body was given up on (malformed or over a limit); usage read before that stays.</summary>
    public readonly bool Stopped => _mode == Mode.Stopped;

    /// <summary>Reads the next piece of the body.</summary>
    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return;
        }

        if (_mode == Mode.Sniff)
        {
            var trimmed = chunk.TrimStart(" \t\r\n"u8);
            if (trimmed.IsEmpty)
            {
                return;
            }

            _mode = trimmed[0] is (byte)'{' or (byte)'[' ? Mode.Json : Mode.Sse;
        }

        if (_mode == Mode.Json)
        {
            AppendJson(chunk);
        }
        else if (_mode == Mode.Sse)
        {
            AppendSse(chunk);
        }
    }

    /// <summary>The body ended: an SSE line without a final line break is still a line.</summary>
    public TokenUsage? Complete()
    {
        if (_mode == Mode.Sse && _carryLength > 0 && !_skipLine)
        {
            ProcessLine(_carry.AsSpan(0, _carryLength));
        }

        _carryLength = 0;
        _skipLine = false;
        return _usage;
    }

    /// <summary>Returns the carry buffer to the pool; the usage read so far stays readable.</summary>
    public void Dispose()
    {
        _carryLength = 0;
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }

    private void AppendJson(ReadOnlySpan<byte> chunk)
    {
        _jsonBytes += chunk.Length;
        if (_jsonBytes > _limits.MaxJsonBodyBytes)
        {
            Stop();
            return;
        }

        var carryCap = (long)_limits.MaxJsonTokenBytes + CarrySlackBytes;
        ReadOnlySpan<byte> data;
        if (_carryLength == 0)
        {
            data = chunk;
        }
        else
        {
            if (!Carry(chunk, carryCap))
            {
                Stop();
                return;
            }

            data = _carry.AsSpan(0, _carryLength);
        }

        try
        {
            var reader = new Utf8JsonReader(data, isFinalBlock: false, _jsonState);
            if (!ScanTokens(ref reader, limitTokens: true))
            {
                Stop();
                return;
            }

            _jsonState = reader.CurrentState;
            var rest = data[(int)reader.BytesConsumed..];
            if (rest.IsEmpty)
            {
                _carryLength = 0;
            }
            else if (_carryLength > 0)
            {
                // rest lies inside the carry: move it to the front (CopyTo handles the overlap).
                rest.CopyTo(_carry);
                _carryLength = rest.Length;
            }
            else if (!Carry(rest, carryCap))
            {
                Stop();
            }
        }
        catch (JsonException)
        {
            Stop();
        }
    }

    private void AppendSse(ReadOnlySpan<byte> chunk)
    {
        var maxLine = _limits.MaxSseLineBytes;
        while (!chunk.IsEmpty)
        {
            var end = chunk.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                if (!_skipLine && !Carry(chunk, maxLine))
                {
                    // Over-long line: skip it up to its line break.
                    _skipLine = true;
                    _carryLength = 0;
                }

                return;
            }

            var part = chunk[..end];
            if (_skipLine)
            {
                _skipLine = false;
            }
            else if (_carryLength == 0)
            {
                if (part.Length <= maxLine)
                {
                    ProcessLine(part);
                }
            }
            else if (Carry(part, maxLine))
            {
                ProcessLine(_carry.AsSpan(0, _carryLength));
            }

            // CR, LF and CRLF all end a line; CRLF reads as a line and an empty one, and empty lines carry nothing.
            _carryLength = 0;
            chunk = chunk[(end + 1)..];
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!line.StartsWith("data:"u8))
        {
            return;
        }

        var payload = line[5..].TrimStart(" \t"u8);
        if (payload.IsEmpty || payload[0] != (byte)'{')
        {
            // "[DONE]" and anything else that is not a JSON object.
            return;
        }

        // Once content is not looked for, only payloads that mention usage are worth a parse.
        if ((!_detectContent || _sawContent) && payload.IndexOf("\"usage\""u8) < 0)
        {
            return;
        }

        ResetPosition();
        try
        {
            var reader = new Utf8JsonReader(payload, ReaderOptions);
            ScanTokens(ref reader, limitTokens: false);
        }
        catch (JsonException)
        {
            // One malformed event does not end accounting for the rest of the stream.
        }
    }

    /// <summary>Reads tokens until the input runs out; false when a token is over the limit.</summary>
    private bool ScanTokens(ref Utf8JsonReader reader, bool limitTokens)
    {
        while (reader.Read())
        {
            if (limitTokens && reader.ValueSpan.Length > _limits.MaxJsonTokenBytes)
            {
                return false;
            }

            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    _pending = Classify(ref reader);
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
                        _sawContent = true;
                    }

                    _pending = Pending.None;
                    break;
                default:
                    _pending = Pending.None;
                    break;
            }
        }

        return true;
    }

    private Pending Classify(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        if (_usageDepth >= 0)
        {
            if (_detailsDepth >= 0)
            {
                return depth == _detailsDepth + 1 && reader.ValueTextEquals("cached_tokens"u8) ? Pending.Cached : Pending.None;
            }

            if (depth != _usageDepth + 1)
            {
                return Pending.None;
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

        // Depth 1: members of the top-level object; depth 2 with a response open: members of "response".
        if ((depth == 1 || (depth == 2 && _responseDepth == 1)) && reader.ValueTextEquals("usage"u8))
        {
            return Pending.Usage;
        }

        if (depth == 1 && reader.ValueTextEquals("response"u8))
        {
            return Pending.Response;
        }

        if (_detectContent && !_sawContent
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
        switch (_pending)
        {
            case Pending.Usage:
                _usageDepth = depth;
                _prompt = null;
                _completion = null;
                _cached = 0;
                break;
            case Pending.Response:
                _responseDepth = depth;
                break;
            case Pending.Details:
                _detailsDepth = depth;
                break;
            default:
                break;
        }

        _pending = Pending.None;
    }

    private void OnEndObject(int depth)
    {
        if (_detailsDepth >= 0)
        {
            if (depth == _detailsDepth)
            {
                _detailsDepth = -1;
            }
        }
        else if (_usageDepth >= 0)
        {
            if (depth == _usageDepth)
            {
                _usageDepth = -1;
                if (_prompt.HasValue || _completion.HasValue)
                {
                    _usage = new TokenUsage(_prompt ?? 0, _completion ?? 0, _cached);
                }
            }
        }
        else if (depth == _responseDepth)
        {
            _responseDepth = -1;
        }

        _pending = Pending.None;
    }

    private void OnNumber(ref Utf8JsonReader reader)
    {
        switch (_pending)
        {
            case Pending.Prompt:
                _prompt = ReadCount(ref reader) ?? _prompt;
                break;
            case Pending.Completion:
                _completion = ReadCount(ref reader) ?? _completion;
                break;
            case Pending.Cached:
                _cached = ReadCount(ref reader) ?? _cached;
                break;
            default:
                break;
        }

        _pending = Pending.None;
    }

    /// <summary>A token count: a non-negative whole number within int range, written as an integer or not.</summary>
    private static int? ReadCount(ref Utf8JsonReader reader)
    {
        if (reader.TryGetInt32(out var value))
        {
            return value >= 0 ? value : null;
        }

        if (reader.TryGetDouble(out var real) && real >= 0 && real <= int.MaxValue && Math.Floor(real) == real)
        {
            return (int)real;
        }

        return null;
    }

    private void ResetPosition()
    {
        _pending = Pending.None;
        _responseDepth = -1;
        _usageDepth = -1;
        _detailsDepth = -1;
    }

    private void Stop()
    {
        _mode = Mode.Stopped;
        _carryLength = 0;
    }

    private bool Carry(ReadOnlySpan<byte> data, long cap)
    {
        var needed = _carryLength + (long)data.Length;
        if (needed > cap)
        {
            return false;
        }

        if (_carry is null || _carry.Length < needed)
        {
            var size = (int)Math.Max(needed, Math.Min(cap, Math.Max(4096L, (_carry?.Length ?? 0) * 2L)));
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            if (_carry is not null)
            {
                _carry.AsSpan(0, _carryLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_carry);
            }

            _carry = bigger;
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = (int)needed;
        return true;
    }
}
