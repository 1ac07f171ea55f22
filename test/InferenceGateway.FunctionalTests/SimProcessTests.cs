using System.Net.Http.Json;
using System.Text.Json;
using InferenceGateway.FunctionalTests.Infrastructure;

namespace InferenceGateway.FunctionalTests;

/// <summary>The `sim` command as a real process: it binds, reports its port and serves the OpenAI surface.</summary>
public sealed class SimProcessTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Sim_PortZero_ReportsBoundPortAndServesCompletions()
    {
        await using var sim = CliProcess.Start("sim", "--port", "0", "--model", "fn-model", "--mode", "echo");
        var match = await sim.WaitForLineAsync(@"listening on (http://\S+)", StartTimeout);
        using var client = new HttpClient { BaseAddress = new Uri(match.Groups[1].Value.TrimEnd('/') + "/") };

        using var response = await client.PostAsJsonAsync("v1/completions", new { model = "fn-model", prompt = "hello there", max_tokens = 3 });

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("fn-model", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(3, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Sim_BadFlag_ExitsWithUsageError()
    {
        await using var sim = CliProcess.Start("sim", "--port", "not-a-number");

        var exitCode = await sim.WaitForExitAsync(StartTimeout);

        Assert.NotEqual(0, exitCode);
    }
}
