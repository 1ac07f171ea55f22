using System.Globalization;
using System.Text;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Simulator.Server;

/// <summary>
/// Writes an engine snapshot in the Prometheus text exposition format (0.0.4) under vLLM's or SGLang's metric
/// names, with pinned (fake) values where configured.
/// </summary>
internal static class MetricsWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(EngineSnapshot snapshot, string modelName, MetricsFlavor flavor, FakeMetrics? fake, double unixNow)
    {
        var running = fake?.RunningRequests ?? snapshot.RunningRequests;
        var waiting = fake?.WaitingRequests ?? snapshot.WaitingRequests;
        var kvUsage = fake?.KvCacheUsage ?? snapshot.KvCacheUsage;
        var builder = new StringBuilder(4096);
        var model = "model_name=\"" + Escape(modelName) + "\"";
        return flavor == MetricsFlavor.Sglang
            ? WriteSglang(builder, snapshot, model, running, waiting, kvUsage)
            : WriteVllm(builder, snapshot, model, running, waiting, kvUsage, fake, unixNow);
    }

    private static string WriteVllm(StringBuilder b, EngineSnapshot s, string model, int running, int waiting, double kvUsage, FakeMetrics? fake, double unixNow)
    {
        Gauge(b, "vllm:num_requests_running", "Number of requests in model execution batches.", model, running);
        Gauge(b, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", model, waiting);
        Gauge(b, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", model, kvUsage);
        Gauge(b, "vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage (name before vLLM 0.9).", model, kvUsage);

        Header(b, "vllm:lora_requests_info", "Running stats on lora requests.", "gauge");
        var maxLora = "max_lora=\"" + s.MaxLoras.ToString(CultureInfo.InvariantCulture) + "\"";
        if (fake?.Loras is { } loras)
        {
            foreach (var lora in loras)
            {
                LoraSeries(b, model, maxLora, lora.Running, lora.Waiting, lora.Timestamp);
            }
        }
        else
        {
            LoraSeries(b, model, maxLora, string.Join(',', s.RunningAdapters), string.Join(',', s.WaitingAdapters), unixNow);
        }

        Header(b, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig.", "gauge");
        b.Append("vllm:cache_config_info{").Append(model)
            .Append(",block_size=\"").Append(s.BlockSize.ToString(CultureInfo.InvariantCulture))
            .Append("\",num_gpu_blocks=\"").Append(s.KvBlocksTotal.ToString(CultureInfo.InvariantCulture))
            .Append("\",enable_prefix_caching=\"True\"} 1\n");

        var c = s.Counters;
        Counter(b, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", model, c.PromptTokens);
        Counter(b, "vllm:generation_tokens_total", "Number of generation tokens processed.", model, c.GenerationTokens);
        Counter(b, "vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", model, c.PrefixCacheQueries);
        Counter(b, "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", model, c.PrefixCacheHits);
        Counter(b, "vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", model, c.Preemptions);
        Histogram(b, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", model, s.TimeToFirstToken);
        Histogram(b, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", model, s.E2eRequestLatency);
        Histogram(b, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", model, s.RequestQueueTime);
        return b.ToString();
    }

    private static string WriteSglang(StringBuilder b, EngineSnapshot s, string model, int running, int waiting, double kvUsage)
    {
        Gauge(b, "sglang:num_running_reqs", "The number of running requests.", model, running);
        Gauge(b, "sglang:num_queue_reqs", "The number of requests in the waiting queue.", model, waiting);
        Gauge(b, "sglang:token_usage", "The token usage.", model, kvUsage);
        Gauge(b, "sglang:num_used_tokens", "The number of used tokens.", model, (long)s.KvBlocksUsed * s.BlockSize);
        var c = s.Counters;
        Gauge(b, "sglang:cache_hit_rate", "The prefix cache hit rate.", model,
            c.PrefixCacheQueries == 0 ? 0 : (double)c.PrefixCacheHits / c.PrefixCacheQueries);
        Header(b, "sglang:cache_config_info", "Information of the cache config.", "gauge");
        b.Append("sglang:cache_config_info{").Append(model)
            .Append(",page_size=\"").Append(s.BlockSize.ToString(CultureInfo.InvariantCulture))
            .Append("\",num_pages=\"").Append(s.KvBlocksTotal.ToString(CultureInfo.InvariantCulture))
            .Append("\"} 1\n");
        Counter(b, "sglang:prompt_tokens_total", "Number of prefill tokens processed.", model, c.PromptTokens);
        Counter(b, "sglang:generation_tokens_total", "Number of generation tokens processed.", model, c.GenerationTokens);
        Counter(b, "sglang:cached_tokens_total", "Number of cached prompt tokens.", model, c.PrefixCacheHits);
        Counter(b, "sglang:num_requests_total", "Number of requests processed.", model, c.RequestsFinished);
        Histogram(b, "sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.", model, s.TimeToFirstToken);
        Histogram(b, "sglang:e2e_request_latency_seconds", "Histogram of End-to-end request latency in seconds.", model, s.E2eRequestLatency);
        Histogram(b, "sglang:queue_time_seconds", "Histogram of queueing time in seconds.", model, s.RequestQueueTime);
        return b.ToString();
    }

    private static void LoraSeries(StringBuilder b, string model, string maxLora, string running, string waiting, double value)
    {
        b.Append("vllm:lora_requests_info{").Append(model).Append(',').Append(maxLora)
            .Append(",running_lora_adapters=\"").Append(Escape(running))
            .Append("\",waiting_lora_adapters=\"").Append(Escape(waiting))
            .Append("\"} ").Append(Number(value)).Append('\n');
    }

    private static void Header(StringBuilder b, string name, string help, string type)
    {
        b.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        b.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    private static void Gauge(StringBuilder b, string name, string help, string labels, double value)
    {
        Header(b, name, help, "gauge");
        b.Append(name).Append('{').Append(labels).Append("} ").Append(Number(value)).Append('\n');
    }

    private static void Counter(StringBuilder b, string name, string help, string labels, long value)
    {
        Header(b, name, help, "counter");
        b.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Histogram(StringBuilder b, string name, string help, string labels, HistogramSnapshot h)
    {
        Header(b, name, help, "histogram");
        for (var i = 0; i < h.UpperBounds.Count; i++)
        {
            b.Append(name).Append("_bucket{").Append(labels).Append(",le=\"").Append(Number(h.UpperBounds[i])).Append("\"} ")
                .Append(h.CumulativeCounts[i].ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        b.Append(name).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(h.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        b.Append(name).Append("_sum{").Append(labels).Append("} ").Append(Number(h.Sum)).Append('\n');
        b.Append(name).Append("_count{").Append(labels).Append("} ").Append(h.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny('\\', '"', '\n') < 0)
        {
            return value;
        }

        return value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
