using InferenceGateway.Simulator.Server;
using static InferenceGateway.Simulator.Tests.ServerTestHelpers;

namespace InferenceGateway.Simulator.Tests;

public class MetricsTests
{
    [Fact]
    public async Task Metrics_VllmEngine_ExposesEverySeriesInStrictFormat()
    {
        // Arrange: some traffic, one request repeated so the prefix cache hits.
        await using var server = await StartAsync(o => o.LoraModules = [new LoraModule("a", null)]);
        using var client = Client(server);
        var prompt = string.Join(' ', Enumerable.Range(0, 100).Select(i => "w" + i));
        for (var i = 0; i < 2; i++)
        {
            var response = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt, max_tokens = 4 });
            Assert.Equal(200, (int)response.StatusCode);
        }

        // Act
        var families = await ScrapeAsync(client);

        // Assert
        foreach (var (name, type) in new[]
        {
            ("vllm:num_requests_waiting", "gauge"), ("vllm:num_requests_running", "gauge"), ("vllm:kv_cache_usage_perc", "gauge"),
            ("vllm:gpu_cache_usage_perc", "gauge"), ("vllm:lora_requests_info", "gauge"), ("vllm:cache_config_info", "gauge"),
            ("vllm:prompt_tokens_total", "counter"), ("vllm:generation_tokens_total", "counter"), ("vllm:prefix_cache_queries_total", "counter"),
            ("vllm:prefix_cache_hits_total", "counter"), ("vllm:time_to_first_token_seconds", "histogram"),
            ("vllm:e2e_request_latency_seconds", "histogram"), ("vllm:request_queue_time_seconds", "histogram"),
        })
        {
            Assert.True(families.TryGetValue(name, out var family), $"missing {name}");
            Assert.Equal(type, family.Type);
            Assert.False(string.IsNullOrEmpty(family.Help));
            Assert.All(family.Samples, s => Assert.Equal("base-model", s.Labels["model_name"]));
        }

        Assert.Equal(0, Single(families, "vllm:num_requests_waiting").Value);
        Assert.Equal(0, Single(families, "vllm:num_requests_running").Value);
        Assert.Equal(Single(families, "vllm:kv_cache_usage_perc").Value, Single(families, "vllm:gpu_cache_usage_perc").Value);
        var cacheConfig = Single(families, "vllm:cache_config_info");
        Assert.Equal("16", cacheConfig.Labels["block_size"]);
        Assert.Equal("1024", cacheConfig.Labels["num_gpu_blocks"]);
        var lora = Single(families, "vllm:lora_requests_info");
        Assert.Equal("1", lora.Labels["max_lora"]);
        Assert.Equal(string.Empty, lora.Labels["running_lora_adapters"]);
        Assert.Equal(string.Empty, lora.Labels["waiting_lora_adapters"]);
        Assert.True(lora.Value > 1.7e9, "the value is a unix timestamp");
        Assert.Equal(8, Single(families, "vllm:generation_tokens_total").Value);
        var prompts = Single(families, "vllm:prompt_tokens_total").Value;
        Assert.Equal(prompts, Single(families, "vllm:prefix_cache_queries_total").Value);
        Assert.True(Single(families, "vllm:prefix_cache_hits_total").Value > 0);
        var ttftCount = families["vllm:time_to_first_token_seconds"].Samples.Single(s => s.Name == "vllm:time_to_first_token_seconds_count");
        Assert.Equal(2, ttftCount.Value);
    }

    [Fact]
    public async Task Metrics_RunningLoraRequest_ListsAdapterInLoraInfo()
    {
        await using var server = await StartAsync(o =>
        {
            o.LoraModules = [new LoraModule("a", null)];
            o.TimeScale = 20;
        });
        using var client = Client(server);
        var (response, body) = await StartStreamAsync(client, "/v1/completions", new { model = "a", prompt = "hello", max_tokens = 300, ignore_eos = true, stream = true });

        var families = await ScrapeAsync(client);

        var lora = Single(families, "vllm:lora_requests_info");
        Assert.Equal("a", lora.Labels["running_lora_adapters"]);
        Assert.Equal(1, Single(families, "vllm:num_requests_running").Value);
        Assert.True(Single(families, "vllm:kv_cache_usage_perc").Value > 0);
        await body.DisposeAsync();
        response.Dispose();
    }

    [Fact]
    public async Task Metrics_SglangEngine_ExposesSglangNames()
    {
        await using var server = await StartAsync(o => o.Flavor = MetricsFlavor.Sglang);
        using var client = Client(server);
        var ok = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "hello there", max_tokens = 2 });
        Assert.Equal(200, (int)ok.StatusCode);

        var families = await ScrapeAsync(client);

        Assert.Equal(0, Single(families, "sglang:num_queue_reqs").Value);
        Assert.Equal(0, Single(families, "sglang:num_running_reqs").Value);
        Assert.InRange(Single(families, "sglang:token_usage").Value, 0, 1);
        var config = Single(families, "sglang:cache_config_info");
        Assert.Equal("16", config.Labels["page_size"]);
        Assert.Equal("1024", config.Labels["num_pages"]);
        Assert.Equal(2, Single(families, "sglang:generation_tokens_total").Value);
        Assert.Equal("histogram", families["sglang:time_to_first_token_seconds"].Type);
        Assert.DoesNotContain(families.Keys, k => k.StartsWith("vllm:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FakeMetrics_PinnedThenChangedAtRunTime_ReportedWhileRequestsServed()
    {
        // Arrange
        await using var server = await StartAsync(o => o.FakeMetrics = FakeMetrics.Parse(
            """{"running-requests":10,"waiting-requests":30,"kv-cache-usage":0.4,"loras":[{"running":"a,b","waiting":"c","timestamp":1257894567},{"running":"","waiting":"","timestamp":1257894000}]}"""));
        using var client = Client(server);

        // Act
        var served = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "still served", max_tokens = 2 });
        var pinned = await ScrapeAsync(client);
        var change = await client.PostAsync("/fake_metrics", new StringContent("""{"running-requests":3}"""));
        var changed = await ScrapeAsync(client);
        var invalid = await client.PostAsync("/fake_metrics", new StringContent("""{"running-requests":"many"}"""));

        // Assert
        Assert.Equal(200, (int)served.StatusCode);
        Assert.Equal(10, Single(pinned, "vllm:num_requests_running").Value);
        Assert.Equal(30, Single(pinned, "vllm:num_requests_waiting").Value);
        Assert.Equal(0.4, Single(pinned, "vllm:kv_cache_usage_perc").Value);
        Assert.Equal(0.4, Single(pinned, "vllm:gpu_cache_usage_perc").Value);
        var loras = pinned["vllm:lora_requests_info"].Samples;
        Assert.Equal(2, loras.Count);
        var newest = loras.MaxBy(s => s.Value)!;
        Assert.Equal(1257894567, newest.Value);
        Assert.Equal("a,b", newest.Labels["running_lora_adapters"]);
        Assert.Equal("c", newest.Labels["waiting_lora_adapters"]);

        Assert.Equal(200, (int)change.StatusCode);
        Assert.Equal(3, Single(changed, "vllm:num_requests_running").Value);
        Assert.Equal(0, Single(changed, "vllm:num_requests_waiting").Value);
        Assert.Equal(0, Single(changed, "vllm:kv_cache_usage_perc").Value);
        Assert.Equal(400, (int)invalid.StatusCode);
    }

    [Fact]
    public void Parser_MalformedExposition_Rejected()
    {
        string[] bad =
        [
            "metric{a=\"1\"} 1",
            "# TYPE m gauge\nm 1\nm 2\n",
            "m{a=\"1} 1\n",
            "m{a=\"x\\q\"} 1\n",
            "1m 1\n",
            "m one\n",
            "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# TYPE m gauge\nm 1\n# TYPE n gauge\nn 1\nm{x=\"1\"} 1\n",
        ];

        foreach (var text in bad)
        {
            Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
        }

        var good = PrometheusTextParser.Parse("# HELP m a help\n# TYPE m gauge\nm{a=\"q\\\"\\\\\\n\"} -1.5e-3\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n");
        Assert.Equal("q\"\\\n", good["m"].Samples[0].Labels["a"]);
        Assert.Equal(-0.0015, good["m"].Samples[0].Value, 10);
        Assert.Equal(4, good["h"].Samples.Count);
    }
}
