using System.Text.Json;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Reporting;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Bench.Tests;

public sealed class ReportTests : IDisposable
{
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static SummaryRecord Record(string strategy, double rate, double ttftP90, int? stage = null) => new()
    {
        Strategy = strategy,
        Workload = "w",
        Run = "stages",
        Stage = stage,
        OfferedRate = rate,
        DurationSeconds = 10,
        Requests = 10,
        Completed = 9,
        Failed = 1,
        TtftP90Ms = ttftP90,
        OutputTokensPerSecond = rate * 100,
        PrefixCacheHitRate = 0.5,
        TpotP50Ms = double.NaN,
    };

    [Fact]
    public void Write_Records_AllFilesAndJsonShape()
    {
        SummaryRecord[] records = [Record("a", 10, 100, 0), Record("a", 20, 300, 1), Record("a", 15, 200), Record("b", 10, 50, 0), Record("b", 20, 80, 1), Record("b", 15, 60)];

        var files = ReportWriter.Write(_folder.Path, new BenchReport("simulate", "w", 42, 8, "test", 50, records));

        foreach (var name in new[] { "summary.json", "summary.md", "ttft-p90.png", "ttft-p90.svg", "throughput.png", "throughput.svg" })
        {
            var path = Path.Combine(_folder.Path, name);
            Assert.True(File.Exists(path), name);
            Assert.True(new FileInfo(path).Length > 100, name + " is empty");
            Assert.Contains(path, files);
        }

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "summary.json")));
        var root = json.RootElement;
        Assert.Equal("simulate", root.GetProperty("mode").GetString());
        var results = root.GetProperty("results");
        Assert.Equal(6, results.GetArrayLength());
        var first = results[0];
        Assert.Equal("a", first.GetProperty("strategy").GetString());
        Assert.Equal(100, first.GetProperty("ttft_p90_ms").GetDouble());
        Assert.Equal(JsonValueKind.Null, first.GetProperty("tpot_p50_ms").ValueKind);
        Assert.Equal(0, first.GetProperty("stage").GetInt32());
        Assert.Equal(JsonValueKind.Null, results[2].GetProperty("stage").ValueKind);
        foreach (var field in new[] { "completed", "failed", "ttft_p50_ms", "ttft_p99_ms", "e2e_p90_ms", "output_tokens_per_second", "prefix_cache_hit_rate", "offered_rate" })
        {
            Assert.True(first.TryGetProperty(field, out _), field);
        }

        var md = File.ReadAllText(Path.Combine(_folder.Path, "summary.md"));
        Assert.Contains("| a | stages | 0 | 10.0 | 9 | 1 |", md, StringComparison.Ordinal);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(_folder.Path, "ttft-p90.svg")), StringComparison.Ordinal);
    }

    [Fact]
    public void Series_StagedRuns_UsesStagesAndMergesRepeatedRates()
    {
        SummaryRecord[] records = [Record("a", 15, 100, 0), Record("a", 10, 300, 1), Record("a", 15, 200, 2), Record("a", 13, 999)];

        var series = Plots.Series(records, r => r.TtftP90Ms);

        Assert.Equal([(10.0, 300.0), (15.0, 150.0)], series["a"]);
    }
}
