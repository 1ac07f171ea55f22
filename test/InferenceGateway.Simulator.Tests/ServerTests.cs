using System.ClientModel;
using System.Text;
using System.Text.Json;
using InferenceGateway.Simulator.Server;
using Microsoft.Extensions.Time.Testing;
using OpenAI;
using OpenAI.Chat;
using static InferenceGateway.Simulator.Tests.ServerTestHelpers;

namespace InferenceGateway.Simulator.Tests;

public class ServerTests
{
    private const string Sentence = "The quick brown fox jumps";

    private static ChatClient Chat(SimulatorServer server, string model = "base-model") =>
        new(model, new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = new Uri(server.BaseAddress, "/v1") });

    [Fact]
    public async Task ChatCompletion_OpenAiSdk_EchoesPromptWithUsage()
    {
        await using var server = await StartAsync();

        ChatCompletion completion = await Chat(server).CompleteChatAsync([new UserChatMessage(Sentence)], new ChatCompletionOptions { MaxOutputTokenCount = 100 });

        Assert.Equal(Sentence, completion.Content[0].Text);
        Assert.Equal("base-model", completion.Model);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(8, completion.Usage.OutputTokenCount);
        Assert.True(completion.Usage.InputTokenCount > 8);
        Assert.Equal(completion.Usage.InputTokenCount + 8, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
    }

    [Fact]
    public async Task ChatCompletion_MaxTokens_CutsEchoAndReportsLength()
    {
        await using var server = await StartAsync();

        ChatCompletion completion = await Chat(server).CompleteChatAsync([new UserChatMessage(Sentence)], new ChatCompletionOptions { MaxOutputTokenCount = 3 });

        Assert.Equal("The quick", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Length, completion.FinishReason);
        Assert.Equal(3, completion.Usage.OutputTokenCount);
    }

    [Fact]
    public async Task ChatCompletionStreaming_OpenAiSdk_StreamsTokensAndUsage()
    {
        await using var server = await StartAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        var updates = 0;

        await foreach (var update in Chat(server).CompleteChatStreamingAsync([new UserChatMessage(Sentence)], new ChatCompletionOptions { MaxOutputTokenCount = 100 }))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            Assert.Equal("base-model", update.Model);
        }

        Assert.Equal(Sentence, text.ToString());
        Assert.True(updates >= 8, $"one update per token expected, got {updates}");
        Assert.NotNull(usage);
        Assert.Equal(8, usage.OutputTokenCount);
    }

    [Fact]
    public async Task ChatCompletionStreaming_RawSse_FramesUsageChunkAndDone()
    {
        await using var server = await StartAsync();
        using var client = Client(server);

        var response = await PostJsonAsync(client, "/v1/chat/completions", new
        {
            model = "base-model",
            messages = new[] { new { role = "user", content = Sentence } },
            stream = true,
            stream_options = new { include_usage = true },
        });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.EndsWith("data: [DONE]\n\n", body, StringComparison.Ordinal);
        var frames = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(frames, f => Assert.StartsWith("data: ", f, StringComparison.Ordinal));
        var chunks = frames[..^1].Select(f => JsonDocument.Parse(f["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        var content = string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray())
            .Select(ch => ch.GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : string.Empty));
        Assert.Equal(Sentence, content);
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(8, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, usageChunk.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_RepeatedLongPrompt_ReportsCachedTokens()
    {
        await using var server = await StartAsync();
        using var client = Client(server);
        var prompt = string.Join(' ', Enumerable.Range(0, 200).Select(i => "item" + i));
        var body = new { model = "base-model", prompt, max_tokens = 4 };

        var first = await ReadJsonAsync(await PostJsonAsync(client, "/v1/completions", body));
        var second = await ReadJsonAsync(await PostJsonAsync(client, "/v1/completions", body));

        Assert.Equal("text_completion", first.GetProperty("object").GetString());
        Assert.Equal("item0 item1", first.GetProperty("choices")[0].GetProperty("text").GetString());
        var promptTokens = first.GetProperty("usage").GetProperty("prompt_tokens").GetInt32();
        Assert.Equal(0, first.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal((promptTokens - 1) / 16 * 16, second.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_RandomModeIgnoreEos_ExactLengthAndSeededText()
    {
        await using var server = await StartAsync(o => o.Mode = GenerationMode.Random);
        using var client = Client(server);
        var body = new { model = "base-model", prompt = "Tell me a story", max_tokens = 12, ignore_eos = true, seed = 42 };

        var first = await ReadJsonAsync(await PostJsonAsync(client, "/v1/completions", body));
        var second = await ReadJsonAsync(await PostJsonAsync(client, "/v1/completions", body));

        Assert.Equal(12, first.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("length", first.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(first.GetProperty("choices")[0].GetProperty("text").GetString(), second.GetProperty("choices")[0].GetProperty("text").GetString());
        Assert.False(string.IsNullOrWhiteSpace(first.GetProperty("choices")[0].GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Completions_UnknownModel_404()
    {
        await using var server = await StartAsync();
        using var client = Client(server);

        var response = await PostJsonAsync(client, "/v1/completions", new { model = "nope", prompt = "hi" });

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("model_not_found", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task ChatCompletions_BadJson_400()
    {
        await using var server = await StartAsync();
        using var client = Client(server);

        var response = await client.PostAsync("/v1/chat/completions", new StringContent("{\"model\": ", Encoding.UTF8, "application/json"));

        Assert.Equal(400, (int)response.StatusCode);
        await ErrorCodeAsync(response);
    }

    [Fact]
    public async Task Completions_ContextTooLong_400()
    {
        await using var server = await StartAsync(o => o.Engine = o.Engine with { MaxModelLen = 64 });
        using var client = Client(server);

        var response = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = string.Concat(Enumerable.Repeat("word ", 50)), max_tokens = 20 });

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("context_length_exceeded", await ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Completions_QueueFull_429()
    {
        await using var server = await StartAsync(o =>
        {
            o.Engine = o.Engine with { MaxNumSeqs = 1, MaxWaitingQueueLength = 1 };
            o.TimeScale = 20;
        });
        using var client = Client(server);
        using var cts = new CancellationTokenSource();
        var running = await StartStreamAsync(client, "/v1/completions", new { model = "base-model", prompt = "first", max_tokens = 500, ignore_eos = true, stream = true }, cts.Token);
        var waiting = PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "second", max_tokens = 5 }, cts.Token);
        await EventuallyAsync(() => server.Snapshot().WaitingRequests == 1, "second request queued");

        var rejected = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "third", max_tokens = 5 });

        Assert.Equal(429, (int)rejected.StatusCode);
        await ErrorCodeAsync(rejected);
        await cts.CancelAsync();
        running.Response.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task Streaming_ClientDisconnects_EngineFreesSlotAndKv()
    {
        await using var server = await StartAsync(o => o.TimeScale = 20);
        using var client = Client(server);
        var (response, body) = await StartStreamAsync(client, "/v1/completions", new { model = "base-model", prompt = "a long story", max_tokens = 500, ignore_eos = true, stream = true });
        Assert.Equal(1, server.Snapshot().RunningRequests);

        await body.DisposeAsync();
        response.Dispose();

        await EventuallyAsync(() => server.Snapshot() is { RunningRequests: 0, KvBlocksUsed: 0, Counters.RequestsCancelled: 1 }, "request cancelled in the engine");
    }

    [Fact]
    public async Task Models_WithLoras_ListsBaseAndAdapters()
    {
        await using var server = await StartAsync(o => o.LoraModules = [new LoraModule("a", "/p/a"), new LoraModule("b", null)]);
        using var client = Client(server);

        var json = await ReadJsonAsync(await client.GetAsync("/v1/models"));

        var ids = json.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["base-model", "a", "b"], ids);
        Assert.Equal("base-model", json.GetProperty("data")[1].GetProperty("parent").GetString());
    }

    [Fact]
    public async Task LoraAdapter_LoadServeUnload_FollowsVllmApi()
    {
        await using var server = await StartAsync(o => o.Engine = o.Engine with { MaxLoras = 2 });
        using var client = Client(server);

        var load = await PostJsonAsync(client, "/v1/load_lora_adapter", new { lora_name = "sql", lora_path = "/adapters/sql" });
        var loadAgain = await PostJsonAsync(client, "/v1/load_lora_adapter", new { lora_name = "sql", lora_path = "/adapters/sql" });
        ChatCompletion served = await Chat(server, "sql").CompleteChatAsync([new UserChatMessage("select")]);
        var models = await client.GetStringAsync("/v1/models");
        var unload = await PostJsonAsync(client, "/v1/unload_lora_adapter", new { lora_name = "sql" });
        var afterUnload = await PostJsonAsync(client, "/v1/completions", new { model = "sql", prompt = "x" });
        var unloadAgain = await PostJsonAsync(client, "/v1/unload_lora_adapter", new { lora_name = "sql" });

        Assert.Equal(200, (int)load.StatusCode);
        Assert.Equal(400, (int)loadAgain.StatusCode);
        Assert.Equal("sql", served.Model);
        Assert.Contains("\"sql\"", models, StringComparison.Ordinal);
        Assert.Equal(200, (int)unload.StatusCode);
        Assert.Equal(404, (int)afterUnload.StatusCode);
        Assert.Equal(404, (int)unloadAgain.StatusCode);
    }

    [Theory]
    [InlineData(FailureType.ServerError, 500)]
    [InlineData(FailureType.RateLimit, 429)]
    [InlineData(FailureType.InvalidApiKey, 401)]
    [InlineData(FailureType.ContextLength, 400)]
    [InlineData(FailureType.InvalidRequest, 400)]
    [InlineData(FailureType.ModelNotFound, 404)]
    public async Task FailureInjection_StatusTypes_ReturnOpenAiErrors(FailureType type, int status)
    {
        await using var server = await StartAsync(o =>
        {
            o.FailureInjectionRate = 100;
            o.FailureTypes = [type];
        });
        using var client = Client(server);

        var response = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "hi", max_tokens = 3 });

        Assert.Equal(status, (int)response.StatusCode);
        await ErrorCodeAsync(response);
    }

    [Fact]
    public async Task FailureInjection_ZeroRate_NeverFails()
    {
        await using var server = await StartAsync(o => o.FailureTypes = [FailureType.ServerError]);
        using var client = Client(server);

        for (var i = 0; i < 5; i++)
        {
            var response = await PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = "hi", max_tokens = 2 });
            Assert.Equal(200, (int)response.StatusCode);
        }
    }

    [Fact]
    public async Task FailureInjection_ConnectionReset_BreaksStreamAfterTokens()
    {
        await using var server = await StartAsync(o =>
        {
            o.FailureInjectionRate = 100;
            o.FailureTypes = [FailureType.ConnectionReset];
        });
        using var client = Client(server);

        var streamed = PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = Sentence, max_tokens = 50, stream = true })
            .ContinueWith(t => t.Result.Content.ReadAsStringAsync(), TaskScheduler.Default).Unwrap();
        var plain = PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = Sentence, max_tokens = 50 });

        await Assert.ThrowsAnyAsync<Exception>(() => streamed);
        await Assert.ThrowsAsync<HttpRequestException>(() => plain);
        await EventuallyAsync(() => server.Snapshot() is { RunningRequests: 0, KvBlocksUsed: 0 }, "reset requests cancelled");
    }

    [Fact]
    public async Task FailureInjection_SlowFirstToken_HoldsResponseUntilDelayPasses()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var server = await StartAsync(o =>
        {
            o.FailureInjectionRate = 100;
            o.FailureTypes = [FailureType.SlowFirstToken];
            o.SlowFirstTokenDelay = TimeSpan.FromSeconds(30);
            o.TimeScale = 0;
        }, time);
        using var client = Client(server);

        var pending = PostJsonAsync(client, "/v1/completions", new { model = "base-model", prompt = Sentence, max_tokens = 3 });
        await EventuallyAsync(() => server.Snapshot().Counters.RequestsFinished == 1, "engine finished the request");
        await Task.WhenAny(pending, Task.Delay(300));
        Assert.False(pending.IsCompleted, "the response must wait for the slow first token");
        while (!pending.IsCompleted)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(pending, Task.Delay(50));
        }

        var response = await pending;

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(time.GetUtcNow() >= DateTimeOffset.Parse("2026-01-01T00:00:30Z", System.Globalization.CultureInfo.InvariantCulture));
    }
}
