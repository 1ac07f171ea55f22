using System.Diagnostics;
using System.Text.Json;
using Grpc.Health.V1;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.FunctionalTests;

/// <summary>`epp` over TLS, and a clean exit on SIGTERM.</summary>
public sealed class EppLifecycleTests
{
    // Nothing listens there: metrics stay unknown, so the model is Critical (never shed).
    private const string Endpoint = "127.0.0.1:9";

    private static string WriteConfig(TempConfigFolder folder, string endpoint = Endpoint)
    {
        var path = Path.Combine(folder.Path, "pool.yaml");
        File.WriteAllText(path, ManifestYaml.Join(
            ManifestYaml.Pool("p"),
            ManifestYaml.StaticEndpoints("s", "p", [endpoint]),
            ManifestYaml.Model("m", "m", "p", criticality: "Critical")));
        return path;
    }

    [Fact]
    public async Task Epp_SecureServing_AnswersExtProcOverTls()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", WriteConfig(folder), "--secure-serving");
        Assert.Contains("(TLS)", cluster.Epp.Output, StringComparison.Ordinal);
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        using var tls = new EnvoyExtProcClient(cluster.GrpcPort, tls: true);
        using var session = tls.Open();
        var body = JsonSerializer.SerializeToUtf8Bytes(new { model = "m", prompt = "hi", max_tokens = 1 });

        var result = await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), body, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));

        Assert.True(result.Immediate is null, result.ImmediateBody);
        Assert.Equal(Endpoint, result.Headers[EppCluster.Destination]);
    }

    [Fact]
    public async Task Epp_Sigterm_ExitsCleanly()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", WriteConfig(folder));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        using (var kill = Process.Start("kill", ["-TERM", cluster.Epp.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.Equal(0, await cluster.Epp.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Epp_ConfigFileEdited_NewEndpointReceivesRequests()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", WriteConfig(folder));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        var body = JsonSerializer.SerializeToUtf8Bytes(new { model = "m", prompt = "hi", max_tokens = 1 });
        const string Moved = "127.0.0.1:7";

        WriteConfig(folder, Moved);

        string? last = null;
        await EppCluster.EventuallyAsync(
            async () =>
            {
                using var session = cluster.Client.Open();
                var result = await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), body, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));
                last = result.Immediate is null ? result.Headers[EppCluster.Destination] : result.ImmediateBody;
                return last == Moved;
            },
            EppCluster.StartTimeout,
            () => $"the edited endpoint never received a request; last: {last}\n{cluster.Epp.Output}");
    }

    [Theory]
    [InlineData("2s", 2000)]
    [InlineData("500ms", 500)]
    [InlineData("1m", 60000)]
    [InlineData("1.5", 1500)]
    public void ParseDuration_GoStyle_ReturnsTimeSpan(string text, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), InferenceGateway.Cli.Commands.EppCommand.ParseDuration(text));
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("soon")]
    public void ParseDuration_Invalid_Throws(string text)
    {
        Assert.Throws<ArgumentException>(() => InferenceGateway.Cli.Commands.EppCommand.ParseDuration(text));
    }
}
