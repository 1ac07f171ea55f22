using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

public class ScorerTests
{
    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"[{i}] expected {expected[i]}, got {actual[i]}");
        }
    }

    public static TheoryData<int[], double[]> QueueCases => new()
    {
        { new[] { 0, 5, 10 }, new[] { 1.0, 0.5, 0.0 } },
        { new[] { 3, 3, 3 }, new[] { 1.0, 1.0, 1.0 } },
        { new[] { 2, 6 }, new[] { 1.0, 0.0 } },
        { new[] { 7 }, new[] { 1.0 } },
    };

    [Theory]
    [MemberData(nameof(QueueCases))]
    public void QueueScorer_WaitingCounts_NormalisedMinMax(int[] waiting, double[] expected)
    {
        var candidates = waiting.Select((w, i) => Candidate(i + 1, Scrape(waiting: w))).ToArray();

        var scores = Score(new QueueScorer("q"), Request(), null, candidates);

        AssertClose(expected, scores);
    }

    [Fact]
    public void QueueScorer_UnknownMetrics_ScoresWorstAndIsLeftOutOfTheRange()
    {
        var scores = Score(new QueueScorer("q"), Request(), null, Candidate(1, Scrape(waiting: 4)), Candidate(2, null), Candidate(3, Scrape(waiting: 8)));

        AssertClose(new[] { 1.0, 0.0, 0.0 }, scores);
    }

    [Fact]
    public void QueueScorer_InFlightBeyondScrape_CountsAsWaiting()
    {
        // Same scrape; endpoint 1 has 3 requests in flight that the scrape cannot have seen (W + R = 1).
        var scores = Score(new QueueScorer("q"), Request(), null, Candidate(1, Scrape(waiting: 0, running: 1), inFlight: 4), Candidate(2, Scrape(waiting: 0, running: 1), inFlight: 1));

        AssertClose(new[] { 0.0, 1.0 }, scores);
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.25, 0.75)]
    [InlineData(1.0, 0.0)]
    public void KvCacheUtilizationScorer_Usage_OneMinusUsage(double usage, double expected)
    {
        var scores = Score(new KvCacheUtilizationScorer("kv"), Request(), null, Candidate(1, Scrape(kv: usage)));

        Assert.Equal(expected, scores[0], 6);
    }

    [Fact]
    public void KvCacheUtilizationScorer_UnknownMetrics_ScoresZero()
    {
        var scores = Score(new KvCacheUtilizationScorer("kv"), Request(), null, Candidate(1, null));

        Assert.Equal(0, scores[0]);
    }

    [Fact]
    public void KvCacheUtilizationScorer_UnreportedInFlightTokens_RaiseUsage()
    {
        // 1,000 blocks of 16 tokens; 4 excess requests of 2,000 tokens each = 8,000 tokens = 0.5 of the cache.
        var metrics = Scrape(kv: 0.2, blockSize: 16, numBlocks: 1000);

        var scores = Score(new KvCacheUtilizationScorer("kv"), Request(), null, Candidate(1, metrics, inFlight: 4, inFlightTokens: 8000));

        Assert.Equal(0.3, scores[0], 6);
    }

    public static TheoryData<EndpointMetrics?, double> LoraCases => new()
    {
        { Scrape(active: ["sql"], maxAdapters: 1), 1.0 },
        { Scrape(active: ["other"], maxAdapters: 2), 0.8 },
        { Scrape(active: ["other"], waitingAdapters: ["sql"], maxAdapters: 1), 0.6 },
        { Scrape(active: ["other"], maxAdapters: 1), 0.0 },
        { null, 0.0 },
    };

    [Theory]
    [MemberData(nameof(LoraCases))]
    public void LoraAffinityScorer_AdapterState_ReferenceScores(EndpointMetrics? metrics, double expected)
    {
        var scores = Score(new LoraAffinityScorer("lora"), Request(model: "sql"), null, Candidate(1, metrics));

        Assert.Equal(expected, scores[0], 6);
    }

    [Theory]
    [InlineData(new[] { 5, 10, 15 }, new[] { 1.0, 0.5, 0.0 })]
    [InlineData(new[] { 4, 4 }, new[] { 1.0, 1.0 })]
    public void RunningRequestsScorer_RunningCounts_NormalisedMinMax(int[] running, double[] expected)
    {
        var candidates = running.Select((r, i) => Candidate(i + 1, Scrape(running: r))).ToArray();

        var scores = Score(new RunningRequestsScorer("r"), Request(), null, candidates);

        AssertClose(expected, scores);
    }

    [Theory]
    [InlineData(0L, 1.0)]
    [InlineData(2_097_152L, 0.5)]
    [InlineData(4_194_304L, 0.0)]
    [InlineData(9_000_000L, 0.0)]
    public void TokenLoadScorer_InFlightTokens_OneMinusShareOfThreshold(long tokens, double expected)
    {
        var scorer = new TokenLoadScorer("t", TokenLoadScorer.DefaultThresholdTokens);

        var scores = Score(scorer, Request(), null, Candidate(1, Scrape(), inFlight: 1, inFlightTokens: tokens));

        Assert.Equal(expected, scores[0], 6);
    }

    [Theory]
    [InlineData("pod-2", new[] { 0.0, 1.0, 0.0 })]
    [InlineData("default/pod-3", new[] { 0.0, 0.0, 1.0 })]
    [InlineData("pod-9", new[] { 0.0, 0.0, 0.0 })]
    public void SessionAffinityScorer_Token_ScoresTheNamedEndpoint(string target, double[] expected)
    {
        var request = Request(session: SessionAffinityScorer.TokenFor(target));

        var scores = Score(new SessionAffinityScorer("s"), request, null, Candidate(1, Scrape()), Candidate(2, Scrape()), Candidate(3, Scrape()));

        Assert.Equal(expected, scores);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("%%%not-base64")]
    public void SessionAffinityScorer_MissingOrBadToken_ScoresNothing(string? token)
    {
        var scores = Score(new SessionAffinityScorer("s"), Request(session: token), null, Candidate(1, Scrape()), Candidate(2, Scrape()));

        Assert.Equal(new[] { 0.0, 0.0 }, scores);
    }

    [Fact]
    public void LeastRequestScorer_InFlightPlusRunning_FewestScoresOne()
    {
        var scores = Score(
            new LeastRequestScorer("lr"),
            Request(),
            null,
            Candidate(1, Scrape(running: 2), inFlight: 2),
            Candidate(2, Scrape(running: 0), inFlight: 0),
            Candidate(3, null, inFlight: 0));

        // Endpoint 3's running count is unknown: it counts as one more than the busiest known (2 + 1).
        AssertClose(new[] { 0.0, 1.0, 0.25 }, scores);
    }

    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.25)]
    [InlineData(4, 1.0)]
    public void PrefixCacheScorer_MatchedBlocks_ShareOfPromptBlocks(int recordedBlocks, double expected)
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var prompt = Text(1, 4 * 64);
        var hashes = PromptBlocks(prompt, 4);
        index.Record(hashes.AsSpan(0, recordedBlocks), Ep(1).Address, 1000);

        var scores = Score(new PrefixCacheScorer("p"), Request(prompt: prompt), index, Candidate(1, Scrape()));

        Assert.Equal(expected, scores[0], 6);
    }

    [Fact]
    public void PrefillCostScorer_EvenLoad_CacheHitScoresBest()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var prompt = Text(2, 40 * 64);
        var hashes = PromptBlocks(prompt, 40);
        index.Record(hashes, Ep(2).Address, 1000);

        var scores = Score(new PrefillCostScorer("c", new PrefillCostOptions()), Request(prompt: prompt), index, Candidate(1, Scrape(running: 3)), Candidate(2, Scrape(running: 3)));

        Assert.Equal(1.0, scores[1], 6);
        Assert.True(scores[0] < 0.9, $"miss scored {scores[0]}");
    }

    [Fact]
    public void PrefillCostScorer_CacheHitWithQueue_LosesToIdleMiss()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var prompt = Text(3, 40 * 64);
        var hashes = PromptBlocks(prompt, 40);
        index.Record(hashes, Ep(2).Address, 1000);

        var scores = Score(new PrefillCostScorer("c", new PrefillCostOptions()), Request(prompt: prompt), index, Candidate(1, Scrape(running: 3)), Candidate(2, Scrape(waiting: 4, running: 3)));

        Assert.Equal(1.0, scores[0], 6);
        Assert.True(scores[1] < scores[0]);
    }

    [Fact]
    public void PrefillCostScorer_UnknownMetrics_RanksBelowEveryKnownEndpoint()
    {
        var scores = Score(new PrefillCostScorer("c", new PrefillCostOptions()), Request(prompt: Text(4, 512)), null, Candidate(1, Scrape(waiting: 3, running: 50, kv: 0.95)), Candidate(2, null));

        Assert.True(scores[0] > scores[1], $"known {scores[0]} vs unknown {scores[1]}");
    }

    [Fact]
    public void PrefillCostScorer_ActiveAdapter_BeatsLoadingOne()
    {
        var scores = Score(
            new PrefillCostScorer("c", new PrefillCostOptions()),
            Request(model: "sql", prompt: Text(5, 256)),
            null,
            Candidate(1, Scrape(active: ["other"], maxAdapters: 2)),
            Candidate(2, Scrape(active: ["sql"], maxAdapters: 2)),
            Candidate(3, Scrape(active: ["a", "b"], maxAdapters: 2)));

        Assert.Equal(1.0, scores[1], 6);
        Assert.True(scores[0] > scores[2], "a free slot beats no slot");
    }

    [Fact]
    public void LoraAffinityScorer_KnownAdaptersOnlyModelNowhere_ScoresAllAlike()
    {
        // A base-model request: its name is in no adapter list, so free and full adapter slots are no reason to
        // prefer an endpoint.
        var candidates = new[]
        {
            Candidate(1, Scrape(active: ["a", "b"], maxAdapters: 2)),
            Candidate(2, Scrape(active: ["c"], maxAdapters: 2)),
            Candidate(3, null),
        };

        var scores = Score(new LoraAffinityScorer("lora", knownAdaptersOnly: true), Request(model: "base"), null, candidates);

        Assert.Equal(new[] { 1.0, 1.0, 1.0 }, scores);
    }

    [Fact]
    public void LoraAffinityScorer_KnownAdaptersOnlyAdapterActiveSomewhere_ReferenceScores()
    {
        var candidates = new[]
        {
            Candidate(1, Scrape(active: ["a", "b"], maxAdapters: 2)),
            Candidate(2, Scrape(active: ["c"], maxAdapters: 2)),
            Candidate(3, Scrape(active: ["sql"], maxAdapters: 2)),
        };

        var scores = Score(new LoraAffinityScorer("lora", knownAdaptersOnly: true), Request(model: "sql"), null, candidates);

        Assert.Equal(new[] { 0.0, 0.8, 1.0 }, scores);
    }

    [Fact]
    public void LoraAffinityScorer_Default_ScoresAModelNowhereByRoom()
    {
        // Without the option the reference behaviour stays: room to load counts even for a model no one has.
        var candidates = new[] { Candidate(1, Scrape(active: ["a", "b"], maxAdapters: 2)), Candidate(2, Scrape(active: ["c"], maxAdapters: 2)) };

        var scores = Score(new LoraAffinityScorer("lora"), Request(model: "base"), null, candidates);

        Assert.Equal(new[] { 0.0, 0.8 }, scores);
    }
}
