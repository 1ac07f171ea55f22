using System.ClientModel;
using InferenceGateway.FunctionalTests.Infrastructure;
using OpenAI.Chat;

namespace InferenceGateway.FunctionalTests;

/// <summary>Model servers that die or break streams: the gateway answers every request promptly, never hangs.</summary>
public sealed class ServeFaultTests
{
    private static readonly ChatCompletionOptions Short = new() { MaxOutputTokenCount = 3 };

    [Fact]
    public async Task Serve_SimKilledDuringRun_LaterRequestsSucceedOnTheOthers()
    {
        string[] sim = ["--model", "llama", "--time-scale", "0"];
        await using var harness = await ServeHarness.StartAsync([sim, sim, sim], endpoints => ServeHarness.PoolManifests(endpoints,
            ServeHarness.Model("llama", "Critical")));
        var chat = harness.Chat("llama");
        for (var i = 0; i < 6; i++)
        {
            await CompleteAsync(chat, i);
        }

        harness.Sims[0].Kill();
        await harness.Sims[0].WaitForExitAsync(ServeHarness.StartTimeout);
        var failures = new List<string>();
        var successes = 0;
        for (var i = 0; i < 30; i++)
        {
            try
            {
                var completion = await CompleteAsync(chat, i);
                Assert.Equal("llama", completion.Model);
                successes++;
            }
            catch (ClientResultException e)
            {
                // Allowed only as a clear gateway error (a request already on its way to the dead server).
                failures.Add($"{e.Status}: {e.Message}");
                Assert.InRange(e.Status, 500, 504);
            }
        }

        // The connect failure is retried on a fallback, so at most a request in flight at the kill may fail.
        Assert.True(successes >= 29, $"{successes} of 30 succeeded; failures: {string.Join(" | ", failures)}");
        Assert.False(harness.Gateway.HasExited);
    }

    [Fact]
    public async Task Serve_UpstreamResetsStream_StreamingClientSeesErrorNotHang()
    {
        await using var harness = await StartWithResettingSimAsync();
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        var error = await Record.ExceptionAsync(async () =>
        {
            await foreach (var update in harness.Chat("llama").CompleteChatStreamingAsync([new UserChatMessage("break please")], Short, timeout.Token))
            {
                _ = update;
            }
        });

        Assert.NotNull(error);
        Assert.False(timeout.IsCancellationRequested, $"the stream hung until the test's timeout: {error}");
        Assert.False(harness.Gateway.HasExited);
    }

    [Fact]
    public async Task Serve_UpstreamResetsConnection_NonStreamingClientGetsGatewayError()
    {
        await using var harness = await StartWithResettingSimAsync();
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);

        var error = await Record.ExceptionAsync(() => harness.Chat("llama").CompleteChatAsync([new UserChatMessage("break please")], Short, timeout.Token));

        Assert.False(timeout.IsCancellationRequested, $"the request hung until the test's timeout: {error}");
        var clientError = Assert.IsType<ClientResultException>(error);
        Assert.InRange(clientError.Status, 500, 504);
    }

    /// <summary>One sim that resets every connection it accepts, behind `serve`.</summary>
    private static Task<ServeHarness> StartWithResettingSimAsync() =>
        ServeHarness.StartAsync(
            [["--model", "llama", "--failure-injection-rate", "100", "--failure-types", "connection_reset"]],
            endpoints => ServeHarness.PoolManifests(endpoints, ServeHarness.Model("llama", "Critical")));

    private static async Task<ChatCompletion> CompleteAsync(ChatClient chat, int i)
    {
        using var timeout = new CancellationTokenSource(ServeHarness.RequestTimeout);
        return await chat.CompleteChatAsync([new UserChatMessage($"request {i}")], Short, timeout.Token);
    }
}
