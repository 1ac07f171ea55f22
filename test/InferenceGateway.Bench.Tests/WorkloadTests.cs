using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Tokens;

namespace InferenceGateway.Bench.Tests;

public class WorkloadTests
{
    private static WorkloadSpec Shared(int groups = 4, int perGroup = 3, int system = 100, int question = 40, int output = 20) => new()
    {
        Type = WorkloadTypes.SharedPrefix,
        NumGroups = groups,
        NumPromptsPerGroup = perGroup,
        SystemPromptLen = system,
        QuestionLen = question,
        OutputLen = output,
    };

    [Fact]
    public void PseudoText_Words_ExactTokenCountAloneAndConcatenated()
    {
        var a = PseudoText.Words(1, 123);
        var b = PseudoText.Words(2, 77);

        Assert.Equal(123, ApproxTokenizer.Count(a));
        Assert.Equal(200, ApproxTokenizer.Count(a + b));
        Assert.Equal(a, PseudoText.Words(1, 123));
        Assert.NotEqual(a, PseudoText.Words(3, 123));
    }

    [Fact]
    public void SharedPrefix_Counts_GroupsTimesPromptsWithExactLengths()
    {
        var source = new SharedPrefixSource(Shared(), 7);

        Assert.Equal(12, source.Prompts.Count);
        Assert.All(source.Prompts, p => Assert.Equal(140, p.PromptTokens));
        Assert.All(source.Prompts, p => Assert.Equal(20, p.OutputTokens));
        Assert.Equal(12, source.Prompts.Select(p => p.Prompt).Distinct().Count());
    }

    [Fact]
    public void SharedPrefix_SameGroup_SharesSystemPromptBlocksAndBytes()
    {
        var source = new SharedPrefixSource(Shared(system: 100), 7);
        var byGroup = source.Prompts.Select((p, i) => (p, g: source.Groups[i])).GroupBy(x => x.g).ToList();

        foreach (var group in byGroup)
        {
            var items = group.Select(x => x.p).ToList();
            var first = items[0].BlockHashes(16);
            foreach (var other in items.Skip(1))
            {
                var hashes = other.BlockHashes(16);
                Assert.Equal(first[..(100 / 16)], hashes[..(100 / 16)]);
                Assert.NotEqual(first[^1], hashes[^1]);
                var system = PseudoText.Words(PseudoText.Derive(7, 1, group.Key), 100);
                Assert.StartsWith(system, other.Prompt!, StringComparison.Ordinal);
                Assert.True(other.PromptBytes.AsSpan().StartsWith(System.Text.Encoding.UTF8.GetBytes(system)));
            }
        }

        var otherGroup = byGroup[1].First().p.BlockHashes(16);
        Assert.NotEqual(byGroup[0].First().p.BlockHashes(16)[0], otherGroup[0]);
    }

    [Fact]
    public void SharedPrefix_SameSeed_SameOrderDifferentSeedDifferentOrder()
    {
        var a = new SharedPrefixSource(Shared(groups: 10, perGroup: 10), 1);
        var b = new SharedPrefixSource(Shared(groups: 10, perGroup: 10), 1);
        var c = new SharedPrefixSource(Shared(groups: 10, perGroup: 10), 2);

        Assert.Equal(a.Prompts.Select(p => p.Prompt), b.Prompts.Select(p => p.Prompt));
        Assert.NotEqual(a.Prompts.Select(p => p.Prompt), c.Prompts.Select(p => p.Prompt));
        // Shuffled: not grouped in generation order.
        Assert.NotEqual(Enumerable.Range(0, 100).Select(i => i / 10), a.Groups);
    }

    [Fact]
    public void SharedPrefix_Next_CyclesThroughShuffledPrompts()
    {
        var source = new SharedPrefixSource(Shared(groups: 2, perGroup: 2), 3);
        var sent = Enumerable.Range(0, 8).Select(_ => source.Next()).ToList();

        Assert.Equal(source.Prompts, sent.Take(4));
        Assert.Equal(source.Prompts, sent.Skip(4));
    }

