using System.Buffers;
using System.Text.Json;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// Watches a response body while it streams to the client (never holding it back) to find the first generated
/// content and the usage numbers. JSON bodies are scanned incrementally; SSE bodies line by line.
/// </summary>
/// <remarks>
/// Memory is bounded: only a token or an SSE line that spans two network reads is carried over, up to
/// <see cref="MaxCarryBytes"/>; beyond that the scan gives up (the response still flows, usage is not recorded).
/// </remarks>
internal sealed class ResponseAccounting : IDisposable
{
    internal const int MaxCarryBytes = 1024 * 1024;

    private BodyKind _kind;
    private bool _started;
    private bool _firstContent;
    private byte[]? _carry;
    private int _carryLength;
    private bool _skipLine;
    private JsonReaderState _jsonState;
    private UsageScanner _scanner = UsageScanner.Create();

    private enum BodyKind : byte
    {
        /// <summary>Not scanned: error statuses, other content types, or a scan that gave up.</summary>
        None,

        /// <summary>Scanned, but only the first byte matters (success with an unknown content type).</summary>
        Opaque,
        Json,
        Sse,
    }

    public bool Started => _started;

    public bool FirstContentSeen => _firstContent;

    public bool HasUsage => _scanner.HasUsage;

    public int PromptTokens => _scanner.PromptTokens;

    public int CompletionTokens => _scanner.CompletionTokens;

    public int CachedPromptTokens => _scanner.CachedPromptTokens;

    /// <summary>Called with the response status and content type before the first body byte.</summary>
    public void Begin(int statusCode, string? contentType)
    {
        _started = true;
        if (statusCode is < 200 or > 299)
        {
            _kind = BodyKind.None;
        }
        else if (contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Sse;
        }
        else if (contentType is not null && contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Json;
        }
        else
        {
            _kind = BodyKind.Opaque;
        }
    }

    /// <summary>Scans the next piece of the body; true when this piece carried the first generated content.</summary>
    public bool Observe(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return false;
        }

        var hadFirst = _firstContent;
        switch (_kind)
        {
            case BodyKind.Opaque:
                _firstContent = true;
                break;
            case BodyKind.Json:
                // A non-streamed answer arrives whole: its first byte is the first token for the client.
                _firstContent = true;
                ObserveJson(chunk);
                break;
            case BodyKind.Sse:
                ObserveSse(chunk);
                break;
            default:
                break;
        }

        return !hadFirst && _firstContent;
    }

    /// <summary>The body ended: an SSE line without a final newline is still a line.</summary>
    public void Complete()
    {
        if (_kind == BodyKind.Sse && _carryLength > 0 && !_skipLine)
        {
            ProcessLine(_carry.AsSpan(0, _carryLength));
        }

        _carryLength = 0;
    }

    public void Dispose()
    {
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }

    private void ObserveJson(ReadOnlySpan<byte> chunk)
    {
        ReadOnlySpan<byte> data;
        if (_carryLength == 0)
        {
            data = chunk;
        }
        else
        {
            if (!Append(chunk))
            {
                GiveUp();
                return;
            }

            data = _carry.AsSpan(0, _carryLength);
        }

        try
        {
            var reader = new Utf8JsonReader(data, isFinalBlock: false, _jsonState);
            _scanner.Scan(ref reader, lookForContent: false);
            _jsonState = reader.CurrentState;
            var rest = data[(int)reader.BytesConsumed..];
            if (rest.IsEmpty)
            {
                _carryLength = 0;
            }
            else if (_carryLength > 0)
            {
                rest.CopyTo(_carry);
                _carryLength = rest.Length;
            }
            else if (!Append(rest))
            {
                GiveUp();
            }
        }
        catch (JsonException)
        {
            // Not JSON after all (or trailing bytes): stop scanning; the bytes already went to the client.
            GiveUp();
        }
    }

    private void ObserveSse(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (!_skipLine && !Append(chunk))
                {
                    // An oversized line (a huge chunk): skip it, resume at the next line.
                    _skipLine = true;
                    _carryLength = 0;
                }

                return;
            }

            if (_skipLine)
            {
                _skipLine = false;
            }
            else if (_carryLength == 0)
            {
                ProcessLine(chunk[..newline]);
            }
            else if (Append(chunk[..newline]))
            {
                ProcessLine(_carry.AsSpan(0, _carryLength));
            }

            _carryLength = 0;
            chunk = chunk[(newline + 1)..];
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> line)
    {
        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        if (!line.StartsWith("data:"u8))
        {
            return;
        }

        var payload = line[5..];
        if (!payload.IsEmpty && payload[0] == (byte)' ')
        {
            payload = payload[1..];
        }

        if (payload.IsEmpty || payload[0] != (byte)'{')
        {
            // "[DONE]" and anything that is not a JSON object.
            return;
        }

        // After the first token only payloads that mention usage are worth a parse.
        if (_firstContent && payload.IndexOf("\"usage\""u8) < 0)
        {
            return;
        }

        _scanner.ResetPosition();
        try
        {
            var reader = new Utf8JsonReader(payload, isFinalBlock: true, state: default);
            _scanner.Scan(ref reader, lookForContent: !_firstContent);
        }
        catch (JsonException)
        {
            // One malformed event does not end accounting for the rest of the stream.
        }

        if (_scanner.SawContent)
        {
            _firstContent = true;
        }
    }

    private bool Append(ReadOnlySpan<byte> data)
    {
        var needed = _carryLength + data.Length;
        if (needed > MaxCarryBytes)
        {
            return false;
        }

        if (_carry is null || _carry.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Min(MaxCarryBytes, Math.Max(4096, (_carry?.Length ?? 0) * 2))));
            if (_carry is not null)
            {
                _carry.AsSpan(0, _carryLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_carry);
            }

            _carry = bigger;
        }

        data.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = needed;
        return true;
    }

    private void GiveUp()
    {
        _kind = BodyKind.None;
        _carryLength = 0;
    }
}
