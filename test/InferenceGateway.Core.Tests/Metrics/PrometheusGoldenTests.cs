using System.Text;
using InferenceGateway.Core.Metrics;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>Real-shaped expositions of the four engines (see Golden/README.md for where the shapes come from).</summary>
public class PrometheusGoldenTests
{
    [Theory]
    [InlineData("vllm-0.10.txt", 118)]
    [InlineData("vllm-0.6.txt", 35)]
    [InlineData("sglang.txt", 50)]
    [InlineData("trtllm-serve.txt", 29)]
    [InlineData("triton-tensorrt-llm.txt", 26)]
    public void Parse_GoldenFile_NoProblemsAndMatchesReferenceParser(string file, int expectedSamples)
    {
        var bytes = GoldenFiles.Read(file);

        var (samples, problems, _) = CollectingVisitor.Parse(bytes);
        var reference = NaiveReferenceParser.Parse(Encoding.UTF8.GetString(bytes));

        Assert.Empty(problems);
        Assert.Equal(expectedSamples, samples.Count);
        Assert.Equal(reference, samples);
    }

    [Fact]
    public void ParseAll_Vllm010_HistogramFamiliesAndInfoLabels()
    {
        var document = PrometheusTextParser.ParseAll(GoldenFiles.Read("vllm-0.10.txt"));

        Assert.Equal(0, document.ProblemCount);
        Assert.Equal(PrometheusMetricType.Histogram, document.Types["vllm:time_to_first_token_seconds"]);
        var buckets = document.Series("vllm:time_to_first_token_seconds_bucket").ToList();
        Assert.Equal(23, buckets.Count);
        Assert.All(buckets, b => Assert.Equal("vllm:time_to_first_token_seconds", b.FamilyName));
        Assert.Equal("+Inf", buckets[^1].GetLabel("le"));
        Assert.Equal(1922, buckets[^1].Value);
        var config = Assert.Single(document.Series("vllm:cache_config_info"));
        Assert.Equal("16", config.GetLabel("block_size"));
        Assert.Equal("27943", config.GetLabel("num_gpu_blocks"));
        Assert.Equal(3, document.Series("vllm:lora_requests_info").Count());
        Assert.Equal(3.15764736e+09, Assert.Single(document.Series("process_resident_memory_bytes")).Value);
        Assert.Equal("Histogram of time to first token in seconds.", document.Help["vllm:time_to_first_token_seconds"]);
    }

    [Fact]
    public void ParseAll_Triton_LabelDisambiguatedGauges()
    {
        var document = PrometheusTextParser.ParseAll(GoldenFiles.Read("triton-tensorrt-llm.txt"));

        var requestTypes = document.Series("nv_trt_llm_request_metrics").ToDictionary(s => s.GetLabel("request_type")!, s => s.Value);
        Assert.Equal(4, requestTypes["waiting"]);
        Assert.Equal(8, requestTypes["scheduled"]);
        Assert.Equal(0.4875, document.Series("nv_trt_llm_kv_cache_block_metrics").Single(s => s.GetLabel("kv_cache_block_type") == "fraction").Value);
    }
}
