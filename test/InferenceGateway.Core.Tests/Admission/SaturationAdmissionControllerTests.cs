using System.Collections.Frozen;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Scheduling;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Admission;

public class SaturationAdmissionControllerTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Endpoint specs: "w/kv" fresh metrics (waiting, KV utilisation), "?" unknown, "stale" metrics 10 s old.
    /// Per-endpoint saturation = max(w / 5, kv / 0.8) capped at 2; unknown and stale count as 2.
    /// </summary>
    public static TheoryData<string, string, bool, bool, bool> Table => new()
    {
        // pool                       description                                         critical default sheddable
        { "0/0.1 1/0.2",              "idle pool admits everything",                         true, true, true },
        { "4/0.5 4/0.5",              "busy but below the limits (s = 0.8)",                 true, true, true },
        { "5/0.1 5/0.1",              "queue at threshold: sheddable shed first (s = 1.0)",  true, true, false },
        { "0/0.8 0/0.8",              "KV at threshold: sheddable shed (s = 1.0)",           true, true, false },
        { "8/0.1 8/0.1",              "s = 1.6, all saturated: default shed too",            true, false, false },
        { "50/0.1 50/0.1 0/0.1",      "mean 1.33 (< 1.5): default admitted",                 true, true, false },
        { "50/0.1 50/0.1 50/0.1 0/0.1", "mean 1.5 but one endpoint can take it: default admitted", true, true, false },
        { "50/0.99 50/0.99",          "fully saturated: only critical",                      true, false, false },
        { "? ?",                      "all unknown: nothing known to be saturated, only sheddable shed", true, true, false },
        { "stale stale",              "all stale: as unknown, only sheddable shed",          true, true, false },
        { "8/0.1 ?",                  "one known saturated, one unknown: default shed",      true, false, false },
        { "0/0 ?",                    "one unknown among idle: mean 1.0, sheddable shed",    true, true, false },
        { "0/0 0/0 0/0 ?",            "one unknown among three idle: mean 0.5",              true, true, true },
        { "stale 0/0.1 stale stale",  "mostly stale, one free endpoint: default admitted",   true, true, false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Decide_PoolState_AdmitsByBand(string pool, string description, bool critical, bool @default, bool sheddable)
    {
        var (controller, candidates) = Build(pool);

        Assert.True(critical == controller.Decide(CriticalityBand.Critical, candidates).Admitted, $"{description}: critical");
        Assert.True(@default == controller.Decide(CriticalityBand.Default, candidates).Admitted, $"{description}: default");
        Assert.True(sheddable == controller.Decide(CriticalityBand.Sheddable, candidates).Admitted, $"{description}: sheddable");
    }

    [Fact]
    public void Decide_NoEndpoints_RefusesEveryBandAsUnavailable()
    {
        var (controller, _) = Build(string.Empty);

        foreach (var band in new[] { CriticalityBand.Critical, CriticalityBand.Default, CriticalityBand.Sheddable })
        {
            var decision = controller.Decide(band, []);
            Assert.False(decision.Admitted);
            Assert.True(decision.IsUnavailable);
            Assert.Contains("No model server endpoints", decision.Message, StringComparison.Ordinal);
            Assert.NotNull(decision.RetryAfter);
        }
    }

    [Fact]
    public void Decide_Refusal_CarriesMessageAndRetryAfterGrowingWithSaturation()
    {
        var (controller, atLimit) = Build("5/0 5/0");
        var (_, far) = Build("50/0.99 50/0.99");

        var near = controller.Decide(CriticalityBand.Sheddable, atLimit);
        var deep = controller.Decide(CriticalityBand.Sheddable, far);

        Assert.False(near.IsUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(1), near.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(5), deep.RetryAfter);
        Assert.Contains("sheddable", near.Message, StringComparison.Ordinal);
        Assert.Contains("1.00", near.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Measure_Formula_IsMeanOfCappedPerEndpointSaturation()
    {
        var (controller, candidates) = Build("5/0 0/0.4 100/0 ?");

        var pool = controller.Measure(candidates);

        // 1.0, 0.5, capped 2.0, unknown 2.0 => 5.5 / 4
        Assert.Equal(5.5 / 4, pool.Saturation, 10);
        Assert.Equal(4, pool.Endpoints);
        Assert.Equal(3, pool.KnownEndpoints);
        Assert.Equal(1, pool.UnsaturatedEndpoints);
    }

    [Fact]
    public void Decide_CustomThresholds_AreHonoured()
    {
        var options = new SaturationAdmissionOptions { QueueThreshold = 10, SheddableLimit = 0.5, DefaultLimit = 0.9 };
        var (controller, candidates) = Build("6/0 6/0", options);

        Assert.False(controller.Decide(CriticalityBand.Sheddable, candidates).Admitted);
        Assert.True(controller.Decide(CriticalityBand.Default, candidates).Admitted);
    }

    private static (SaturationAdmissionController Controller, EndpointCandidate[] Candidates) Build(string pool, SaturationAdmissionOptions? options = null)
    {
        var time = new FakeTimeProvider(Start);
        var controller = new SaturationAdmissionController(Options.Create(options ?? new SaturationAdmissionOptions()), time);
        var specs = pool.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var candidates = new EndpointCandidate[specs.Length];
        for (var i = 0; i < specs.Length; i++)
        {
            var endpoint = new Endpoint($"10.0.0.{i + 1}:8000", $"pod-{i}", "default", "vllm", FrozenDictionary<string, string>.Empty);
            EndpointMetrics? metrics = specs[i] switch
            {
                "?" => null,
                "stale" => Metrics(0, 0, Start.AddSeconds(-10)),
                var spec => Metrics(
                    int.Parse(spec.Split('/')[0], System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(spec.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture),
                    Start),
            };
            candidates[i] = new EndpointCandidate(endpoint, metrics, 0, 0);
        }

        return (controller, candidates);
    }

    private static EndpointMetrics Metrics(int waiting, double kv, DateTimeOffset scrapedAt) =>
        new(waiting, 1, kv, [], [], 0, 16, 1000, scrapedAt);
}
