using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.Kubernetes;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>The fake API server speaks the protocol the way the real one does (so the source tests mean something).</summary>
public sealed class FakeKubernetesApiServerTests : IAsyncLifetime
{
    private const string Models = "apis/inference.networking.x-k8s.io/v1alpha1/namespaces/ns/inferencemodels";
    private FakeKubernetesApiServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _http = new HttpClient { BaseAddress = _server.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private void ApplyPod(string name, string app) =>
        _server.Apply(KubernetesTestCluster.ToJson(Api.Serialization.ManifestReader.Read(
            ManifestYaml.Pod(name, "10.0.0.1", new Dictionary<string, string> { ["app"] = app }, "ns"), "t").Documents[0].Object));

    private void ApplyModel(string name) =>
        _server.Apply(KubernetesTestCluster.ToJson(Api.Serialization.ManifestReader.Read(
            ManifestYaml.Model(name, name, "pool", "ns"), "t").Documents[0].Object));

    [Fact]
    public async Task List_LabelSelector_ReturnsMatchingItemsAndResourceVersion()
    {
        ApplyPod("a", "x");
        ApplyPod("b", "y");

        var list = JsonNode.Parse(await _http.GetStringAsync("api/v1/namespaces/ns/pods?labelSelector=app%3Dx"))!;

        Assert.Equal("PodList", list["kind"]!.GetValue<string>());
        Assert.Equal(_server.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), list["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal("a", Assert.Single(list["items"]!.AsArray())!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_FromOldResourceVersionAfterCompaction_SendsGoneErrorEvent()
    {
        ApplyModel("m");
        var old = _server.CurrentResourceVersion - 1;
        _server.CompactHistory();

        using var response = await _http.GetAsync($"{Models}?watch=true&resourceVersion={old}", HttpCompletionOption.ResponseHeadersRead);
        var line = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal("ERROR", line["type"]!.GetValue<string>());
        Assert.Equal(410, line["object"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Watch_FromResourceVersion_ReplaysLaterEventsThenStreams()
    {
        ApplyModel("first");
        var from = _server.CurrentResourceVersion;
        ApplyModel("second");

        using var response = await _http.GetAsync($"{Models}?watch=true&resourceVersion={from}", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var replayed = JsonNode.Parse((await reader.ReadLineAsync())!)!;
        _server.Delete("inferencemodels", "ns", "first");
        var live = JsonNode.Parse((await reader.ReadLineAsync())!)!;

        Assert.Equal(("ADDED", "second"), (replayed["type"]!.GetValue<string>(), replayed["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal(("DELETED", "first"), (live["type"]!.GetValue<string>(), live["object"]!["metadata"]!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task StatusJsonPatch_ChangesOnlyStatusAndIsRecorded()
    {
        ApplyModel("m");
        var patch = """[{"op":"add","path":"/status","value":{"conditions":[{"type":"Accepted","status":"True"}]}},{"op":"replace","path":"/spec/modelName","value":"hacked"}]""";
        using var content = new StringContent(patch, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json-patch+json");

        using var response = await _http.PatchAsync($"{Models}/m/status", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = _server.Get("inferencemodels", "ns", "m")!;
        Assert.Equal("True", stored["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
        Assert.Equal("m", stored["spec"]!["modelName"]!.GetValue<string>());
        Assert.Equal(1, _server.StatusWriteCount);
        Assert.Equal(1, stored["metadata"]!["generation"]!.GetValue<long>());
    }

    [Fact]
    public async Task Lease_CreateTwiceAndStaleUpdate_Conflict()
    {
        const string Leases = "apis/coordination.k8s.io/v1/namespaces/ns/leases";
        var lease = """{"metadata":{"name":"l"},"spec":{"holderIdentity":"a"}}""";
        using var first = await _http.PostAsync(Leases, new StringContent(lease, Encoding.UTF8, "application/json"));
        using var second = await _http.PostAsync(Leases, new StringContent(lease, Encoding.UTF8, "application/json"));
        var created = JsonNode.Parse(await first.Content.ReadAsStringAsync())!;
        var version = created["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var update = await _http.PutAsync($"{Leases}/l", new StringContent(
            $$$"""{"metadata":{"name":"l","resourceVersion":"{{{version}}}"},"spec":{"holderIdentity":"b"}}""", Encoding.UTF8, "application/json"));
        using var stale = await _http.PutAsync($"{Leases}/l", new StringContent(
            $$$"""{"metadata":{"name":"l","resourceVersion":"{{{version}}}"},"spec":{"holderIdentity":"c"}}""", Encoding.UTF8, "application/json"));
        using var missing = await _http.GetAsync($"{Leases}/nope");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("b", _server.Get("leases", "ns", "l")!["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public async Task RequireBearerToken_WithoutToken_Unauthorized()
    {
        _server.RequireBearerToken = true;

        using var response = await _http.GetAsync("api/v1/namespaces/ns/pods");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
