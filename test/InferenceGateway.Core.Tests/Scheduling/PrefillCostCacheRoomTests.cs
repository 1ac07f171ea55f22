using System.Text;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// The default scorer's cache-room term: cost += factor x U x (F - minF) / capacity, where F is the footprint
/// (tokens) the prefix index lists on the endpoint and minF the smallest among the candidates.
/// </summary>
public class PrefillCostCacheRoomTests
{
    // KV of 3125 blocks of 16 tokens (50,000 tokens) on every endpoint; prompts of 2000 bytes (500 tokens).
    private const int NumBlocks = 3125;
    private const int BlockSize = 16;
    private const int PromptBytes = 2000;
    private const int FullerBlocks = 2800;

    private const string NoBalanceYaml = """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - type: prefill-cost-scorer
          parameters:
            cacheBalanceFactor: 0
        - type: max-score-picker
        schedulingProfiles:
        - name: no-balance
          plugins:
          - pluginRef: prefill-cost-scorer
          - pluginRef: max-score-picker
        """;

    private static EndpointCandidate Sized(int pod, double kv = 0.2) => Candidate(pod, Scrape(running: 4, kv: kv, blockSize: BlockSize, numBlocks: NumBlocks));

    /// <summary>Fills an endpoint's index entries with blocks no prompt of these tests hashes to.</summary>
    private static void Fill(PrefixCacheIndex index, int pod, int blocks)
    {
        var hashes = new ulong[blocks];
        for (var i = 0; i < blocks; i++)
        {
            hashes[i] = ((ulong)pod << 32) + (ulong)i + 1;
        }

        index.Record(hashes, Ep(pod).Address, NumBlocks);
    }

    private static double[] Scores(double factor, PrefixCacheIndex index, string prompt, params EndpointCandidate[] candidates) =>
        Score(new PrefillCostScorer("c", new PrefillCostOptions { CacheBalanceFactor = factor }), Request(prompt: prompt), index, candidates);

    /// <summary>cost_k - min in units of (min + prompt): 1 / score - 1 (scores are (min + P) / (cost + P)).</summary>
    private static double Excess(double score) => (1 / score) - 1;

    [Fact]
    public void Schedule_NewPromptEqualLoad_GoesToTheEndpointWhoseIndexListsFewerBlocks()
    {
        // The fuller endpoint is listed first; with the term off the random tie-break sends half the picks there.
        for (var seed = 1; seed <= 12; seed++)
        {
            var scheduler = Build(BuiltInProfiles.Default, seed);
            Fill(scheduler.PrefixIndex, 1, FullerBlocks);
            Fill(scheduler.PrefixIndex, 2, 100);

            var result = scheduler.Schedule(Request(prompt: Text(seed, PromptBytes)), [Sized(1), Sized(2)]);

            Assert.Equal(2, PodNumber(result.Endpoints[0]));
        }
    }

    [Fact]
    public void Schedule_FactorZeroFromYaml_TieBreakIsRandomAsBefore()
    {
        // Arrange
        var picks = new int[3];
        for (var seed = 1; seed <= 24; seed++)
        {
            var scheduler = SchedulerFactory.FromYaml(NoBalanceYaml, new SchedulerOptions { Profile = "no-balance" }, new Random(seed));
            Fill(scheduler.PrefixIndex, 1, FullerBlocks);
            Fill(scheduler.PrefixIndex, 2, 100);

            // Act
            var result = scheduler.Schedule(Request(prompt: Text(seed, PromptBytes)), [Sized(1), Sized(2)]);
            picks[PodNumber(result.Endpoints[0])]++;
        }

        // Assert: both endpoints are picked (the fuller one is not avoided).
        Assert.True(picks[1] > 0 && picks[2] > 0, $"fuller {picks[1]}, emptier {picks[2]}");
    }

    [Fact]
    public void Parse_CacheBalanceFactorZero_ScorerHasTheTermOffAndScoresTie()
    {
        var scheduler = SchedulerFactory.FromYaml(NoBalanceYaml, new SchedulerOptions { Profile = "no-balance" }, new Random(1));
        var scorer = Assert.IsType<PrefillCostScorer>(Assert.Single(scheduler.Profile.Scorers).Scorer);
        Fill(scheduler.PrefixIndex, 1, FullerBlocks);

        var scores = Score(scorer, Request(prompt: Text(3, PromptBytes)), scheduler.PrefixIndex, Sized(1), Sized(2));

        Assert.Equal(0, scorer.Options.CacheBalanceFactor);
        Assert.Equal(scores[0], scores[1]);
    }

    [Fact]
    public void Defaults_CacheBalanceFactor_IsFourAndOnInTheDefaultProfile()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        var scorer = Assert.Single(scheduler.Profile.Scorers, s => s.Scorer is PrefillCostScorer).Scorer as PrefillCostScorer;
        Assert.NotNull(scorer);

