using InferenceGateway.Core.Usage;

namespace InferenceGateway.Proxy.Forwarding;

/// <summary>
/// Watches a response body while it streams to the client (never holding it back) to find the first generated
/// content and the usage numbers, with the shared <see cref="UsageScanner"/>.
/// </summary>
/// <remarks>
/// Only 2xx answers are read. text/event-stream is SSE (the first non-empty generated text is the first token);
/// a content type naming json is one JSON document (its first byte is the first token); any other content type is
/// not read for usage, its first byte is the first token. Memory is bounded: a JSON token or an SSE line longer
/// than <see cref="MaxCarryBytes"/> is not read (the response still flows).
/// <para>A mutable struct with the scanner inline, so accounting for a response allocates nothing: it lives in a
/// field of the per-request <see cref="ForwardingExchange"/> and is reached by <c>ref</c>; a copy would fork the
/// scanner's state. Not <see cref="IDisposable"/> for the reason <see cref="UsageScanner"/> gives.</para>
/// </remarks>
internal struct ResponseAccounting
{
    internal const int MaxCarryBytes = 1024 * 1024;

    private static readonly UsageParserLimits Limits = new(long.MaxValue, MaxCarryBytes, MaxCarryBytes);

    private BodyKind _kind;
    private bool _firstContent;
    private UsageScanner _scanner;

    private enum BodyKind : byte
    {
        /// <summary>Not scanned: error statuses.</summary>
        None,

        /// <summary>Scanned, but only the first byte matters (success with an unknown content type).</summary>
        Opaque,
        Json,
        Sse,
    }

    /// <summary>The usage the model server reported, once read.</summary>
    public readonly TokenUsage? Usage => _scanner.Usage;

    /// <summary>Called with the response status and content type before the first body byte.</summary>
    public void Begin(int statusCode, string? contentType)
    {
        _scanner.Dispose();
        _scanner = default;
        if (statusCode is < 200 or > 299)
        {
            _kind = BodyKind.None;
        }
        else if (contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Sse;
            _scanner = new UsageScanner(UsageBodyFormat.EventStream, Limits, detectFirstContent: true);
        }
        else if (contentType is not null && contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Json;
            _scanner = new UsageScanner(UsageBodyFormat.Json, Limits);
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
                _scanner.Append(chunk);
                break;
            case BodyKind.Sse:
                _scanner.Append(chunk);
                _firstContent |= _scanner.FirstContentSeen;
                break;
            default:
                break;
        }

        return !hadFirst && _firstContent;
    }

    /// <summary>The body ended: an SSE line without a final newline is still a line.</summary>
    public void Complete() => _scanner.Complete();

    /// <summary>Returns the scanner's pooled buffer; <see cref="Usage"/> stays readable.</summary>
    public void Dispose() => _scanner.Dispose();
}
