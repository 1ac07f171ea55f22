using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Pickers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

public class PickerTests
{
    private static int[] Pick(IPicker picker, SchedulingCycle cycle, double[] totals)
    {
        var subset = Enumerable.Range(0, totals.Length).ToArray();
        var ordered = new int[picker.MaxEndpoints];
        var count = picker.Pick(cycle, subset, totals, ordered);
        return ordered[..count];
    }

    private static SchedulingCycle CycleOf(int n, int seed)
    {
        var cycle = new SchedulingCycle();
        cycle.Initialize(Request(), Enumerable.Range(1, n).Select(i => Candidate(i, Scrape())).ToArray(), null, new Random(seed));
        return cycle;
    }

    [Fact]
    public void MaxScorePicker_DistinctScores_OrdersByScore()
    {
        var order = Pick(new MaxScorePicker("m", 4), CycleOf(4, 1), [0.2, 0.9, 0.5, 0.7]);

        Assert.Equal(new[] { 1, 3, 2, 0 }, order);
    }

    [Fact]
    public void MaxScorePicker_Ties_BrokenUniformly()
    {
        var picker = new MaxScorePicker("m", 1);
        var cycle = CycleOf(4, 42);
        var counts = new int[4];
        const int Draws = 3000;

        for (var d = 0; d < Draws; d++)
        {
            counts[Pick(picker, cycle, [1.0, 1.0, 0.5, 1.0])[0]]++;
        }

        Assert.Equal(0, counts[2]);
        foreach (var tied in new[] { 0, 1, 3 })
        {
            Assert.InRange(counts[tied], 850, 1150);
        }
    }

    [Fact]
    public void WeightedRandomPicker_Scores_PrimaryProportionalToScore()
    {
        var picker = new WeightedRandomPicker("w", 1);
        var cycle = CycleOf(4, 7);
        var counts = new int[4];
        const int Draws = 20_000;

        for (var d = 0; d < Draws; d++)
        {
            counts[Pick(picker, cycle, [1, 2, 3, 4])[0]]++;
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.InRange(counts[i] / (double)Draws, ((i + 1) / 10.0) - 0.02, ((i + 1) / 10.0) + 0.02);
        }
    }

    [Fact]
    public void WeightedRandomPicker_ZeroScores_ComeLast()
    {
        var picker = new WeightedRandomPicker("w", 3);
        var cycle = CycleOf(3, 3);

        for (var d = 0; d < 200; d++)
        {
            var order = Pick(picker, cycle, [0, 0.5, 0]);
            Assert.Equal(1, order[0]);
            Assert.Equal(3, order.Distinct().Count());
        }
    }

    [Fact]
    public void RoundRobinPicker_SequentialPicks_CycleInOrderWithNextAsFallbacks()
    {
        var picker = new RoundRobinPicker("rr", 2);
        var cycle = CycleOf(3, 1);

        var picks = Enumerable.Range(0, 4).Select(_ => Pick(picker, cycle, [0, 0, 0])).ToArray();

        Assert.Equal(new[] { 0, 1 }, picks[0]);
        Assert.Equal(new[] { 1, 2 }, picks[1]);
        Assert.Equal(new[] { 2, 0 }, picks[2]);
        Assert.Equal(new[] { 0, 1 }, picks[3]);
    }

    [Fact]
    public async Task RoundRobinPicker_ConcurrentPicks_EachEndpointEquallyOften()
    {
        var picker = new RoundRobinPicker("rr", 1);
        var counts = new int[4];

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var cycle = CycleOf(4, 1);
            for (var d = 0; d < 1000; d++)
            {
                Interlocked.Increment(ref counts[Pick(picker, cycle, [0, 0, 0, 0])[0]]);
            }
        })));

        Assert.All(counts, c => Assert.Equal(1000, c));
    }

    [Fact]
    public void RandomPicker_Order_DistinctAndCoversAllPrimaries()
    {
        var picker = new RandomPicker("r", 3);
        var cycle = CycleOf(5, 9);
        var primaries = new HashSet<int>();

        for (var d = 0; d < 200; d++)
        {
            var order = Pick(picker, cycle, [0, 0, 0, 0, 0]);
            Assert.Equal(3, order.Distinct().Count());
            primaries.Add(order[0]);
        }

        Assert.Equal(5, primaries.Count);
    }
}
