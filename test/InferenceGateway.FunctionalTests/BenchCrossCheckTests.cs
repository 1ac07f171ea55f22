using System.Text.Json;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>
/// `bench --mode crosscheck` end to end at a tiny scale: real sims and serve per strategy, and the simulation. Only
/// completeness is checked here; timings and rankings are noisy on a shared machine (the documented run checks them).
/// </summary>
public sealed class BenchCrossCheckTests : IDisposable
{
    private static readonly Dictionary<string, string> PlainProgress = new() { ["CI"] = "1" };

    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task CrossCheck_TwoSimsTwoStrategies_BothModesCompleteEveryRequest()
    {
        // Dispose kills the bench process and, with it, any sim or serve it still runs.
        await using var bench = CliProcess.Start(
            PlainProgress,
            "bench", "--mode", "crosscheck", "--servers", "2", "--profile", "test", "--strategies", "round-robin,default",
            "--workload", "shared-prefix", "--num-groups", "2", "--num-prompts-per-group", "2", "--system-prompt-len", "40",
            "--question-len", "8", "--output-len", "4", "--rate", "4", "--duration", "2", "--seed", "3", "--out", _folder.Path);

        var exitCode = await bench.WaitForExitAsync(TimeSpan.FromMinutes(8));

        // 0: the rankings agree, 3: they differ (either is a completed cross-check).
        Assert.True(exitCode is 0 or 3, $"exit code {exitCode}. Output:\n{bench.Output}");
        foreach (var mode in new[] { "simulate", "http" })
        {
            using var summary = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_folder.Path, mode, "summary.json")));
            var rows = summary.RootElement.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("stage").ValueKind == JsonValueKind.Null).ToList();
            Assert.Equal(["default", "round-robin"], rows.Select(r => r.GetProperty("strategy").GetString()).Order(StringComparer.Ordinal));
            foreach (var row in rows)
            {
                Assert.True(row.GetProperty("requests").GetInt32() > 0, mode);
                Assert.Equal(row.GetProperty("requests").GetInt32(), row.GetProperty("completed").GetInt32());
                Assert.Equal(0, row.GetProperty("failed").GetInt32());
            }
        }

        using var crossCheck = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_folder.Path, "crosscheck.json")));
        var run = Assert.Single(crossCheck.RootElement.GetProperty("runs").EnumerateArray());
        Assert.Equal(2, run.GetProperty("metrics")[0].GetProperty("values").GetArrayLength());
        Assert.Equal(exitCode == 0, crossCheck.RootElement.GetProperty("agrees").GetBoolean());
        Assert.Contains("Verdict", await File.ReadAllTextAsync(Path.Combine(_folder.Path, "crosscheck.md")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_folder.Path, "logs", "round-robin", "serve.log")));
    }
}
