using System.Text;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Tests.Metrics;

public class EngineMetricsMappingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Extract_VllmGolden010_ReadsAllSignals()
    {
        var result = new VllmMetricsMapping().Extract(GoldenFiles.Read("vllm-0.10.txt"), Now);

        Assert.True(result.Succeeded, result.Error);
        var metrics = result.Metrics!;
        Assert.Equal(3, metrics.WaitingRequests);
        Assert.Equal(7, metrics.RunningRequests);
        Assert.Equal(0.4231, metrics.KvCacheUsage);
        Assert.Equal(16, metrics.BlockSize);
        Assert.Equal(27943, metrics.NumBlocks);
        Assert.Equal(4, metrics.MaxActiveAdapters);
        Assert.Equal(["sql-lora", "tweet-summary"], metrics.ActiveAdapters.Order());
        Assert.Equal(["chat-de"], metrics.WaitingAdapters);
        Assert.Equal(Now, metrics.ScrapedAt);
        Assert.Equal(0, result.ProblemCount);
    }

    [Fact]
    public void Extract_VllmGolden06_ReadsOlderKvNameAndEmptyLora()
    {
        var result = new VllmMetricsMapping().Extract(GoldenFiles.Read("vllm-0.6.txt"), Now);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(6, result.Metrics!.WaitingRequests);
        Assert.Equal(12, result.Metrics.RunningRequests);
        Assert.Equal(0.8714839710444675, result.Metrics.KvCacheUsage);
        Assert.Empty(result.Metrics.ActiveAdapters);
        Assert.Equal(0, result.Metrics.MaxActiveAdapters);
        Assert.Equal(15336, result.Metrics.NumBlocks);
    }

    [Theory]
    [InlineData("vllm:kv_cache_usage_perc")]
    [InlineData("vllm:gpu_cache_usage_perc")]
    public void Extract_VllmEitherKvName_IsAccepted(string kvName)
    {
        var result = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(Expositions.Vllm(2, 3, 0.25, kvName)), Now);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(0.25, result.Metrics!.KvCacheUsage);
        Assert.Null(result.Metrics.BlockSize);
        Assert.Null(result.Metrics.NumBlocks);
    }

    [Fact]
    public void Extract_VllmLoraSeries_NewestWinsRegardlessOfOrder()
    {
        var text = Expositions.Vllm(0, 0, 0.1) +
                   "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"newest\",waiting_lora_adapters=\"w1,w2\"} 1.7e9\n" +
                   "vllm:lora_requests_info{max_lora=\"1\",running_lora_adapters=\"older\",waiting_lora_adapters=\"\"} 1.6e9\n";

        var metrics = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now).Metrics!;

        Assert.Equal(["newest"], metrics.ActiveAdapters);
        Assert.Equal(["w1", "w2"], metrics.WaitingAdapters.Order());
        Assert.Equal(2, metrics.MaxActiveAdapters);
    }

    [Fact]
    public void Extract_SeveralModelSeries_SumsCountsAndTakesMaxUsage()
    {
        var text = "vllm:num_requests_waiting{model_name=\"a\"} 2\nvllm:num_requests_waiting{model_name=\"b\"} 3\n" +
                   "vllm:num_requests_running{engine=\"0\"} 4\nvllm:num_requests_running{engine=\"1\"} 5\n" +
                   "vllm:kv_cache_usage_perc{engine=\"0\"} 0.3\nvllm:kv_cache_usage_perc{engine=\"1\"} 0.7\n";

        var metrics = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now).Metrics!;

        Assert.Equal(5, metrics.WaitingRequests);
        Assert.Equal(9, metrics.RunningRequests);
        Assert.Equal(0.7, metrics.KvCacheUsage);
    }

    [Fact]
    public void Extract_MissingRequiredSeries_IsAnErrorNotZeros()
    {
        var text = "vllm:num_requests_running 1\n# other things only\nprocess_open_fds 12\n";

        var result = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now);

        Assert.False(result.Succeeded);
        Assert.Null(result.Metrics);
        Assert.Contains("vllm:num_requests_waiting", result.Error, StringComparison.Ordinal);
        Assert.Contains("vllm:kv_cache_usage_perc or vllm:gpu_cache_usage_perc", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("vllm:num_requests_running", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_EmptyBody_IsAnError()
    {
        var result = new SglangMetricsMapping().Extract([], Now);

        Assert.False(result.Succeeded);
        Assert.Contains("sglang:num_queue_reqs", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("+Inf")]
    public void Extract_InvalidRequiredValue_IsAnError(string value)
    {
        var text = $"vllm:num_requests_waiting {value}\nvllm:num_requests_running 1\nvllm:kv_cache_usage_perc 0.5\n";

        var result = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now);

        Assert.False(result.Succeeded);
        Assert.Contains("invalid value", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_MalformedUnrelatedLines_AreCountedButDoNotFailTheScrape()
    {
        // Bad lines of wanted series and lines without a valid name are reported; unwanted series are not validated.
        var text = Expositions.Vllm(1, 2, 0.5) + "vllm:num_requests_waiting{model_name=\"x} 5\n3garbage line\nunwanted{a=\"x} 1\n";

        var result = new VllmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now);

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(1, result.Metrics!.WaitingRequests);
        Assert.Equal(2, result.ProblemCount);
        Assert.Equal(9, result.FirstProblem!.Value.Line);
    }

    [Fact]
    public void Extract_SglangGolden_ReadsQueueUsageAndPages()
    {
        var metrics = new SglangMetricsMapping().Extract(GoldenFiles.Read("sglang.txt"), Now).Metrics!;

        Assert.Equal(2826, metrics.WaitingRequests);
        Assert.Equal(162, metrics.RunningRequests);
        Assert.Equal(0.28, metrics.KvCacheUsage);
        Assert.Equal(1, metrics.BlockSize);
        Assert.Equal(442368, metrics.NumBlocks);
        Assert.Empty(metrics.ActiveAdapters);
    }

    [Fact]
    public void Extract_TrtllmServeGolden_ReadsGaugesAndGeometry()
    {
        var mapping = new TrtllmServeMetricsMapping();

        var metrics = mapping.Extract(GoldenFiles.Read("trtllm-serve.txt"), Now).Metrics!;

        Assert.Equal(2, metrics.WaitingRequests);
        Assert.Equal(24, metrics.RunningRequests);
        Assert.Equal(0.62, metrics.KvCacheUsage);
        Assert.Equal(32, metrics.BlockSize);
        Assert.Equal(6239, metrics.NumBlocks);
        Assert.Equal("/prometheus/metrics", mapping.MetricsPath);
    }

    [Fact]
    public void Extract_TritonGolden_SelectsByLabel()
    {
        var metrics = new TritonTensorRtLlmMetricsMapping().Extract(GoldenFiles.Read("triton-tensorrt-llm.txt"), Now).Metrics!;

        Assert.Equal(4, metrics.WaitingRequests);
        Assert.Equal(8, metrics.RunningRequests);
        Assert.Equal(0.4875, metrics.KvCacheUsage);
        Assert.Equal(64, metrics.BlockSize);
        Assert.Equal(6239, metrics.NumBlocks);
    }

    [Fact]
    public void Extract_TritonWithoutWaitingSeries_IsAnError()
    {
        // Backends before the waiting/fraction series existed expose only context/scheduled/active.
        var text = "nv_trt_llm_request_metrics{model=\"tensorrt_llm\",request_type=\"scheduled\",version=\"1\"} 1\n" +
                   "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"used\",model=\"tensorrt_llm\",version=\"1\"} 1\n";

        var result = new TritonTensorRtLlmMetricsMapping().Extract(Encoding.UTF8.GetBytes(text), Now);

        Assert.False(result.Succeeded);
        Assert.Contains("request_type=\"waiting\"", result.Error, StringComparison.Ordinal);
        Assert.Contains("kv_cache_block_type=\"fraction\"", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "vllm", true)]
    [InlineData("", "vllm", true)]
    [InlineData("vllm", "vllm", true)]
    [InlineData("SGLang", "sglang", true)]
    [InlineData("trtllm-serve", "trtllm-serve", true)]
    [InlineData("triton-tensorrt-llm", "triton-tensorrt-llm", true)]
    [InlineData("tgi", "vllm", false)]
    public void Resolve_EngineTypeLabel_ChoosesMapping(string? label, string expected, bool expectedKnown)
    {
        var mapping = EngineMetricsMappings.CreateDefault().Resolve(label, out var known);

        Assert.Equal(expected, mapping.EngineType);
        Assert.Equal(expectedKnown, known);
    }
}
