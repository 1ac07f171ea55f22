using Grpc.Health.V1;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>`epp` over TLS, and a clean exit on SIGTERM.</summary>
public sealed class EppLifecycleTests
{
    private const string Endpoint = EppCluster.DeadEndpoint;

    [Fact]
    public async Task Epp_SecureServing_AnswersExtProcOverTls()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", EppCluster.WriteStaticConfig(folder), "--secure-serving");
        Assert.Contains("(TLS)", cluster.Epp.Output, StringComparison.Ordinal);
        Assert.True(cluster.IsTls, "the cluster's ext_proc client would not speak TLS");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        var result = await cluster.BufferedAsync("/v1/completions", EppCluster.Completion("m"));

        Assert.True(result.Immediate is null, result.ImmediateBody);
        Assert.Equal(Endpoint, result.Headers[EppCluster.Destination]);
    }

    [Fact]
    public async Task Epp_Sigterm_ExitsCleanly()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", EppCluster.WriteStaticConfig(folder));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        cluster.Epp.Terminate();

        Assert.Equal(0, await cluster.Epp.WaitForExitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task Epp_ConfigFileEdited_NewEndpointReceivesRequests()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", EppCluster.WriteStaticConfig(folder));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        var body = EppCluster.Completion("m");
        const string Moved = "127.0.0.1:7";

        EppCluster.WriteStaticConfig(folder, Moved);

        string? last = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                var result = await cluster.BufferedAsync("/v1/completions", body);
                last = result.Immediate is null ? result.Headers[EppCluster.Destination] : result.ImmediateBody;
                return last == Moved;
            },
            EppCluster.StartTimeout,
            () => $"the edited endpoint never received a request; last: {last}\n{cluster.Epp.Output}");
    }
}
