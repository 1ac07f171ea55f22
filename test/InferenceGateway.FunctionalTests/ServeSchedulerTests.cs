using System.Net.Http.Json;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>`serve --scheduler-profile` / `--scheduler-config`: the gateway runs the chosen strategy.</summary>
public sealed class ServeSchedulerTests
{
    [Fact]
    public async Task Serve_RoundRobinProfile_AlternatesIdenticalRequestsOverBothServers()
    {
        string[] sim = ["--model", "llama", "--mode", "echo", "--time-scale", "0"];
        await using var harness = await ServeHarness.StartAsync(
            [sim, [.. sim, "--seed", "1"]],
            endpoints => ServeHarness.PoolManifests(endpoints, ServeHarness.Model("llama", "Critical")),
            ["--scheduler-profile", "round-robin"]);
        using var http = new HttpClient { Timeout = ServeHarness.RequestTimeout };
        // One long prompt sent again and again: a prefix-aware profile would keep it on one server.
        var prompt = string.Concat(Enumerable.Repeat(" the same shared prefix", 40));

        for (var i = 0; i < 4; i++)
        {
            using var response = await http.PostAsJsonAsync(new Uri(harness.BaseUrl, "/v1/completions"), new { model = "llama", prompt, max_tokens = 2 });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        var served = new List<double>();
        foreach (var address in harness.SimAddresses)
        {
            var metrics = await http.GetStringAsync(new Uri("http://" + address + "/metrics"));
            served.Add(PrometheusText.Sum(metrics, "vllm:e2e_request_latency_seconds_count"));
        }

        Assert.Equal([2.0, 2.0], served);
    }

    [Theory]
    [InlineData("--scheduler-profile", "no-such-profile", "scheduling profile \"no-such-profile\" is not defined")]
    [InlineData("--scheduler-config", "/nonexistent/scheduler.yaml", "cannot read scheduler config")]
    public async Task Serve_BadSchedulerChoice_ExitsWithCode1BeforeListening(string flag, string value, string message)
    {
        using var folder = new TempConfigFolder();
        var config = folder.WriteAtomically("gateway.yaml", ServeHarness.PoolManifests(["127.0.0.2:1"], ServeHarness.Model("llama", "Critical")));
        await using var gateway = CliProcess.Start("serve", "--config", config, "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", flag, value);

        var exitCode = await gateway.WaitForExitAsync(ServeHarness.StartTimeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("serve: ", gateway.Output, StringComparison.Ordinal);
        Assert.Contains(message, gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("gateway listening on", gateway.Output, StringComparison.Ordinal);
    }
}
