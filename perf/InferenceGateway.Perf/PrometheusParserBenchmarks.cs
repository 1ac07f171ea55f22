using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Perf;

/// <summary>
/// Parsing one realistic vLLM V1 exposition (~230 series: two data-parallel engines, gauges, counters, histograms,
/// info gauges), the way the scraper does it 20 times a second per endpoint.
/// </summary>
[MemoryDiagnoser]
public class PrometheusParserBenchmarks
{
    private static readonly DateTimeOffset ScrapedAt = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    private byte[] _exposition = [];
    private VllmMetricsMapping _mapping = null!;

    public int SeriesCount { get; private set; }

    [GlobalSetup]
    public void Setup()
    {
        _exposition = Encoding.UTF8.GetBytes(BuildVllmExposition(out var series));
        SeriesCount = series;
        _mapping = new VllmMetricsMapping();
    }

    /// <summary>The scraper's path: the visitor wants only the handful of series the picker uses.</summary>
    [Benchmark(Baseline = true)]
    public int ExtractVllmMetrics() => _mapping.Extract(_exposition, ScrapedAt).Metrics!.WaitingRequests;

    /// <summary>Every line validated and every sample visited (labels read without allocation).</summary>
    [Benchmark]
    public double VisitAllSamples()
    {
        var visitor = new SumVisitor();
        PrometheusTextParser.Parse(_exposition, ref visitor);
        return visitor.Sum;
    }

    /// <summary>Materialise everything (strings, label lists, duplicate detection): the tooling path.</summary>
    [Benchmark]
    public int ParseAllMaterialised() => PrometheusTextParser.ParseAll(_exposition).Samples.Count;

    private static string BuildVllmExposition(out int series)
    {
        const string Model = "meta-llama/Llama-3.1-8B-Instruct";
        var builder = new StringBuilder();
        var written = 0;
        void Family(string name, string help, string type)
        {
            builder.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            builder.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        }

        void Sample(string name, string labels, double value)
        {
            builder.Append(name).Append('{').Append(labels).Append("} ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
            written++;
        }

        string[] engines = ["0", "1"];
        foreach (var (name, help, value) in new[]
        {
            ("vllm:num_requests_running", "Number of requests in model execution batches.", 7.0),
            ("vllm:num_requests_waiting", "Number of requests waiting to be processed.", 3.0),
            ("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", 0.4231),
        })
        {
            Family(name, help, "gauge");
            foreach (var engine in engines)
            {
                Sample(name, $"engine=\"{engine}\",model_name=\"{Model}\"", value);
            }
        }

        foreach (var name in new[] { "vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:num_preemptions_total" })
        {
            Family(name, "Counter.", "counter");
            foreach (var engine in engines)
            {
                Sample(name, $"engine=\"{engine}\",model_name=\"{Model}\"", 1.048576e+06);
            }
        }

        Family("vllm:request_success_total", "Count of successfully processed requests.", "counter");
        foreach (var engine in engines)
        {
            foreach (var reason in new[] { "stop", "length", "abort" })
            {
                Sample("vllm:request_success_total", $"engine=\"{engine}\",finished_reason=\"{reason}\",model_name=\"{Model}\"", 1822);
            }
        }

        string[] latencyBuckets = ["0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0", "+Inf"];
        foreach (var name in new[] { "vllm:time_to_first_token_seconds", "vllm:inter_token_latency_seconds", "vllm:e2e_request_latency_seconds", "vllm:request_queue_time_seconds" })
        {
            Family(name, "Histogram of latency in seconds.", "histogram");
            foreach (var engine in engines)
            {
                var count = 0.0;
                foreach (var le in latencyBuckets)
                {
                    count += 97;
                    Sample(name + "_bucket", $"engine=\"{engine}\",le=\"{le}\",model_name=\"{Model}\"", count);
                }

                Sample(name + "_count", $"engine=\"{engine}\",model_name=\"{Model}\"", count);
                Sample(name + "_sum", $"engine=\"{engine}\",model_name=\"{Model}\"", 412.33800601959229);
            }
        }

        Family("vllm:lora_requests_info", "Running stats on lora requests.", "gauge");
        Sample("vllm:lora_requests_info", "max_lora=\"4\",running_lora_adapters=\"sql-lora\",waiting_lora_adapters=\"\"", 1.7599973124e+09);
        Sample("vllm:lora_requests_info", "max_lora=\"4\",running_lora_adapters=\"sql-lora,tweet-summary\",waiting_lora_adapters=\"chat-de\"", 1.7599981337e+09);
        Family("vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
        Sample("vllm:cache_config_info", "block_size=\"16\",cache_dtype=\"auto\",enable_prefix_caching=\"True\",engine=\"0\",gpu_memory_utilization=\"0.9\",num_cpu_blocks=\"None\",num_gpu_blocks=\"27943\",prefix_caching_hash_algo=\"sha256\",swap_space_bytes=\"4294967296\"", 1);
        series = written;
        return builder.ToString();
    }

    private struct SumVisitor : IPrometheusSampleVisitor
    {
        public double Sum;

        public readonly bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName) => true;

        public void OnSample(in PrometheusSample sample) => Sum += sample.Value + sample.LabelCount;

        public readonly void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type)
        {
        }

        public readonly void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText)
        {
        }
    }
}
