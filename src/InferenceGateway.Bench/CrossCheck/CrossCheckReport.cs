using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InferenceGateway.Bench.Reporting;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>crosscheck.json: the setup, the verdict and each run's comparison.</summary>
internal sealed record CrossCheckSummary(
    string Workload,
    ulong Seed,
    int Servers,
    string Profile,
    int KvCacheBlocks,
    int MaxNumSeqs,
    double TimeScale,
    double Tolerance,
    double TtftFloorMs,
    int SimulationSeeds,
    bool Agrees,
    IReadOnlyList<RankingComparison> Runs);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    Converters = [typeof(NanAsNullConverter)])]
[JsonSerializable(typeof(CrossCheckSummary))]
internal sealed partial class CrossCheckJsonContext : JsonSerializerContext;

/// <summary>
/// Writes a cross-check: <c>simulate/</c> and <c>http/</c> (each the usual summary.json, summary.md and plots; http
/// as measured on the wall clock), and <c>crosscheck.md</c> / <c>crosscheck.json</c> (both sides in model time, the
/// rankings and the verdict). Process logs are already in <c>logs/STRATEGY/</c>.
/// </summary>
internal static class CrossCheckReport
{
    public static string Write(string directory, BenchOptions options, CrossCheckOptions crossCheck, CrossCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(crossCheck);
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        ReportWriter.Write(Path.Combine(directory, "simulate"), new BenchReport(
            "simulate", options.WorkloadName, options.Seed, options.Servers, options.Engine.Profile.Name,
            (CrossCheckOptions.GatewayScrapeInterval / crossCheck.TimeScale).TotalMilliseconds, result.Simulated));
        ReportWriter.Write(Path.Combine(directory, "http"), new BenchReport("http", options.WorkloadName, options.Seed, null, null, null, result.HttpWallClock));
        var summary = new CrossCheckSummary(
            options.WorkloadName, options.Seed, options.Servers, options.Engine.Profile.Name, options.Engine.KvCacheBlocks, options.Engine.MaxNumSeqs,
            crossCheck.TimeScale, crossCheck.Tolerance, crossCheck.TtftFloorMs, 1 + result.SimulatedOtherSeeds.Count, result.Agrees, result.Comparisons);
        File.WriteAllBytes(Path.Combine(directory, "crosscheck.json"), JsonSerializer.SerializeToUtf8Bytes(summary, CrossCheckJsonContext.Default.CrossCheckSummary));
        var markdown = Markdown(summary, result);
        File.WriteAllText(Path.Combine(directory, "crosscheck.md"), markdown);
        return markdown;
    }

    public static string Markdown(CrossCheckSummary summary, CrossCheckResult result)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(result);
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(c, $"# Cross-check: `{summary.Workload}` through `serve` and in `--mode simulate`\n\n");
        md.Append(c, $"{summary.Servers} servers, profile `{summary.Profile}` ({summary.KvCacheBlocks} KV blocks, max-num-seqs {summary.MaxNumSeqs}), seed {summary.Seed}, ")
          .Append(c, $"time scale {summary.TimeScale.ToString("R", c)}{(summary.TimeScale == 1 ? string.Empty : " (serve values converted to model time)")}, tolerance {summary.Tolerance * 100:F0} % (TTFT: and {summary.TtftFloorMs:F0} ms), ")
          .Append(c, $"simulated with seeds {summary.Seed}..{summary.Seed + (ulong)summary.SimulationSeeds - 1} (the table shows seed {summary.Seed}, the plan serve ran).\n\n");
        foreach (var run in summary.Runs)
        {
            md.Append(c, $"## {run.Run}\n\n");
            md.Append("| strategy | TTFT p90 ms simulate | TTFT p90 ms serve | output tok/s simulate | output tok/s serve | cache hit simulate | cache hit serve | completed / failed simulate | completed / failed serve |\n");
            md.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            var ttft = run.Metrics[0];
            foreach (var value in ttft.Values)
            {
                var sim = RankingComparer.Find(result.Simulated, run.Run, value.Strategy);
                var http = RankingComparer.Find(result.Http, run.Run, value.Strategy);
                md.Append(c, $"| {value.Strategy} | {F(sim?.TtftP90Ms, 0)} | {F(http?.TtftP90Ms, 0)} | {F(sim?.OutputTokensPerSecond, 0)} | {F(http?.OutputTokensPerSecond, 0)} | ")
                  .Append(c, $"{P(sim?.PrefixCacheHitRate)} | {P(http?.PrefixCacheHitRate)} | {sim?.Completed} / {sim?.Failed} | {http?.Completed} / {http?.Failed} |\n");
            }

            md.Append('\n');
            foreach (var metric in run.Metrics)
            {
                md.Append(c, $"* {metric.Metric}, best first: simulate {Order(metric, simulated: true)}; serve {Order(metric, simulated: false)}; Kendall tau-b {F(metric.KendallTauB, 2)}.\n");
                if (metric.SeedDependent.Count > 0)
                {
                    md.Append(c, $"  Not separated the same way by every simulated seed (no claim): {string.Join(", ", metric.SeedDependent)}.\n");
                }
            }

            md.Append('\n');
            if (run.Agrees)
            {
                md.Append(c, $"**Verdict ({run.Run}): the rankings agree** (serve contradicts no order the simulation gives with every seed).\n\n");
            }
            else
            {
                md.Append(c, $"**Verdict ({run.Run}): the rankings differ:**\n\n");
                foreach (var metric in run.Metrics)
                {
                    foreach (var disagreement in metric.Disagreements)
                    {
                        md.Append("* ").Append(disagreement).Append('\n');
                    }
                }

                md.Append('\n');
            }
        }

        return md.ToString();
    }

    /// <summary>"a (29) = b (29), c (7,328)": strategies by rank, ", " between ranks and " = " within one.</summary>
    private static string Order(MetricComparison metric, bool simulated)
    {
        var sorted = new List<RankedValue>(metric.Values);
        sorted.Sort((a, b) => simulated ? a.SimulatedRank.CompareTo(b.SimulatedRank) : a.HttpRank.CompareTo(b.HttpRank));
        var text = new StringBuilder();
        for (var i = 0; i < sorted.Count; i++)
        {
            if (i > 0)
            {
                var same = simulated ? sorted[i].SimulatedRank == sorted[i - 1].SimulatedRank : sorted[i].HttpRank == sorted[i - 1].HttpRank;
                text.Append(same ? " = " : ", ");
            }

            var value = simulated ? sorted[i].Simulated : sorted[i].Http;
            text.Append(CultureInfo.InvariantCulture, $"{sorted[i].Strategy} ({F(value, 0)})");
        }

        return text.ToString();
    }

    private static string F(double? value, int decimals) =>
        value is { } v && double.IsFinite(v) ? v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : "-";

    private static string P(double? value) =>
        value is { } v && double.IsFinite(v) ? (v * 100).ToString("F1", CultureInfo.InvariantCulture) + " %" : "-";
}
