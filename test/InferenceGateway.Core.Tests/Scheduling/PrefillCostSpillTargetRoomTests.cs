using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// The optional spill-target room rule (<c>spillTargetKvLimit</c>, off by default; tested at 0.96): a copy of a prefix
/// goes only to an endpoint whose effective KV plus the copy's working set (2 x the tokens it adds) stays under the limit.
/// </summary>
public class PrefillCostSpillTargetRoomTests
{
    // 300 blocks of 64 bytes (16 tokens): 4,800 tokens. KV of 20,000 blocks of 16 tokens (320,000 tokens), so a
    // copy's working set (2 x 4,800 tokens) is 3 % of an endpoint's memory.
    private const int Blocks = 300;
    private const int NumBlocks = 20_000;
    private const int BlockSize = 16;

    private static readonly string Prompt = Text(41, Blocks * 64);

    private static readonly PrefillCostOptions WithLimit = new() { SpillTargetKvLimit = 0.96 };

    private static PrefixCacheIndex IndexWith(int pod)
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var hashes = PromptBlocks(Prompt, Blocks);
        index.Record(hashes, Ep(pod).Address, NumBlocks);
        return index;
    }

    private static EndpointCandidate Sized(int pod, int waiting, double kv) =>
        Candidate(pod, Scrape(waiting: waiting, running: 120, kv: kv, blockSize: BlockSize, numBlocks: NumBlocks));

    private static int Best(PrefillCostOptions options, PrefixCacheIndex index, params EndpointCandidate[] candidates)
    {
        return SchedulingTestData.Best(Score(new PrefillCostScorer("c", options), Request(prompt: Prompt), index, candidates));
    }

    [Fact]
    public void Score_HolderAboveTheLoadBoundNoTargetHasRoom_QueuesAtHomeWithTheLimit()
    {
        // The holder (2) has 25 waiting at 94 % KV, above the bounded load; every other endpoint is at 94 %, and a
        // copy there would reach 97 %, above a limit of 96 %: the request stays with the holder.
        var index = IndexWith(2);
        EndpointCandidate[] candidates = [Sized(1, 0, 0.94), Sized(2, 25, 0.94), Sized(3, 0, 0.94), Sized(4, 0, 0.94)];

        Assert.Equal(1, Best(WithLimit, index, candidates));
    }

    [Fact]
    public void Score_HolderAboveTheLoadBoundNoTargetHasRoom_SpillsWithoutTheLimit()
    {
        // The same cluster with the rule off (the default): the bounded load spills.
        var index = IndexWith(2);
        EndpointCandidate[] candidates = [Sized(1, 0, 0.94), Sized(2, 25, 0.94), Sized(3, 0, 0.94), Sized(4, 0, 0.94)];

        Assert.NotEqual(1, Best(new PrefillCostOptions(), index, candidates));
    }

    [Fact]
    public void Score_HolderAboveTheLoadBoundOneTargetHasRoom_SpillsThere()
    {
        // Endpoint 4 is at 80 %: the copy fits under the limit, so the spill goes there.
        var index = IndexWith(2);
        EndpointCandidate[] candidates = [Sized(1, 0, 0.94), Sized(2, 25, 0.94), Sized(3, 0, 0.94), Sized(4, 0, 0.80)];

        Assert.Equal(3, Best(WithLimit, index, candidates));
    }

    [Fact]
    public void Score_PartialHolderNearTheLimit_IsNotASpillTargetForItsMissingTail()
    {
        // Endpoint 3 holds the first 280 of 300 blocks at 94 % KV: it adds 320 tokens, 0.2 % of its memory, so the
        // rule leaves it alone and it takes the overflow before a fresh copy elsewhere would.
        var index = IndexWith(2);
        var hashes = PromptBlocks(Prompt, Blocks);
        index.Record(hashes.AsSpan(0, 280), Ep(3).Address, NumBlocks);
        EndpointCandidate[] candidates = [Sized(1, 0, 0.94), Sized(2, 25, 0.94), Sized(3, 0, 0.94), Sized(4, 0, 0.94)];

        Assert.Equal(2, Best(WithLimit, index, candidates));
    }

    [Fact]
    public void Parse_SpillTargetParameters_ReachTheScorerAndKeepTheHolder()
    {
        const string Yaml = """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: prefill-cost-scorer
              parameters:
                spillTargetKvLimit: 0.96
                spillTargetWorkingSetFactor: 3
                spillTargetRoomPenalty: 10
            - type: max-score-picker
            schedulingProfiles:
            - name: room
              plugins:
              - pluginRef: prefill-cost-scorer
              - pluginRef: max-score-picker
            """;
        var scheduler = SchedulerFactory.FromYaml(Yaml, new SchedulerOptions { Profile = "room" }, new Random(1));
        var scorer = Assert.IsType<PrefillCostScorer>(Assert.Single(scheduler.Profile.Scorers).Scorer);
        var index = IndexWith(2);
        EndpointCandidate[] candidates = [Sized(1, 0, 0.94), Sized(2, 25, 0.94), Sized(3, 0, 0.94), Sized(4, 0, 0.94)];

        var scores = Score(scorer, Request(prompt: Prompt), index, candidates);

        Assert.Equal((0.96, 3.0, 10.0), (scorer.Options.SpillTargetKvLimit, scorer.Options.SpillTargetWorkingSetFactor, scorer.Options.SpillTargetRoomPenalty));
        Assert.Equal(1, Array.IndexOf(scores, scores.Max()));
    }

    [Fact]
    public void Defaults_SpillTargetKvLimit_IsOffInTheDefaultProfile()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        var scorer = Assert.Single(scheduler.Profile.Scorers, s => s.Scorer is PrefillCostScorer).Scorer as PrefillCostScorer;
        Assert.NotNull(scorer);

        Assert.True(scorer.Options.SpillTargetKvLimit > 1);
    }
}