    [Fact]
    public void Poisson_Rate50For200s_CountWithinFiveSigma()
    {
        var stages = new List<StageSpec> { new() { Rate = 50, Duration = 200 } };

        var arrivals = ArrivalSchedule.Generate(stages, "poisson", 1, new Random(5));

        // Poisson count: mean 10,000, sd 100.
        Assert.InRange(arrivals.Count, 9_500, 10_500);
        Assert.True(arrivals.Zip(arrivals.Skip(1)).All(p => p.First.Time <= p.Second.Time));
        Assert.All(arrivals, a => Assert.InRange(a.Time, 0, 200));
    }

    [Fact]
    public void Gamma_Burstiness_KeepsMeanRateAndRaisesVariance()
    {
        var stages = new List<StageSpec> { new() { Rate = 50, Duration = 200 } };

        var poisson = ArrivalSchedule.Generate(stages, "poisson", 1, new Random(5));
        var bursty = ArrivalSchedule.Generate(stages, "gamma", 0.25, new Random(5));

        Assert.InRange(bursty.Count, 9_000, 11_000);
        Assert.True(GapVariance(bursty) > 2 * GapVariance(poisson));
    }

    [Fact]
    public void Stages_ArrivalsCarryTheirStage()
    {
        var stages = new List<StageSpec> { new() { Rate = 10, Duration = 5 }, new() { Rate = 100, Duration = 5 } };

        var arrivals = ArrivalSchedule.Generate(stages, "poisson", 1, new Random(1));

        Assert.All(arrivals, a => Assert.Equal(a.Time < 5 ? 0 : 1, a.Stage));
        Assert.True(arrivals.Count(a => a.Stage == 1) > 3 * arrivals.Count(a => a.Stage == 0));
    }

    [Fact]
    public void HighCache_BuiltIn_MatchesReferenceBenchmark()
    {
        var spec = BuiltInWorkloads.Find("high-cache")!;
        var low = BuiltInWorkloads.Find("low-cache")!;

        Assert.Equal((150, 5, 6_000, 1_200, 1_000), (spec.NumGroups, spec.NumPromptsPerGroup, spec.SystemPromptLen, spec.QuestionLen, spec.OutputLen));
        Assert.Equal((1_200, 6_000), (low.SystemPromptLen, low.QuestionLen));
        Assert.Equal(
            [15, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60],
            spec.Stages.Select(s => s.Rate));
        Assert.Equal(
            [50, 20, 20, 38, 30, 25, 21, 38, 36, 30, 27, 25],
            spec.Stages.Select(s => s.Duration));
    }

    [Fact]
    public void ShareGpt_Lengths_WithinClampsAndVaried()
    {
        var spec = new WorkloadSpec { Type = WorkloadTypes.ShareGpt, MaxPromptLen = 1000, MaxOutputLen = 500 };
        var source = PromptSources.Create(spec, 9);

        var items = Enumerable.Range(0, 2000).Select(_ => source.Next()).ToList();

        Assert.All(items, i => Assert.InRange(i.PromptTokens, spec.MinLen, 1000));
        Assert.All(items, i => Assert.InRange(i.OutputTokens, 1, 500));
        var median = items.Select(i => i.PromptTokens).Order().ElementAt(1000);
        Assert.InRange(median, 100, 160);
        Assert.True(items.Select(i => i.PromptTokens).Distinct().Count() > 100);
    }

