using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>The shared test helper that reads sample values out of exposition text (TestSupport's PrometheusText).</summary>
public sealed class PrometheusTextHelperTests
{
    private const string Text = """
        # HELP requests_total Requests.
        # TYPE requests_total counter
        requests_total{code="200"} 7
        requests_total{code="500"} 2
        requests_total_created 1700000000
        queue 0
        queue_max 3.5

        """;

    [Theory]
    [InlineData("requests_total{code=\"500\"}", 2.0)]
    [InlineData("requests_total{", 7.0)]
    [InlineData("queue ", 0.0)]
    [InlineData("queue_max ", 3.5)]
    public void Sample_PrefixOfALine_ValueOfTheFirstSuchLine(string prefix, double expected)
    {
        Assert.Equal(expected, PrometheusText.Sample(Text, prefix));
    }

    [Fact]
    public void Sample_NoLineStartsWithThePrefix_Null()
    {
        Assert.Null(PrometheusText.Sample(Text, "missing_total"));
    }

    [Fact]
    public void Sum_NameWithAndWithoutLabels_AddsOnlyThatMetricsSeries()
    {
        Assert.Equal(9.0, PrometheusText.Sum(Text, "requests_total"));
        Assert.Equal(0.0, PrometheusText.Sum(Text, "queue"));
        Assert.Equal(0.0, PrometheusText.Sum(Text, "missing_total"));
    }

    [Theory]
    [InlineData("requests_total{", 7.0, false)]
    [InlineData("queue ", 0.0, true)]
    [InlineData("missing_total", 0.0, false)]
    public void AllSamplesAre_EverySampleWithThePrefix_EqualsTheValue(string prefix, double value, bool expected)
    {
        Assert.Equal(expected, PrometheusText.AllSamplesAre(Text, prefix, value));
    }

    [Fact]
    public async Task ExportAsync_RegistryWithACounter_TextHasItsSample()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter("helper_test_total", "A counter.").Inc(4);

        var text = await PrometheusText.ExportAsync(registry);

        Assert.Equal(4.0, PrometheusText.Sample(text, "helper_test_total "));
    }
}
