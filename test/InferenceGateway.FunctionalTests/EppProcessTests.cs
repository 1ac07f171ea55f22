using System.Globalization;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Health.V1;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.FunctionalTests;

/// <summary>Three sims, one config file, the real `epp` process; the tests speak Envoy's ext_proc sequences to it.</summary>
public sealed class EppClusterFixture : IAsyncLifetime
{
    public const int MaxBodyBytes = 8 * 1024 * 1024;

    public EppCluster Cluster { get; private set; } = null!;

    public static string Config(IReadOnlyList<string> sims) => ManifestYaml.Join(
        ManifestYaml.Pool(EppCluster.PoolName),
        ManifestYaml.StaticEndpoints("fn-sims", EppCluster.PoolName, sims),
        ManifestYaml.Model("base", EppCluster.BaseModel, EppCluster.PoolName),
        ManifestYaml.Model("split", "split", EppCluster.PoolName, targets: [("adapter-a", 80), ("adapter-b", 20)]),
        ManifestYaml.Model("reserved", "reserved", EppCluster.PoolName, targets: [("adapter-a", 0)]),
        ManifestYaml.Model("batch", "batch", EppCluster.PoolName, criticality: "Sheddable", targets: [(EppCluster.BaseModel, 1)]),
        ManifestYaml.Model("urgent", "urgent", EppCluster.PoolName, criticality: "Critical", targets: [(EppCluster.BaseModel, 1)]));

    public async Task InitializeAsync() =>
        Cluster = await EppCluster.StartAsync(3, EppCluster.IdleMetrics, Config, "--max-request-body-bytes", MaxBodyBytes.ToString(CultureInfo.InvariantCulture));

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}

public sealed class EppProcessTests(EppClusterFixture fixture) : IClassFixture<EppClusterFixture>
{
    private const string Destination = EppCluster.Destination;
    private static readonly byte[] UsageJson = Encoding.UTF8.GetBytes("""{"usage":{"prompt_tokens":3,"completion_tokens":2}}""");

    private EppCluster Cluster => fixture.Cluster;

    private static byte[] Chat(string model, string content = "hello there") => EppCluster.Chat(model, content);

    private static Dictionary<string, string> ChatHeaders(params (string Key, string Value)[] extra) =>
        ExtProcMessages.RequestHeaders("/v1/chat/completions", "POST", extra);

    private void AssertRouted(EnvoyRequestResult result) => Cluster.AssertRouted(result);

    private static JsonElement BodyJson(EnvoyRequestResult result) => JsonDocument.Parse(result.Body).RootElement.Clone();

    [Fact]
    public async Task Buffered_ChatRequest_PicksSimAndHeaderEqualsMetadata()
    {
        using var session = Cluster.Client.Open();

        var result = await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("base"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));

