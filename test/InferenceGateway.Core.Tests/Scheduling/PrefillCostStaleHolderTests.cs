using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>The default scorer's "one home per prefix" term when holders match at several depths.</summary>
public class PrefillCostStaleHolderTests
{
    private const int Blocks = 300;

    [Fact]
    public void Score_HoldersAtTwoDepths_OnlyTheOlderHolderOfEachDepthPaysTheStaleCost()
    {
        // Placed in this order: pod 3 a quarter, pod 1 all, pod 4 a quarter, pod 2 all. The home of the whole
        // prompt is pod 2 and the home of the quarter is pod 4; pods 1 and 3 each pay half a prompt. With equal
        // load: 2 (hit) < 1 (hit + 0.5 prompt) < 4 (3/4 miss) < 3 (3/4 miss + 0.5 prompt). A recency compared
        // across depths would make pod 4 stale too (tied with pod 3).
        var prompt = Text(41, Blocks * 64);
        var hashes = PromptBlocks(prompt, Blocks);
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        foreach (var (pod, blocks) in new[] { (3, Blocks / 4), (1, Blocks), (4, Blocks / 4), (2, Blocks) })
        {
            index.Record(hashes.AsSpan(0, blocks), Ep(pod).Address, 10_000);
        }

        var scores = Score(
            new PrefillCostScorer("c", new PrefillCostOptions()),
            Request(prompt: prompt),
            index,
            Candidate(1, Scrape(running: 10, kv: 0.4)),
            Candidate(2, Scrape(running: 10, kv: 0.4)),
            Candidate(3, Scrape(running: 10, kv: 0.4)),
            Candidate(4, Scrape(running: 10, kv: 0.4)));

        Assert.True(scores[1] > scores[0], $"home {scores[1]} vs older full holder {scores[0]}");
        Assert.True(scores[0] > scores[3], $"older full holder {scores[0]} vs quarter home {scores[3]}");
        Assert.True(scores[3] > scores[2], $"quarter home {scores[3]} vs older quarter holder {scores[2]}");
    }
}
