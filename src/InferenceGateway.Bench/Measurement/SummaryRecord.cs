namespace InferenceGateway.Bench.Measurement;

/// <summary>
/// One row of summary.json: one strategy at one offered load (one stage of a staged workload, one rate of a
/// sweep, or "all" for a whole run). Latencies in milliseconds; NaN (JSON null) when undefined.
/// </summary>
internal sealed record SummaryRecord
{
    public required string Strategy { get; init; }

    public required string Workload { get; init; }

    /// <summary>The run: "rate=10" for a sweep point, "stages" for a staged workload.</summary>
    public required string Run { get; init; }

    /// <summary>Stage index inside the run, or null for the whole run.</summary>
    public int? Stage { get; init; }

    /// <summary>The seed of the run's arrivals, prompts and scheduler randomness (`--seed`, or one of `--seeds`).</summary>
    public ulong Seed { get; init; }

    /// <summary>Offered load in requests/s.</summary>
    public required double OfferedRate { get; init; }

    public required double DurationSeconds { get; init; }

    public required int Requests { get; init; }

    public required int Completed { get; init; }

    public required int Failed { get; init; }

    public double TtftP50Ms { get; init; }

    public double TtftP90Ms { get; init; }

    public double TtftP99Ms { get; init; }

    public double TtftMeanMs { get; init; }

    public double TpotP50Ms { get; init; }

    public double TpotP90Ms { get; init; }

    public double ItlP50Ms { get; init; }

    public double ItlP90Ms { get; init; }

    public double E2eP50Ms { get; init; }

    public double E2eP90Ms { get; init; }

    public double E2eP99Ms { get; init; }

    public double E2eMeanMs { get; init; }

    /// <summary>p90 of the time requests waited at the client for a free worker (the concurrency limit) before being sent.</summary>
    public double ClientWaitP90Ms { get; init; }

    public double RequestsPerSecond { get; init; }

    public double OutputTokensPerSecond { get; init; }

    public double TotalTokensPerSecond { get; init; }

    /// <summary>Sum of cached prompt tokens / sum of prompt tokens over completed requests.</summary>
    public double PrefixCacheHitRate { get; init; }

    /// <summary>Mean waiting requests per server over scrapes (simulate mode; null in http mode).</summary>
    public double? MeanWaiting { get; init; }

    /// <summary>Mean KV-cache utilisation per server over scrapes (simulate mode).</summary>
    public double? MeanKvUsage { get; init; }

    public double? P90KvUsage { get; init; }

    public long? Preemptions { get; init; }
}

/// <summary>Aggregates request results into a <see cref="SummaryRecord"/> (definitions in docs/benchmarks.md).</summary>
internal static class Summaries
{
    /// <summary>
    /// Throughput counts completed requests over the measured window: from the first send to the last end among
    /// the group's requests.
    /// </summary>
    public static SummaryRecord Build(
        string strategy,
        string workload,
        string run,
        int? stage,
        double offeredRate,
        double durationSeconds,
        IReadOnlyList<RequestResult> results,
        Span<double> gaps)
    {
        ArgumentNullException.ThrowIfNull(results);
        var ttft = new List<double>(results.Count);
        var tpot = new List<double>(results.Count);
        var e2e = new List<double>(results.Count);
        var clientWait = new List<double>(results.Count);
        long prompt = 0;
        long cached = 0;
        long output = 0;
        var completed = 0;
        var first = double.PositiveInfinity;
        var last = double.NegativeInfinity;
        foreach (var r in results)
        {
            first = Math.Min(first, r.SendTime);
            last = Math.Max(last, r.EndTime);
            if (!r.Succeeded)
            {
                continue;
            }

            completed++;
            if (r.Ttft is { } t)
            {
                ttft.Add(t * 1000);
            }

            if (r.Tpot is { } p)
            {
                tpot.Add(p * 1000);
            }

            e2e.Add(r.E2e * 1000);
            clientWait.Add(r.ClientWait * 1000);
            prompt += r.PromptTokens;
            cached += r.CachedTokens;
            output += r.OutputTokens;
        }

        var window = last > first ? last - first : double.NaN;
        var ttftSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ttft);
        var tpotSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tpot);
        var e2eSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(e2e);
        var t3 = Percentiles.Compute(ttftSpan, 50, 90, 99);
        var p2 = Percentiles.Compute(tpotSpan, 50, 90);
        var e3 = Percentiles.Compute(e2eSpan, 50, 90, 99);
        var i2 = Percentiles.Compute(gaps, 50, 90);
        return new SummaryRecord
        {
            Strategy = strategy,
            Workload = workload,
            Run = run,
            Stage = stage,
            OfferedRate = offeredRate,
            DurationSeconds = durationSeconds,
            Requests = results.Count,
            Completed = completed,
            Failed = results.Count - completed,
            TtftP50Ms = t3[0],
            TtftP90Ms = t3[1],
            TtftP99Ms = t3[2],
            TtftMeanMs = Percentiles.Mean(ttftSpan),
            TpotP50Ms = p2[0],
            TpotP90Ms = p2[1],
            ItlP50Ms = i2[0] * 1000,
            ItlP90Ms = i2[1] * 1000,
            E2eP50Ms = e3[0],
            E2eP90Ms = e3[1],
            E2eP99Ms = e3[2],
            E2eMeanMs = Percentiles.Mean(e2eSpan),
            ClientWaitP90Ms = Percentiles.Compute(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(clientWait), 90)[0],
            RequestsPerSecond = completed / window,
            OutputTokensPerSecond = output / window,
            TotalTokensPerSecond = (prompt + output) / window,
            PrefixCacheHitRate = prompt > 0 ? (double)cached / prompt : double.NaN,
        };
    }
}
