using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>The default scorer's affinity-with-bounded-spill rule.</summary>
public class PrefillCostSpillTests
{
    // 300 blocks of 64 bytes: about 4,800 tokens, longer than the reference's 256-block match.
    private const int Blocks = 300;

    private static readonly string Prompt = Text(40, Blocks * 64);

    private static PrefixCacheIndex IndexWith(params (int Pod, int Blocks)[] holders)
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var hashes = PromptBlocks(Prompt, Blocks);
        foreach (var (pod, blocks) in holders)
        {
            index.Record(hashes.AsSpan(0, blocks), Ep(pod).Address, 10_000);
        }

        return index;
    }

    private static double[] ScoreDefault(PrefixCacheIndex index, params EndpointCandidate[] candidates) =>
        Score(new PrefillCostScorer("c", new PrefillCostOptions()), Request(prompt: Prompt), index, candidates);

    [Fact]
    public void Score_SaturatedClusterHitQueueLongerThanOthers_KeepsAffinity()
    {
        // Every endpoint queues about 100; the one holding the prefix queues 160. A miss would spend a full prefill
        // (and a duplicate prefix) of capacity that the whole backlog waits for, so the hit stays cheapest.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 100, running: 200, kv: 0.5)),
            Candidate(2, Scrape(waiting: 160, running: 200, kv: 0.5)),
            Candidate(3, Scrape(waiting: 95, running: 200, kv: 0.5)),
            Candidate(4, Scrape(waiting: 105, running: 200, kv: 0.5)));

        Assert.Equal(1, Best(scores));
    }

    [Fact]
    public void Score_HeadroomAndOneHotEndpoint_Spills()
    {
        // The other endpoints are idle: a queue of 8 on the prefix holder is an outlier, and the request spills.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 4, kv: 0.3)),
            Candidate(2, Scrape(waiting: 8, running: 4, kv: 0.3)),
            Candidate(3, Scrape(waiting: 0, running: 4, kv: 0.3)));

        Assert.NotEqual(1, Best(scores));
        Assert.True(scores[1] < scores[0] && scores[1] < scores[2], $"hot holder scored {scores[1]}");
    }

    [Fact]
    public void Score_LargeBatchesFewWaitingOnTheHolder_KeepsAffinity()
    {
        // Every endpoint runs a batch of 120 with nothing waiting; the holder has 12 waiting. They start within a step
        // or two of the batch draining, so a full-prefill miss (and a second copy of the prefix) elsewhere costs more.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 120, kv: 0.7)),
            Candidate(2, Scrape(waiting: 12, running: 120, kv: 0.7)),
            Candidate(3, Scrape(waiting: 0, running: 120, kv: 0.7)));

        Assert.Equal(1, Best(scores));
    }

    [Fact]
    public void Score_LargeBatchesHolderQueueBeyondAQuarterBatch_Spills()
    {
        // The same batches, but 60 waiting on the holder: half a batch of backlog is an outlier worth a miss.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 120, kv: 0.7)),
            Candidate(2, Scrape(waiting: 60, running: 120, kv: 0.7)),
            Candidate(3, Scrape(waiting: 0, running: 120, kv: 0.7)));

        Assert.NotEqual(1, Best(scores));
    }

    [Fact]
    public void Score_NearKvLimitHolderAboveTheLoadBound_Spills()
    {
        // Every endpoint runs 120 at 92 % KV; the holder also has 25 waiting. Near the memory limit they wait for
        // completions, and the holder's 146 requests exceed 1.05 x the mean (126.5) + 2: the request spills.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 120, kv: 0.92)),
            Candidate(2, Scrape(waiting: 25, running: 120, kv: 0.92)),
            Candidate(3, Scrape(waiting: 0, running: 120, kv: 0.92)),
            Candidate(4, Scrape(waiting: 0, running: 120, kv: 0.92)));

        Assert.NotEqual(1, Best(scores));
    }

    [Fact]
    public void Score_SameQueueWithMemoryHeadroom_KeepsAffinity()
    {
        // The same queues at 70 % KV: 25 waiting behind a batch of 120 start within a few steps (relative tolerance).
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 120, kv: 0.7)),
            Candidate(2, Scrape(waiting: 25, running: 120, kv: 0.7)),
            Candidate(3, Scrape(waiting: 0, running: 120, kv: 0.7)),
            Candidate(4, Scrape(waiting: 0, running: 120, kv: 0.7)));

        Assert.Equal(1, Best(scores));
    }

    [Fact]
    public void Score_NearKvLimitHolderWithinTheLoadBound_KeepsAffinity()
    {
        // At 95 % KV a holder 4 requests above the mean is within 1.05 x mean + 2: the hit wins.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 120, kv: 0.95)),
            Candidate(2, Scrape(waiting: 4, running: 120, kv: 0.95)),
            Candidate(3, Scrape(waiting: 0, running: 120, kv: 0.95)));

        Assert.Equal(1, Best(scores));
    }

    [Theory]
    [InlineData(2, 3, 3)]
    [InlineData(3, 2, 2)]
    public void Score_TwoFullHolders_TheLatestHomeWins(int first, int second, int expectedPod)
    {
        // Both hold the whole prompt and carry the same load; the one that received it last is its current home.
        var index = IndexWith((first, Blocks), (second, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 10, kv: 0.4)),
            Candidate(2, Scrape(waiting: 0, running: 10, kv: 0.4)),
            Candidate(3, Scrape(waiting: 0, running: 10, kv: 0.4)));

        Assert.Equal(expectedPod - 1, Best(scores));
    }

    [Fact]
    public void Score_TwoFullHoldersLatestHomeClearlyBusier_OlderHolderWins()
    {
        // The home preference is worth half a prompt: a much busier latest home loses to the older copy.
        var index = IndexWith((2, Blocks), (3, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(2, Scrape(waiting: 0, running: 10, kv: 0.4)),
            Candidate(3, Scrape(waiting: 0, running: 200, kv: 0.4)));

        Assert.Equal(0, Best(scores));
    }

    [Fact]
    public void Score_QueueWithinTolerance_KeepsAffinity()
    {
        // A queue of 2 over idle endpoints is within the tolerance: no spill, the hit wins.
        var index = IndexWith((2, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 4, kv: 0.3)),
            Candidate(2, Scrape(waiting: 2, running: 4, kv: 0.3)));

        Assert.Equal(1, Best(scores));
    }

    [Fact]
    public void Score_Spill_PrefersTheSecondBestPrefixHolder()
    {
        // The full holder is hot; endpoint 3 holds the first half of the prompt; endpoint 1 nothing.
        var index = IndexWith((2, Blocks), (3, Blocks / 2));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(waiting: 0, running: 4, kv: 0.3)),
            Candidate(2, Scrape(waiting: 10, running: 4, kv: 0.3)),
            Candidate(3, Scrape(waiting: 0, running: 4, kv: 0.3)));

        Assert.Equal(2, Best(scores));
        Assert.True(scores[0] > scores[1], $"miss {scores[0]} vs hot holder {scores[1]}");
    }

    [Fact]
    public void Score_MissOnFullKvCache_CostsMoreThanOnFreeMemory()
    {
        // No endpoint holds the prefix: the one with free KV memory takes the new blocks.
        var index = IndexWith();

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(running: 4, kv: 0.98, blockSize: 16, numBlocks: 1000)),
            Candidate(2, Scrape(running: 4, kv: 0.5, blockSize: 16, numBlocks: 1000)));

        Assert.Equal(1, Best(scores));
    }

    [Fact]
    public void Score_HitOnFullKvCache_StillBeatsAMissElsewhere()
    {
        // A hit allocates almost nothing, so a full cache that holds the prefix stays the cheapest place.
        var index = IndexWith((1, Blocks));

        var scores = ScoreDefault(
            index,
            Candidate(1, Scrape(running: 4, kv: 0.99, blockSize: 16, numBlocks: 1000)),
            Candidate(2, Scrape(running: 4, kv: 0.3, blockSize: 16, numBlocks: 1000)));

        Assert.Equal(0, Best(scores));
    }

    [Fact]
    public void UncachedPromptTokens_PrefixLongerThan256Blocks_MatchedWhole()
    {
        // The index hashes up to 2,048 blocks by default, so a 300-block shared prefix is matched completely.
        var index = IndexWith((1, Blocks));
        var cycle = Cycle(Request(prompt: Prompt), index, Candidate(1, Scrape()), Candidate(2, Scrape()));

        Assert.Equal(Blocks, cycle.MatchedBlocks(0));
        Assert.Equal(0, cycle.UncachedPromptTokens(0), 6);
        Assert.Equal(cycle.PromptTokens, cycle.UncachedPromptTokens(1), 6);
    }

    [Fact]
    public void PrefixCacheScorer_ReferenceCap_CountsOnlyTheFirst256Blocks()
    {
        // The reference scorer keeps maxPrefixBlocksToMatch = 256: holding the first 256 of 300 blocks scores 1.
        var index = IndexWith((1, 256), (2, 128));

        var scores = Score(new PrefixCacheScorer("p"), Request(prompt: Prompt), index, Candidate(1, Scrape()), Candidate(2, Scrape()));

        Assert.Equal(1.0, scores[0], 6);
        Assert.Equal(0.5, scores[1], 6);
    }
}
