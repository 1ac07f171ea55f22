using System.Globalization;
using InferenceGateway.Bench.Measurement;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>One strategy's value of a metric: simulated (the measured seed), through serve, and simulated with other seeds.</summary>
internal sealed record MetricValues(string Strategy, double Simulated, double Http, IReadOnlyList<double> OtherSeeds);

/// <summary>One strategy's value of a metric in both modes and its rank in each (1 = best; equal values share a rank).</summary>
internal sealed record RankedValue(string Strategy, double Simulated, double Http, int SimulatedRank, int HttpRank);

/// <summary>
/// How both modes order the strategies by one metric: the pairs on which serve contradicts the simulation, and the
/// pairs the simulation itself orders differently from seed to seed (it makes no claim about those).
/// </summary>
internal sealed record MetricComparison(
    string Metric,
    bool LowerIsBetter,
    IReadOnlyList<RankedValue> Values,
    IReadOnlyList<string> Disagreements,
    IReadOnlyList<string> SeedDependent,
    double KendallTauB)
{
    public bool Agrees => Disagreements.Count == 0;
}

/// <summary>The comparison of one run (one rate of a sweep, or a staged workload) over its whole-run rows.</summary>
internal sealed record RankingComparison(string Run, double Tolerance, double TtftFloorMs, int SimulatedSeeds, IReadOnlyList<MetricComparison> Metrics)
{
    public bool Agrees
    {
        get
        {
            foreach (var metric in Metrics)
            {
                if (!metric.Agrees)
                {
                    return false;
                }
            }

            return true;
        }
    }
}

/// <summary>
/// Compares the simulation's ranking of strategies with the ranking measured through real processes, by TTFT p90
/// (lower is better) and output tokens/s (higher is better), over each run's whole-run rows.
/// </summary>
/// <remarks>
/// With tolerance t and an absolute floor f (TTFT only: the simulation leaves out the HTTP path and the proxy, which
/// add time to every request through serve), two values are <i>separated</i> when the worse is more than (1 + t)
/// times the better and more than f above it, and <i>clearly separated</i> beyond (1 + 2t) and 2f.
/// The simulation <i>claims</i> an order for a pair when it separates the pair the same way with the measured seed
/// and with every extra seed (strategies equal in expectation, such as random and round-robin on a saturated
/// cluster, swap places from seed to seed: no claim). A pair is a disagreement when serve separates it against a
/// claim, or when the claim is a clear separation and serve does not separate the pair the same way.
/// Same-direction differences in size are never disagreements: the question is the ranking.
/// </remarks>
internal static class RankingComparer
{
    public const string TtftP90 = "TTFT p90";
    public const string OutputThroughput = "output tok/s";

    /// <param name="otherSeeds">The same simulation with other seeds (the simulation's own noise); may be empty.</param>
    public static IReadOnlyList<RankingComparison> Compare(
        IReadOnlyList<SummaryRecord> simulated,
        IReadOnlyList<SummaryRecord> http,
        double tolerance,
        double ttftFloorMs = 0,
        IReadOnlyList<IReadOnlyList<SummaryRecord>>? otherSeeds = null)
    {
        ArgumentNullException.ThrowIfNull(simulated);
        ArgumentNullException.ThrowIfNull(http);
        CheckTolerance(tolerance);
        CheckTolerance(ttftFloorMs);
        otherSeeds ??= [];
        var runs = new List<string>();
        foreach (var r in simulated)
        {
            if (r.Stage is null && !runs.Contains(r.Run))
            {
                runs.Add(r.Run);
            }
        }

        var result = new List<RankingComparison>(runs.Count);
        foreach (var run in runs)
        {
            var rows = new List<(SummaryRecord Sim, SummaryRecord Http, SummaryRecord?[] Others)>();
            foreach (var s in simulated)
            {
                if (s.Stage is null && s.Run == run && Find(http, run, s.Strategy) is { } h)
                {
                    var others = new SummaryRecord?[otherSeeds.Count];
                    for (var k = 0; k < others.Length; k++)
                    {
                        others[k] = Find(otherSeeds[k], run, s.Strategy);
                    }

                    rows.Add((s, h, others));
                }
            }

            result.Add(new RankingComparison(run, tolerance, ttftFloorMs, 1 + otherSeeds.Count,
            [
                CompareMetric(TtftP90, lowerIsBetter: true, [.. rows.Select(p => new MetricValues(p.Sim.Strategy, p.Sim.TtftP90Ms, p.Http.TtftP90Ms, [.. p.Others.Select(o => o?.TtftP90Ms ?? double.NaN)]))], tolerance, ttftFloorMs),
                CompareMetric(OutputThroughput, lowerIsBetter: false, [.. rows.Select(p => new MetricValues(p.Sim.Strategy, p.Sim.OutputTokensPerSecond, p.Http.OutputTokensPerSecond, [.. p.Others.Select(o => o?.OutputTokensPerSecond ?? double.NaN)]))], tolerance, 0),
            ]));
        }

        return result;
    }

    /// <summary>
    /// Ranks, disagreements and Kendall's tau-b of one metric. Undefined values (NaN) rank last. The floor is in the
    /// metric's unit and only applies to lower-is-better metrics.
    /// </summary>
    public static MetricComparison CompareMetric(string metric, bool lowerIsBetter, IReadOnlyList<MetricValues> values, double tolerance, double floor = 0)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckTolerance(tolerance);
        CheckTolerance(floor);
        if (!lowerIsBetter)
        {
            floor = 0;
        }

        var sim = new double[values.Count];
        var http = new double[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            sim[i] = Cost(values[i].Simulated, lowerIsBetter);
            http[i] = Cost(values[i].Http, lowerIsBetter);
        }

