using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Filters;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// The default profile blends the prefill-cost model with the reference mix's bounded scorers; the prefill-cost
/// profile keeps the model alone. At the memory limit the two disagree, which is why the default blends.
/// </summary>
public class DefaultBlendTests
{
    // 450 blocks of 64 bytes (16 tokens): a 7,200-token prompt. KV of 20,000 blocks of 16 tokens (320,000 tokens).
    private const int Blocks = 450;
    private const int NumBlocks = 20_000;
    private const int BlockSize = 16;

    private static readonly string Prompt = Text(77, Blocks * 64);

    private static EndpointCandidate AtKv(int pod, double kv) =>
        Candidate(pod, Scrape(waiting: 0, running: 130, kv: kv, blockSize: BlockSize, numBlocks: NumBlocks));

    /// <summary>Pod 1 holds the first 375 blocks (the shared system prompt) and has no free KV; pod 2 is at 93 %.</summary>
    private static int PickAtTheMemoryLimit(string profile)
    {
        var scheduler = Build(profile);
        scheduler.PrefixIndex.Record(PromptBlocks(Prompt, Blocks).AsSpan(0, 375), Ep(1).Address, NumBlocks);
        var result = scheduler.Schedule(Request(prompt: Prompt), [AtKv(1, 0.999), AtKv(2, 0.93)]);
        return PodNumber(result.Endpoints[0]);
    }

    [Fact]
    public void Profiles_Default_BlendsTheCostModelWithTheReferenceScorers()
    {
        var scheduler = Build(BuiltInProfiles.Default);

        var weights = scheduler.Profile.Scorers.Select(s => (s.Scorer.TypeName, s.Weight)).ToArray();

        Assert.Equal(
            [
                (QueueScorer.Type, 1.0),
                (KvCacheUtilizationScorer.Type, 2.0),
                (PrefixCacheScorer.Type, 3.0),
                (PrefillCostScorer.Type, 3.0),
                (LoraAffinityScorer.Type, 4.0),
            ],
            weights);
        Assert.Equal([KnownMetricsFilter.Type], scheduler.Profile.Filters.Select(f => f.TypeName));
        Assert.True(scheduler.Profile.Scorers.Select(s => s.Scorer).OfType<LoraAffinityScorer>().Single().KnownAdaptersOnly);
    }

    [Fact]
    public void Profiles_PrefillCost_IsTheCostModelAlone()
    {
        var scheduler = Build(BuiltInProfiles.PrefillCost);

        var scorer = Assert.Single(scheduler.Profile.Scorers);

        Assert.IsType<PrefillCostScorer>(scorer.Scorer);
    }

    [Fact]
    public void Schedule_HomeAtTheMemoryLimit_PrefillCostAloneCopiesThePrefix()
    {
        // A hit at a home without free KV costs the capped KV-pressure term, more than a full copy into a server at
        // 93 %: the model alone copies, and at the limit every copy evicts another group's prefix.
        Assert.Equal(2, PickAtTheMemoryLimit(BuiltInProfiles.PrefillCost));
    }

    [Fact]
    public void Schedule_HomeAtTheMemoryLimit_DefaultKeepsAffinity()
    {
        Assert.Equal(1, PickAtTheMemoryLimit(BuiltInProfiles.Default));
    }

    [Fact]
    public void Schedule_HomeWithRoomButAQueue_DefaultSpillsLikeTheCostModel()
    {
        // Below the memory limit the blend follows the cost model: a home queueing far past its peers spills.
        var scheduler = Build(BuiltInProfiles.Default);
        scheduler.PrefixIndex.Record(PromptBlocks(Prompt, Blocks).AsSpan(0, 375), Ep(1).Address, NumBlocks);
        EndpointCandidate[] candidates =
        [
            Candidate(1, Scrape(waiting: 40, running: 60, kv: 0.5, blockSize: BlockSize, numBlocks: NumBlocks)),
            Candidate(2, Scrape(waiting: 0, running: 20, kv: 0.2, blockSize: BlockSize, numBlocks: NumBlocks)),
        ];

        var result = scheduler.Schedule(Request(prompt: Prompt), candidates);

        Assert.Equal(2, PodNumber(result.Endpoints[0]));
    }
}
