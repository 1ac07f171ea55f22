using System.Globalization;
using System.Text;
using System.Text.Json;
using InferenceGateway.Bench.Measurement;

namespace InferenceGateway.Bench.Reporting;

/// <summary>
/// Writes summary.json, summary.md and the plots (TTFT p90 and output throughput against offered load, one line
/// per strategy, PNG and SVG) into one directory. A multi-seed report (<see cref="BenchReport.Seeds"/>) also gets
/// seeds.json, its Markdown leads with the distributions over seeds, and its plots show the first seed only.
/// </summary>
/// <remarks>
/// The distributions over seeds (<see cref="Measurement.SeedsReport"/>) are computed once per run: a caller that
/// also prints them builds them with <see cref="SeedsFor"/> and passes them to <see cref="Write(string, BenchReport, Measurement.SeedsReport?)"/>.
/// </remarks>
internal static class ReportWriter
{
    public static IReadOnlyList<string> Write(string directory, BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Write(directory, report, SeedsFor(report));
    }

    /// <param name="seeds"><see cref="SeedsFor"/> of <paramref name="report"/>, built once by the caller.</param>
    public static IReadOnlyList<string> Write(string directory, BenchReport report, SeedsReport? seeds)
    {
        CheckSeeds(report, seeds);
        Directory.CreateDirectory(directory);
        var files = new List<string>();
        var json = Path.Combine(directory, "summary.json");
        File.WriteAllBytes(json, JsonSerializer.SerializeToUtf8Bytes(report, BenchJsonContext.Default.BenchReport));
        files.Add(json);
        var markdown = Path.Combine(directory, "summary.md");
        File.WriteAllText(markdown, Markdown(report, seeds));
        files.Add(markdown);
        var plotted = report.Results;
        if (report.Seeds is { Count: > 0 } seedList)
        {
            var seedsJson = Path.Combine(directory, SeedsFileName);
            File.WriteAllBytes(seedsJson, JsonSerializer.SerializeToUtf8Bytes(seeds!, BenchJsonContext.Default.SeedsReport));
            files.Add(seedsJson);
            plotted = [.. report.Results.Where(r => r.Seed == seedList[0])];
        }

        files.AddRange(Plots.Write(directory, plotted));
        return files;
    }

    public const string SeedsFileName = "seeds.json";

    /// <summary>The distributions over seeds of a multi-seed report (seeds.json).</summary>
    public static SeedsReport SeedsReport(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var seeds = report.Seeds ?? [report.Seed];
        return new SeedsReport(report.Mode, report.Workload, seeds, report.Servers, report.Profile, SeedDistributions.Compute(report.Results, seeds));
    }

    /// <summary>The report's distributions over seeds when it is a multi-seed report, else null.</summary>
    public static SeedsReport? SeedsFor(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Seeds is null ? null : SeedsReport(report);
    }

    public static string Markdown(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Markdown(report, SeedsFor(report));
    }

    /// <param name="seedsReport"><see cref="SeedsFor"/> of <paramref name="report"/>, built once by the caller.</param>
    public static string Markdown(BenchReport report, SeedsReport? seedsReport)
    {
        CheckSeeds(report, seedsReport);
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.Append(c, $"# Benchmark: {report.Workload} ({report.Mode})\n\n");
        var seeds = report.Seeds;
        var seedText = seeds is null ? "seed " + report.Seed.ToString(c) : "seeds " + string.Join(", ", seeds.Select(s => s.ToString(c)));
        if (report.Servers is { } servers)
        {
            md.Append(c, $"{servers} simulated servers, profile `{report.Profile}`, scrape every {report.ScrapeIntervalMs} ms, {seedText}.\n\n");
        }
        else
        {
            md.Append(c, $"{char.ToUpperInvariant(seedText[0])}{seedText[1..]}.\n\n");
        }

        if (seeds is not null)
        {
            SeedTables.AppendMarkdown(md, seedsReport!);
            md.Append("## Every run\n\n");
        }

        md.Append(seeds is null ? "| strategy | run |" : "| strategy | run | seed |")
          .Append(" stage | offered req/s | completed | failed | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms | TPOT p50 ms | ITL p50 ms | e2e p90 ms | client wait p90 ms | output tok/s | cache hit | mean waiting | mean KV |\n");
        md.Append(seeds is null ? "|---|---|" : "|---|---|---:|")
          .Append("---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in report.Results)
        {
            md.Append(c, $"| {r.Strategy} | {r.Run} | ");
            if (seeds is not null)
            {
                md.Append(c, $"{r.Seed} | ");
            }

            md.Append(c, $"{(r.Stage is { } s ? s.ToString(c) : "all")} | {F(r.OfferedRate, 1)} | {r.Completed} | {r.Failed} | ")
              .Append(c, $"{F(r.TtftP50Ms, 0)} | {F(r.TtftP90Ms, 0)} | {F(r.TtftP99Ms, 0)} | {F(r.TpotP50Ms, 1)} | {F(r.ItlP50Ms, 1)} | {F(r.E2eP90Ms, 0)} | {F(r.ClientWaitP90Ms, 0)} | ")
              .Append(c, $"{F(r.OutputTokensPerSecond, 0)} | {P(r.PrefixCacheHitRate)} | {F(r.MeanWaiting, 1)} | {P(r.MeanKvUsage)} |\n");
        }

        return md.ToString();
    }

    private static void CheckSeeds(BenchReport report, SeedsReport? seeds)
    {
        ArgumentNullException.ThrowIfNull(report);
        if ((report.Seeds is null) != (seeds is null))
        {
            throw new ArgumentException("Pass ReportWriter.SeedsFor(report): a seeds report exactly when the report has seeds.", nameof(seeds));
        }
    }

    internal static string F(double? value, int decimals) =>
        value is { } v && double.IsFinite(v) ? v.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    internal static string P(double? value) =>
        value is { } v && double.IsFinite(v) ? (v * 100).ToString("F1", CultureInfo.InvariantCulture) + "%" : "-";
}