        var ranked = new List<RankedValue>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            ranked.Add(new RankedValue(values[i].Strategy, values[i].Simulated, values[i].Http, Rank(sim, i), Rank(http, i)));
        }

        ranked.Sort((a, b) => a.SimulatedRank != b.SimulatedRank ? a.SimulatedRank.CompareTo(b.SimulatedRank) : a.HttpRank.CompareTo(b.HttpRank));
        var disagreements = new List<string>();
        var seedDependent = new List<string>();
        for (var i = 0; i < values.Count; i++)
        {
            for (var j = i + 1; j < values.Count; j++)
            {
                var claim = Claim(values, i, j, lowerIsBetter, tolerance, floor);
                var clearClaim = Claim(values, i, j, lowerIsBetter, 2 * tolerance, 2 * floor);
                var s = Order(sim[i], sim[j], tolerance, floor);
                if (s != 0 && claim == 0)
                {
                    seedDependent.Add($"{values[i].Strategy} / {values[j].Strategy}");
                }

                var h = Order(http[i], http[j], tolerance, floor);
                if ((claim != 0 && h == -claim) || (clearClaim != 0 && h != clearClaim))
                {
                    disagreements.Add(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{metric}: {values[i].Strategy} vs {values[j].Strategy}: simulate {Describe(values[i].Simulated, values[j].Simulated, s)}, serve {Describe(values[i].Http, values[j].Http, h)}"));
                }
            }
        }

        return new MetricComparison(metric, lowerIsBetter, ranked, disagreements, seedDependent, KendallTauB(sim, http));
    }

    /// <summary>The order of pair (i, j) the simulation separates identically with every seed; 0 when it does not.</summary>
    private static int Claim(IReadOnlyList<MetricValues> values, int i, int j, bool lowerIsBetter, double tolerance, double floor)
    {
        var order = Order(Cost(values[i].Simulated, lowerIsBetter), Cost(values[j].Simulated, lowerIsBetter), tolerance, floor);
        for (var k = 0; order != 0 && k < values[i].OtherSeeds.Count; k++)
        {
            if (Order(Cost(values[i].OtherSeeds[k], lowerIsBetter), Cost(values[j].OtherSeeds[k], lowerIsBetter), tolerance, floor) != order)
            {
                order = 0;
            }
        }

        return order;
    }

    /// <summary>
    /// +1 when cost a is lower than cost b beyond the tolerance (b is over (1 + t) a and over a + floor), -1 the other
    /// way, 0 within it.
    /// </summary>
    internal static int Order(double costA, double costB, double tolerance, double floor = 0)
    {
        if (costA == costB)
        {
            return 0;
        }

        var (better, worse, sign) = costA < costB ? (costA, costB, 1) : (costB, costA, -1);
        if (double.IsPositiveInfinity(worse) || better <= 0)
        {
            return sign;
        }

        return worse / better > 1 + tolerance && worse - better > floor ? sign : 0;
    }

    /// <summary>Kendall's tau-b of two cost vectors (1: same order, -1: reversed); NaN when either is constant.</summary>
    internal static double KendallTauB(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        long concordant = 0;
        long discordant = 0;
        long tiesA = 0;
        long tiesB = 0;
        for (var i = 0; i < a.Count; i++)
        {
            for (var j = i + 1; j < a.Count; j++)
            {
                var x = Math.Sign(a[i].CompareTo(a[j]));
                var y = Math.Sign(b[i].CompareTo(b[j]));
                if (x == 0)
                {
                    tiesA++;
                }

                if (y == 0)
                {
                    tiesB++;
                }

                if (x * y > 0)
                {
                    concordant++;
                }
                else if (x * y < 0)
                {
                    discordant++;
                }
            }
        }

        var n0 = (long)a.Count * (a.Count - 1) / 2;
        var denominator = Math.Sqrt((double)(n0 - tiesA) * (n0 - tiesB));
        return denominator > 0 ? (concordant - discordant) / denominator : double.NaN;
    }

    /// <summary>Lower is better: the value itself; higher is better: its reciprocal. Undefined: the worst cost.</summary>
    private static double Cost(double value, bool lowerIsBetter)
    {
        if (double.IsNaN(value))
        {
            return double.PositiveInfinity;
        }

        if (lowerIsBetter)
        {
            return value;
        }

        return value > 0 ? 1 / value : double.PositiveInfinity;
    }

    private static int Rank(double[] costs, int index)
    {
        var rank = 1;
        foreach (var c in costs)
        {
            if (c < costs[index])
            {
                rank++;
            }
        }

        return rank;
    }

    private static string Describe(double a, double b, int order)
    {
        var c = CultureInfo.InvariantCulture;
        var text = $"{a.ToString("G4", c)} vs {b.ToString("G4", c)}";
        return order switch
        {
            > 0 => text + " (first better)",
            < 0 => text + " (second better)",
            _ => text + " (within tolerance)",
        };
    }

    /// <summary>The whole-run row of <paramref name="strategy"/> in <paramref name="run"/>, or null.</summary>
    internal static SummaryRecord? Find(IReadOnlyList<SummaryRecord> records, string run, string strategy)
    {
        foreach (var r in records)
        {
            if (r.Stage is null && r.Run == run && string.Equals(r.Strategy, strategy, StringComparison.OrdinalIgnoreCase))
            {
                return r;
            }
        }

        return null;
    }

    private static void CheckTolerance(double tolerance)
    {
        if (!(tolerance >= 0) || double.IsInfinity(tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "the tolerance must be a finite number >= 0");
        }
    }
}
