using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Grpc.Health.V1;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.Kubernetes;

namespace InferenceGateway.FunctionalTests;

/// <summary>
/// `epp --pool-group inference.networking.k8s.io` against the fake API server: a v1 pool whose two targetPorts are two
/// saturated sims, InferenceObjectives choosing the admission band, and /metrics behind TokenReview + SubjectAccessReview.
/// </summary>
public sealed class EppPoolGroupTests
{
    private const string Namespace = "serving";
    private const string Pool = "llama";
    private const string ScraperToken = "prometheus-token";

    private static JsonObject Objective(string name, int priority) => new()
    {
        ["apiVersion"] = "inference.networking.x-k8s.io/v1alpha2",
        ["kind"] = "InferenceObjective",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Namespace },
        ["spec"] = new JsonObject { ["priority"] = priority, ["poolRef"] = new JsonObject { ["name"] = Pool } },
    };

    /// <summary>A v1 InferencePool selecting app=llama, one endpoint per target port.</summary>
    private static JsonObject V1Pool(params int[] targetPorts) => new()
    {
        ["apiVersion"] = "inference.networking.k8s.io/v1",
        ["kind"] = "InferencePool",
        ["metadata"] = new JsonObject { ["name"] = Pool, ["namespace"] = Namespace },
        ["spec"] = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "llama" } },
            ["targetPorts"] = new JsonArray([.. targetPorts.Select(p => (JsonNode)new JsonObject { ["number"] = p })]),
            ["endpointPickerRef"] = new JsonObject { ["name"] = "epp", ["port"] = new JsonObject { ["number"] = 9002 } },
        },
    };

    private static async Task<(HttpStatusCode Status, string Text)> MetricsAsync(EppCluster cluster, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, cluster.MetricsUri);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await cluster.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Epp_V1PoolWithObjectives_RoutesCriticalShedsSheddableAndGuardsMetrics()
    {
        await using var simA = CliProcess.Start("sim", "--port", "0", "--model", "base", "--mode", "echo", "--time-scale", "0", "--fake-metrics", EppCluster.SaturatedMetrics);
        await using var simB = CliProcess.Start("sim", "--port", "0", "--model", "base", "--mode", "echo", "--time-scale", "0", "--fake-metrics", EppCluster.SaturatedMetrics);
        var portA = new Uri((await simA.WaitForLineAsync(@"listening on (http://\S+)", EppCluster.StartTimeout)).Groups[1].Value).Port;
        var portB = new Uri((await simB.WaitForLineAsync(@"listening on (http://\S+)", EppCluster.StartTimeout)).Groups[1].Value).Port;
        string[] endpoints = [$"127.0.0.1:{portA}", $"127.0.0.1:{portB}"];

        await using var api = await FakeKubernetesApiServer.StartAsync();
        api.AddToken(ScraperToken, "system:serviceaccount:monitoring:prometheus");
        api.AddToken("app-token", "system:serviceaccount:serving:app");
        api.GrantNonResource("system:serviceaccount:monitoring:prometheus");
        // One pod, two ports: two endpoints (data-parallel ranks), here two sims on loopback.
        api.Apply(V1Pool(portA, portB));
        api.Apply(Objective("premium", 10));
        api.Apply(Objective("batch", -1));
        var pod = ReadyPod();
        api.Apply(pod);
        using var folder = new TempConfigFolder();
        var kubeconfig = api.WriteKubeconfig(folder.Path, Namespace);

        await using var cluster = await EppCluster.StartEppOnlyAsync(
            "--pool-group", "inference.networking.k8s.io", "--pool-name", Pool, "--pool-namespace", Namespace,
            "--kubeconfig", kubeconfig, "--secure-serving=false");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        // /metrics: no token 401, a token the API server does not know 401, a user without the grant 403, the scraper 200.
        Assert.Equal(HttpStatusCode.Unauthorized, (await MetricsAsync(cluster, null)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await MetricsAsync(cluster, "forged")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await MetricsAsync(cluster, "app-token")).Status);
        var text = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                (var status, text) = await MetricsAsync(cluster, ScraperToken);
                // Shed because of reported saturation, not because metrics are still unknown: wait for both scrapes.
                return status == HttpStatusCode.OK
                    && PrometheusText.Sample(text, $"inference_pool_ready_pods{{name=\"{Pool}\"}}") == 2
                    && PrometheusText.Sample(text, $"inference_pool_average_queue_size{{name=\"{Pool}\"}}") == 50;
            },
            EppCluster.StartTimeout,
            () => $"the pool gauges never showed both endpoints saturated:\n{text}\n{cluster.Epp.Output}");

        var shed = await cluster.BufferedAsync("/v1/chat/completions", EppCluster.Chat("base"), ("x-gateway-inference-objective", "batch"));
        var critical = await cluster.BufferedAsync("/v1/chat/completions", EppCluster.Chat("base"), ("x-gateway-inference-objective", "premium"));

        Assert.NotNull(shed.Immediate);
        Assert.Equal(429, (int)shed.Immediate.Status.Code);
        Assert.True(critical.Immediate is null, critical.ImmediateBody);
        Assert.Contains(critical.Headers[EppCluster.Destination].Split(',')[0], endpoints);
    }

    [Fact]
    public async Task Epp_TwoReplicasWithLeaderElection_OnlyTheLeaseHolderIsReadyBothLive()
    {
        await using var api = await FakeKubernetesApiServer.StartAsync();
        api.Apply(V1Pool(8000));
        using var folder = new TempConfigFolder();
        var kubeconfig = api.WriteKubeconfig(folder.Path, Namespace);
        string[] args = ["--pool-group", "inference.networking.k8s.io", "--pool-name", Pool, "--pool-namespace", Namespace,
            "--kubeconfig", kubeconfig, "--ha-enable-leader-election", "--secure-serving=false", "--metrics-endpoint-auth=false"];

        await using var first = await EppCluster.StartEppOnlyAsync(new Dictionary<string, string> { ["POD_NAME"] = "epp-a" }, args);
        await first.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        await using var second = await EppCluster.StartEppOnlyAsync(new Dictionary<string, string> { ["POD_NAME"] = "epp-b" }, args);
        // The second replica serves the pool (its pool gauge appears once the snapshot has it) but does not hold the lease.
        var text = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                text = await second.MetricsTextAsync();
                return PrometheusText.Sample(text, $"inference_pool_ready_pods{{name=\"{Pool}\"}}") == 0;
            },
            EppCluster.StartTimeout,
            () => $"the second replica never served the pool:\n{text}\n{second.Epp.Output}");

        var lease = api.Get("leases", Namespace, $"{Pool}-epp-leader");
        Assert.Equal("epp-a", lease?["spec"]?["holderIdentity"]?.GetValue<string>());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await first.HealthAsync("readiness"));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, await second.HealthAsync("readiness"));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await first.HealthAsync("liveness"));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await second.HealthAsync("liveness"));
    }

    [Theory]
    [InlineData("--pool-name p --pool-group example.com", "--pool-group must be")]
    [InlineData("--pool-name p --pool-group inference.networking.k8s.io --pool-version v1alpha2", "--pool-version v1alpha2 is not served")]
    [InlineData("--endpoint-selector app=vllm", "target ports")]
    [InlineData("--pool-name p --endpoint-target-ports 8000", "--endpoint-target-ports needs --endpoint-selector")]
    public async Task Epp_InconsistentKubernetesFlags_ExitsWithUsageError(string args, string message)
    {
        await using var epp = EppCluster.StartEppProcess(args.Split(' '));

        var exitCode = await epp.WaitForExitAsync(EppCluster.StartTimeout);

        Assert.Equal(2, exitCode);
        Assert.Contains(message, epp.Output, StringComparison.Ordinal);
    }

    private static JsonObject ReadyPod() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = "llama-0", ["namespace"] = Namespace, ["labels"] = new JsonObject { ["app"] = "llama" } },
        ["status"] = new JsonObject
        {
            ["podIP"] = "127.0.0.1",
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True" }),
        },
    };
}
