using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using InferenceGateway.Core.Usage;
using InferenceGateway.Proxy.Forwarding;

namespace InferenceGateway.Perf;

/// <summary>
/// The proxy's accounting of one 2xx response, from the status line to the usage: a streamed chat completion (64
/// SSE events written one by one, the last but one with the usage, one event split across two writes) and a JSON
/// chat completion written in two pieces that split its usage object. <c>Baseline</c> is the class that allocated
/// a parser per response (<see cref="ResponseAccountingBaseline"/>), <c>Inline</c> the struct the exchange holds
/// in a field (here a field of the benchmark, zeroed per response as a new exchange's would be).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[CategoriesColumn]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
public class ResponseAccountingBenchmarks
{
    private const string Usage = "\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":63,\"total_tokens\":1263,\"prompt_tokens_details\":{\"cached_tokens\":1024}}";

    /// <summary>What both bodies report.</summary>
    internal static readonly TokenUsage Expected = new(1200, 63, 1024);

    private byte[][] _sseWrites = [];
    private byte[] _json = [];
    private int _jsonCut;
    private ResponseAccounting _accounting;

    [GlobalSetup]
    public void Setup()
    {
        _sseWrites = SseWrites();
        (_json, _jsonCut) = JsonBody();

        // Both must read the same usage, or the comparison means nothing.
        if (Baseline_Sse() != Expected || Inline_Sse() != Expected || Baseline_Json() != Expected || Inline_Json() != Expected)
        {
            throw new InvalidOperationException("The benchmark bodies do not yield the expected usage.");
        }
    }

    /// <summary>A streamed chat completion as the server writes it: 64 events, the usage event cut in two.</summary>
    internal static byte[][] SseWrites()
    {
        var writes = new List<byte[]>();
        for (var i = 0; i < 62; i++)
        {
            var content = i == 0 ? string.Empty : "tok" + i;
            writes.Add(Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"llama\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"},\"finish_reason\":null}]}\n\n"));
        }

        // The usage event arrives in two writes, cut inside the usage object.
        var usageEvent = Encoding.UTF8.GetBytes("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"llama\",\"choices\":[]," + Usage + "}\n\n");
        var cut = usageEvent.AsSpan().IndexOf("\"completion_tokens\""u8);
        writes.Add(usageEvent[..cut]);
        writes.Add(usageEvent[cut..]);
        writes.Add(Encoding.UTF8.GetBytes("data: [DONE]\n\n"));
        return [.. writes];
    }

    /// <summary>A 2 KB chat completion and where to cut it in two (inside its usage object).</summary>
    internal static (byte[] Json, int Cut) JsonBody()
    {
        var json = Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"llama\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + new string('x', 2000) + "\"},\"finish_reason\":\"stop\"}]," + Usage + "}");
        return (json, json.AsSpan().IndexOf("\"completion_tokens\""u8) + 5);
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Sse")]
    public TokenUsage? Baseline_Sse()
    {
        var accounting = new ResponseAccountingBaseline();
        accounting.Begin(200, "text/event-stream");
        foreach (var write in _sseWrites)
        {
            accounting.Observe(write);
        }

        accounting.Complete();
        accounting.Dispose();
        return accounting.Usage;
    }

    [Benchmark]
    [BenchmarkCategory("Sse")]
    public TokenUsage? Inline_Sse()
    {
        _accounting = default;
        _accounting.Begin(200, "text/event-stream");
        foreach (var write in _sseWrites)
        {
            _accounting.Observe(write);
        }

        _accounting.Complete();
        _accounting.Dispose();
        return _accounting.Usage;
    }

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("Json")]
    public TokenUsage? Baseline_Json()
    {
        var accounting = new ResponseAccountingBaseline();
        accounting.Begin(200, "application/json");
        accounting.Observe(_json.AsSpan(0, _jsonCut));
        accounting.Observe(_json.AsSpan(_jsonCut));
        accounting.Complete();
        accounting.Dispose();
        return accounting.Usage;
    }

    [Benchmark]
    [BenchmarkCategory("Json")]
    public TokenUsage? Inline_Json()
    {
        _accounting = default;
        _accounting.Begin(200, "application/json");
        _accounting.Observe(_json.AsSpan(0, _jsonCut));
        _accounting.Observe(_json.AsSpan(_jsonCut));
        _accounting.Complete();
        _accounting.Dispose();
        return _accounting.Usage;
    }
}
