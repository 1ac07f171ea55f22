using System.Text.Json;
using InferenceGateway.Bench.CrossCheck;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Sources;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceGateway.Bench.Tests;

public sealed class CrossCheckTests : IDisposable
{
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static SummaryRecord Row(string strategy, double ttftP90, double outputTokens, string run = "rate=40", int? stage = null) => new()
    {
        Strategy = strategy,
        Workload = "w",
        Run = run,
        Stage = stage,
        OfferedRate = 40,
        DurationSeconds = 30,
        Requests = 100,
        Completed = 100,
        Failed = 0,
        TtftP90Ms = ttftP90,
        OutputTokensPerSecond = outputTokens,
        PrefixCacheHitRate = 0.5,
    };

    private static Dictionary<string, string> Flags(IReadOnlyList<string> args)
    {
        var flags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Count; i += 2)
        {
            Assert.StartsWith("--", args[i]);
            flags.Add(args[i], args[i + 1]);
        }

        return flags;
    }

    [Theory]
    [InlineData(0, "127.0.0.2")]
    [InlineData(1, "127.0.0.3")]
    [InlineData(249, "127.0.0.251")]
    [InlineData(250, "127.0.1.2")]
    public void SimHost_Index_IsLoopbackAddressAbove127001(int index, string expected)
    {
        Assert.Equal(expected, CrossCheckSetup.SimHost(index));
    }

    [Fact]
    public void SimHost_NoLoopbackAliases_EveryServerOn127001()
    {
        Assert.Equal("127.0.0.1", CrossCheckSetup.SimHost(0, distinctAddresses: false));
        Assert.Equal("127.0.0.1", CrossCheckSetup.SimHost(7, distinctAddresses: false));
        var args = CrossCheckSetup.SimArguments(3, EngineOptions.FromProfile(EngineProfile.Qwen3_32B_H100x2), "m", [], 1, distinctAddresses: false);
        Assert.Equal("127.0.0.1", args[args.ToList().IndexOf("--host") + 1]);
    }

    [Fact]
    public void LoopbackAliasesWork_OnLinux_IsTrue()
    {
        // Linux routes all of 127.0.0.0/8 to loopback; elsewhere the answer depends on configured aliases.
        if (OperatingSystem.IsLinux())
        {
            Assert.True(CrossCheckSetup.LoopbackAliasesWork());
        }
    }

    [Fact]
    public void SimArguments_OverriddenEngine_PassesEverySizeExplicitly()
    {
        var engine = EngineOptions.FromProfile(EngineProfile.Qwen3_32B_H100x2) with { KvCacheBlocks = 1500, MaxNumSeqs = 64, MaxWaitingQueueLength = 5000, MaxLoras = 2 };

        var args = CrossCheckSetup.SimArguments(1, engine, "m", ["adapter-0", "adapter-1"], 0.5);

        Assert.Equal("sim", args[0]);
        var flags = Flags(args);
        Assert.Equal("127.0.0.3", flags["--host"]);
        Assert.Equal("0", flags["--port"]);
        Assert.Equal("m", flags["--model"]);
        Assert.Equal(EngineProfile.Qwen3_32B_H100x2.Name, flags["--profile"]);
        Assert.Equal("1500", flags["--kv-cache-size"]);
        Assert.Equal("64", flags["--max-num-seqs"]);
        Assert.Equal("5000", flags["--max-waiting-queue-length"]);
        Assert.Equal(engine.MaxModelLen.ToString(System.Globalization.CultureInfo.InvariantCulture), flags["--max-model-len"]);
        Assert.Equal(engine.MaxNumBatchedTokens.ToString(System.Globalization.CultureInfo.InvariantCulture), flags["--max-num-batched-tokens"]);
        Assert.Equal("16", flags["--block-size"]);
        Assert.Equal("2", flags["--max-loras"]);
        Assert.Equal("0.5", flags["--time-scale"]);
        Assert.Equal("adapter-0,adapter-1", flags["--lora"]);
    }

    [Fact]
    public void ServeArguments_WithSchedulerConfig_RunsStrategyAsProfileOnFreePorts()
    {
        var args = CrossCheckSetup.ServeArguments("/tmp/g.yaml", "reference-default", "/tmp/epc.yaml");

        Assert.Equal("serve", args[0]);
        var flags = Flags(args);
        Assert.Equal("/tmp/g.yaml", flags["--config"]);
        Assert.Equal("reference-default", flags["--scheduler-profile"]);
        Assert.Equal("/tmp/epc.yaml", flags["--scheduler-config"]);
        Assert.Equal("0", flags["--port"]);
        Assert.Equal("0", flags["--admin-port"]);
        Assert.Equal("127.0.0.1", flags["--host"]);
        Assert.DoesNotContain("--scheduler-config", CrossCheckSetup.ServeArguments("/tmp/g.yaml", "random", null));
    }

    [Fact]
    public void Adapters_LoraMixAndSharedPrefix_NamesOnlyForLoraMix()
    {
        Assert.Equal(["adapter-0", "adapter-1", "adapter-2"], CrossCheckSetup.Adapters(new WorkloadSpec { Type = WorkloadTypes.LoraMix, NumAdapters = 3 }));
        Assert.Empty(CrossCheckSetup.Adapters(new WorkloadSpec { Type = WorkloadTypes.SharedPrefix }));
    }

    [Fact]
    public void Manifests_TwoSimsAndAdapter_LoadThroughTheFileSourceAsOnePoolWithCriticalModels()
    {
        var path = _folder.PathOf("gateway.yaml");
        File.WriteAllText(path, CrossCheckSetup.Manifests(["127.0.0.2:41001", "127.0.0.3:41002"], "model", ["adapter-0"]));
        var datastore = new InMemoryDatastore();
        using var source = new FileConfigurationSource(
            new FileConfigurationSourceOptions { Path = path, WatchFileSystem = false }, datastore, TimeProvider.System, NullLogger<FileConfigurationSource>.Instance);

        var result = source.Reload();

        Assert.True(result.Succeeded, string.Join('\n', result.Errors));
        var snapshot = datastore.Current;
        Assert.Equal(CrossCheckSetup.PoolName, snapshot.Pool!.Name);
        Assert.Equal(["127.0.0.2:41001", "127.0.0.3:41002"], snapshot.Endpoints.Select(e => e.Address).Order(StringComparer.Ordinal));
        Assert.Equal(CriticalityBand.Critical, snapshot.Models["model"].Criticality);
        Assert.Equal(CriticalityBand.Critical, snapshot.Models["adapter-0"].Criticality);
        Assert.Equal(2, snapshot.Models.Count);
    }

    [Fact]
    public void ToWallClock_ScaleTwo_StretchesSendTimesAndStagesKeepingPrompts()
    {
        var spec = new WorkloadSpec { NumGroups = 2, NumPromptsPerGroup = 2, SystemPromptLen = 20, QuestionLen = 5, OutputLen = 3 };
        var plan = LoadPlan.Build(spec, [new StageSpec { Rate = 10, Duration = 2 }], 7, "rate=10");

        var wall = TimeScaling.ToWallClock(plan, 2);

        Assert.Equal(plan.Requests.Count, wall.Requests.Count);
        Assert.Equal("rate=10", wall.Label);
        Assert.Equal(5, wall.Stages[0].Rate);
        Assert.Equal(4, wall.Stages[0].Duration);
        Assert.Equal(plan.OfferedRate / 2, wall.OfferedRate, 9);
        for (var i = 0; i < plan.Requests.Count; i++)
        {
            Assert.Equal(plan.Requests[i].At.TotalSeconds * 2, wall.Requests[i].At.TotalSeconds, 6);
            Assert.Same(plan.Requests[i].Item, wall.Requests[i].Item);
        }
    }

    [Fact]
    public void ToModelTime_ScaleTwo_HalvesLatenciesAndDoublesRates()
    {
        var wall = Row("a", 200, 1000) with { TtftP50Ms = 100, TpotP50Ms = 40, ItlP90Ms = 60, E2eP90Ms = 900, ClientWaitP90Ms = 80, RequestsPerSecond = 5, OfferedRate = 20 };

        var model = TimeScaling.ToModelTime(wall, 2);

        Assert.Equal(100, model.TtftP90Ms);
        Assert.Equal(50, model.TtftP50Ms);
        Assert.Equal(20, model.TpotP50Ms);
        Assert.Equal(30, model.ItlP90Ms);
        Assert.Equal(450, model.E2eP90Ms);
        Assert.Equal(40, model.ClientWaitP90Ms);
        Assert.Equal(2000, model.OutputTokensPerSecond);
        Assert.Equal(10, model.RequestsPerSecond);
        Assert.Equal(40, model.OfferedRate);
        Assert.Equal(wall.PrefixCacheHitRate, model.PrefixCacheHitRate);
        Assert.Same(wall, TimeScaling.ToModelTime(wall, 1));
    }

    [Fact]
    public void Compare_SameOrderWithOverheadAddedInServe_Agrees()
    {
        SummaryRecord[] sim = [Row("random", 7_000, 1_500), Row("reference-default", 29, 2_000), Row("default", 39, 2_000)];
        SummaryRecord[] http = [Row("random", 9_000, 1_400), Row("reference-default", 60, 1_950), Row("default", 75, 1_900)];

        var run = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.True(run.Agrees, string.Join('\n', run.Metrics.SelectMany(m => m.Disagreements)));
        var ttft = run.Metrics[0];
        Assert.Equal(RankingComparer.TtftP90, ttft.Metric);
        Assert.Equal(["reference-default", "default", "random"], ttft.Values.Select(v => v.Strategy));
        Assert.Equal([1, 2, 3], ttft.Values.Select(v => v.HttpRank));
        Assert.Equal(1.0, ttft.KendallTauB, 9);
    }

    [Fact]
    public void Compare_PairReversedBeyondTolerance_Differs()
    {
        SummaryRecord[] sim = [Row("a", 100, 1_000), Row("b", 200, 1_000)];
        SummaryRecord[] http = [Row("a", 200, 1_000), Row("b", 100, 1_000)];

        var run = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.False(run.Agrees);
        var disagreement = Assert.Single(run.Metrics[0].Disagreements);
        Assert.Contains("a vs b", disagreement, StringComparison.Ordinal);
        Assert.True(run.Metrics[1].Agrees);
        Assert.Equal(-1.0, run.Metrics[0].KendallTauB, 9);
    }

    [Fact]
    public void Compare_NoiseReversedWithinTolerance_Agrees()
    {
        // random and round-robin are equal in expectation: a 10 % swap is noise, not a different ranking.
        SummaryRecord[] sim = [Row("random", 1_000, 1_500), Row("round-robin", 1_100, 1_450)];
        SummaryRecord[] http = [Row("random", 1_150, 1_400), Row("round-robin", 1_050, 1_480)];

        var run = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.True(run.Agrees);
    }

    [Fact]
    public void Compare_ClearGapInSimulationOnlyATieInServe_Differs()
    {
        // The simulation says b is twice as fast; serve cannot tell them apart: the cross-check does not confirm it.
        SummaryRecord[] sim = [Row("a", 100, 2_000), Row("b", 200, 2_000)];
        SummaryRecord[] http = [Row("a", 100, 2_000), Row("b", 110, 2_000)];

        var run = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.False(run.Metrics[0].Agrees);
    }

    [Fact]
    public void Compare_ModerateGapInSimulationTiedInServe_Agrees()
    {
        // Separated (over 25 %) but not clearly (under 50 %) in one mode, tied in the other: tolerated.
        SummaryRecord[] sim = [Row("a", 100, 2_000), Row("b", 140, 2_000)];
        SummaryRecord[] http = [Row("a", 100, 2_000), Row("b", 105, 2_000)];

        Assert.True(Assert.Single(RankingComparer.Compare(sim, http, 0.25)).Agrees);
    }

    [Fact]
    public void Compare_TtftGapUnderTheFloor_IsATieButThroughputHasNoFloor()
    {
        // 30 vs 114 ms in the simulation is under what the HTTP path adds (300 ms here): not a ranking claim serve can check.
        SummaryRecord[] sim = [Row("a", 30, 2_000), Row("b", 114, 1_000)];
        SummaryRecord[] http = [Row("a", 300, 2_000), Row("b", 310, 1_000)];

        var withFloor = Assert.Single(RankingComparer.Compare(sim, http, 0.25, ttftFloorMs: 100));
        var withoutFloor = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.True(withFloor.Agrees);
        Assert.Equal(100, withFloor.TtftFloorMs);
        Assert.False(withoutFloor.Metrics[0].Agrees);
        Assert.True(withoutFloor.Metrics[1].Agrees);
    }

    [Fact]
    public void Compare_OrderOtherSeedsSwap_IsNoClaimAndServeMayGoEitherWay()
    {
        SummaryRecord[] sim = [Row("random", 1_000, 1_500), Row("round-robin", 1_400, 1_500)];
        SummaryRecord[] otherSeed = [Row("random", 1_400, 1_500), Row("round-robin", 1_000, 1_500)];
        SummaryRecord[] http = [Row("random", 1_400, 1_500), Row("round-robin", 1_000, 1_500)];

        var withSeeds = Assert.Single(RankingComparer.Compare(sim, http, 0.25, 0, [otherSeed]));
        var measuredSeedOnly = Assert.Single(RankingComparer.Compare(sim, http, 0.25));

        Assert.True(withSeeds.Agrees);
        Assert.Equal(2, withSeeds.SimulatedSeeds);
        Assert.Equal(["random / round-robin"], withSeeds.Metrics[0].SeedDependent);
        Assert.False(measuredSeedOnly.Agrees);
    }

    [Fact]
    public void Compare_ServeSeparatesClearlyInTheSimulatedDirection_Agrees()
    {
        // Under the floor in the simulation, a large gap through serve, same order: the ranking agrees.
        SummaryRecord[] sim = [Row("reference-default", 30, 2_000), Row("default", 68, 2_000)];
        SummaryRecord[] http = [Row("reference-default", 98, 2_000), Row("default", 668, 1_900)];

        Assert.True(Assert.Single(RankingComparer.Compare(sim, http, 0.25, 100)).Agrees);
    }

    [Fact]
    public void Compare_ThroughputHigherIsBetterAndUndefinedLast_RanksAccordingly()
    {
        SummaryRecord[] sim = [Row("a", 10, 1_000), Row("b", 10, 3_000), Row("c", double.NaN, double.NaN)];
        SummaryRecord[] http = [Row("a", 10, 900), Row("b", 10, 2_800), Row("c", double.NaN, 0)];

        var throughput = Assert.Single(RankingComparer.Compare(sim, http, 0.25)).Metrics[1];

        Assert.False(throughput.LowerIsBetter);
        Assert.Equal(["b", "a", "c"], throughput.Values.Select(v => v.Strategy));
        Assert.Equal([1, 2, 3], throughput.Values.Select(v => v.SimulatedRank));
        Assert.True(throughput.Agrees);
    }

    [Fact]
    public void Compare_StageRowsAndOneSidedStrategies_AreIgnoredPerRun()
    {
        SummaryRecord[] sim = [Row("a", 100, 1_000, "rate=10"), Row("a", 1, 1, "rate=10", stage: 0), Row("b", 300, 900, "rate=10"), Row("only-sim", 5, 5, "rate=10"), Row("a", 100, 1_000, "rate=20"), Row("b", 100, 1_000, "rate=20")];
        SummaryRecord[] http = [Row("a", 120, 950, "rate=10"), Row("b", 280, 800, "rate=10"), Row("a", 100, 1_000, "rate=20"), Row("b", 100, 1_000, "rate=20")];

        var runs = RankingComparer.Compare(sim, http, 0.25);

        Assert.Equal(["rate=10", "rate=20"], runs.Select(r => r.Run));
        Assert.Equal(["a", "b"], runs[0].Metrics[0].Values.Select(v => v.Strategy));
        Assert.Equal(100, runs[0].Metrics[0].Values[0].Simulated);
        Assert.True(runs[0].Agrees);
    }

    [Theory]
    [InlineData(100, 120, 0.25, 0)]
    [InlineData(100, 130, 0.25, 1)]
    [InlineData(130, 100, 0.25, -1)]
    [InlineData(0, 0, 0.25, 0)]
    [InlineData(0, 1, 0.25, 1)]
    [InlineData(5, double.PositiveInfinity, 0.25, 1)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, 0.25, 0)]
    public void Order_Costs_SeparatedOnlyBeyondTolerance(double a, double b, double tolerance, int expected)
    {
        Assert.Equal(expected, RankingComparer.Order(a, b, tolerance));
    }

    [Theory]
    [InlineData(100, 150, 100, 0)]
    [InlineData(100, 250, 100, 1)]
    [InlineData(1_000, 1_200, 100, 0)]
    [InlineData(1_000, 1_300, 100, 1)]
    public void Order_WithFloor_NeedsBothRatioAndAbsoluteGap(double a, double b, double floor, int expected)
    {
        Assert.Equal(expected, RankingComparer.Order(a, b, 0.25, floor));
    }

    [Fact]
    public void KendallTauB_OrdersAndTies_MatchesDefinition()
    {
        Assert.Equal(1.0, RankingComparer.KendallTauB([1, 2, 3, 4], [10, 20, 30, 40]), 9);
        Assert.Equal(-1.0, RankingComparer.KendallTauB([1, 2, 3], [3, 2, 1]), 9);
        // Pairs: (1,2) concordant, (1,3) concordant, (2,3) discordant -> (2 - 1) / 3.
        Assert.Equal(1.0 / 3, RankingComparer.KendallTauB([1, 2, 3], [1, 3, 2]), 9);
        Assert.True(double.IsNaN(RankingComparer.KendallTauB([1, 1], [1, 2])));
    }

    [Fact]
    public void Write_Result_WritesBothReportsAndVerdict()
    {
        var options = new BenchOptions { WorkloadName = "w", Servers = 4, Engine = EngineOptions.FromProfile(EngineProfile.Test) };
        SummaryRecord[] sim = [Row("a", 100, 1_000), Row("b", 300, 900)];
        SummaryRecord[] http = [Row("a", 200, 1_000), Row("b", 100, 900)];
        var result = new CrossCheckResult(sim, [], http, http, RankingComparer.Compare(sim, http, 0.25));

        var markdown = CrossCheckReport.Write(_folder.Path, options, new CrossCheckOptions(), result);

        Assert.True(File.Exists(Path.Combine(_folder.Path, "simulate", "summary.json")));
        Assert.True(File.Exists(Path.Combine(_folder.Path, "http", "summary.json")));
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(_folder.Path, "crosscheck.md")));
        Assert.Contains("the rankings differ", markdown, StringComparison.Ordinal);
        Assert.Contains("| a | 100 | 200 |", markdown, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder.Path, "crosscheck.json")));
        Assert.False(json.RootElement.GetProperty("agrees").GetBoolean());
        Assert.Equal("rate=40", json.RootElement.GetProperty("runs")[0].GetProperty("run").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("runs")[0].GetProperty("metrics").GetArrayLength());
    }
}
