using System.Text.Json;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>Sims that report a full queue and KV cache: sheddable requests get 429, critical ones still route.</summary>
public sealed class EppSheddingTests
{
    private static string Config(IReadOnlyList<string> sims) => ManifestYaml.Join(
        ManifestYaml.Pool(EppCluster.PoolName),
        ManifestYaml.StaticEndpoints("sims", EppCluster.PoolName, sims),
        ManifestYaml.Model("batch", "batch", EppCluster.PoolName, criticality: "Sheddable", targets: [(EppCluster.BaseModel, 1)]),
        ManifestYaml.Model("urgent", "urgent", EppCluster.PoolName, criticality: "Critical", targets: [(EppCluster.BaseModel, 1)]));

    [Fact]
    public async Task SaturatedPool_SheddableAnswered429_CriticalStillRouted()
    {
        await using var cluster = await EppCluster.StartAsync(2, EppCluster.SaturatedMetrics, Config);
        // Shed because of reported saturation, not because metrics are still unknown: wait for the scrapes.
        var text = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                text = await cluster.MetricsTextAsync();
                return PrometheusText.Sample(text, $"inference_pool_average_queue_size{{name=\"{EppCluster.PoolName}\"}}") == 50;
            },
            EppCluster.StartTimeout,
            () => "the pool gauges never showed the sims' queue:\n" + text);

        var shed = await cluster.BufferedAsync("/v1/chat/completions", EppCluster.Chat("batch"));
        var critical = await cluster.BufferedAsync("/v1/chat/completions", EppCluster.Chat("urgent"));

        Assert.NotNull(shed.Immediate);
        Assert.Equal(429, (int)shed.Immediate.Status.Code);
        using (var json = JsonDocument.Parse(shed.ImmediateBody))
        {
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
        }

        Assert.True(critical.Immediate is null, critical.ImmediateBody);
        Assert.Contains(critical.Headers[EppCluster.Destination].Split(',')[0], cluster.SimAddresses);
    }
}
