using System.Globalization;
using System.Text;
using InferenceGateway.Bench.Measurement;
using Spectre.Console;

namespace InferenceGateway.Bench.Reporting;

/// <summary>
/// The two views of a multi-seed run: each strategy's median, best and worst seed per headline metric, and the
/// TTFT p90 of every seed (rows = strategies, columns = seeds). As Markdown (summary.md) and Spectre tables (console).
/// </summary>
internal static class SeedTables
{
    private static readonly (string Name, Func<SeedDistribution, MetricDistribution> Metric, Func<double, string> Format)[] Metrics =
    [
        ("TTFT p90 ms", d => d.TtftP90Ms, v => ReportWriter.F(v, 0)),
        ("TTFT p99 ms", d => d.TtftP99Ms, v => ReportWriter.F(v, 0)),
        ("output tok/s", d => d.OutputTokensPerSecond, v => ReportWriter.F(v, 0)),
        ("cache hit", d => d.PrefixCacheHitRate, v => ReportWriter.P(v)),
    ];

    public static void AppendMarkdown(StringBuilder md, SeedsReport report)
    {
        ArgumentNullException.ThrowIfNull(md);
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        md.Append(c, $"## Across {report.Seeds.Count} seeds\n\n");
        md.Append("Whole runs; best and worst seed in parentheses (TTFT: lower is better; throughput and cache hits: higher).\n\n");
        md.Append("| strategy | run | metric | median | best | worst | seeds |\n");
        md.Append("|---|---|---|---:|---:|---:|---:|\n");
        foreach (var row in DistributionRows(report))
        {
            md.Append(c, $"| {string.Join(" | ", row)} |\n");
        }

        md.Append('\n');
        md.Append("## TTFT p90 ms per seed\n\n");
        md.Append("| strategy | run | ").Append(string.Join(" | ", report.Seeds.Select(s => "seed " + s.ToString(c)))).Append(" |\n");
        md.Append("|---|---|").Append(string.Concat(Enumerable.Repeat("---:|", report.Seeds.Count))).Append('\n');
        foreach (var row in PerSeedRows(report))
        {
            md.Append(c, $"| {string.Join(" | ", row)} |\n");
        }

        md.Append('\n');
    }

    /// <summary>Writes both tables to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, SeedsReport report)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(report);
        var distribution = new Table { Title = new TableTitle(string.Create(CultureInfo.InvariantCulture, $"Across {report.Seeds.Count} seeds (whole runs)")) };
        distribution.AddColumn("strategy");
        distribution.AddColumn("run");
        distribution.AddColumn("metric");
        foreach (var name in new[] { "median", "best", "worst", "seeds" })
        {
            distribution.AddColumn(new TableColumn(name).RightAligned());
        }

        foreach (var row in DistributionRows(report))
        {
            distribution.AddRow([.. row.Select(Markup.Escape)]);
        }

        console.Write(distribution);

        var perSeed = new Table { Title = new TableTitle("TTFT p90 ms per seed") };
        perSeed.AddColumn("strategy");
        perSeed.AddColumn("run");
        foreach (var seed in report.Seeds)
        {
            perSeed.AddColumn(new TableColumn("seed " + seed.ToString(CultureInfo.InvariantCulture)).RightAligned());
        }

        foreach (var row in PerSeedRows(report))
        {
            perSeed.AddRow([.. row.Select(Markup.Escape)]);
        }

        console.Write(perSeed);
    }

    /// <summary>strategy, run, metric, median, best (seed), worst (seed), defined values of all seeds.</summary>
    private static IEnumerable<string[]> DistributionRows(SeedsReport report)
    {
        var c = CultureInfo.InvariantCulture;
        foreach (var d in report.Distributions)
        {
            foreach (var (name, metric, format) in Metrics)
            {
                var m = metric(d);
                yield return
                [
                    d.Strategy,
                    d.Run,
                    name,
                    format(m.Median),
                    m.BestSeed is { } b ? string.Create(c, $"{format(m.Best)} (seed {b})") : "-",
                    m.WorstSeed is { } w ? string.Create(c, $"{format(m.Worst)} (seed {w})") : "-",
                    m.Count == d.Seeds ? m.Count.ToString(c) : string.Create(c, $"{m.Count} of {d.Seeds}"),
                ];
            }
        }
    }

    private static IEnumerable<string[]> PerSeedRows(SeedsReport report)
    {
        foreach (var d in report.Distributions)
        {
            yield return [d.Strategy, d.Run, .. d.TtftP90Ms.Values.Select(v => ReportWriter.F(v, 0))];
        }
    }
}
