using System.Globalization;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Simulation;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Bench.Tests;

public sealed class TimelineTests : IDisposable
{
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>160 one-token words (exactly 10 full 16-token blocks) and 800 output tokens: 60 blocks in all, under the test profile's 1,024-token max-model-len.</summary>
    private static readonly PromptItem Prompt = PromptItem.Completion(string.Concat(Enumerable.Repeat(" ab", 160)), 800);

    private static LoadPlan Plan(params double[] sendTimes) => new(
        "hand",
        [new StageSpec { Rate = sendTimes.Length, Duration = 1 }],
        [.. sendTimes.Select((t, i) => new PlannedRequest(i, TimeSpan.FromSeconds(t), 0, Prompt))]);

    private static SimulationResult RunOneServer(LoadPlan plan, TimeSpan? interval, EngineOptions? engine = null)
    {
        var cluster = new ClusterSimulation(new SimulationOptions
        {
            Servers = 1,
            Engine = engine ?? EngineOptions.FromProfile(EngineProfile.Test),
            TimelineInterval = interval,
        });
        return cluster.Run(plan, new TestRoundRobinScheduler(), new VirtualTimeProvider(), 1);
    }

    [Fact]
    public void Run_OneRequest_RowEveryIntervalWhileItRuns()
    {
        // Test profile: prefill step 1 ms + 160 x 2 us, then 799 decode steps of 1.02 ms: the request ends at ~0.816 s.
        var result = RunOneServer(Plan(0), TimeSpan.FromSeconds(0.2));

        Assert.True(result.Requests[0].Succeeded, result.Requests[0].Error);
        Assert.InRange(result.Requests[0].EndTime, 0.8, 1.0);
        Assert.Equal([0.2, 0.4, 0.6, 0.8], result.Timeline.Select(s => s.TimeSeconds));
        Assert.All(result.Timeline, s => Assert.Equal("sim-0", s.Server));
        Assert.All(result.Timeline, s => Assert.Equal((0, 1, 1), (s.Waiting, s.Running, s.InFlight)));
        // Admitted in the first interval only, with nothing cached yet.
        Assert.Equal([160L, 0, 0, 0], result.Timeline.Select(s => s.AdmittedPromptTokens));
        Assert.Equal(0, result.Timeline[0].PrefixCacheHitRate);
        Assert.All(result.Timeline.Skip(1), s => Assert.True(double.IsNaN(s.PrefixCacheHitRate)));
        Assert.All(result.Timeline, s => Assert.Equal(0, s.Preemptions));
        // The prompt's 10 full blocks are prefix-cache entries once computed.
        Assert.All(result.Timeline, s => Assert.Equal(10, s.CachedBlocks));
        // KV grows with the generated tokens: at least the prompt's blocks, one more block per 16 tokens.
        var kv = result.Timeline.Select(s => s.KvUsage * 1024).ToArray();
        Assert.True(kv[0] > 10, $"KV blocks at 0.25 s: {kv[0]}");
        Assert.True(kv.Zip(kv.Skip(1)).All(p => p.Second > p.First), string.Join(", ", kv));
        Assert.True(kv[^1] <= 60);
    }

    [Fact]
    public void Run_SecondRequestSamePrompt_IntervalHitRateAndCountsMatchTheRequests()
    {
        var result = RunOneServer(Plan(0, 0.5), TimeSpan.FromSeconds(0.2));

        Assert.All(result.Requests, r => Assert.True(r.Succeeded, r.Error));
        var second = result.Requests[1];
        Assert.True(second.CachedTokens > 0, "the second request should hit the first one's prompt blocks");
        // Rows at 0.2 ... 1.2: the first request ends at ~0.82, the second (sent at 0.5) at ~1.33.
        Assert.Equal([0.2, 0.4, 0.6, 0.8, 1.0, 1.2], result.Timeline.Select(s => s.TimeSeconds));
        var atSecondAdmission = result.Timeline[2];
        Assert.Equal(160, atSecondAdmission.AdmittedPromptTokens);
        Assert.Equal(second.CachedTokens, atSecondAdmission.CachedPromptTokens);
        Assert.Equal((double)second.CachedTokens / 160, atSecondAdmission.PrefixCacheHitRate);
        Assert.Equal([1, 1, 2, 2, 1, 1], result.Timeline.Select(s => s.Running));
        Assert.Equal([1, 1, 2, 2, 1, 1], result.Timeline.Select(s => s.InFlight));
        Assert.Equal(result.Requests.Sum(r => (long)r.PromptTokens), result.Timeline.Sum(s => s.AdmittedPromptTokens));
        Assert.Equal(result.Requests.Sum(r => (long)r.CachedTokens), result.Timeline.Sum(s => s.CachedPromptTokens));
    }