        AssertRouted(result);
        Assert.Equal("base", BodyJson(result).GetProperty("model").GetString());
        if (result.Headers.TryGetValue("content-length", out var length))
        {
            Assert.Equal(result.Body.Length, int.Parse(length, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Streamed_ChunkedBody_PicksSimAndForwardsWholeBody()
    {
        using var session = Cluster.Client.Open();
        var body = Chat("split", "streamed body in small pieces");

        var result = await EnvoyFlows.StreamedAsync(session, ChatHeaders(), ExtProcMessages.Split(body, 7), ExtProcMessages.Protocol(BodySendMode.Streamed, BodySendMode.Streamed));

        AssertRouted(result);
        var json = BodyJson(result);
        Assert.Contains(json.GetProperty("model").GetString(), new[] { "adapter-a", "adapter-b" });
        Assert.Equal("streamed body in small pieces", json.GetProperty("messages")[0].GetProperty("content").GetString());
    }

    [Fact]
    public async Task FullDuplex_MultiMiBBody_RewrittenBodyIntact()
    {
        using var session = Cluster.Client.Open();
        var prompt = new string('x', 3 * 1024 * 1024);
        var body = Chat("split", prompt);

        var result = await EnvoyFlows.FullDuplexAsync(session, ChatHeaders(), ExtProcMessages.Split(body, 64 * 1024));

        AssertRouted(result);
        var json = BodyJson(result);
        Assert.Contains(json.GetProperty("model").GetString(), new[] { "adapter-a", "adapter-b" });
        Assert.Equal(prompt.Length, json.GetProperty("messages")[0].GetProperty("content").GetString()!.Length);
    }

    [Fact]
    public async Task Buffered_MultiMiBBody_ContentLengthMatchesRewrittenBody()
    {
        using var session = Cluster.Client.Open();
        var body = Chat("split", new string('y', 2 * 1024 * 1024));

        var result = await EnvoyFlows.BufferedAsync(session, ChatHeaders(("content-length", "0")), body, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));

        AssertRouted(result);
        Assert.Equal(result.Body.Length, int.Parse(result.Headers["content-length"], CultureInfo.InvariantCulture));
        Assert.Contains(BodyJson(result).GetProperty("model").GetString(), new[] { "adapter-a", "adapter-b" });
    }

    [Fact]
    public async Task HeaderOnly_GetModels_RoutedToASimWithoutModelMetrics()
    {
        using var session = Cluster.Client.Open();

        var result = await EnvoyFlows.HeaderOnlyAsync(session, ExtProcMessages.RequestHeaders("/v1/models", "GET"), ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed));
        await EnvoyFlows.ResponseAsync(session, 200, "application/json", ["{\"object\":\"list\",\"data\":[]}"u8.ToArray()], fullDuplex: true);

        // As the reference picker: a request without a body and without a model goes to a ready endpoint.
        Assert.True(result.Immediate is null, $"immediate {result.Immediate?.Status.Code}: {result.ImmediateBody}");
        var destination = result.Headers[Destination];
        Assert.Contains(destination, Cluster.SimAddresses);
        Assert.Equal(destination, result.LbMetadata(Destination));
        Assert.True(result.ClearRouteCache);
        Assert.DoesNotContain("inference_model_request_total{model_name=\"\"", await Cluster.MetricsTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderOnly_ChatPathWithoutBody_Answers400()
    {
        using var session = Cluster.Client.Open();

        var result = await EnvoyFlows.HeaderOnlyAsync(session, ChatHeaders(), ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed));

        Assert.NotNull(result.Immediate);
        Assert.Equal(400, (int)result.Immediate.Status.Code);
    }

    [Fact]
    public async Task Streamed_DestinationOnlyInMetadata_HeaderSetIgnoredByEnvoy()
    {
        using var session = Cluster.Client.Open();

        var result = await EnvoyFlows.StreamedAsync(session, ChatHeaders(), ExtProcMessages.Split(Chat("base"), 5), ExtProcMessages.Protocol(BodySendMode.Streamed, BodySendMode.Streamed));

        Assert.False(result.Headers.ContainsKey(Destination));
        var ignored = Assert.Single(result.IgnoredHeaderMutations, m => m.SetHeaders.Count > 0);
        var header = Assert.Single(ignored.SetHeaders, h => h.Header.Key == Destination);
        var value = header.Header.RawValue.IsEmpty ? header.Header.Value : header.Header.RawValue.ToStringUtf8();
        Assert.Equal(result.LbMetadata(Destination), value);
    }

    [Fact]
    public async Task Forwarded_RewrittenBodyToChosenSim_GetsCompletionOfTargetModel()
    {
        using var session = Cluster.Client.Open();
        var result = await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("split"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.Buffered));
        AssertRouted(result);
        var target = BodyJson(result).GetProperty("model").GetString();
        var primary = result.Headers[Destination].Split(',')[0];

        // What Envoy does next: send the rewritten request to the picked endpoint, then feed the response back.
        using var content = new ByteArrayContent(result.Body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await Cluster.Http.PostAsync(new Uri($"http://{primary}/v1/chat/completions"), content);
        var responseBody = await response.Content.ReadAsByteArrayAsync();
        var delivered = await EnvoyFlows.ResponseAsync(session, (int)response.StatusCode, "application/json", [responseBody], fullDuplex: false, servedEndpoint: primary);

        Assert.Equal(200, (int)response.StatusCode);
        using var json = JsonDocument.Parse(delivered);
        Assert.Equal(target, json.RootElement.GetProperty("model").GetString());
        Assert.Equal("assistant", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
    }

    public static TheoryData<string, int> ErrorCases => new()
    {
        { "bad-json", 400 },
        { "unknown-model", 404 },
        { "reserved", 404 },
        { "too-large", 413 },
        { "subset-hint", 503 },
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Errors_EachCase_AnswersOpenAiShapedStatus(string scenario, int status)
    {
        using var session = Cluster.Client.Open();

        var result = scenario switch
        {
            "bad-json" => await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Encoding.UTF8.GetBytes("{\"model\": \"base\", "), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None)),
            "unknown-model" => await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("no-such-model"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None)),
            "reserved" => await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("reserved"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None)),
            "too-large" => await EnvoyFlows.FullDuplexAsync(session, ChatHeaders(), ExtProcMessages.Split(Chat("base", new string('z', EppClusterFixture.MaxBodyBytes + 1024)), 64 * 1024)),
            _ => await EnvoyFlows.FullDuplexAsync(session, ChatHeaders(), [Chat("base")], metadata: ExtProcMessages.SubsetHint("10.255.255.1:1")),
        };

        Assert.NotNull(result.Immediate);
        Assert.Equal(status, (int)result.Immediate.Status.Code);
        using var json = JsonDocument.Parse(result.ImmediateBody);
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task WeightedSplit_ManyRequests_FollowsWeightsWithinBounds()
    {
        const int Requests = 400;
        var toA = 0;
        for (var i = 0; i < Requests; i++)
        {
            using var session = Cluster.Client.Open();
            var result = await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("split"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));
            AssertRouted(result);
            toA += BodyJson(result).GetProperty("model").GetString() == "adapter-a" ? 1 : 0;
        }

        // 80/20: mean 320, standard deviation 8; five deviations either side.
        Assert.InRange(toA, 280, 360);
    }

