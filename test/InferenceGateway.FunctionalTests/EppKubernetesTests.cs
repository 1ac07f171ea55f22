using System.Text.Json;
using Grpc.Health.V1;
using InferenceGateway.Api.Serialization;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.Kubernetes;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using InferenceGateway.TestSupport.Kubernetes;

namespace InferenceGateway.FunctionalTests;

/// <summary>`epp --pool-name` against a fake API server: readiness follows the pool, a pod from a watch event gets traffic.</summary>
public sealed class EppKubernetesTests
{
    private const string Namespace = "serving";
    private const string Pool = "llama";
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "llama" };

    private static void ApplyYaml(FakeKubernetesApiServer server, string yaml)
    {
        var read = ManifestReader.Read(yaml, "test");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        foreach (var document in read.Documents)
        {
            server.Apply(JsonSerializer.SerializeToNode(document.Object, document.Object.GetType(), KubernetesApiClient.Json)!.AsObject());
        }
    }

    [Fact]
    public async Task Epp_PodAppearsThroughWatch_ReceivesRequest()
    {
        await using var sim = CliProcess.Start("sim", "--port", "0", "--model", "base", "--mode", "echo", "--time-scale", "0", "--fake-metrics", EppCluster.IdleMetrics);
        var simUri = new Uri((await sim.WaitForLineAsync(@"listening on (http://\S+)", EppCluster.StartTimeout)).Groups[1].Value);
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var folder = new TempConfigFolder();
        var kubeconfig = api.WriteKubeconfig(folder.Path, Namespace);

        await using var cluster = await EppCluster.StartEppOnlyAsync("--pool-name", Pool, "--pool-namespace", Namespace, "--kubeconfig", kubeconfig);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await cluster.HealthAsync("liveness"));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await cluster.HealthAsync("readiness"));

        ApplyYaml(api, ManifestYaml.Join(
            ManifestYaml.Pool(Pool, simUri.Port, Namespace, Labels),
            ManifestYaml.Model("base", "base", Pool, Namespace)));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        ApplyYaml(api, ManifestYaml.Pod("llama-0", "127.0.0.1", Labels, Namespace));

        var expected = $"127.0.0.1:{simUri.Port}";
        var body = EppCluster.Chat("base");
        EnvoyRequestResult? last = null;
        await Eventually.HoldsAsync(
            async () =>
            {
                last = await cluster.BufferedAsync("/v1/chat/completions", body);
                return last.Immediate is null && last.Headers[EppCluster.Destination] == expected;
            },
            EppCluster.StartTimeout,
            () => $"the pod never received the request; last answer: {last?.Immediate?.Status.Code} {last?.ImmediateBody}\n{cluster.Epp.Output}");

        Assert.Equal(expected, last!.LbMetadata(EppCluster.Destination));
    }

    [Fact]
    public async Task Epp_EmitEventsFalse_NoEventReachesTheApiServer()
    {
        await using var api = await FakeKubernetesApiServer.StartAsync();
        using var folder = new TempConfigFolder();
        var kubeconfig = api.WriteKubeconfig(folder.Path, Namespace);
        // A pool whose only pod is not Ready: the leader decides NoReadyEndpoints, a transition it would report.
        ApplyYaml(api, ManifestYaml.Join(
            ManifestYaml.Pool(Pool, 8000, Namespace, Labels),
            ManifestYaml.Pod("llama-0", "127.0.0.1", Labels, Namespace, ready: "False")));

        await using var cluster = await EppCluster.StartEppOnlyAsync(
            new Dictionary<string, string> { ["POD_NAME"] = "epp-0" },
            "--pool-name", Pool, "--pool-namespace", Namespace, "--kubeconfig", kubeconfig, "--ha-enable-leader-election", "--emit-events=false");
        await Eventually.HoldsAsync(
            () => Task.FromResult(PoolReadyReason(api) == StatusConditionNames.ReasonNoReadyEndpoints),
            EppCluster.StartTimeout,
            () => $"the leader never wrote the pool's status\n{cluster.Epp.Output}");
        // A stop sends what is still queued (and "stopped leading") before the process exits.
        cluster.Epp.Terminate();
        Assert.Equal(0, await cluster.Epp.WaitForExitAsync(EppCluster.StartTimeout));

        Assert.Empty(api.StoredEvents);
        Assert.Equal(0, api.RefusedEventWriteCount);
    }

    private static string? PoolReadyReason(FakeKubernetesApiServer api) =>
        (api.Get("inferencepools", Namespace, Pool)?["status"]?["conditions"] as System.Text.Json.Nodes.JsonArray)?
            .FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["reason"]?.GetValue<string>();
}
