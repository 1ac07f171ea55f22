using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

public sealed class SchedulingCycleTests
{
    [Fact]
    public void IndexedBlocks_EveryCandidate_EqualsTheIndexCountForItsEndpoint()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3], Ep(1).Address, 100);
        index.Record([4, 5], Ep(3).Address, 100);
        index.Record([6], Ep(4).Address, 100);
        index.RemoveEndpoint(Ep(4).Address);
        EndpointCandidate[] candidates = [Candidate(1, null), Candidate(2, Scrape()), Candidate(3, Scrape()), Candidate(4, Scrape()), Candidate(1, Scrape())];

        var cycle = Cycle(Request(), index, candidates);
        var indexed = Enumerable.Range(0, candidates.Length).Select(cycle.IndexedBlocks).ToArray();

        Assert.Equal(candidates.Select(c => index.CountFor(c.Endpoint.Address)), indexed);
        Assert.Equal(new[] { 3, 0, 2, 0, 3 }, indexed);
    }

    [Fact]
    public void IndexedBlocks_ReusedCycleWithoutIndex_AllZeroNotThePreviousPicksCounts()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3], Ep(1).Address, 100);
        index.Record([4, 5], Ep(2).Address, 100);
        EndpointCandidate[] candidates = [Candidate(1, Scrape()), Candidate(2, Scrape())];
        var cycle = SchedulingCycle.Rent();
        cycle.Initialize(Request(), candidates, index, new Random(1));
        Assert.Equal(3, cycle.IndexedBlocks(0));
        SchedulingCycle.Return(cycle);

        var again = SchedulingCycle.Rent();
        again.Initialize(Request(), candidates, null, new Random(1));
        var indexed = new[] { again.IndexedBlocks(0), again.IndexedBlocks(1) };
        SchedulingCycle.Return(again);

        Assert.Equal(new[] { 0, 0 }, indexed);
    }
}
