using InferenceGateway.Core.Scheduling;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// Edge cases of the blend against the cost model alone: an endpoint with unknown metrics that holds the prefix
/// (the blend's known-metrics-filter), base-model traffic and endpoints whose adapter slots are full (its
/// lora-affinity-scorer ignores models no endpoint has as an adapter), an empty prompt.
/// </summary>
public class DefaultBlendEdgeTests
{
    [Theory]
    [InlineData(BuiltInProfiles.PrefillCost, 0.5)]
    [InlineData(BuiltInProfiles.PrefillCost, 0.8)]
    [InlineData(BuiltInProfiles.Default, 0.5)]
    [InlineData(BuiltInProfiles.Default, 0.8)]
    public void Schedule_UnknownMetricsHoldingThePrefix_KnownEndpointFirst(string profile, double kv)
    {
        var prompt = Text(5, 64 * 40);
        var scheduler = Build(profile);
        scheduler.PrefixIndex.Record(PromptBlocks(prompt, 40), Ep(1).Address, 10_000);
        var candidates = new[] { Candidate(1, null), Candidate(2, Scrape(waiting: 0, running: 10, kv: kv)) };

        var result = scheduler.Schedule(Request(prompt: prompt), candidates);

        Assert.Equal(2, PodNumber(result.Endpoints[0]));
    }

    [Theory]
    [InlineData(BuiltInProfiles.PrefillCost, 40)]
    [InlineData(BuiltInProfiles.Default, 40)]
    [InlineData(BuiltInProfiles.PrefillCost, 20)]
    [InlineData(BuiltInProfiles.Default, 20)]
    public void Schedule_BaseModelPrefixHomeWithFullAdapterSlots_KeepsAffinity(string profile, int matched)
    {
        var prompt = Text(6, 64 * 40);
        var scheduler = Build(profile);
        scheduler.PrefixIndex.Record(PromptBlocks(prompt, 40).AsSpan(0, matched), Ep(1).Address, 10_000);
        var candidates = new[]
        {
            Candidate(1, Scrape(running: 10, kv: 0.3, active: ["a", "b"], maxAdapters: 2)),
            Candidate(2, Scrape(running: 10, kv: 0.3, active: ["c"], maxAdapters: 2)),
        };

        var result = scheduler.Schedule(Request(model: "m", prompt: prompt), candidates);

        Assert.Equal(1, PodNumber(result.Endpoints[0]));
    }

    [Theory]
    [InlineData(BuiltInProfiles.PrefillCost)]
    [InlineData(BuiltInProfiles.Default)]
    public void Schedule_BaseModelNoPrefix_LessLoadedFullSlotsEndpointWins(string profile)
    {
        var scheduler = Build(profile);
        var candidates = new[]
        {
            Candidate(1, Scrape(waiting: 0, running: 5, kv: 0.1, active: ["a", "b"], maxAdapters: 2)),
            Candidate(2, Scrape(waiting: 6, running: 60, kv: 0.9, active: ["c"], maxAdapters: 2)),
        };

        var result = scheduler.Schedule(Request(model: "m", prompt: Text(7, 2000)), candidates);

        Assert.Equal(1, PodNumber(result.Endpoints[0]));
    }

    [Theory]
    [InlineData(BuiltInProfiles.PrefillCost)]
    [InlineData(BuiltInProfiles.Default)]
    public void Schedule_BaseModelNoPrefixModestlyMoreLoaded_FullSlotsEndpointWins(string profile)
    {
        var scheduler = Build(profile);
        var candidates = new[]
        {
            Candidate(1, Scrape(waiting: 0, running: 10, kv: 0.3, active: ["a", "b"], maxAdapters: 2)),
            Candidate(2, Scrape(waiting: 3, running: 30, kv: 0.6, active: ["c"], maxAdapters: 2)),
        };

        var result = scheduler.Schedule(Request(model: "m", prompt: Text(7, 2000)), candidates);

        Assert.Equal(1, PodNumber(result.Endpoints[0]));
    }

    [Theory]
    [InlineData(BuiltInProfiles.PrefillCost)]
    [InlineData(BuiltInProfiles.Default)]
    public void Schedule_EmptyPrompt_LeastLoadedWins(string profile)
    {
        var scheduler = Build(profile);
        var candidates = new[] { Candidate(1, Scrape(waiting: 5, running: 50, kv: 0.8)), Candidate(2, Scrape(waiting: 0, running: 5, kv: 0.1)) };

        var result = scheduler.Schedule(Request(prompt: ""), candidates);

        Assert.False(result.IsRejected);
        Assert.Equal(2, PodNumber(result.Endpoints[0]));
    }

    [Fact]
    public void Schedule_NoEndpointHasMetrics_StillServed()
    {
        // The filter keeps every endpoint when none has metrics: a pool whose scrapes all failed is still served.
        var scheduler = Build(BuiltInProfiles.Default);

        var result = scheduler.Schedule(Request(prompt: Text(8, 640)), [Candidate(1, null), Candidate(2, null)]);

        Assert.False(result.IsRejected);
        Assert.Equal(2, result.Endpoints.Length);
    }
}
