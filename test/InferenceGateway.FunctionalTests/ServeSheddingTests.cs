using System.ClientModel;
using InferenceGateway.FunctionalTests.Infrastructure;
using OpenAI.Chat;

namespace InferenceGateway.FunctionalTests;

/// <summary>Criticality admission end to end: a sim that reports a saturated queue and KV cache.</summary>
public sealed class ServeSheddingTests
{
    [Fact]
    public async Task Serve_SaturatedPool_ShedsSheddableAndServesCritical()
    {
        string[] sim = ["--model", "llama", "--time-scale", "0", "--fake-metrics", """{"running-requests":5,"waiting-requests":100,"kv-cache-usage":0.99}"""];
        await using var harness = await ServeHarness.StartAsync([sim], endpoints => ServeHarness.PoolManifests(endpoints,
            ServeHarness.Model("llama", "Critical"),
            ServeHarness.Model("batch", "Sheddable", "llama=1")));
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2 };
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        var shed = await Assert.ThrowsAsync<ClientResultException>(() =>
            harness.Chat("batch").CompleteChatAsync([new UserChatMessage("later is fine")], options, timeout.Token));
        ChatCompletion critical = await harness.Chat("llama").CompleteChatAsync([new UserChatMessage("now please")], options, timeout.Token);

        Assert.Equal(429, shed.Status);
        Assert.Equal("llama", critical.Model);
    }
}
