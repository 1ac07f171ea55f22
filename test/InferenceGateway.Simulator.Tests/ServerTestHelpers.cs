using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Server;

namespace InferenceGateway.Simulator.Tests;

internal static class ServerTestHelpers
{
    public static Task<SimulatorServer> StartAsync(Action<SimulatorOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new SimulatorOptions
        {
            Port = 0,
            Model = "base-model",
            Mode = GenerationMode.Echo,
            Engine = EngineOptions.FromProfile(EngineProfile.Test),
            TimeScale = 0.2,
        };
        configure?.Invoke(options);
        return SimulatorServer.StartAsync(options, time);
    }

    public static HttpClient Client(SimulatorServer server) => new() { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, object body, CancellationToken cancellationToken = default) =>
        client.PostAsync(path, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"), cancellationToken);

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();

    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        var json = await ReadJsonAsync(response);
        var error = json.GetProperty("error");
        Assert.Equal(JsonValueKind.String, error.GetProperty("message").ValueKind);
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        return error.GetProperty("code").ValueKind == JsonValueKind.String ? error.GetProperty("code").GetString()! : string.Empty;
    }

    /// <summary>Posts a streaming request and returns once the first SSE frame has arrived.</summary>
    public static async Task<(HttpResponseMessage Response, Stream Body)> StartStreamAsync(HttpClient client, string path, object body, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(200, (int)response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var seen = new StringBuilder();
        var buffer = new byte[1];
        while (!seen.ToString().Contains("\n\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            Assert.True(read > 0, "stream ended before the first frame");
            seen.Append((char)buffer[0]);
        }

        return (response, stream);
    }

    public static async Task EventuallyAsync(Func<bool> condition, string message, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting: " + message);
            await Task.Delay(20);
        }
    }

    public static async Task<Dictionary<string, PrometheusFamily>> ScrapeAsync(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        return PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
    }

    public static PrometheusSample Single(Dictionary<string, PrometheusFamily> families, string name, string model = "base-model")
    {
        Assert.True(families.TryGetValue(name, out var family), $"missing {name}");
        var sample = Assert.Single(family.Samples);
        Assert.Equal(model, sample.Labels["model_name"]);
        return sample;
    }
}
