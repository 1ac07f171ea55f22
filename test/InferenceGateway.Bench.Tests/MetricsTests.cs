using InferenceGateway.Bench.Measurement;

namespace InferenceGateway.Bench.Tests;

public class MetricsTests
{
    [Fact]
    public void Compute_KnownStream_ExactTtftTpotItlE2e()
    {
        var (ttft, e2e, tpot, gaps) = StreamMetrics.Compute(1.0, [1.5, 1.625, 1.875, 2.25], 2.5, 4);

        Assert.Equal(0.5, ttft);
        Assert.Equal(1.5, e2e);
        Assert.Equal((1.5 - 0.5) / 3, tpot!.Value, 12);
        Assert.Equal([0.125, 0.25, 0.375], gaps);
    }

    [Fact]
    public void Compute_SingleToken_NoTpotNoGaps()
    {
        var (ttft, _, tpot, gaps) = StreamMetrics.Compute(0, [0.25], 0.5, 1);

        Assert.Equal(0.25, ttft);
        Assert.Null(tpot);
        Assert.Empty(gaps);
    }

    [Fact]
    public void Compute_NoChunks_NoTtft()
    {
        var (ttft, e2e, tpot, _) = StreamMetrics.Compute(0, [], 2, 0);

        Assert.Null(ttft);
        Assert.Null(tpot);
        Assert.Equal(2, e2e);
    }

    [Fact]
    public void RequestResult_Tpot_UsesE2eMinusTtftOverTokensMinusOne()
    {
        var r = new RequestResult { Index = 0, Stage = 0, SendTime = 10, Succeeded = true, FirstTokenTime = 10.5, EndTime = 12.5, OutputTokens = 5 };

        Assert.Equal(0.5, r.Ttft);
        Assert.Equal(2.5, r.E2e);
        Assert.Equal(0.5, r.Tpot);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(50, 5.5)]
    [InlineData(90, 9.1)]
    [InlineData(99, 9.91)]
    [InlineData(100, 10)]
    public void Percentiles_OneToTen_LinearInterpolation(double percent, double expected)
    {
        double[] values = [10, 3, 1, 2, 9, 4, 5, 8, 6, 7];

        var result = Percentiles.Compute(values, percent)[0];

        Assert.Equal(expected, result, 10);
    }

    [Fact]
    public void Percentiles_Empty_NaN()
    {
        Assert.True(double.IsNaN(Percentiles.Compute(Span<double>.Empty, 50)[0]));
        Assert.Equal(7, Percentiles.Compute(new double[] { 7 }, 99)[0]);
    }

    [Fact]
    public void Build_MixedResults_CountsRatesAndCacheHits()
    {
        RequestResult[] results =
        [
            new() { Index = 0, Stage = 0, SendTime = 0, Succeeded = true, FirstTokenTime = 0.1, EndTime = 1.1, OutputTokens = 11, PromptTokens = 100, CachedTokens = 80 },
            new() { Index = 1, Stage = 0, SendTime = 1, Succeeded = true, FirstTokenTime = 1.3, EndTime = 2.3, OutputTokens = 11, PromptTokens = 100, CachedTokens = 0 },
            new() { Index = 2, Stage = 0, SendTime = 1.5, Succeeded = false, StatusCode = 429, EndTime = 1.5, PromptTokens = 100 },
            new() { Index = 3, Stage = 0, SendTime = 2, Succeeded = true, FirstTokenTime = 2.2, EndTime = 4.0, OutputTokens = 1, PromptTokens = 200, CachedTokens = 100 },
        ];

        var summary = Summaries.Build("s", "w", "rate=1", null, 1, 4, results, new double[] { 0.1, 0.1, 0.3 });

        Assert.Equal(4, summary.Requests);
        Assert.Equal(3, summary.Completed);
        Assert.Equal(1, summary.Failed);
        Assert.Equal(200, summary.TtftP50Ms, 9);
        Assert.Equal(100, summary.TpotP50Ms, 9);
        Assert.Equal(0.1 * 1000, summary.ItlP50Ms, 9);
        Assert.Equal(180.0 / 400.0, summary.PrefixCacheHitRate, 12);
        Assert.Equal(23.0 / 4.0, summary.OutputTokensPerSecond, 12);
        Assert.Equal(3.0 / 4.0, summary.RequestsPerSecond, 12);
        Assert.Equal(1000 * (1.1 + 1.3 + 2.0) / 3, summary.E2eMeanMs, 9);
    }

    [Fact]
    public void GapSample_BeyondCapacity_KeepsCapacityValues()
    {
        var sample = new GapSample(1, capacity: 100);
        for (var i = 0; i < 1000; i++)
        {
            sample.Add(i);
        }

        Assert.Equal(100, sample.Values.Length);
        Assert.Equal(1000, sample.Seen);
        Assert.Contains(sample.Values.ToArray(), v => v >= 100);
    }
}

public class StageWindowsTests
{
    [Fact]
    public void Add_TimesAcrossStages_CountedInTheirWindowAndDroppedAfterTheLast()
    {
        var windows = new StageWindows([10, 5]);

        windows.AddTokens(0, 1);
        windows.AddTokens(9.99, 2);
        windows.AddTokens(10, 4);
        windows.AddTokens(3, 8); // out of order
        windows.AddTokens(15, 16); // after the last stage
        windows.AddCompletion(12, 100);

        Assert.Equal([11L, 4L], windows.OutputTokens);
        Assert.Equal([0L, 1L], windows.Completed);
        Assert.Equal([0L, 100L], windows.CompletedPromptTokens);
        Assert.Equal(-1, windows.StageAt(20));
    }
}