    [Fact]
    public async Task Health_Services_ServingAfterConfigLoaded()
    {
        foreach (var service in new[] { "liveness", "readiness", "inference-extension", "envoy.service.ext_proc.v3.ExternalProcessor" })
        {
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await Cluster.HealthAsync(service));
        }
    }

    [Fact]
    public async Task Metrics_AfterRequests_ExposesFieldNamesAndPoolGauges()
    {
        using (var session = Cluster.Client.Open())
        {
            await EnvoyFlows.BufferedAsync(session, ChatHeaders(), Chat("base"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.Buffered));
            await EnvoyFlows.ResponseAsync(session, 200, "application/json", [UsageJson], fullDuplex: false);
        }

        string text = "";
        await Eventually.HoldsAsync(
            async () =>
            {
                text = await Cluster.MetricsTextAsync();
                return PrometheusText.Sample(text, $"inference_pool_ready_pods{{name=\"{EppCluster.PoolName}\"}}") == 3
                    && PrometheusText.Sample(text, $"inference_pool_average_kv_cache_utilization{{name=\"{EppCluster.PoolName}\"}}") is > 0.05 and < 0.15;
            },
            EppCluster.StartTimeout,
            () => "pool gauges never showed 3 ready pods at 10% KV:\n" + text);

        Assert.True(PrometheusText.Sample(text, "inference_model_request_total{model_name=\"base\",target_model_name=\"base\"}") >= 1, text);
        Assert.Contains("inference_model_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("inference_model_input_tokens_bucket", text, StringComparison.Ordinal);
        Assert.Contains("inference_extension_scheduler_e2e_duration_seconds", text, StringComparison.Ordinal);
        Assert.Equal(0, PrometheusText.Sample(text, $"inference_pool_average_queue_size{{name=\"{EppCluster.PoolName}\"}}"));
    }

    [Fact]
    public async Task ClientCancel_MidBody_ProcessStaysResponsiveAndNothingLeaks()
    {
        using (var cancel = new CancellationTokenSource())
        {
            using var session = Cluster.Client.Open(cancel.Token);
            var headers = ChatHeaders();
            await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed)));
            await session.SendAsync(ExtProcMessages.RequestBodyMessage(Chat("urgent").AsSpan(0, 10), endOfStream: false));
            await cancel.CancelAsync();
            var cancelled = await Assert.ThrowsAsync<RpcException>(session.ReadAsync);
            Assert.Equal(StatusCode.Cancelled, cancelled.StatusCode);
        }

        using var next = Cluster.Client.Open();
        var result = await EnvoyFlows.BufferedAsync(next, ChatHeaders(), Chat("urgent"), ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));
        AssertRouted(result);
        await next.CompleteAsync();
        await WaitForNoRunningRequestsAsync();
    }

    /// <summary>Every inference_model_running_requests series is back to zero.</summary>
    private async Task WaitForNoRunningRequestsAsync()
    {
        var text = "";
        await Eventually.HoldsAsync(
            async () => PrometheusText.AllSamplesAre(text = await Cluster.MetricsTextAsync(), "inference_model_running_requests{", 0),
            TimeSpan.FromSeconds(30),
            () => "running requests did not return to zero:\n" + text);
    }
}
