namespace InferenceGateway.Bench.Measurement;

/// <summary>
/// One metric of one (strategy, run) over seeds. <see cref="Values"/> is aligned with the report's seeds (NaN where a
/// seed gave no value, e.g. no completed request); median, best and worst are over the defined values only, and
/// <see cref="Count"/> says how many there were. Best and worst follow the metric's direction (latency: lower is
/// better; throughput and cache hits: higher), ties going to the earlier seed.
/// </summary>
internal sealed record MetricDistribution(
    double Median,
    double Best,
    double Worst,
    ulong? BestSeed,
    ulong? WorstSeed,
    int Count,
    IReadOnlyList<double> Values);

/// <summary>The distribution over seeds of one strategy on one run plan (whole-run records only).</summary>
internal sealed record SeedDistribution(
    string Strategy,
    string Run,
    int Seeds,
    MetricDistribution TtftP90Ms,
    MetricDistribution TtftP99Ms,
    MetricDistribution OutputTokensPerSecond,
    MetricDistribution PrefixCacheHitRate);

/// <summary>seeds.json: the seeds in run order and one distribution per (strategy, run).</summary>
internal sealed record SeedsReport(
    string Mode,
    string Workload,
    IReadOnlyList<ulong> Seeds,
    int? Servers,
    string? Profile,
    IReadOnlyList<SeedDistribution> Distributions);

/// <summary>Summarises multi-seed runs: per (strategy, run), the median, best and worst seed of each headline metric.</summary>
internal static class SeedDistributions
{
    /// <summary>
    /// One distribution per (strategy, run) in order of first appearance, from the whole-run records (stage null) of
    /// <paramref name="seeds"/>. A seed without a record for the pair counts as undefined.
    /// </summary>
    public static IReadOnlyList<SeedDistribution> Compute(IReadOnlyList<SummaryRecord> records, IReadOnlyList<ulong> seeds)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(seeds);
        var pairs = new List<(string Strategy, string Run)>();
        var byPair = new Dictionary<(string, string), SummaryRecord?[]>();
        var seedIndex = new Dictionary<ulong, int>();
        for (var i = 0; i < seeds.Count; i++)
        {
            seedIndex[seeds[i]] = i;
        }

        foreach (var r in records)
        {
            if (r.Stage is not null || !seedIndex.TryGetValue(r.Seed, out var index))
            {
                continue;
            }

            var key = (r.Strategy, r.Run);
            if (!byPair.TryGetValue(key, out var row))
            {
                row = new SummaryRecord?[seeds.Count];
                byPair.Add(key, row);
                pairs.Add(key);
            }

            row[index] = r;
        }

        var result = new List<SeedDistribution>(pairs.Count);
        foreach (var (strategy, run) in pairs)
        {
            var row = byPair[(strategy, run)];
            result.Add(new SeedDistribution(
                strategy,
                run,
                seeds.Count,
                Of(row, seeds, r => r.TtftP90Ms, lowerIsBetter: true),
                Of(row, seeds, r => r.TtftP99Ms, lowerIsBetter: true),
                Of(row, seeds, r => r.OutputTokensPerSecond, lowerIsBetter: false),
                Of(row, seeds, r => r.PrefixCacheHitRate, lowerIsBetter: false)));
        }

        return result;
    }

    /// <summary>Median, best and worst of <paramref name="values"/> (NaN and infinities ignored) in the given direction.</summary>
    public static MetricDistribution Distribution(IReadOnlyList<double> values, IReadOnlyList<ulong> seeds, bool lowerIsBetter)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(seeds);
        if (values.Count != seeds.Count)
        {
            throw new ArgumentException("one value per seed is needed", nameof(values));
        }

        var defined = new List<double>(values.Count);
        int? best = null;
        int? worst = null;
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                continue;
            }

            defined.Add(v);
            if (best is null || (lowerIsBetter ? v < values[best.Value] : v > values[best.Value]))
            {
                best = i;
            }

            if (worst is null || (lowerIsBetter ? v > values[worst.Value] : v < values[worst.Value]))
            {
                worst = i;
            }
        }

        return new MetricDistribution(
            Median(defined),
            best is { } b ? values[b] : double.NaN,
            worst is { } w ? values[w] : double.NaN,
            best is { } bs ? seeds[bs] : null,
            worst is { } ws ? seeds[ws] : null,
            defined.Count,
            [.. values]);
    }

    /// <summary>
    /// The middle value, or the mean of the two middle values of an even count (the interpolated p50 of
    /// <see cref="Percentiles"/>); NaN when empty.
    /// </summary>
    public static double Median(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Percentiles.Compute(values.ToArray(), 50)[0];
    }

    private static MetricDistribution Of(SummaryRecord?[] row, IReadOnlyList<ulong> seeds, Func<SummaryRecord, double> metric, bool lowerIsBetter)
    {
        var values = new double[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            values[i] = row[i] is { } r ? metric(r) : double.NaN;
        }

        return Distribution(values, seeds, lowerIsBetter);
    }
}