    [Fact]
    public void Run_KvPressure_PreemptionsCountedPerInterval()
    {
        // 80 blocks for three requests sharing a 10-block prompt and each growing to 60 blocks: the engine must preempt.
        var engine = EngineOptions.FromProfile(EngineProfile.Test) with { KvCacheBlocks = 80 };
        var result = RunOneServer(Plan(0, 0.01, 0.02), TimeSpan.FromSeconds(0.1), engine);

        Assert.True(result.Preemptions > 0, "expected preemptions with a small KV cache");
        var sampled = result.Timeline.Sum(s => s.Preemptions);
        Assert.InRange(sampled, 1, result.Preemptions);
        Assert.All(result.Timeline, s => Assert.InRange(s.KvUsage, 0, 1));
    }

    [Fact]
    public void Run_WithoutInterval_NoSamples()
    {
        var result = RunOneServer(Plan(0), null);

        Assert.Empty(result.Timeline);
    }

    [Fact]
    public void RunSimulation_TimelineOnOrOff_SameRecords()
    {
        var off = Options();
        var on = Options();
        on.TimelineInterval = TimeSpan.FromSeconds(0.1);
        var sink = new ListSink();

        var without = BenchRunner.RunSimulation(off, TestSchedulers.Factory());
        var with = BenchRunner.RunSimulation(on, TestSchedulers.Factory(), null, sink);

        Assert.Equal(without, with);
        Assert.NotEmpty(sink.Rows);
        Assert.Equal(["random|stages|3", "round-robin|stages|3", "random|stages|4", "round-robin|stages|4"], sink.Runs);
    }

    [Fact]
    public void RunSimulationWithTimeline_NoInterval_NoFileWritten()
    {
        var options = Options();
        options.OutputDirectory = _folder.Path;

        BenchRunner.RunSimulationWithTimeline(options, TestSchedulers.Factory());

        Assert.False(File.Exists(Path.Combine(_folder.Path, TimelineCsvWriter.FileName)));
    }

    [Fact]
    public void RunSimulationWithTimeline_Interval_CsvWithHeaderAndInvariantNumbers()
    {
        var options = Options();
        options.OutputDirectory = _folder.Path;
        options.TimelineInterval = TimeSpan.FromSeconds(0.5);
        var culture = CultureInfo.CurrentCulture;
        // A culture with a decimal comma (the test host runs globalization-invariant, so no named culture).
        var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        comma.NumberFormat.NumberDecimalSeparator = ",";
        CultureInfo.CurrentCulture = comma;
        try
        {
            BenchRunner.RunSimulationWithTimeline(options, TestSchedulers.Factory());
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        var lines = File.ReadAllLines(Path.Combine(_folder.Path, TimelineCsvWriter.FileName));
        Assert.Equal(TimelineCsvWriter.Header, lines[0]);
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal(14, r.Length));
        // 2 seeds x 2 strategies, 2 servers per sample.
        Assert.Equal(["random|3", "round-robin|3", "random|4", "round-robin|4"], rows.Select(r => r[0] + "|" + r[2]).Distinct());
        Assert.Equal(["sim-0", "sim-1"], rows.Select(r => r[3]).Distinct().Order());
        Assert.Contains(rows, r => r[4] == "0.5");
        Assert.Contains(rows, r => r[4] == "1.5");
        Assert.All(rows, r => Assert.InRange(double.Parse(r[8], CultureInfo.InvariantCulture), 0, 1));
        Assert.Contains(rows, r => r[8].Contains('.', StringComparison.Ordinal));
        Assert.Contains(rows, r => r[11].Length > 0 && double.Parse(r[11], CultureInfo.InvariantCulture) > 0);
    }

    private static BenchOptions Options() => new()
    {
        WorkloadName = "tiny",
        Workload = new WorkloadSpec
        {
            Type = WorkloadTypes.SharedPrefix,
            NumGroups = 3,
            NumPromptsPerGroup = 4,
            SystemPromptLen = 200,
            QuestionLen = 20,
            OutputLen = 10,
            Stages = [new() { Rate = 20, Duration = 1 }, new() { Rate = 30, Duration = 1 }],
        },
        Strategies = ["random", "round-robin"],
        Servers = 2,
        Engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxNumSeqs = 8 },
        Seeds = [3, 4],
        Seed = 3,
    };

    private sealed class ListSink : ITimelineSink
    {
        public List<TimelineSample> Rows { get; } = [];

        public List<string> Runs { get; } = [];

        public void Add(string strategy, string run, ulong seed, IReadOnlyList<TimelineSample> samples)
        {
            Runs.Add(string.Create(CultureInfo.InvariantCulture, $"{strategy}|{run}|{seed}"));
            Rows.AddRange(samples);
        }
    }
}
