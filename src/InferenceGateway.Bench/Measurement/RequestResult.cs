namespace InferenceGateway.Bench.Measurement;

/// <summary>
/// The client-side outcome of one request. Times are seconds since the run's start (virtual or wall clock).
/// </summary>
internal sealed record RequestResult
{
    public required int Index { get; init; }

    public required int Stage { get; init; }

    /// <summary>When the request was sent.</summary>
    public required double SendTime { get; init; }

    /// <summary>When the load plan wanted it sent; later sends waited for a free worker (the concurrency limit).</summary>
    public double? ArrivalTime { get; init; }

    /// <summary>Time spent waiting at the client for a free worker (0 when sent on arrival).</summary>
    public double ClientWait => ArrivalTime is { } arrival ? Math.Max(0, SendTime - arrival) : 0;

    public required bool Succeeded { get; init; }

    /// <summary>HTTP-like status of a failure (429 shed/queue full, 503 no endpoint, 0 transport/timeout).</summary>
    public int StatusCode { get; init; }

    public string? Error { get; init; }

    /// <summary>Arrival of the first non-empty token, or null when none came.</summary>
    public double? FirstTokenTime { get; init; }

    /// <summary>Arrival of the last byte (end of stream) or failure time.</summary>
    public double EndTime { get; init; }

    public int PromptTokens { get; init; }

    public int CachedTokens { get; init; }

    public int OutputTokens { get; init; }

    /// <summary>Endpoint that served the request (simulate mode), when known.</summary>
    public string? Endpoint { get; init; }

    public double? Ttft => FirstTokenTime - SendTime;

    public double E2e => EndTime - SendTime;

    /// <summary>(e2e - TTFT) / (output tokens - 1); only defined when more than one token came.</summary>
    public double? Tpot => Succeeded && OutputTokens > 1 && FirstTokenTime is { } first ? (EndTime - first) / (OutputTokens - 1) : null;
}

/// <summary>The per-request metric definitions of docs/benchmarks.md, over one observed token stream.</summary>
internal static class StreamMetrics
{
    /// <summary>
    /// From the send time, the arrival times of the non-empty content chunks and the end of the stream: TTFT (first
    /// chunk - send), e2e (end - send), TPOT ((e2e - TTFT) / (outputTokens - 1) when outputTokens &gt; 1) and the
    /// inter-token gaps between consecutive chunks.
    /// </summary>
    public static (double? Ttft, double E2e, double? Tpot, double[] Gaps) Compute(double send, IReadOnlyList<double> chunkTimes, double end, int outputTokens)
    {
        ArgumentNullException.ThrowIfNull(chunkTimes);
        double? ttft = chunkTimes.Count > 0 ? chunkTimes[0] - send : null;
        var e2e = end - send;
        double? tpot = ttft is { } t && outputTokens > 1 ? (e2e - t) / (outputTokens - 1) : null;
        var gaps = new double[Math.Max(0, chunkTimes.Count - 1)];
        for (var i = 1; i < chunkTimes.Count; i++)
        {
            gaps[i - 1] = chunkTimes[i] - chunkTimes[i - 1];
        }

        return (ttft, e2e, tpot, gaps);
    }
}