        Assert.Equal(4, scorer.Options.CacheBalanceFactor);
    }

    [Fact]
    public void Schedule_PromptFullyCachedOnTheFullerEndpoint_StillGoesThere()
    {
        // Arrange: the fuller endpoint holds this prompt; the emptier holds nothing.
        for (var seed = 1; seed <= 6; seed++)
        {
            var scheduler = Build(BuiltInProfiles.Default, seed);
            var prompt = Text(100 + seed, PromptBytes);
            Fill(scheduler.PrefixIndex, 1, FullerBlocks);
            scheduler.Schedule(Request(prompt: prompt), [Sized(1)]);

            // Act
            var result = scheduler.Schedule(Request(prompt: prompt), [Sized(1), Sized(2)]);

            // Assert
            Assert.Equal(1, PodNumber(result.Endpoints[0]));
        }
    }

    [Fact]
    public void Score_Footprint_GrowsLinearlyWithTheFactorAndTheGap()
    {
        // Arrange: pod 2 lists 100 blocks (the minimum), pod 1 100 + gap.
        var prompt = Text(3, PromptBytes);
        double ExcessOfFuller(double factor, int gap)
        {
            var index = new PrefixCacheIndex(new PrefixCacheOptions());
            Fill(index, 1, 100 + gap);
            Fill(index, 2, 100);
            var scores = Scores(factor, index, prompt, Sized(1), Sized(2));
            Assert.Equal(1.0, scores[1]);
            return Excess(scores[0]);
        }

        // Act
        var off = ExcessOfFuller(0, 1000);
        var base4 = ExcessOfFuller(4, 1000);
        var base8 = ExcessOfFuller(8, 1000);
        var wide4 = ExcessOfFuller(4, 2000);

        // Assert
        Assert.Equal(0, off, 12);
        Assert.True(base4 > 0, $"excess {base4}");
        Assert.Equal(2 * base4, base8, 9);
        Assert.Equal(2 * base4, wide4, 9);
    }

    [Fact]
    public void Score_Footprint_IsFactorTimesUncachedTimesExcessOverTheEmptiestPerCapacity()
    {
        // Arrange: the decode and KV terms off, so an endpoint's cost is U (500, no match) plus the cache-room term.
        // Footprints (blocks x 16 tokens): pod 1 1100, pod 2 100 (the minimum), pod 3 300.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        Fill(index, 1, 1100);
        Fill(index, 2, 100);
        Fill(index, 3, 300);
        var options = new PrefillCostOptions { KvPressureCost = 0, DecodeTokensPerRunningRequest = 0 };

        // Act
        var scores = Score(new PrefillCostScorer("c", options), Request(prompt: Text(3, PromptBytes)), index, Sized(1), Sized(2), Sized(3));

        // Assert: scores are (min + P) / (cost + P) with min = P = 500.
        const double Capacity = NumBlocks * BlockSize;
        var term1 = 4.0 * 500 * (1000 * BlockSize) / Capacity;
        var term3 = 4.0 * 500 * (200 * BlockSize) / Capacity;
        Assert.Equal(1000 / (1000 + term1), scores[0], 9);
        Assert.Equal(1.0, scores[1], 9);
        Assert.Equal(1000 / (1000 + term3), scores[2], 9);
    }

    [Fact]
    public void Score_WithoutKvSizeInMetrics_TermIsSkipped()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        Fill(index, 1, FullerBlocks);

        var scores = Scores(4, index, Text(3, PromptBytes), Candidate(1, Scrape(running: 4, kv: 0.2)), Candidate(2, Scrape(running: 4, kv: 0.2)));

        Assert.Equal(scores[0], scores[1]);
    }

    [Fact]
    public void Score_HitOnTheFullerEndpoint_PaysOnlyForItsUncachedTail()
    {
        // Arrange: pod 1 lists 2800 other blocks and the prompt's 31 full blocks (1984 of its 2000 bytes): its
        // uncached tail is 500 x 16 / 2000 = 4 tokens, and the term scales with those 4, not with the prompt.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        Fill(index, 1, FullerBlocks);
        var prompt = Text(3, PromptBytes);
        var hashes = new ulong[PromptBytes / (BlockSize * PrefixHasher.BytesPerToken)];
        var count = PrefixHasher.ComputeBlockHashes(PrefixHasher.ModelSeed("m"), Encoding.UTF8.GetBytes(prompt), BlockSize * PrefixHasher.BytesPerToken, hashes);
        index.Record(hashes.AsSpan(0, count), Ep(1).Address, NumBlocks);
        var options = new PrefillCostOptions { KvPressureCost = 0, DecodeTokensPerRunningRequest = 0 };

        // Act
        var scores = Score(new PrefillCostScorer("c", options), Request(prompt: prompt), index, Sized(1), Sized(2));

        // Assert: cost1 = 4 + 4 x 4 x (2831 x 16) / 50,000 is the minimum; cost2 = 500 (a miss on the emptiest).
        Assert.Equal(31, count);
        var cost1 = 4 + (4.0 * 4 * ((FullerBlocks + 31) * BlockSize) / (NumBlocks * BlockSize));
        Assert.Equal(1.0, scores[0], 9);
        Assert.Equal((cost1 + 500) / (500 + 500), scores[1], 9);
    }

    [Fact]
    public void Score_UnknownEndpointWithEmptyIndex_DoesNotChangeTheKnownEndpointsScores()
    {
        // Pod 3 has no metrics (stale) and an empty index. It never pays the term, so it must not set the baseline:
        // the known endpoints score exactly as they do without it.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        Fill(index, 1, FullerBlocks);
        Fill(index, 2, FullerBlocks / 2);
        var prompt = Text(5, PromptBytes);

        var without = Scores(4, index, prompt, Sized(1), Sized(2));
        var with = Scores(4, index, prompt, Sized(1), Sized(2), Candidate(3, null));

        Assert.True(with[1] > with[0], "the emptier known endpoint should still score higher");
        Assert.Equal(without[0], with[0], 12);
        Assert.Equal(without[1], with[1], 12);
    }
}
