using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Scheduling;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// Hermetic scenarios in the reference picker's style: fixed metrics on N endpoints -> the set of endpoints the
/// seed tree may pick (its last step is a random draw, so the set is collected over many picks), or 429.
/// </summary>
public class SeedTreeScenarioTests
{
    private const string Adapter = "sql-lora";

    public static TheoryData<string, CriticalityBand, EndpointMetrics[], int[]> Scenarios => new()
    {
        {
            "critical: adapter active on 1 and 2, shortest queue among them",
            CriticalityBand.Critical,
            [Scrape(waiting: 3, active: [Adapter], maxAdapters: 2), Scrape(waiting: 0, active: [Adapter], maxAdapters: 2), Scrape(waiting: 0, maxAdapters: 2)],
            [2]
        },
        {
            "critical: adapter nowhere, only 1 can load it",
            CriticalityBand.Critical,
            [Scrape(waiting: 10, active: ["a"], maxAdapters: 2), Scrape(waiting: 0, active: ["a", "b"], maxAdapters: 2), Scrape(waiting: 0, active: ["a", "b"], maxAdapters: 2)],
            [1]
        },
        {
            "critical: adapter nowhere, no room anywhere, least queue then least KV",
            CriticalityBand.Critical,
            [Scrape(waiting: 2, kv: 0.1, active: ["a"], maxAdapters: 1), Scrape(waiting: 0, kv: 0.5, active: ["a"], maxAdapters: 1), Scrape(waiting: 0, kv: 0.2, active: ["a"], maxAdapters: 1)],
            [3]
        },
        {
            "critical: every queue >= 50 still served, least queue then low LoRA cost",
            CriticalityBand.Critical,
            [Scrape(waiting: 60, kv: 0.9, maxAdapters: 1), Scrape(waiting: 55, kv: 0.1, active: ["a"], maxAdapters: 1), Scrape(waiting: 55, kv: 0.3, maxAdapters: 1)],
            [3]
        },
        {
            "default: under 5 waiting and 0.8 KV, least queue band",
            CriticalityBand.Default,
            [Scrape(waiting: 1, kv: 0.3), Scrape(waiting: 1, kv: 0.3), Scrape(waiting: 5, kv: 0.3)],
            [1, 2]
        },
        {
            "default: over the non-critical gate but under 50 is not dropped",
            CriticalityBand.Default,
            [Scrape(waiting: 10, kv: 0.9), Scrape(waiting: 30, kv: 0.9), Scrape(waiting: 60, kv: 0.2)],
            [1]
        },
        {
            "default: every queue >= 50 is dropped",
            CriticalityBand.Default,
            [Scrape(waiting: 50), Scrape(waiting: 70)],
            []
        },
        {
            "sheddable: over the non-critical gate is dropped",
            CriticalityBand.Sheddable,
            [Scrape(waiting: 6, kv: 0.1), Scrape(waiting: 10, kv: 0.1)],
            []
        },
        {
            "sheddable: KV above 0.8 everywhere is dropped",
            CriticalityBand.Sheddable,
            [Scrape(waiting: 0, kv: 0.85), Scrape(waiting: 1, kv: 0.95)],
            []
        },
        {
            "sheddable: the one endpoint under both thresholds",
            CriticalityBand.Sheddable,
            [Scrape(waiting: 6, kv: 0.1), Scrape(waiting: 4, kv: 0.8), Scrape(waiting: 0, kv: 0.81)],
            [2]
        },
        {
            "sheddable: low LoRA cost prefers the endpoint with the adapter or room",
            CriticalityBand.Sheddable,
            [Scrape(waiting: 0, active: ["a"], maxAdapters: 1), Scrape(waiting: 0, active: [Adapter], maxAdapters: 1), Scrape(waiting: 0, maxAdapters: 1)],
            [2, 3]
        },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void SeedTree_Scenario_PicksExpectedSetOr429(string scenario, CriticalityBand band, EndpointMetrics[] metrics, int[] expected)
    {
        var scheduler = Build(BuiltInProfiles.SeedTree, seed: 5);
        var candidates = metrics.Select((m, i) => Candidate(i + 1, m)).ToArray();
        var picked = new SortedSet<int>();
        var rejected = 0;

        for (var attempt = 0; attempt < 60; attempt++)
        {
            var result = scheduler.Schedule(Request(model: Adapter, band: band), candidates);
            if (result.IsRejected)
            {
                Assert.Equal(429, result.Rejection!.StatusCode);
                rejected++;
            }
            else
            {
                picked.Add(PodNumber(result.Endpoints[0]));
            }
        }

        if (expected.Length == 0)
        {
            Assert.True(rejected == 60, $"{scenario}: expected 429, placed on {string.Join(",", picked)}");
        }
        else
        {
            Assert.True(rejected == 0, $"{scenario}: rejected {rejected} times");
            Assert.Equal(expected, picked.ToArray());
        }
    }

    [Fact]
    public void SeedTree_UnknownMetrics_CriticalStillPlaced()
    {
        var scheduler = Build(BuiltInProfiles.SeedTree);

        var result = scheduler.Schedule(Request(band: CriticalityBand.Critical), [Candidate(1, null), Candidate(2, null)]);

        Assert.False(result.IsRejected);
    }
}
