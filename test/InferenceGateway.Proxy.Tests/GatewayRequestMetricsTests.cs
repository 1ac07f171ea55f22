using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Requests;
using InferenceGateway.Core.Routing;
using InferenceGateway.Proxy.Hosting;
using InferenceGateway.TestSupport;
using Prometheus;

namespace InferenceGateway.Proxy.Tests;

public sealed class GatewayRequestMetricsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task OnCompleted_Success_CountsRequestTokensAndDuration()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new GatewayRequestMetrics(registry);
        var routed = Routed("support", "support-v2");

        metrics.OnRouted(routed);
        metrics.OnCompleted(new CompletedRequest(routed, "127.0.0.3:8000", TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80), 12, 5, 4, 200));

        var text = await PrometheusText.ExportAsync(registry);
        Assert.Contains("inference_gateway_requests_total{model_name=\"support\",target_model_name=\"support-v2\",endpoint=\"127.0.0.3:8000\",code=\"200\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_tokens_total{model_name=\"support\",target_model_name=\"support-v2\",type=\"prompt\"} 12", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_tokens_total{model_name=\"support\",target_model_name=\"support-v2\",type=\"completion\"} 5", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_tokens_total{model_name=\"support\",target_model_name=\"support-v2\",type=\"cached_prompt\"} 4", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_request_duration_seconds_count{model_name=\"support\",target_model_name=\"support-v2\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_time_to_first_token_seconds_count{model_name=\"support\",target_model_name=\"support-v2\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_gateway_running_requests{model_name=\"support\"} 0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("inference_gateway_request_errors_total{", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(502, "502")]
    [InlineData(499, "499")]
    [InlineData(null, "0")]
    public async Task OnCompleted_FailedOrUnrecorded_CountsAnError(int? status, string code)
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new GatewayRequestMetrics(registry);
        var routed = Routed("llama", "llama");

        metrics.OnRouted(routed);
        metrics.OnCompleted(new CompletedRequest(routed, "127.0.0.2:8000", null, TimeSpan.FromSeconds(1), null, null, null, status));

        var text = await PrometheusText.ExportAsync(registry);
        Assert.Contains($"inference_gateway_request_errors_total{{model_name=\"llama\",target_model_name=\"llama\",code=\"{code}\"}} 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("inference_gateway_tokens_total{", text, StringComparison.Ordinal);
        Assert.DoesNotContain("inference_gateway_time_to_first_token_seconds_count{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnRouted_NotCompleted_ShowsAsRunning()
    {
        var registry = Metrics.NewCustomRegistry();
        var metrics = new GatewayRequestMetrics(registry);

        metrics.OnRouted(Routed("llama", "llama"));

        Assert.Contains("inference_gateway_running_requests{model_name=\"llama\"} 1", await PrometheusText.ExportAsync(registry), StringComparison.Ordinal);
    }

    private static RoutedRequestInfo Routed(string model, string target) =>
        new("req-1", RequestKind.ChatCompletions, model, target, CriticalityBand.Default, "127.0.0.2:8000", false, false, 12, 5, 17, null, Start);
}
