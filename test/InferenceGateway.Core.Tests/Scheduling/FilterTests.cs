using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling.Filters;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

public class FilterTests
{
    [Theory]
    [InlineData(CriticalityBand.Critical, 3)]
    [InlineData(CriticalityBand.Default, 0)]
    [InlineData(CriticalityBand.Sheddable, 0)]
    public void CriticalityFilter_Band_PassesAllOrNothing(CriticalityBand band, int expected)
    {
        var filter = new CriticalityFilter("c", new HashSet<CriticalityBand> { CriticalityBand.Critical });

        var kept = Filter(filter, Request(band: band), Candidate(1, Scrape()), Candidate(2, Scrape()), Candidate(3, null));

        Assert.Equal(expected, kept.Length);
    }

    [Fact]
    public void LowQueueFilter_Threshold_KeepsStrictlyBelowAndDropsUnknown()
    {
        var kept = Filter(new LowQueueFilter("q", 50), Request(), Candidate(1, Scrape(waiting: 49)), Candidate(2, Scrape(waiting: 50)), Candidate(3, null));

        Assert.Equal(new[] { 1 }, kept);
    }

    [Fact]
    public void LowLoadFilter_QueueAndKv_BothThresholdsInclusive()
    {
        var kept = Filter(
            new LowLoadFilter("l", 5, 0.8),
            Request(),
            Candidate(1, Scrape(waiting: 5, kv: 0.8)),
            Candidate(2, Scrape(waiting: 6, kv: 0.1)),
            Candidate(3, Scrape(waiting: 0, kv: 0.81)),
            Candidate(4, null));

        Assert.Equal(new[] { 1 }, kept);
    }

    public static TheoryData<int[], int[]> LeastQueueCases => new()
    {
        // min 0, max 9, n 3 -> keep <= 3.
        { new[] { 0, 3, 9 }, new[] { 1, 2 } },
        { new[] { 4, 4, 4 }, new[] { 1, 2, 3 } },
        // min 10, max 20, n 2 -> keep <= 15.
        { new[] { 20, 10 }, new[] { 2 } },
    };

    [Theory]
    [MemberData(nameof(LeastQueueCases))]
    public void LeastQueueFilter_Band_KeepsMinPlusRangeOverN(int[] waiting, int[] expected)
    {
        var candidates = waiting.Select((w, i) => Candidate(i + 1, Scrape(waiting: w))).ToArray();

        var kept = Filter(new LeastQueueFilter("lq"), Request(), candidates);

        Assert.Equal(expected, kept);
    }

    [Fact]
    public void LeastQueueFilter_UnknownMetrics_OutsideTheBand()
    {
        var kept = Filter(new LeastQueueFilter("lq"), Request(), Candidate(1, null), Candidate(2, Scrape(waiting: 7)));

        Assert.Equal(new[] { 2 }, kept);
    }

    [Fact]
    public void LeastQueueFilter_AllUnknown_KeepsAll()
    {
        var kept = Filter(new LeastQueueFilter("lq"), Request(), Candidate(1, null), Candidate(2, null));

        Assert.Equal(new[] { 1, 2 }, kept);
    }

    [Fact]
    public void LeastKvCacheFilter_Band_KeepsLowestUsage()
    {
        var kept = Filter(new LeastKvCacheFilter("lk"), Request(), Candidate(1, Scrape(kv: 0.9)), Candidate(2, Scrape(kv: 0.1)), Candidate(3, Scrape(kv: 0.3)));

        // min 0.1, max 0.9, n 3 -> keep <= 0.3667.
        Assert.Equal(new[] { 2, 3 }, kept);
    }

    [Fact]
    public void LoraFilters_AdapterStates_SelectExpectedEndpoints()
    {
        EndpointCandidate_Set(out var request, out var candidates);

        Assert.Equal(new[] { 1 }, Filter(new ActiveLoraFilter("a"), request, candidates));
        Assert.Equal(new[] { 2 }, Filter(new CanLoadLoraFilter("c"), request, candidates));
        Assert.Equal(new[] { 1, 2 }, Filter(new LowLoraCostFilter("l"), request, candidates));
    }

    [Fact]
    public void DecisionTreeFilter_CurrentFails_FailureBranchGetsTheInput()
    {
        var tree = new DecisionTreeFilter("t", new LowQueueFilter("q", 1), onSuccess: null, onFailure: new LeastKvCacheFilter("kv"));

        var kept = Filter(tree, Request(), Candidate(1, Scrape(waiting: 5, kv: 0.5)), Candidate(2, Scrape(waiting: 5, kv: 0.1)));

        Assert.Equal(new[] { 2 }, kept);
    }

    [Fact]
    public void DecisionTreeFilter_CurrentSucceeds_SuccessBranchGetsTheResult()
    {
        var tree = new DecisionTreeFilter("t", new LowQueueFilter("q", 3), onSuccess: new LeastKvCacheFilter("kv"), onFailure: null);

        var kept = Filter(tree, Request(), Candidate(1, Scrape(waiting: 0, kv: 0.5)), Candidate(2, Scrape(waiting: 5, kv: 0.1)));

        Assert.Equal(new[] { 1 }, kept);
    }

    [Fact]
    public void DecisionTreeFilter_FailureWithoutBranch_ReturnsNothing()
    {
        var tree = new DecisionTreeFilter("t", new LowQueueFilter("q", 1), onSuccess: null, onFailure: null);

        var kept = Filter(tree, Request(), Candidate(1, Scrape(waiting: 5)));

        Assert.Empty(kept);
    }

    private static void EndpointCandidate_Set(out Core.Scheduling.SchedulingRequest request, out Core.Scheduling.EndpointCandidate[] candidates)
    {
        request = Request(model: "sql");
        candidates =
        [
            Candidate(1, Scrape(active: ["sql"], maxAdapters: 1)),
            Candidate(2, Scrape(active: ["x"], maxAdapters: 2)),
            Candidate(3, Scrape(active: ["x", "y"], maxAdapters: 2)),
            Candidate(4, null),
        ];
    }

    [Fact]
    public void KnownMetricsFilter_SomeKnown_KeepsOnlyThose()
    {
        var kept = Filter(new KnownMetricsFilter("k"), Request(), Candidate(1, null), Candidate(2, Scrape(waiting: 40)), Candidate(3, Scrape()));

        Assert.Equal(new[] { 2, 3 }, kept);
    }

    [Fact]
    public void KnownMetricsFilter_NoneKnown_KeepsAll()
    {
        var kept = Filter(new KnownMetricsFilter("k"), Request(), Candidate(1, null), Candidate(2, null));

        Assert.Equal(new[] { 1, 2 }, kept);
    }
}