    [Fact]
    public void LoraMix_Zipf_MostPopularAdapterDominates()
    {
        var spec = new WorkloadSpec { Type = WorkloadTypes.LoraMix, NumAdapters = 8, ZipfExponent = 1.0 };
        var source = PromptSources.Create(spec, 4);

        var counts = Enumerable.Range(0, 5000).Select(_ => source.Next().Adapter!).GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

        // Zipf(1) over 8: p0 = 1/H8 = 0.368, p1 = 0.184, p7 = 0.046.
        Assert.InRange(counts["adapter-0"], 1650, 2030);
        Assert.True(counts["adapter-0"] > counts["adapter-1"]);
        Assert.True(counts["adapter-1"] > counts["adapter-7"]);
        Assert.Equal(8, counts.Count);
    }

    [Fact]
    public void MultiTurn_NextTurn_ResendsGrowingHistory()
    {
        var spec = new WorkloadSpec { Type = WorkloadTypes.MultiTurn, ConcurrentSessions = 3, TurnsPerSession = 4, SystemPromptLen = 50, QuestionLen = 10, OutputLen = 10 };
        var source = PromptSources.Create(spec, 11);

        var items = Enumerable.Range(0, 60).Select(_ => source.Next()).ToList();

        foreach (var session in items.GroupBy(i => i.Session))
        {
            var turns = session.ToList();
            Assert.True(turns.Count <= 4);
            for (var t = 1; t < turns.Count; t++)
            {
                Assert.StartsWith(turns[t - 1].RenderedPrompt, turns[t].RenderedPrompt, StringComparison.Ordinal);
                Assert.True(turns[t].PromptTokens > turns[t - 1].PromptTokens);
                Assert.Equal(turns[t - 1].BlockHashes(16), turns[t].BlockHashes(16)[..turns[t - 1].BlockHashes(16).Length]);
            }
        }

        Assert.All(items, i => Assert.True(i.IsChat));
        Assert.Equal(ApproxTokenizer.Count(items[0].RenderedPrompt), items[0].PromptTokens);
    }

    [Fact]
    public void LoadPlan_SameSeed_Identical()
    {
        var spec = BuiltInWorkloads.Find("shared-prefix")!;

        var a = LoadPlan.Build(spec, spec.Stages, 3, "x");
        var b = LoadPlan.Build(spec, spec.Stages, 3, "x");

        Assert.Equal(a.Requests.Select(r => (r.At, r.Item.Prompt)), b.Requests.Select(r => (r.At, r.Item.Prompt)));
        Assert.InRange(a.Requests.Count, 480, 720);
    }

    private static double GapVariance(List<(double Time, int Stage)> arrivals)
    {
        var gaps = arrivals.Zip(arrivals.Skip(1)).Select(p => p.Second.Time - p.First.Time).ToList();
        var mean = gaps.Average();
        return gaps.Sum(g => (g - mean) * (g - mean)) / gaps.Count;
    }
}

public class WorkloadFileTests
{
    [Fact]
    public void Parse_SnakeCaseYaml_BindsFieldsAndStages()
    {
        var spec = WorkloadFile.Parse("""
            type: shared_prefix
            num_groups: 3
            num_prompts_per_group: 2
            system_prompt_len: 64
            question_len: 8
            output_len: 5
            arrival: gamma
            burstiness: 0.5
            stages:
              - {rate: 2, duration: 10}
              - {rate: 4, duration: 5}
            """);

        Assert.Equal((3, 2, 64, 8, 5), (spec.NumGroups, spec.NumPromptsPerGroup, spec.SystemPromptLen, spec.QuestionLen, spec.OutputLen));
        Assert.Equal(("gamma", 0.5), (spec.Arrival, spec.Burstiness));
        Assert.Equal([(2.0, 10.0), (4.0, 5.0)], spec.Stages.Select(s => (s.Rate, s.Duration)));
    }

    [Fact]
    public void Parse_UnknownKeyOrBadType_Throws()
    {
        Assert.ThrowsAny<Exception>(() => WorkloadFile.Parse("num_gruops: 3\n"));
        Assert.Throws<ArgumentException>(() => WorkloadFile.Parse("type: nope\n"));
    }
}
