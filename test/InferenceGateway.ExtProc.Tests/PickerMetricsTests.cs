using System.Text;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using Prometheus;

namespace InferenceGateway.ExtProc.Tests;

public sealed class PickerMetricsTests
{
    [Fact]
    public async Task UpdatePool_SetsPoolGauges()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new PickerMetrics(registry);

        metrics.UpdatePool("pool-a", 3, 1.5, 0.25);

        var text = await PrometheusText.ExportAsync(registry);
        Assert.Contains("inference_pool_ready_pods{name=\"pool-a\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("inference_pool_average_queue_size{name=\"pool-a\"} 1.5", text, StringComparison.Ordinal);
        Assert.Contains("inference_pool_average_kv_cache_utilization{name=\"pool-a\"} 0.25", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExtProcRequest_RecordsRequestTokensDurationAndErrors()
    {
        await using var host = await PickerHost.StartAsync();
        var body = Encoding.UTF8.GetBytes("""{"model":"fake-model"}""");
        using (var session = host.Client.Open())
        {
            await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), [body]);
            await EnvoyFlows.ResponseAsync(session, 200, "application/json", [Encoding.UTF8.GetBytes("""{"usage":{"prompt_tokens":4,"completion_tokens":6}}""")], fullDuplex: true);
        }

        host.Router.Error = Core.Errors.OpenAiError.NotFound("no such model");
        using (var session = host.Client.Open())
        {
            await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), [body]);
        }

        await host.WaitForNoLiveLeasesAsync();
        var text = await PrometheusText.ExportAsync(host.Registry);
        Assert.Contains("inference_model_request_total{model_name=\"fake-model\",target_model_name=\"fake-target\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_model_input_tokens_sum{model_name=\"fake-model\",target_model_name=\"fake-target\"} 4", text, StringComparison.Ordinal);
        Assert.Contains("inference_model_output_tokens_sum{model_name=\"fake-model\",target_model_name=\"fake-target\"} 6", text, StringComparison.Ordinal);
        Assert.Contains("inference_model_request_duration_seconds_count{model_name=\"fake-model\",target_model_name=\"fake-target\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_model_request_error_total{model_name=\"\",target_model_name=\"\",error_code=\"404\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("inference_extension_scheduler_e2e_duration_seconds_count 2", text, StringComparison.Ordinal);
    }
}
