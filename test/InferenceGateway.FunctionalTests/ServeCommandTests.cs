using System.ClientModel;
using System.Net.Http.Json;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;
using OpenAI.Chat;
using OpenAI.Models;

namespace InferenceGateway.FunctionalTests;

/// <summary>`serve` as a command: the embedded quickstart, hot reload of --config, and a bad first configuration.</summary>
public sealed class ServeCommandTests
{
    private static readonly Dictionary<string, string> AnyFreePorts = new()
    {
        // Never bind 8080/9090 in tests: the environment overrides the defaults the way a user's would.
        ["InferenceGateway__Gateway__Port"] = "0",
        ["InferenceGateway__Gateway__AdminPort"] = "0",
    };

    [Fact]
    public async Task Serve_NoArguments_StartsQuickstartThatAnswersTheSdk()
    {
        await using var gateway = CliProcess.Start(AnyFreePorts, "serve");
        var url = new Uri((await gateway.WaitForLineAsync(@"gateway listening on (http://\S+)", ServeHarness.StartTimeout)).Groups[1].Value);
        var admin = new Uri((await gateway.WaitForLineAsync(@"admin listening on (http://\S+)", ServeHarness.StartTimeout)).Groups[1].Value);
        var options = ServeHarness.ClientOptions(url);
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        ChatCompletion completion = await new ChatClient("llama", new ApiKeyCredential("unused"), options)
            .CompleteChatAsync([new UserChatMessage("Hello!")], new ChatCompletionOptions { MaxOutputTokenCount = 5 }, timeout.Token);
        var models = await new OpenAIModelClient(new ApiKeyCredential("unused"), options).GetModelsAsync(timeout.Token);
        using var http = new HttpClient { Timeout = ServeHarness.RequestTimeout };
        var metrics = await http.GetStringAsync(new Uri(admin, "/metrics"), timeout.Token);

        Assert.Equal("llama", completion.Model);
        Assert.False(string.IsNullOrWhiteSpace(completion.Content[0].Text));
        Assert.Equal(["batch", "llama", "support"], models.Value.Select(m => m.Id).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains("inference_gateway_requests_total{model_name=\"llama\",target_model_name=\"llama\"", metrics, StringComparison.Ordinal);
        Assert.Contains("curl", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_Sigterm_StopsGracefullyWithExitCode0()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no SIGTERM there; Ctrl+C takes the same path
        }

        await using var gateway = CliProcess.Start(AnyFreePorts, "serve");
        await gateway.WaitForLineAsync(@"gateway listening on (http://\S+)", ServeHarness.StartTimeout);

        gateway.Terminate();
        var exitCode = await gateway.WaitForExitAsync(ServeHarness.StartTimeout);

        Assert.Equal(0, exitCode);
    }

    [Fact]
    public async Task Serve_ConfigEditedWhileServing_NewModelIsListed()
    {
        await using var harness = await ServeHarness.StartAsync([["--model", "llama", "--time-scale", "0"]], endpoints => ServeHarness.PoolManifests(endpoints,
            ServeHarness.Model("llama", "Critical")));
        using var http = new HttpClient { BaseAddress = harness.BaseUrl, Timeout = ServeHarness.RequestTimeout };
        Assert.Equal(["llama"], await ListModelsAsync(http));

        harness.RewriteConfig(ServeHarness.PoolManifests(harness.SimAddresses, ServeHarness.Model("llama", "Critical"), ServeHarness.Model("llama-fast", "Default", "llama=1")));

        var models = await WaitForModelCountAsync(harness, http, 2);

        Assert.Equal(["llama", "llama-fast"], models);
        ChatCompletion completion = await harness.Chat("llama-fast").CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2 });
        Assert.Equal("llama", completion.Model);
    }

    [Fact]
    public async Task Serve_ConfigReplacesEndpointDuringStream_InFlightStreamCompletes()
    {
        // Slowed-down sims: a 300-token stream stays open for seconds, long enough to reload under it.
        string[] sim = ["--model", "llama", "--time-scale", "20"];
        await using var harness = await ServeHarness.StartAsync([sim, sim], endpoints => ServeHarness.PoolManifests([endpoints[0]],
            ServeHarness.Model("llama", "Critical")));
        using var http = new HttpClient { BaseAddress = harness.BaseUrl, Timeout = TimeSpan.FromSeconds(120) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = "llama",
                stream = true,
                max_tokens = 300,
                ignore_eos = true,
                stream_options = new { include_usage = true },
                messages = new[] { new { role = "user", content = "a long answer please" } },
            }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());

        // The new configuration drops the endpoint serving the stream and adds a model.
        harness.RewriteConfig(ServeHarness.PoolManifests([harness.SimAddresses[1]], ServeHarness.Model("llama", "Critical"), ServeHarness.Model("llama-next", "Default", "llama=1")));
        await WaitForModelCountAsync(harness, http, 2);

        string? last = null;
        int? completionTokens = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                last = line.Length > 0 ? line : last;
                continue;
            }

            last = line;
            using var json = System.Text.Json.JsonDocument.Parse(line["data: ".Length..]);
            if (json.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                completionTokens = usage.GetProperty("completion_tokens").GetInt32();
            }
        }

        Assert.Equal("data: [DONE]", last);
        Assert.Equal(300, completionTokens);
    }

    [Fact]
    public async Task Serve_InvalidConfig_PrintsEachErrorAndExits1()
    {
        using var folder = new TempConfigFolder();
        var path = folder.WriteAtomically("bad.yaml", """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata:
              name: broken
            spec:
              modelName: broken
              criticality: High
            """);
        await using var gateway = CliProcess.Start(AnyFreePorts, "serve", "--config", path);

        var exitCode = await gateway.WaitForExitAsync(ServeHarness.StartTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("spec.criticality", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("spec.poolRef", gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>Polls /v1/models until it lists at least <paramref name="count"/> models (the edited configuration is live).</summary>
    private static async Task<string[]> WaitForModelCountAsync(ServeHarness harness, HttpClient http, int count)
    {
        string[] models = [];
        await Eventually.HoldsAsync(
            async () => (models = await ListModelsAsync(http)).Length >= count,
            TimeSpan.FromSeconds(60),
            () => $"the edited configuration was not loaded (models: {string.Join(", ", models)}). Output:\n{harness.Gateway.Output}");
        return models;
    }

    private static async Task<string[]> ListModelsAsync(HttpClient http)
    {
        var list = await http.GetFromJsonAsync<ModelList>("/v1/models");
        return list!.Data.Select(m => m.Id).Order(StringComparer.Ordinal).ToArray();
    }

    private sealed record ModelList(ModelEntry[] Data);

    private sealed record ModelEntry(string Id);
}
