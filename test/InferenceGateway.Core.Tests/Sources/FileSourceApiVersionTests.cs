using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Sources;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Sources;

/// <summary>The file source reads the later API versions and kinds: v1 and v1alpha2 pools, objectives, rewrites.</summary>
public sealed class FileSourceApiVersionTests : IDisposable
{
    private const string V1Pool = """
        apiVersion: inference.networking.k8s.io/v1
        kind: InferencePool
        metadata:
          name: vllm
          namespace: default
        spec:
          selector:
            matchLabels:
              app: vllm
          targetPorts:
          - number: 8000
          - number: 8001
          appProtocol: kubernetes.io/h2c
          endpointPickerRef:
            name: vllm-epp
            port:
              number: 9002
            failureMode: FailOpen
        """;

    private const string Objective = """
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceObjective
        metadata:
          name: batch
          namespace: default
        spec:
          priority: -2
          poolRef:
            name: vllm
        """;

    private const string Rewrite = """
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceModelRewrite
        metadata:
          name: canary
          namespace: default
        spec:
          poolRef:
            name: vllm
          rules:
          - matches:
            - model:
                value: food-review
            targets:
            - modelRewrite: food-review-v1
              weight: 10
            - modelRewrite: food-review-v2
              weight: 90
        """;

    private const string PodDocument = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: vllm-0
          namespace: default
          labels:
            app: vllm
        status:
          podIP: 127.0.0.2
          conditions:
          - type: Ready
            status: "True"
        """;

    private readonly TempConfigFolder _folder = new();
    private readonly InMemoryDatastore _datastore = new();

    public void Dispose() => _folder.Dispose();

    private ConfigurationLoadResult Load(string yaml, string? group = null)
    {
        var path = _folder.WriteAtomically("config.yaml", yaml);
        using var source = new FileConfigurationSource(
            new FileConfigurationSourceOptions { Path = path, PoolGroup = group, WatchFileSystem = false },
            _datastore,
            TimeProvider.System,
            new RecordingLogger<FileConfigurationSource>());
        return source.Reload();
    }

    [Fact]
    public void Reload_V1PoolObjectiveRewriteAndPod_AllInTheSnapshot()
    {
        var result = Load(string.Join("\n---\n", V1Pool, Objective, Rewrite, PodDocument));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var snapshot = _datastore.Current;
        Assert.Equal((PoolInfo.V1ApiVersion, PoolInfo.H2cAppProtocol, FailureMode.FailOpen), (snapshot.PoolApiVersion, snapshot.Pool!.AppProtocol, snapshot.Pool.FailureMode));
        Assert.Equal([("127.0.0.2:8000", "vllm-0"), ("127.0.0.2:8001", "vllm-0-rank-1")], snapshot.Endpoints.Select(e => (e.Address, e.Name)));
        Assert.Equal(CriticalityBand.Sheddable, snapshot.Objectives["batch"].Band);
        Assert.Equal([new WeightedTarget("food-review-v1", 10), new WeightedTarget("food-review-v2", 90)], snapshot.Rewrites.Find("food-review")!.Targets.ToArray());
    }

    [Fact]
    public void Reload_SeedAndV1PoolOfTheSameName_PoolGroupChooses()
    {
        const string SeedPool = """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferencePool
            metadata:
              name: vllm
              namespace: default
            spec:
              selector:
                app: vllm
              targetPortNumber: 7000
            """;
        var yaml = string.Join("\n---\n", SeedPool, V1Pool, PodDocument);

        var ambiguous = Load(yaml);
        var v1 = Load(yaml, "inference.networking.k8s.io");

        Assert.False(ambiguous.Succeeded);
        Assert.Contains(ambiguous.Errors, e => e.Contains("and the pool group", StringComparison.Ordinal) && e.Contains("default/vllm (inference.networking.k8s.io)", StringComparison.Ordinal));
        Assert.True(v1.Succeeded, string.Join("\n", v1.Errors));
        Assert.Equal(PoolInfo.V1ApiVersion, _datastore.Current.PoolApiVersion);
    }

    [Fact]
    public void Validate_EmptyPoolGroup_Throws()
    {
        var options = new FileConfigurationSourceOptions { Path = "config.yaml", PoolGroup = "" };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal(nameof(FileConfigurationSourceOptions.PoolGroup), error.ParamName);
    }

    [Fact]
    public void Reload_V1Alpha1AndV1Alpha2PoolOfTheSameName_ReportedAsDuplicate()
    {
        const string SeedPool = """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferencePool
            metadata:
              name: vllm
            spec:
              selector:
                app: vllm
              targetPortNumber: 8000
            """;
        const string V1Alpha2Pool = """
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferencePool
            metadata:
              name: vllm
            spec:
              selector:
                app: vllm
              targetPortNumber: 8000
              extensionRef:
                name: vllm-epp
            """;

        var result = Load(string.Join("\n---\n", SeedPool, V1Alpha2Pool));

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.Contains("InferencePool default/vllm is already defined", StringComparison.Ordinal));
    }
}
