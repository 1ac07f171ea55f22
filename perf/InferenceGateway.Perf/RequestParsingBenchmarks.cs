using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Requests;

namespace InferenceGateway.Perf;

/// <summary>
/// The request pipeline's body work per request: one Utf8JsonReader pass over a 32 KiB chat body, with and
/// without the model rewrite (which copies the body once).
/// </summary>
[MemoryDiagnoser]
public class RequestParsingBenchmarks
{
    private byte[] _chatBody = [];
    private byte[] _completionBody = [];

    [GlobalSetup]
    public void Setup()
    {
        _chatBody = BuildChatBody(32 * 1024);
        _completionBody = """{"model":"base","prompt":"Write a haiku about routers.","max_tokens":64,"stream":true}"""u8.ToArray();
    }

    [Benchmark(Baseline = true, Description = "parse 32 KiB chat, unchanged")]
    public int ParseChatUnchanged()
    {
        RequestParser.TryParse(RequestKind.ChatCompletions, _chatBody, RequestParser.DefaultMaxBodyBytes,
            RequestParser.DefaultMaxJsonDepth, out var parsed, out _);
        return parsed.EstimatedPromptTokens + parsed.PromptBytes.Length;
    }

    [Benchmark(Description = "parse + rewrite 32 KiB chat")]
    public int ParseAndRewriteChat()
    {
        RequestParser.TryParse(RequestKind.ChatCompletions, _chatBody, RequestParser.DefaultMaxBodyBytes,
            RequestParser.DefaultMaxJsonDepth, out var parsed, out _);
        var rewritten = ModelRewriter.Rewrite(_chatBody, parsed.ModelTokenStart, parsed.ModelTokenEnd, "lora-adapter-a");
        return rewritten.Length;
    }

    [Benchmark(Description = "parse small completion")]
    public int ParseSmallCompletion()
    {
        RequestParser.TryParse(RequestKind.Completions, _completionBody, RequestParser.DefaultMaxBodyBytes,
            RequestParser.DefaultMaxJsonDepth, out var parsed, out _);
        return parsed.EstimatedPromptTokens;
    }

    /// <summary>A realistic chat body: a long system prompt, alternating turns, a few sampling fields.</summary>
    private static byte[] BuildChatBody(int targetBytes)
    {
        var sentence = "The gateway routes each request to the model server with the best prefix-cache match and the shortest queue. ";
        var messages = new List<object> { new { role = "system", content = string.Concat(Enumerable.Repeat(sentence, 40)) } };
        var turn = 0;
        while (true)
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                model = "base",
                messages,
                temperature = 0.7,
                max_tokens = 512,
                stream = true,
                stream_options = new { include_usage = true },
            });
            if (body.Length >= targetBytes)
            {
                return body;
            }

            var role = turn++ % 2 == 0 ? "user" : "assistant";
            messages.Add(new { role, content = $"Turn {turn}: " + sentence + sentence + "Ünïcödé ✓ \"quoted\"." });
        }
    }
}
