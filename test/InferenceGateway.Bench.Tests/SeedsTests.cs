using System.Text;
using System.Text.Json;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Reporting;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.TestSupport;
using Spectre.Console;

namespace InferenceGateway.Bench.Tests;

public sealed class SeedsTests : IDisposable
{
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>About 60 short requests on 2 servers: a run takes milliseconds.</summary>
    private static BenchOptions TinyOptions(params string[] strategies) => new()
    {
        WorkloadName = "tiny",
        Workload = new WorkloadSpec
        {
            Type = WorkloadTypes.SharedPrefix,
            NumGroups = 4,
            NumPromptsPerGroup = 4,
            SystemPromptLen = 200,
            QuestionLen = 20,
            OutputLen = 10,
            Stages = [new() { Rate = 20, Duration = 1.5 }, new() { Rate = 30, Duration = 1 }],
        },
        Strategies = strategies,
        Servers = 2,
        Engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxNumSeqs = 8 },
        Seed = 42,
    };

    [Theory]
    [InlineData("1..12", new ulong[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })]
    [InlineData("1,5,9", new ulong[] { 1, 5, 9 })]
    [InlineData(" 9 , 1..3 ", new ulong[] { 9, 1, 2, 3 })]
    [InlineData("7..7", new ulong[] { 7 })]
    [InlineData("0", new ulong[] { 0 })]
    [InlineData("18446744073709551614..18446744073709551615", new ulong[] { 18446744073709551614, 18446744073709551615 })]
    public void Parse_ValidList_SeedsInGivenOrder(string text, ulong[] expected)
    {
        var seeds = SeedList.Parse(text);

        Assert.Equal(expected, seeds);
    }

    [Fact]
    public void Parse_HundredSeeds_Accepted()
    {
        var seeds = SeedList.Parse("1..50,101..150");

        Assert.Equal(100, seeds.Count);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("  ", "empty")]
    [InlineData("1,,2", "empty entry")]
    [InlineData("1,", "empty entry")]
    [InlineData("a", "'a' is not a seed")]
    [InlineData("-1", "'-1' is not a seed")]
    [InlineData("+1", "'+1' is not a seed")]
    [InlineData("1.5", "'1.5' is not a seed")]
    [InlineData("1..", "'1..' is not a seed")]
    [InlineData("..3", "'..3' is not a seed")]
    [InlineData("1...3", "'1...3' is not a seed")]
    [InlineData("1 2", "'1 2' is not a seed")]
    [InlineData("18446744073709551616", "is not a seed")]
    [InlineData("3..1", "ends before it starts")]
    [InlineData("1,1", "seed 1 is given twice")]
    [InlineData("1..3,2", "seed 2 is given twice")]
    [InlineData("1..101", "more than 100 seeds")]
    [InlineData("1..50,51..101", "more than 100 seeds")]
    [InlineData("0..18446744073709551615", "more than 100 seeds")]
    public void Parse_InvalidList_ThrowsWithReason(string text, string reason)
    {
        var error = Assert.Throws<ArgumentException>(() => SeedList.Parse(text));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("--seeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplySeedsAndTimeline_Seeds_SetsSeedsAndFirstSeed()
    {
        var options = TinyOptions("random");

        options.ApplySeedsAndTimeline("4..6", seedGiven: false, timelineSeconds: null);

        Assert.Equal([4UL, 5UL, 6UL], options.Seeds);
        Assert.Equal(4UL, options.Seed);
        Assert.True(options.MultiSeed);
        Assert.Null(options.TimelineInterval);
    }

    [Fact]
    public void ApplySeedsAndTimeline_SeedAndSeeds_Refused()
    {
        var error = Assert.Throws<ArgumentException>(() => TinyOptions("random").ApplySeedsAndTimeline("1..3", seedGiven: true, null));

        Assert.Contains("either --seed or --seeds", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http")]
    [InlineData("crosscheck")]
    public void ApplySeedsAndTimeline_NotSimulateMode_Refused(string modeName)
    {
        var options = TinyOptions("random");
        options.Mode = modeName == "http" ? BenchMode.Http : BenchMode.CrossCheck;

        var seedsError = Assert.Throws<ArgumentException>(() => options.ApplySeedsAndTimeline("1..3", false, null));
        var timelineError = Assert.Throws<ArgumentException>(() => options.ApplySeedsAndTimeline(null, false, 1));

        Assert.Contains("--seeds is only for --mode simulate", seedsError.Message, StringComparison.Ordinal);
        Assert.Contains("--timeline is only for --mode simulate", timelineError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplySeedsAndTimeline_NoFlags_SingleSeedUnchanged()
    {
        var options = TinyOptions("random");

        options.ApplySeedsAndTimeline(null, seedGiven: true, null);

        Assert.False(options.MultiSeed);
        Assert.Equal([42UL], options.RunSeeds);
    }

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, 2)]
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)]
    [InlineData(new double[] { 7 }, 7)]
    [InlineData(new double[] { 10, 20 }, 15)]
    public void Median_OddAndEvenCounts_MiddleOrMeanOfMiddleTwo(double[] values, double expected)
    {
        Assert.Equal(expected, SeedDistributions.Median(values));
    }

    [Fact]
    public void Median_Empty_NaN()
    {
        Assert.True(double.IsNaN(SeedDistributions.Median([])));
    }

    [Fact]
    public void Distribution_Latency_LowerIsBest()
    {
        var d = SeedDistributions.Distribution([131, 43_361, 130, 13_206], [1, 2, 3, 5], lowerIsBetter: true);

        Assert.Equal(130, d.Best);
        Assert.Equal(3UL, d.BestSeed);
        Assert.Equal(43_361, d.Worst);
        Assert.Equal(2UL, d.WorstSeed);
        Assert.Equal((131 + 13_206) / 2.0, d.Median);
        Assert.Equal(4, d.Count);
    }

    [Fact]
    public void Distribution_Throughput_HigherIsBestAndUndefinedValuesSkipped()
    {
        var d = SeedDistributions.Distribution([0.90, double.NaN, 0.97, 0.95], [7, 8, 9, 10], lowerIsBetter: false);

        Assert.Equal(0.97, d.Best);
        Assert.Equal(9UL, d.BestSeed);
        Assert.Equal(0.90, d.Worst);
        Assert.Equal(7UL, d.WorstSeed);
        Assert.Equal(0.95, d.Median);
        Assert.Equal(3, d.Count);
        Assert.True(double.IsNaN(d.Values[1]));
    }

    [Fact]
    public void Distribution_Ties_EarlierSeedNamed()
    {
        var d = SeedDistributions.Distribution([5, 5, 5], [3, 1, 2], lowerIsBetter: true);

        Assert.Equal(3UL, d.BestSeed);
        Assert.Equal(3UL, d.WorstSeed);
    }

    [Fact]
    public void Distribution_AllUndefined_NoBestOrWorst()
    {
        var d = SeedDistributions.Distribution([double.NaN, double.NaN], [1, 2], lowerIsBetter: true);

        Assert.Null(d.BestSeed);
        Assert.Null(d.WorstSeed);
        Assert.True(double.IsNaN(d.Median));
        Assert.Equal(0, d.Count);
    }

    [Fact]
    public void Compute_WholeRunRecordsPerStrategyAndRun_StagesIgnored()
    {
        SummaryRecord[] records =
        [
            Record("a", "stages", 1, 999, stage: 0), Record("a", "stages", 1, 100), Record("b", "stages", 1, 50),
            Record("a", "stages", 2, 300), Record("b", "stages", 2, 70), Record("a", "rate=5", 1, 9),
        ];

        var result = SeedDistributions.Compute(records, [1, 2]);

        Assert.Equal([("a", "stages"), ("b", "stages"), ("a", "rate=5")], result.Select(d => (d.Strategy, d.Run)));
        var a = result[0];
        Assert.Equal([100.0, 300.0], a.TtftP90Ms.Values);
        Assert.Equal(200, a.TtftP90Ms.Median);
        Assert.Equal(2, a.Seeds);
        // Throughput (10 x TTFT in these records): higher is better, so seed 2 is the best here.
        Assert.Equal(2UL, a.OutputTokensPerSecond.BestSeed);
        // rate=5 ran with seed 1 only: seed 2 counts as undefined.
        Assert.Equal(1, result[2].TtftP90Ms.Count);
        Assert.True(double.IsNaN(result[2].TtftP90Ms.Values[1]));
    }

    [Fact]
    public void RunSimulation_TwoSeeds_RecordsPerSeedWithSeedField()
    {
        var options = TinyOptions("random", "round-robin");
        options.Seeds = [3, 8];

        var records = BenchRunner.RunSimulation(options, TestSchedulers.Factory());

        // seed, then plan, then strategy: 2 seeds x 2 strategies x (2 stages + all)
        Assert.Equal(12, records.Count);
        Assert.Equal([3UL, 3UL, 3UL, 3UL, 3UL, 3UL, 8UL, 8UL, 8UL, 8UL, 8UL, 8UL], records.Select(r => r.Seed));
        Assert.Equal(2, records.Count(r => r.Stage is null && r.Strategy == "random"));
        // Different arrivals: the same strategy's whole-run records differ beyond the seed field.
        Assert.NotEqual(records[2], records[8] with { Seed = 3 });
    }

    [Fact]
    public void RunSimulation_SeedOfMultiSeedRun_EqualsSingleSeedRun()
    {
        var multi = TinyOptions("random", "prefix");
        multi.Seeds = [11, 12, 13];
        var single = TinyOptions("random", "prefix");
        single.Seed = 12;

        var all = BenchRunner.RunSimulation(multi, TestSchedulers.Factory());
        var alone = BenchRunner.RunSimulation(single, TestSchedulers.Factory());

        Assert.Equal(alone, all.Where(r => r.Seed == 12));
        Assert.All(alone, r => Assert.Equal(12UL, r.Seed));
    }

    [Fact]
    public void Write_MultiSeedReport_SeedsJsonPerSeedTablesAndFirstSeedPlots()
    {
        var options = TinyOptions("random", "prefix");
        options.Seeds = [5, 6, 7];
        options.Seed = 5;
        var records = BenchRunner.RunSimulation(options, TestSchedulers.Factory());

        var files = ReportWriter.Write(_folder.Path, BenchRunner.Report(options, records));

        Assert.Contains(Path.Combine(_folder.Path, "seeds.json"), files);
        Assert.Contains(Path.Combine(_folder.Path, "ttft-p90.svg"), files);
        using var seedsJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "seeds.json")));
        var root = seedsJson.RootElement;
        Assert.Equal([5UL, 6UL, 7UL], root.GetProperty("seeds").EnumerateArray().Select(e => e.GetUInt64()));
        var distributions = root.GetProperty("distributions");
        Assert.Equal(2, distributions.GetArrayLength());
        var random = distributions[0];
        Assert.Equal("random", random.GetProperty("strategy").GetString());
        Assert.Equal(3, random.GetProperty("seeds").GetInt32());
        var p90 = random.GetProperty("ttft_p90_ms");
        var expected = records.Where(r => r.Strategy == "random" && r.Stage is null).Select(r => r.TtftP90Ms).ToArray();
        Assert.Equal(expected, p90.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()));
        // Three seeds: the median is the middle value (computed here without the code under test).
        Assert.Equal(expected.Order().ElementAt(1), p90.GetProperty("median").GetDouble());
        Assert.Equal(expected.Min(), p90.GetProperty("best").GetDouble());
        Assert.Equal(expected.Max(), p90.GetProperty("worst").GetDouble());
        foreach (var metric in new[] { "ttft_p99_ms", "output_tokens_per_second", "prefix_cache_hit_rate" })
        {
            Assert.True(random.TryGetProperty(metric, out var m), metric);
            Assert.Equal(3, m.GetProperty("count").GetInt32());
        }

        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "summary.json")));
        Assert.Equal(3, summary.RootElement.GetProperty("seeds").GetArrayLength());
        Assert.Equal(5UL, summary.RootElement.GetProperty("seed").GetUInt64());
        Assert.Equal(records.Select(r => r.Seed), summary.RootElement.GetProperty("results").EnumerateArray().Select(e => e.GetProperty("seed").GetUInt64()));

        var md = File.ReadAllText(Path.Combine(_folder.Path, "summary.md"));
        Assert.Contains("seeds 5, 6, 7.", md, StringComparison.Ordinal);
        Assert.Contains("| strategy | run | metric | median | best | worst | seeds |", md, StringComparison.Ordinal);
        Assert.Contains("| strategy | run | seed 5 | seed 6 | seed 7 |", md, StringComparison.Ordinal);
        var perSeed = "| random | stages | " + string.Join(" | ", expected.Select(v => ReportWriter.F(v, 0))) + " |";
        Assert.Contains(perSeed, md, StringComparison.Ordinal);
        Assert.Contains("| random | stages | 6 | all |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_SeedsReportPassedIn_SeedsJsonAndMarkdownShowThatOneNotARebuiltOne()
    {
        var options = TinyOptions("random", "prefix");
        options.Seeds = [5, 6];
        options.Seed = 5;
        var report = BenchRunner.Report(options, BenchRunner.RunSimulation(options, TestSchedulers.Factory()));
        var built = ReportWriter.SeedsFor(report)!;
        // A marker only the passed-in report carries: a rebuilt one would say "random".
        var passed = built with { Distributions = [built.Distributions[0] with { Strategy = "passed-in" }] };

        ReportWriter.Write(_folder.Path, report, passed);

        using var seedsJson = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "seeds.json")));
        var distributions = seedsJson.RootElement.GetProperty("distributions");
        Assert.Equal(1, distributions.GetArrayLength());
        Assert.Equal("passed-in", distributions[0].GetProperty("strategy").GetString());
        var md = File.ReadAllText(Path.Combine(_folder.Path, "summary.md"));
        Assert.Contains("| passed-in | stages | TTFT p90 ms |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("| random | stages | TTFT p90 ms |", md, StringComparison.Ordinal);
        Assert.Equal(ReportWriter.Markdown(report, passed), md);
    }

    [Fact]
    public void SeedsFor_SingleSeedReportNull_AndAMismatchedSeedsArgumentIsRefused()
    {
        SummaryRecord[] records = [Record("alpha", "stages", 1, 100), Record("alpha", "stages", 2, 200)];
        var single = new BenchReport("simulate", "w", 1, 8, "p", 50, records);
        var multi = single with { Seeds = [1, 2] };

        Assert.Null(ReportWriter.SeedsFor(single));
        Assert.Equal([1UL, 2UL], ReportWriter.SeedsFor(multi)!.Seeds);
        Assert.Throws<ArgumentException>(() => ReportWriter.Markdown(multi, null));
        Assert.Throws<ArgumentException>(() => ReportWriter.Markdown(single, ReportWriter.SeedsReport(multi)));
        Assert.Equal(ReportWriter.Markdown(multi), ReportWriter.Markdown(multi, ReportWriter.SeedsFor(multi)));
    }

    [Fact]
    public void Write_SingleSeedReport_NoSeedsFileAndNoSeedsListButSeedPerRecord()
    {
        var options = TinyOptions("random");
        var records = BenchRunner.RunSimulation(options, TestSchedulers.Factory());

        var files = ReportWriter.Write(_folder.Path, BenchRunner.Report(options, records));

        Assert.False(File.Exists(Path.Combine(_folder.Path, "seeds.json")));
        Assert.DoesNotContain(files, f => f.EndsWith("seeds.json", StringComparison.Ordinal));
        using var summary = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "summary.json")));
        Assert.False(summary.RootElement.TryGetProperty("seeds", out _));
        Assert.All(summary.RootElement.GetProperty("results").EnumerateArray(), e => Assert.Equal(42UL, e.GetProperty("seed").GetUInt64()));
        var md = File.ReadAllText(Path.Combine(_folder.Path, "summary.md"));
        Assert.Contains("seed 42.\n\n| strategy | run | stage | offered req/s |", md, StringComparison.Ordinal);
        Assert.DoesNotContain("Across", md, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteConsole_Distributions_TablesWithStrategiesAndSeeds()
    {
        SummaryRecord[] records = [Record("alpha", "stages", 1, 100), Record("alpha", "stages", 2, 43_362)];
        var report = new BenchReport("simulate", "w", 1, 8, "p", 50, records) { Seeds = [1, 2] };
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = 200;

        SeedTables.Write(console, ReportWriter.SeedsReport(report));

        var output = text.ToString();
        Assert.Contains("Across 2 seeds", output, StringComparison.Ordinal);
        Assert.Contains("TTFT p90 ms per seed", output, StringComparison.Ordinal);
        Assert.Contains("100 (seed 1)", output, StringComparison.Ordinal);
        Assert.Contains("43362 (seed 2)", output, StringComparison.Ordinal);
        Assert.Contains("21731", output, StringComparison.Ordinal); // median of 100 and 43,362
        Assert.Contains("alpha", output, StringComparison.Ordinal);
    }

    private static SummaryRecord Record(string strategy, string run, ulong seed, double ttftP90, int? stage = null) => new()
    {
        Strategy = strategy,
        Workload = "w",
        Run = run,
        Stage = stage,
        Seed = seed,
        OfferedRate = 10,
        DurationSeconds = 10,
        Requests = 10,
        Completed = 10,
        Failed = 0,
        TtftP90Ms = ttftP90,
        TtftP99Ms = ttftP90 * 2,
        OutputTokensPerSecond = ttftP90 * 10,
        PrefixCacheHitRate = 0.5,
    };
}
