using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using InferenceGateway.FunctionalTests.Infrastructure;
using OpenAI.Chat;

namespace InferenceGateway.FunctionalTests;

/// <summary>Two sims (base model llama, adapters support-v1/-v2) behind `serve --config`, shared by the tests of this class.</summary>
public sealed class ServeGatewayFixture : IAsyncLifetime
{
    public ServeHarness Harness { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string[] sim = ["--model", "llama", "--lora", "support-v1,support-v2", "--max-loras", "2", "--time-scale", "0"];
        Harness = await ServeHarness.StartAsync([sim, [.. sim, "--seed", "7"]], endpoints => ServeHarness.PoolManifests(endpoints,
            ServeHarness.Model("llama", "Critical"),
            ServeHarness.Model("support", "Critical", "support-v1=80", "support-v2=20")));
    }

    public async Task DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>The OpenAI surface of `serve` as the official OpenAI .NET SDK (and plain HTTP) sees it.</summary>
public sealed class ServeGatewayTests(ServeGatewayFixture fixture) : IClassFixture<ServeGatewayFixture>
{
    private static readonly ChatCompletionOptions Short = new() { MaxOutputTokenCount = 4 };

    private ServeHarness Harness => fixture.Harness;

    [Fact]
    public async Task ChatCompletion_Sdk_ReturnsAnswerFromBaseModel()
    {
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        ChatCompletion completion = await Harness.Chat("llama").CompleteChatAsync([new UserChatMessage("Hello there!")], Short, timeout.Token);

        Assert.Equal("llama", completion.Model);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.NotNull(completion.Usage);
        Assert.True(completion.Usage.OutputTokenCount is > 0 and <= 4);
    }

    [Fact]
    public async Task ChatCompletion_SdkStreaming_DeliversTokensUntilFinish()
    {
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var models = new HashSet<string>();

        await foreach (var update in Harness.Chat("llama").CompleteChatStreamingAsync([new UserChatMessage("Stream please")], Short, timeout.Token))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            if (update.Model is { Length: > 0 } model)
            {
                models.Add(model);
            }
        }

        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
        Assert.NotNull(finish);
        Assert.Equal(["llama"], models);
    }

    [Fact]
    public async Task Completions_RawHttp_ReturnsTextCompletion()
    {
        using var client = new HttpClient { BaseAddress = Harness.BaseUrl, Timeout = ServeHarness.RequestTimeout };

        using var response = await client.PostAsJsonAsync("/v1/completions", new { model = "llama", prompt = "Once upon a time", max_tokens = 3 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("text_completion", json.RootElement.GetProperty("object").GetString());
        Assert.Equal("llama", json.RootElement.GetProperty("model").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Completions_RawHttpStreaming_EndsWithDone()
    {
        using var client = new HttpClient { BaseAddress = Harness.BaseUrl, Timeout = ServeHarness.RequestTimeout };

        using var response = await client.PostAsJsonAsync("/v1/completions", new { model = "llama", prompt = "Once upon a time", max_tokens = 3, stream = true });
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(events.Length >= 2, body);
        Assert.Equal("data: [DONE]", events[^1]);
        using var first = JsonDocument.Parse(events[0]["data: ".Length..]);
        Assert.Equal("llama", first.RootElement.GetProperty("model").GetString());
    }

    [Fact]
    public async Task ListModels_Sdk_ListsConfiguredModelNames()
    {
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        var models = await Harness.Models().GetModelsAsync(timeout.Token);

        var ids = models.Value.Select(m => m.Id).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["llama", "support"], ids);
    }

    [Fact]
    public async Task ChatCompletion_UnknownModel_SdkSees404()
    {
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Harness.Chat("no-such-model").CompleteChatAsync([new UserChatMessage("hi")], Short, timeout.Token));

        Assert.Equal(404, error.Status);
        Assert.Contains("no-such-model", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChatCompletion_WeightedModel_ServedModelsFollowTheWeights()
    {
        const int requests = 100;
        var chat = Harness.Chat("support");
        var served = new Dictionary<string, int>(StringComparer.Ordinal);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 1 };

        for (var i = 0; i < requests; i++)
        {
            using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);
            ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage($"request {i}")], options, timeout.Token);
            served[completion.Model] = served.GetValueOrDefault(completion.Model) + 1;
        }

        // 80/20 over 100 draws: the standard deviation is 4, so [60, 95] is a bound of five deviations.
        Assert.Equal(["support-v1", "support-v2"], served.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.InRange(served["support-v1"], 60, 95);
    }
}
