using InferenceGateway.Core.Usage;

namespace InferenceGateway.Perf;

/// <summary>
/// BENCHMARK-ONLY: the proxy's response accounting as it was before it became a struct held inline by the
/// exchange (commit c80c43a): a class, allocated with every exchange, that allocates a parser object per 2xx
/// response (then <c>UsageParser</c>, since retired; <see cref="HeapScanner"/> has its shape), so
/// <see cref="ResponseAccountingBenchmarks"/> measures old and new in the same run. Not used by the product;
/// delete it once the comparison no longer needs re-running.
/// </summary>
internal sealed class ResponseAccountingBaseline : IDisposable
{
    private const int MaxCarryBytes = 1024 * 1024;

    private static readonly UsageParserLimits Limits = new(long.MaxValue, MaxCarryBytes, MaxCarryBytes);

    private BodyKind _kind;
    private bool _firstContent;
    private HeapScanner? _parser;

    private enum BodyKind : byte
    {
        None,
        Opaque,
        Json,
        Sse,
    }

    public TokenUsage? Usage => _parser?.Scanner.Usage;

    public void Begin(int statusCode, string? contentType)
    {
        _parser?.Scanner.Dispose();
        _parser = null;
        if (statusCode is < 200 or > 299)
        {
            _kind = BodyKind.None;
        }
        else if (contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Sse;
            _parser = new HeapScanner(UsageBodyFormat.EventStream, detectFirstContent: true);
        }
        else if (contentType is not null && contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            _kind = BodyKind.Json;
            _parser = new HeapScanner(UsageBodyFormat.Json, detectFirstContent: false);
        }
        else
        {
            _kind = BodyKind.Opaque;
        }
    }

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
                _firstContent = true;
                _parser!.Scanner.Append(chunk);
                break;
            case BodyKind.Sse:
                _parser!.Scanner.Append(chunk);
                _firstContent |= _parser.Scanner.FirstContentSeen;
                break;
            default:
                break;
        }

        return !hadFirst && _firstContent;
    }

    public void Complete() => _parser?.Scanner.Complete();

    public void Dispose() => _parser?.Scanner.Dispose();

    /// <summary>The retired <c>UsageParser</c>'s layout: the scanner in a heap object of its own, one per response.</summary>
    private sealed class HeapScanner(UsageBodyFormat format, bool detectFirstContent)
    {
        // A field, not a property: calls must reach the stored struct, not a copy.
        public UsageScanner Scanner = new(format, Limits, detectFirstContent);
    }
}
