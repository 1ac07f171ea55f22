using System.Net;
using System.Text.Json;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Proxy.Hosting;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Options;
using Prometheus;

namespace InferenceGateway.Proxy.Tests;

public sealed class FrontDoorTests
{
    [Fact]
    public async Task Models_ListsServedModelsInOpenAiShape()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Datastore.Publish(FakeDatastore.Snapshot(["10.0.0.1:8000"], "b-model", "a-model"));

        using var response = await gateway.Client.GetAsync("v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var data = json.RootElement.GetProperty("data").EnumerateArray().ToArray();
        Assert.Equal(["a-model", "b-model"], data.Select(model => model.GetProperty("id").GetString()));
        Assert.All(data, model =>
        {
            Assert.Equal("model", model.GetProperty("object").GetString());
            Assert.Equal(0, model.GetProperty("created").GetInt64()); // FakeDatastore models are created at the Unix epoch
            Assert.Equal("test-pool", model.GetProperty("owned_by").GetString());
        });
    }

    [Fact]
    public async Task Models_ReservedModelWithOnlyZeroWeights_IsNotListed()
    {
        await using var gateway = await TestGateway.StartAsync();
        var snapshot = FakeDatastore.Snapshot(["10.0.0.1:8000"], "served");
        var reserved = new ModelRoute("reserved", CriticalityBand.Default, [new WeightedTarget("x", 0)], new ObjectKey("default", "reserved"), DateTimeOffset.UnixEpoch);
        var models = snapshot.Models.ToDictionary(pair => pair.Key, pair => pair.Value);
        models["reserved"] = reserved;
        gateway.Datastore.Publish(snapshot with { Models = System.Collections.Frozen.FrozenDictionary.ToFrozenDictionary(models) });

        using var response = await gateway.Client.GetAsync("v1/models");

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(["served"], json.RootElement.GetProperty("data").EnumerateArray().Select(model => model.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ReadyAndHealth_FollowTheDatastoreOnBothListeners()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var healthPublic = await gateway.Client.GetAsync("health");
        using var healthAdmin = await gateway.Admin.GetAsync("health");
        using var notReady = await gateway.Admin.GetAsync("ready");
        gateway.Datastore.Publish(FakeDatastore.Snapshot([], "m"));
        using var poolWithoutEndpoints = await gateway.Admin.GetAsync("ready");
        gateway.Datastore.Publish(FakeDatastore.Snapshot(["10.0.0.1:8000"], "m"));
        using var ready = await gateway.Admin.GetAsync("ready");
        using var readyPublic = await gateway.Client.GetAsync("ready");

        Assert.Equal(HttpStatusCode.OK, healthPublic.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, poolWithoutEndpoints.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readyPublic.StatusCode);
    }

    [Fact]
    public async Task Metrics_AreServedOnTheAdminPortOnly()
    {
        await using var gateway = await TestGateway.StartAsync();
        Metrics.WithCustomRegistry(gateway.Registry).CreateCounter("proxy_test_marker_total", "A counter the test created.").Inc(3);

        using var admin = await gateway.Admin.GetAsync("metrics");
        using var onPublic = await gateway.Client.GetAsync("metrics");

        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal("text/plain", admin.Content.Headers.ContentType?.MediaType);
        Assert.Contains("proxy_test_marker_total 3", await admin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, onPublic.StatusCode);
        Assert.NotEqual(gateway.Server.PublicUrl.Port, gateway.Server.AdminUrl.Port);
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsWithTheOffendingKeys()
    {
        var failure = await Record.ExceptionAsync(() => TestGateway.StartAsync(new Dictionary<string, string?>
        {
            ["InferenceGateway:Gateway:MaxRequestBodyBytes"] = "0",
            ["InferenceGateway:Gateway:DestinationHeaderName"] = "bad header",
        }));

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains(validation.Failures, message => message.Contains("MaxRequestBodyBytes", StringComparison.Ordinal));
        Assert.Contains(validation.Failures, message => message.Contains("DestinationHeaderName", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-1, 9090, "Port")]
    [InlineData(8080, 70000, "AdminPort")]
    [InlineData(8080, 8080, "AdminPort")]
    public void Validator_BadPorts_AreRejected(int port, int adminPort, string key)
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { Port = port, AdminPort = adminPort });

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, message => message.Contains(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_Defaults_AreValid()
    {
        var options = new GatewayOptions();

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded);
        Assert.Equal(8080, options.Port);
        Assert.Equal(9090, options.AdminPort);
        Assert.Equal("x-gateway-destination-endpoint", options.DestinationHeaderName);
    }

    [Fact]
    public void Banner_ShowsUrlsModelAndCallSnippets()
    {
        var text = GatewayBanner.Format(new Uri("http://localhost:8080/"), new Uri("http://localhost:9090/"), ["llama-3-8b", "qwen"]);

        Assert.Contains("http://localhost:8080/v1", text, StringComparison.Ordinal);
        Assert.Contains("http://localhost:9090/metrics", text, StringComparison.Ordinal);
        Assert.Contains("curl http://localhost:8080/v1/chat/completions", text, StringComparison.Ordinal);
        Assert.Contains("\"model\":\"llama-3-8b\"", text, StringComparison.Ordinal);
        Assert.Contains("base_url=\"http://localhost:8080/v1\"", text, StringComparison.Ordinal);
        Assert.Contains("new ChatClient(\"llama-3-8b\"", text, StringComparison.Ordinal);
    }
}
