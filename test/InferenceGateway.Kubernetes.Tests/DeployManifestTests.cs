using System.Globalization;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Core.Datastore;
using YamlDotNet.RepresentationModel;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>Every manifest under deploy/ (and the Helm chart, rendered) is Kubernetes YAML with the fields the picker needs.</summary>
public sealed class DeployManifestTests
{
    private const string V1Group = "inference.networking.k8s.io";
    private const string SeedGroup = "inference.networking.x-k8s.io";
    private static readonly string DeployFolder = Path.Combine(AppContext.BaseDirectory, "deploy");
    private static readonly string ChartFolder = Path.Combine(DeployFolder, "helm", "inference-gateway");
    private static readonly string ExamplesFolder = Path.Combine(DeployFolder, "examples");

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(DeployFolder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(DeployFolder, file);
            // The chart is rendered by its own tests; Envoy bootstrap files and Helm values files are not Kubernetes objects.
            if (!relative.StartsWith("helm", StringComparison.Ordinal) && !IsEnvoyBootstrap(relative) && !relative.EndsWith("values.yaml", StringComparison.Ordinal))
            {
                data.Add(relative);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Manifest_EveryDocument_HasApiVersionKindAndName(string file)
    {
        var documents = Parse(File.ReadAllText(Path.Combine(DeployFolder, file)));

        Assert.NotEmpty(documents);
        AssertKubernetesObjects(documents, file);
    }

    [Fact]
    public void Rbac_PlainManifests_GrantExactlyTheVerbsThePickerNeeds()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(DeployFolder, "rbac.yaml")));

        AssertRbac(documents, "epp", expectMetricsAuth: true);
    }

    [Fact]
    public void Epp_PlainManifests_MatchTheReferenceDeployment()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(DeployFolder, "epp.yaml")));

        var args = AssertEpp(documents, "epp", extProcPort: 9002);
        Assert.Equal(V1Group, ArgValue(args, "--pool-group"));
        Assert.Equal("vllm-llama3-8b-instruct", ArgValue(args, "--pool-name"));
    }

    [Fact]
    public void SeedPoolExample_PoolAndModels_BuildASnapshotAndMatchTheDeploymentLabels()
    {
        var podLabels = VllmPodLabels();
        var text = File.ReadAllText(Path.Combine(ExamplesFolder, "pool-v1alpha1.yaml"));

        var read = ManifestReader.Read(text, "pool-v1alpha1.yaml");

        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var inputs = new SnapshotInputs(
            [.. read.Documents.Select(d => d.Object).OfType<Api.V1Alpha1.InferencePool>()],
            [.. read.Documents.Select(d => d.Object).OfType<Api.V1Alpha1.InferenceModel>()], [], []);
        var snapshot = SnapshotBuilder.Build(inputs, PoolSelection.Auto).Snapshot!;
        Assert.Equal(2, snapshot.Models.Count);
        Assert.Empty(snapshot.Conflicts);
        foreach (var (key, value) in snapshot.Pool!.Selector)
        {
            Assert.Equal(value, podLabels[key]!.GetValue<string>());
        }

        Assert.Equal("epp", Single(Parse(text), "InferencePool")["spec"]!["extensionRef"]!["name"]!.ToString());
    }

    [Fact]
    public void V1PoolExample_SelectsTheDeploymentAndNamesThePickerService()
    {
        var podLabels = VllmPodLabels();
        var documents = Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "pool-v1.yaml")));

        var pool = Single(documents, "InferencePool");

        Assert.Equal(V1Group + "/v1", pool["apiVersion"]!.ToString());
        foreach (var (key, value) in pool["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(value!.ToString(), podLabels[key]!.ToString());
        }

        var picker = pool["spec"]!["endpointPickerRef"]!;
        var eppService = Single(Parse(File.ReadAllText(Path.Combine(DeployFolder, "epp.yaml"))), "Service");
        Assert.Equal(eppService["metadata"]!["name"]!.ToString(), picker["name"]!.ToString());
        Assert.Equal(9002, picker["port"]!["number"]!.GetValue<long>());
        var poolName = pool["metadata"]!["name"]!.ToString();
        var objectives = documents.Where(d => d["kind"]!.ToString() == "InferenceObjective").ToList();
        Assert.Equal(2, objectives.Count);
        Assert.All(objectives, o => Assert.Equal((SeedGroup + "/v1alpha2", V1Group, poolName),
            (o["apiVersion"]!.ToString(), o["spec"]!["poolRef"]!["group"]!.ToString(), o["spec"]!["poolRef"]!["name"]!.ToString())));
        var rewrite = Single(documents, "InferenceModelRewrite");
        var targets = rewrite["spec"]!["rules"]![0]!["targets"]!.AsArray();
        Assert.Equal(["food-review-1", "food-review-2"], targets.Select(t => t!["modelRewrite"]!.ToString()));
        Assert.All(targets, t => Assert.InRange(t!["weight"]!.GetValue<long>(), 1, 1_000_000));
    }

    [Fact]
    public void VllmDeployment_ServesOnPort8000WithLoraAndHealthProbes()
    {
        var deployment = Single(Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "vllm-deployment.yaml"))), "Deployment");

        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("/health", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Equal(8000, container["ports"]![0]!["containerPort"]!.GetValue<long>());
        Assert.Contains("--enable-lora", container["args"]!.AsArray().Select(a => a!.ToString()));
    }

    [Fact]
    public void Dockerfile_MultiStage_RunsAsNonRootWithAnEppTarget()
    {
        var text = File.ReadAllText(Path.Combine(DeployFolder, "Dockerfile"));

        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build", text);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0\S* AS base", text);
        Assert.Matches(@"(?m)^USER [1-9][0-9]*", text);
        Assert.Matches(@"(?m)^FROM base AS epp\s+ENTRYPOINT \[""/app/inference-gateway"", ""epp""\]", text);
        Assert.Matches(@"(?m)^FROM base AS runtime\s+ENTRYPOINT \[""/app/inference-gateway""\]\s*$", text);
    }

    // ---- the Helm chart ----

    [Fact]
    public void HelmChart_DefaultValues_RendersAV1PoolAndAPickerLikeTheReference()
    {
        var values = ChartValues();

        var documents = RenderChart(values);

        Assert.Equal(
            ["ClusterRole/demo-serving-epp", "ClusterRoleBinding/demo-serving-epp", "ConfigMap/demo-epp", "Deployment/demo-epp", "InferencePool/demo",
             "Role/demo-epp", "RoleBinding/demo-epp", "Service/demo-epp", "ServiceAccount/demo-epp"],
            documents.Select(d => $"{d["kind"]}/{d["metadata"]!["name"]}").Order(StringComparer.Ordinal));
        Assert.All(documents.Where(d => d["kind"]!.ToString() is not ("ClusterRole" or "ClusterRoleBinding")), d => Assert.Equal("serving", d["metadata"]!["namespace"]!.ToString()));
        var args = AssertEpp(documents, "demo-epp", extProcPort: 9002);
        Assert.Equal("demo", ArgValue(args, "--pool-name"));
        Assert.Equal(V1Group, ArgValue(args, "--pool-group"));
        Assert.DoesNotContain("--pool-version", args);
        Assert.Equal("/config/default-plugins.yaml", ArgValue(args, "--config-file"));
        Assert.DoesNotContain("--ha-enable-leader-election", args);
        Assert.DoesNotContain(args, a => a.StartsWith("--metrics-endpoint-auth", StringComparison.Ordinal));
        Assert.DoesNotContain(args, a => a.StartsWith("--emit-events", StringComparison.Ordinal)); // on by default
        var deployment = Single(documents, "Deployment");
        Assert.Equal(1, deployment["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("ghcr.io/inference-gateway/inference-gateway:0.1.0", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.ToString());
        var config = Single(documents, "ConfigMap");
        Assert.Equal(values["schedulerConfig"]!.GetValue<string>(), config["data"]!["default-plugins.yaml"]!.GetValue<string>());
        Assert.Equal("plugins-config-volume", deployment["spec"]!["template"]!["spec"]!["volumes"]![0]!["name"]!.ToString());
        Assert.Equal("demo-epp", deployment["spec"]!["template"]!["spec"]!["volumes"]![0]!["configMap"]!["name"]!.ToString());
        AssertRbac(documents, "demo-epp", expectMetricsAuth: true);

        var pool = Single(documents, "InferencePool");
        Assert.Equal(V1Group + "/v1", pool["apiVersion"]!.ToString());
        Assert.Equal("vllm-llama3-8b-instruct", pool["spec"]!["selector"]!["matchLabels"]!["app"]!.ToString());
        Assert.Single(pool["spec"]!["selector"]!["matchLabels"]!.AsObject());
        Assert.Equal([8000L], pool["spec"]!["targetPorts"]!.AsArray().Select(p => p!["number"]!.GetValue<long>()));
        var picker = pool["spec"]!["endpointPickerRef"]!;
        Assert.Equal(("Service", "demo-epp", 9002L, "FailClose"),
            (picker["kind"]!.ToString(), picker["name"]!.ToString(), picker["port"]!["number"]!.GetValue<long>(), picker["failureMode"]!.ToString()));
        Assert.Null(pool["spec"]!["appProtocol"]);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("istio")]
    [InlineData("gke")]
    public void HelmChart_Provider_RendersOnlyThatProvidersResources(string provider)
    {
        var documents = RenderChart(Override("{\"provider\":{\"name\":\"" + provider + "\"}}"));

        var destinationRules = documents.Where(d => d["kind"]!.ToString() == "DestinationRule").ToList();
        var healthChecks = documents.Where(d => d["kind"]!.ToString() == "HealthCheckPolicy").ToList();
        var backendPolicies = documents.Where(d => d["kind"]!.ToString() == "GCPBackendPolicy").ToList();
        Assert.Equal(provider == "istio" ? 1 : 0, destinationRules.Count);
        Assert.Equal(provider == "gke" ? 1 : 0, healthChecks.Count);
        Assert.Equal(provider == "gke" ? 1 : 0, backendPolicies.Count);
        AssertEpp(documents, "demo-epp", extProcPort: 9002);
        if (provider == "istio")
        {
            var rule = destinationRules[0];
            Assert.Equal("networking.istio.io/v1", rule["apiVersion"]!.ToString());
            Assert.Equal("demo-epp.serving.svc.cluster.local", rule["spec"]!["host"]!.ToString());
            Assert.Equal("SIMPLE", rule["spec"]!["trafficPolicy"]!["tls"]!["mode"]!.ToString());
            Assert.True(rule["spec"]!["trafficPolicy"]!["tls"]!["insecureSkipVerify"]!.GetValue<bool>());
        }

        if (provider == "gke")
        {
            foreach (var policy in healthChecks.Concat(backendPolicies))
            {
                Assert.Equal("networking.gke.io/v1", policy["apiVersion"]!.ToString());
                var target = policy["spec"]!["targetRef"]!;
                Assert.Equal((V1Group, "InferencePool", "demo"), (target["group"]!.ToString(), target["kind"]!.ToString(), target["name"]!.ToString()));
            }

            var check = healthChecks[0]["spec"]!["default"]!["config"]!;
            Assert.Equal("HTTP", check["type"]!.ToString());
            Assert.Equal(("/health", 8000L), (check["httpHealthCheck"]!["requestPath"]!.ToString(), check["httpHealthCheck"]!["port"]!.GetValue<long>()));
            Assert.Equal(300, backendPolicies[0]["spec"]!["default"]!["timeoutSec"]!.GetValue<long>());
        }
    }

    [Fact]
    public void HelmChart_IstioTrafficPolicy_IsMergedBesideTheTlsSettings()
    {
        var documents = RenderChart(Override("""
            {"provider":{"name":"istio","istio":{"destinationRule":{"host":"picker.example","trafficPolicy":{"tls":{"mode":"DISABLE"},"connectionPool":{"http":{"maxRequestsPerConnection":256000}}}}}}}
            """));

        var rule = Single(documents, "DestinationRule");
        Assert.Equal("picker.example", rule["spec"]!["host"]!.ToString());
        Assert.Equal(256000, rule["spec"]!["trafficPolicy"]!["connectionPool"]!["http"]!["maxRequestsPerConnection"]!.GetValue<long>());
        Assert.Equal("SIMPLE", rule["spec"]!["trafficPolicy"]!["tls"]!["mode"]!.ToString());
        Assert.True(rule["spec"]!["trafficPolicy"]!["tls"]!["insecureSkipVerify"]!.GetValue<bool>());
    }

    [Fact]
    public void HelmChart_V1Alpha1Pool_RendersTheSeedShapeAndPassesGroupAndVersion()
    {
        var documents = RenderChart(Override("""{"inferencePool":{"apiVersion":"inference.networking.x-k8s.io/v1alpha1","targetPortNumber":8001},"inferenceExtension":{"failureMode":"FailOpen"}}"""));

        var pool = Single(documents, "InferencePool");
        Assert.Equal(SeedGroup + "/v1alpha1", pool["apiVersion"]!.ToString());
        Assert.Equal(8001, pool["spec"]!["targetPortNumber"]!.GetValue<long>());
        Assert.Equal("vllm-llama3-8b-instruct", pool["spec"]!["selector"]!["app"]!.ToString());
        Assert.Equal(("demo-epp", 9002L, "FailOpen"),
            (pool["spec"]!["extensionRef"]!["name"]!.ToString(), pool["spec"]!["extensionRef"]!["targetPortNumber"]!.GetValue<long>(), pool["spec"]!["extensionRef"]!["failureMode"]!.ToString()));
        var args = AssertEpp(documents, "demo-epp", extProcPort: 9002);
        Assert.Equal(SeedGroup, ArgValue(args, "--pool-group"));
        Assert.Equal("v1alpha1", ArgValue(args, "--pool-version"));

        // The project's own reader accepts the rendered seed-era pool.
        var read = ManifestReader.Read(pool.ToJsonString(), "rendered-pool.yaml");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var seedPool = Assert.IsType<Api.V1Alpha1.InferencePool>(Assert.Single(read.Documents).Object);
        Assert.Equal(8001, seedPool.Spec.TargetPortNumber);
    }

    [Fact]
    public void HelmChart_V1Alpha2Pool_UsesExtensionRefPortNumber()
    {
        var documents = RenderChart(Override("""{"inferencePool":{"apiVersion":"inference.networking.x-k8s.io/v1alpha2"}}"""));

        var pool = Single(documents, "InferencePool");
        Assert.Equal(SeedGroup + "/v1alpha2", pool["apiVersion"]!.ToString());
        Assert.Equal(9002, pool["spec"]!["extensionRef"]!["portNumber"]!.GetValue<long>());
        Assert.Null(pool["spec"]!["extensionRef"]!["targetPortNumber"]);
        Assert.Equal("v1alpha2", ArgValue(AssertEpp(documents, "demo-epp", extProcPort: 9002), "--pool-version"));
    }

    [Fact]
    public void HelmChart_ReferenceValues_MapOntoPortsFlagsImageAndLeaderElection()
    {
        var documents = RenderChart(Override("""
            {"inferenceExtension":{"replicas":3,"extProcPort":9100,
              "image":{"hub":"registry.example/team","name":"picker","tag":"v9","pullPolicy":"Always"},
              "flags":{"metrics-staleness-threshold":"500ms","secure-serving":false},
              "resources":{"requests":{"cpu":"2"}},
              "env":[{"name":"EXTRA","value":"1"}]},
             "inferencePool":{"targetPorts":[{"number":8000},{"number":8001},{"number":8002}],"appProtocol":"kubernetes.io/h2c",
              "modelServers":{"matchLabels":{"app":"sglang","tier":"gpu"}},"modelServerType":"sglang"}}
            """));

        var args = AssertEpp(documents, "demo-epp", extProcPort: 9100);
        Assert.Equal("9100", ArgValue(args, "--grpc-port"));
        Assert.Contains("--ha-enable-leader-election", args);
        Assert.Equal(["--metrics-staleness-threshold=500ms", "--secure-serving=false"], args.TakeLast(2));
        var deployment = Single(documents, "Deployment");
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("registry.example/team/picker:v9", container["image"]!.ToString());
        Assert.Equal("Always", container["imagePullPolicy"]!.ToString());
        Assert.Equal("2", container["resources"]!["requests"]!["cpu"]!.ToString());
        Assert.Contains(container["env"]!.AsArray(), e => e!["name"]!.ToString() == "EXTRA" && e["value"]!.ToString() == "1");

        var pool = Single(documents, "InferencePool");
        Assert.Equal([8000L, 8001L, 8002L], pool["spec"]!["targetPorts"]!.AsArray().Select(p => p!["number"]!.GetValue<long>()));
        Assert.Equal("kubernetes.io/h2c", pool["spec"]!["appProtocol"]!.ToString());
        Assert.Equal(9100, pool["spec"]!["endpointPickerRef"]!["port"]!["number"]!.GetValue<long>());
        var matchLabels = pool["spec"]!["selector"]!["matchLabels"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.ToString());
        Assert.Equal(
            new Dictionary<string, string> { ["app"] = "sglang", ["tier"] = "gpu", ["inference.networking.k8s.io/engine-type"] = "sglang" },
            matchLabels);
    }

    [Fact]
    public void HelmChart_FlagsAsList_AreAppendedAsNameEqualsValue()
    {
        var documents = RenderChart(Override("""{"inferenceExtension":{"flags":[{"name":"v","value":3},{"name":"metrics-staleness-threshold","value":"1s"}],"image":{"repository":"local/ig"}}}"""));

        var args = AssertEpp(documents, "demo-epp", extProcPort: 9002);
        Assert.Equal(["--v=3", "--metrics-staleness-threshold=1s"], args.TakeLast(2));
        Assert.Equal("local/ig:0.1.0", Single(documents, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.ToString());
    }

    [Fact]
    public void HelmChart_PrometheusMonitoring_AddsServiceMonitorAndTokenSecret()
    {
        var documents = RenderChart(Override("""{"inferenceExtension":{"monitoring":{"prometheus":{"enabled":true,"extraLabels":{"release":"kube-prometheus"}}}}}"""));

        var monitor = Single(documents, "ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", monitor["apiVersion"]!.ToString());
        Assert.Equal("kube-prometheus", monitor["metadata"]!["labels"]!["release"]!.ToString());
        var endpoint = monitor["spec"]!["endpoints"]![0]!;
        Assert.Equal(("http-metrics", "/metrics", "10s"), (endpoint["port"]!.ToString(), endpoint["path"]!.ToString(), endpoint["interval"]!.ToString()));
        Assert.Equal("inference-gateway-sa-metrics-reader-secret", endpoint["authorization"]!["credentials"]!["name"]!.ToString());
        var service = Single(documents, "Service");
        foreach (var (key, value) in monitor["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(value!.ToString(), service["metadata"]!["labels"]![key]!.ToString());
        }

        var secret = Single(documents, "Secret");
        Assert.Equal("kubernetes.io/service-account-token", secret["type"]!.ToString());
        Assert.Equal("demo-epp", secret["metadata"]!["annotations"]!["kubernetes.io/service-account.name"]!.ToString());
        AssertRbac(documents, "demo-epp", expectMetricsAuth: true);
    }

    [Fact]
    public void HelmChart_MetricsAuthDisabled_PassesTheFlagAndDropsTheClusterRole()
    {
        var documents = RenderChart(Override("""{"inferenceExtension":{"monitoring":{"prometheus":{"enabled":true,"auth":{"enabled":false}}}}}"""));

        var args = AssertEpp(documents, "demo-epp", extProcPort: 9002);
        Assert.Contains("--metrics-endpoint-auth=false", args);
        Assert.DoesNotContain(documents, d => d["kind"]!.ToString() is "ClusterRole" or "ClusterRoleBinding" or "Secret");
        Assert.Null(Single(documents, "ServiceMonitor")["spec"]!["endpoints"]![0]!["authorization"]);
        AssertRbac(documents, "demo-epp", expectMetricsAuth: false);
    }

    [Fact]
    public void HelmChart_EmitEventsFalse_PassesTheFlag()
    {
        var documents = RenderChart(Override("""{"inferenceExtension":{"emitEvents":false}}"""));

        var args = AssertEpp(documents, "demo-epp", extProcPort: 9002);
        Assert.Single(args, a => a.StartsWith("--emit-events", StringComparison.Ordinal));
        Assert.Contains("--emit-events=false", args);
    }

    [Fact]
    public void HelmChart_CustomPluginsConfig_IsMountedAndPassedAsConfigFile()
    {
        var documents = RenderChart(Override("""{"inferenceExtension":{"pluginsConfigFile":"custom.yaml","pluginsCustomConfig":{"custom.yaml":"kind: EndpointPickerConfig\n"}}}"""));

        Assert.Equal("/config/custom.yaml", ArgValue(AssertEpp(documents, "demo-epp", extProcPort: 9002), "--config-file"));
        Assert.Equal("kind: EndpointPickerConfig\n", Single(documents, "ConfigMap")["data"]!["custom.yaml"]!.ToString());
    }

    [Fact]
    public void HelmChart_ExperimentalHttpRoute_RoutesTheGatewayToThePool()
    {
        Assert.DoesNotContain(RenderChart(ChartValues()), d => d["kind"]!.ToString() == "HTTPRoute");

        var documents = RenderChart(Override("""{"experimentalHttpRoute":{"enabled":true,"inferenceGatewayName":"gw","baseModel":"llama"}}"""));

        var route = Single(documents, "HTTPRoute");
        Assert.Equal("gw", route["spec"]!["parentRefs"]![0]!["name"]!.ToString());
        var rule = route["spec"]!["rules"]![0]!;
        var backend = rule["backendRefs"]![0]!;
        Assert.Equal((V1Group, "InferencePool", "demo"), (backend["group"]!.ToString(), backend["kind"]!.ToString(), backend["name"]!.ToString()));
        Assert.Equal("llama", rule["matches"]![0]!["headers"]![0]!["value"]!.ToString());
        Assert.Equal("300s", rule["timeouts"]!["request"]!.ToString());
    }

    [Theory]
    [InlineData("""{"inferencePool":{"targetPorts":[{"number":1},{"number":2},{"number":3},{"number":4},{"number":5},{"number":6},{"number":7},{"number":8},{"number":9}]}}""", "1 to 8 ports")]
    [InlineData("""{"inferencePool":{"targetPorts":[]}}""", "1 to 8 ports")]
    [InlineData("""{"inferencePool":{"targetPorts":[{"number":8000},{"number":8000}]}}""", "distinct")]
    [InlineData("""{"inferencePool":{"targetPorts":[{"number":70000}]}}""", "not a port")]
    [InlineData("""{"inferencePool":{"modelServers":{"matchLabels":null}}}""", "at least one label")]
    [InlineData("""{"inferencePool":{"apiVersion":"inference.networking.k8s.io/v2"}}""", "inferencePool.apiVersion")]
    [InlineData("""{"inferencePool":{"modelServerType":"ollama"}}""", "modelServerType")]
    [InlineData("""{"provider":{"name":"aws"}}""", "provider.name")]
    [InlineData("""{"inferenceExtension":{"pluginsConfigFile":"missing.yaml"}}""", "pluginsConfigFile")]
    public void HelmChart_InvalidValues_FailTheRender(string overrides, string message)
    {
        var failure = Assert.Throws<HelmFailException>(() => RenderChart(Override(overrides)));

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HelmChart_EightDistinctPorts_AreAccepted()
    {
        var documents = RenderChart(Override("""{"inferencePool":{"targetPorts":[{"number":1},{"number":2},{"number":3},{"number":4},{"number":5},{"number":6},{"number":7},{"number":8}]}}"""));

        Assert.Equal(8, Single(documents, "InferencePool")["spec"]!["targetPorts"]!.AsArray().Count);
    }

    // ---- gateway examples ----

    [Theory]
    [InlineData("istio", V1Group + "/v1")]
    [InlineData("envoy-ai-gateway", V1Group + "/v1")]
    [InlineData("agentgateway", V1Group + "/v1")]
    [InlineData("gke", V1Group + "/v1")]
    public void GatewayExample_PoolVersionAndRouting_FitTheGateway(string folder, string poolApiVersion)
    {
        var documents = Directory.EnumerateFiles(Path.Combine(ExamplesFolder, folder), "*.yaml")
            .Where(f => !f.EndsWith("values.yaml", StringComparison.Ordinal))
            .SelectMany(f => Parse(File.ReadAllText(f))).ToList();

        var pool = Single(documents, "InferencePool");
        Assert.Equal(poolApiVersion, pool["apiVersion"]!.ToString());
        Assert.NotNull(Single(documents, "Gateway")["spec"]!["gatewayClassName"]);
        Assert.Equal(VllmPodLabels()["app"]!.ToString(), pool["spec"]!["selector"]!["matchLabels"]!["app"]!.ToString());
        Assert.Equal([8000L], pool["spec"]!["targetPorts"]!.AsArray().Select(p => p!["number"]!.GetValue<long>()));
        Assert.Equal(("Service", "epp", 9002L), (pool["spec"]!["endpointPickerRef"]!["kind"]!.ToString(),
            pool["spec"]!["endpointPickerRef"]!["name"]!.ToString(), pool["spec"]!["endpointPickerRef"]!["port"]!["number"]!.GetValue<long>()));
        var routes = documents.Where(d => d["kind"]!.ToString() is "HTTPRoute" or "AIGatewayRoute").ToList();
        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.Contains(
            route["spec"]!["rules"]!.AsArray().SelectMany(r => r!["backendRefs"]!.AsArray()),
            b => b!["kind"]!.ToString() == "InferencePool" && b["name"]!.ToString() == pool["metadata"]!["name"]!.ToString()
                && b["group"]!.ToString() == V1Group));
    }

    [Fact]
    public void IstioExample_TalksTlsToThePickerWithoutVerification()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "istio", "inference-gateway.yaml")));

        var rule = Single(documents, "DestinationRule");
        Assert.Equal("SIMPLE", rule["spec"]!["trafficPolicy"]!["tls"]!["mode"]!.ToString());
        Assert.True(rule["spec"]!["trafficPolicy"]!["tls"]!["insecureSkipVerify"]!.GetValue<bool>());
        var picker = Single(documents, "InferencePool")["spec"]!["endpointPickerRef"]!["name"]!.ToString();
        Assert.StartsWith(picker + ".", rule["spec"]!["host"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void GkeExample_HasPoliciesOnThePoolAndTheRegionalClass()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "gke", "inference-gateway.yaml")));

        Assert.Equal("gke-l7-regional-external-managed", Single(documents, "Gateway")["spec"]!["gatewayClassName"]!.ToString());
        var pool = Single(documents, "InferencePool")["metadata"]!["name"]!.ToString();
        foreach (var kind in new[] { "HealthCheckPolicy", "GCPBackendPolicy" })
        {
            var target = Single(documents, kind)["spec"]!["targetRef"]!;
            Assert.Equal((V1Group, "InferencePool", pool), (target["group"]!.ToString(), target["kind"]!.ToString(), target["name"]!.ToString()));
        }

        Assert.Equal(300, Single(documents, "GCPBackendPolicy")["spec"]!["default"]!["timeoutSec"]!.GetValue<long>());
    }

    [Fact]
    public void AgentgatewayExample_RouteAllowsLongGenerations()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "agentgateway", "inference-gateway.yaml")));

        Assert.Equal("agentgateway", Single(documents, "Gateway")["spec"]!["gatewayClassName"]!.ToString());
        Assert.Equal("300s", Single(documents, "HTTPRoute")["spec"]!["rules"]![0]!["timeouts"]!["request"]!.ToString());
    }

    [Fact]
    public void EnvoyAiGatewayValues_RegisterTheV1InferencePoolBackend()
    {
        var values = ToJson(LoadYaml(File.ReadAllText(Path.Combine(ExamplesFolder, "envoy-ai-gateway", "envoy-gateway-values.yaml")))[0])!;

        var resources = values["config"]!["envoyGateway"]!["extensionManager"]!["backendResources"]!.AsArray();
        Assert.Contains(resources, r => r!["group"]!.ToString() == V1Group && r["kind"]!.ToString() == "InferencePool" && r["version"]!.ToString() == "v1");
    }

    [Fact]
    public void EnvoyGatewaySeedExample_BuffersTheBodyAndRoutesOnTheHeader()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "envoy-gateway", "inference-gateway.yaml")));

        var extProc = Single(documents, "EnvoyExtensionPolicy")["spec"]!["extProc"]![0]!;
        Assert.Equal("Buffered", extProc["processingMode"]!["request"]!["body"]!.ToString());
        Assert.Equal(("epp", 9002L), (extProc["backendRefs"]![0]!["name"]!.ToString(), extProc["backendRefs"]![0]!["port"]!.GetValue<long>()));
        var cluster = Single(documents, "EnvoyPatchPolicy")["spec"]!["jsonPatches"]!.AsArray()
            .Select(p => p!["operation"]!["value"]).OfType<JsonObject>().Single(v => v["type"]?.ToString() == "ORIGINAL_DST");
        Assert.Equal("CLUSTER_PROVIDED", cluster["lb_policy"]!.ToString());
        Assert.Equal("x-gateway-destination-endpoint", cluster["original_dst_lb_config"]!["http_header_name"]!.ToString());
    }

    [Fact]
    public void EnvoyBootstrap_Current_StreamsFullDuplexOverTlsWithHealthChecks()
    {
        var (extProc, clusters) = ReadEnvoyBootstrap("envoy.yaml");

        var mode = extProc["processing_mode"]!;
        Assert.Equal(("SEND", "SEND", "FULL_DUPLEX_STREAMED", "FULL_DUPLEX_STREAMED", "SEND", "SEND"),
            (mode["request_header_mode"]!.ToString(), mode["response_header_mode"]!.ToString(), mode["request_body_mode"]!.ToString(),
             mode["response_body_mode"]!.ToString(), mode["request_trailer_mode"]!.ToString(), mode["response_trailer_mode"]!.ToString()));
        Assert.Equal("envoy.lb", extProc["metadata_options"]!["receiving_namespaces"]!["untyped"]![0]!.ToString());
        var pickerName = extProc["grpc_service"]!["envoy_grpc"]!["cluster_name"]!.ToString();
        var picker = clusters[pickerName];
        Assert.NotNull(picker["typed_extension_protocol_options"]!["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]!["explicit_http_config"]!["http2_protocol_options"]);
        var tls = picker["transport_socket"]!;
        Assert.Equal("envoy.transport_sockets.tls", tls["name"]!.ToString());
        Assert.Equal("type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", tls["typed_config"]!["@type"]!.ToString());
        Assert.Contains("h2", tls["typed_config"]!["common_tls_context"]!["alpn_protocols"]!.AsArray().Select(a => a!.ToString()));
        var health = picker["health_checks"]![0]!;
        Assert.Equal("envoy.service.ext_proc.v3.ExternalProcessor", health["grpc_health_check"]!["service_name"]!.ToString());
        Assert.Contains("h2", health["tls_options"]!["alpn_protocols"]!.AsArray().Select(a => a!.ToString()));
        AssertOriginalDestination(clusters);
    }

    [Fact]
    public void EnvoyBootstrap_SeedEra_BuffersTheRequestBodyOnly()
    {
        var (extProc, clusters) = ReadEnvoyBootstrap("envoy-seed-buffered.yaml");

        var mode = extProc["processing_mode"]!;
        Assert.Equal(("SEND", "SKIP", "BUFFERED", "SKIP", "SKIP"),
            (mode["request_header_mode"]!.ToString(), mode["response_header_mode"]!.ToString(), mode["request_body_mode"]!.ToString(),
             mode["request_trailer_mode"]!.ToString(), mode["response_trailer_mode"]!.ToString()));
        Assert.Equal("1000s", extProc["message_timeout"]!.ToString());
        Assert.Null(clusters[extProc["grpc_service"]!["envoy_grpc"]!["cluster_name"]!.ToString()]["transport_socket"]);
        AssertOriginalDestination(clusters);
    }

    [Fact]
    public void EnvoyLocalPool_FileSource_BuildsTwoEndpointsAndTheModel()
    {
        var read = ManifestReader.Read(File.ReadAllText(Path.Combine(ExamplesFolder, "envoy", "local-pool.yaml")), "local-pool.yaml");

        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var objects = read.Documents.Select(d => d.Object).ToList();
        var snapshot = SnapshotBuilder.Build(
            new SnapshotInputs([.. objects.OfType<Api.V1Alpha1.InferencePool>()], [.. objects.OfType<Api.V1Alpha1.InferenceModel>()], [], [.. objects.OfType<Api.Local.StaticEndpoints>()]),
            PoolSelection.Auto).Snapshot!;
        Assert.Equal(["127.0.0.2:8000", "127.0.0.3:8000"], snapshot.Endpoints.Select(e => e.Address).Order(StringComparer.Ordinal));
        Assert.True(snapshot.Models.ContainsKey("meta-llama/Llama-3.1-8B-Instruct"));
    }

    // ---- helpers ----

    private static JsonObject VllmPodLabels() =>
        Single(Parse(File.ReadAllText(Path.Combine(ExamplesFolder, "vllm-deployment.yaml"))), "Deployment")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

    private static bool IsEnvoyBootstrap(string relative) =>
        relative.StartsWith(Path.Combine("examples", "envoy") + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static (JsonObject ExtProc, Dictionary<string, JsonObject> Clusters) ReadEnvoyBootstrap(string file)
    {
        var bootstrap = ToJson(LoadYaml(File.ReadAllText(Path.Combine(ExamplesFolder, "envoy", file)))[0])!.AsObject();
        var manager = bootstrap["static_resources"]!["listeners"]![0]!["filter_chains"]![0]!["filters"]![0]!["typed_config"]!;
        var filters = manager["http_filters"]!.AsArray();
        Assert.Equal("envoy.filters.http.ext_proc", filters[0]!["name"]!.ToString());
        Assert.Equal("envoy.filters.http.router", filters[^1]!["name"]!.ToString());
        Assert.True(filters[^1]!["typed_config"]!["suppress_envoy_headers"]!.GetValue<bool>());
        var route = manager["route_config"]!["virtual_hosts"]![0]!["routes"]![0]!["route"]!;
        Assert.Equal("original_destination_cluster", route["cluster"]!.ToString());
        var clusters = bootstrap["static_resources"]!["clusters"]!.AsArray().ToDictionary(c => c!["name"]!.ToString(), c => c!.AsObject());
        return (filters[0]!["typed_config"]!.AsObject(), clusters);
    }

    private static void AssertOriginalDestination(Dictionary<string, JsonObject> clusters)
    {
        var cluster = clusters["original_destination_cluster"];
        Assert.Equal(("ORIGINAL_DST", "CLUSTER_PROVIDED"), (cluster["type"]!.ToString(), cluster["lb_policy"]!.ToString()));
        Assert.True(cluster["original_dst_lb_config"]!["use_http_header"]!.GetValue<bool>());
        Assert.Equal("x-gateway-destination-endpoint", cluster["original_dst_lb_config"]!["http_header_name"]!.ToString());
    }

    private static JsonObject ChartValues() => ToJson(LoadYaml(File.ReadAllText(Path.Combine(ChartFolder, "values.yaml")))[0])!.AsObject();

    private static JsonObject Override(string json) => HelmTemplateRenderer.Merge(ChartValues(), JsonNode.Parse(json)!.AsObject());

    private static List<JsonObject> RenderChart(JsonObject values)
    {
        var chart = ToJson(LoadYaml(File.ReadAllText(Path.Combine(ChartFolder, "Chart.yaml")))[0])!.AsObject();
        Assert.Equal("v2", chart["apiVersion"]!.GetValue<string>());
        Assert.Equal("inference-gateway", chart["name"]!.GetValue<string>());
        var documents = new List<JsonObject>();
        foreach (var template in Directory.EnumerateFiles(Path.Combine(ChartFolder, "templates"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var rendered = HelmTemplateRenderer.Render(File.ReadAllText(template), values, chart, "demo", "serving");
            var parsed = Parse(rendered);
            AssertKubernetesObjects(parsed, Path.GetFileName(template));
            documents.AddRange(parsed);
        }

        return documents;
    }

    private static void AssertKubernetesObjects(List<JsonObject> documents, string file)
    {
        foreach (var document in documents)
        {
            Assert.False(string.IsNullOrEmpty(document["apiVersion"]?.ToString()), $"{file}: apiVersion missing");
            Assert.False(string.IsNullOrEmpty(document["kind"]?.ToString()), $"{file}: kind missing");
            Assert.False(string.IsNullOrEmpty(document["metadata"]?["name"]?.ToString()), $"{file}: metadata.name missing");
        }
    }

    /// <summary>The Role (and, with metrics auth, the ClusterRole) grant exactly what the picker uses, bound to its ServiceAccount.</summary>
    private static void AssertRbac(List<JsonObject> documents, string serviceAccount, bool expectMetricsAuth)
    {
        Assert.Equal(serviceAccount, Single(documents, "ServiceAccount")["metadata"]!["name"]!.ToString());
        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [$"{V1Group}/inferencepools"] = "get,list,watch",
                [$"{SeedGroup}/inferencepools"] = "get,list,watch",
                [$"{SeedGroup}/inferenceobjectives"] = "get,list,watch",
                [$"{SeedGroup}/inferencemodelrewrites"] = "get,list,watch",
                [$"{SeedGroup}/inferencemodels"] = "get,list,watch",
                [$"{SeedGroup}/inferencepools/status"] = "patch,update",
                [$"{SeedGroup}/inferencemodels/status"] = "patch,update",
                ["/pods"] = "get,list,watch",
                ["coordination.k8s.io/leases"] = "create,delete,get,list,patch,update,watch",
                ["/events"] = "create,patch",
                ["events.k8s.io/events"] = "create,patch",
            },
            Grants(Single(documents, "Role")));
        AssertBinding(Single(documents, "RoleBinding"), "Role", Single(documents, "Role"), serviceAccount);

        var clusterRoles = documents.Where(d => d["kind"]!.ToString() == "ClusterRole").ToList();
        if (!expectMetricsAuth)
        {
            Assert.Empty(clusterRoles);
            return;
        }

        var clusterRole = Assert.Single(clusterRoles);
        Assert.Equal(
            new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["authentication.k8s.io/tokenreviews"] = "create",
                ["authorization.k8s.io/subjectaccessreviews"] = "create",
                ["url:/metrics"] = "get",
            },
            Grants(clusterRole));
        AssertBinding(Single(documents, "ClusterRoleBinding"), "ClusterRole", clusterRole, serviceAccount);
    }

    private static SortedDictionary<string, string> Grants(JsonObject role)
    {
        var grants = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var rule in role["rules"]!.AsArray())
        {
            var verbs = rule!["verbs"]!.AsArray().Select(v => v!.ToString()).ToList();
            var targets = rule["nonResourceURLs"] is JsonArray urls
                ? urls.Select(u => "url:" + u)
                : rule["apiGroups"]!.AsArray().SelectMany(g => rule["resources"]!.AsArray().Select(r => $"{g}/{r}"));
            foreach (var target in targets)
            {
                var set = grants.TryGetValue(target, out var s) ? s : grants[target] = new SortedSet<string>(StringComparer.Ordinal);
                set.UnionWith(verbs);
            }
        }

        return new SortedDictionary<string, string>(grants.ToDictionary(g => g.Key, g => string.Join(",", g.Value)), StringComparer.Ordinal);
    }

    private static void AssertBinding(JsonObject binding, string roleKind, JsonObject role, string serviceAccount)
    {
        Assert.Equal((roleKind, role["metadata"]!["name"]!.ToString()), (binding["roleRef"]!["kind"]!.ToString(), binding["roleRef"]!["name"]!.ToString()));
        var subject = Assert.Single(binding["subjects"]!.AsArray())!;
        Assert.Equal(("ServiceAccount", serviceAccount), (subject["kind"]!.ToString(), subject["name"]!.ToString()));
    }

    /// <summary>Checks the Deployment and Service against the reference deployment; returns the container args.</summary>
    private static List<string> AssertEpp(List<JsonObject> documents, string serviceName, long extProcPort)
    {
        var deployment = Single(documents, "Deployment");
        Assert.Equal("Recreate", deployment["spec"]!["strategy"]!["type"]!.ToString());
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal(130, pod["terminationGracePeriodSeconds"]!.GetValue<long>());
        foreach (var (key, value) in deployment["spec"]!["selector"]!["matchLabels"]!.AsObject())
        {
            Assert.Equal(value!.ToString(), deployment["spec"]!["template"]!["metadata"]!["labels"]![key]!.ToString());
        }

        var container = pod["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Equal("epp", args[0]);
        Assert.False(string.IsNullOrEmpty(ArgValue(args, "--pool-name")));
        Assert.Equal("$(NAMESPACE)", ArgValue(args, "--pool-namespace"));
        Assert.Contains(ArgValue(args, "--pool-group"), new[] { V1Group, SeedGroup });
        Assert.Equal(extProcPort.ToString(CultureInfo.InvariantCulture), ArgValue(args, "--grpc-port"));
        Assert.Equal("9003", ArgValue(args, "--grpc-health-port"));
        Assert.Equal("9090", ArgValue(args, "--metrics-port"));
        var ports = container["ports"]!.AsArray().ToDictionary(p => p!["name"]!.ToString(), p => p!["containerPort"]!.GetValue<long>());
        Assert.Equal(new Dictionary<string, long> { ["grpc"] = extProcPort, ["grpc-health"] = 9003, ["metrics"] = 9090 }, ports);
        Assert.Equal(("liveness", 9003L), (container["livenessProbe"]!["grpc"]!["service"]!.ToString(), container["livenessProbe"]!["grpc"]!["port"]!.GetValue<long>()));
        Assert.Equal(("readiness", 9003L), (container["readinessProbe"]!["grpc"]!["service"]!.ToString(), container["readinessProbe"]!["grpc"]!["port"]!.GetValue<long>()));
        Assert.Equal(2, container["readinessProbe"]!["periodSeconds"]!.GetValue<long>());
        var env = container["env"]!.AsArray().Where(e => e!["valueFrom"] is not null)
            .ToDictionary(e => e!["name"]!.ToString(), e => e!["valueFrom"]!["fieldRef"]!["fieldPath"]!.ToString());
        Assert.Equal("metadata.namespace", env["NAMESPACE"]);
        Assert.Equal("metadata.name", env["POD_NAME"]);
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.Equal(serviceName, pod["serviceAccountName"]!.ToString());

        var service = Single(documents, "Service");
        Assert.Equal(serviceName, service["metadata"]!["name"]!.ToString());
        foreach (var (key, value) in service["spec"]!["selector"]!.AsObject())
        {
            Assert.Equal(value!.ToString(), deployment["spec"]!["template"]!["metadata"]!["labels"]![key]!.ToString());
        }

        var servicePorts = service["spec"]!["ports"]!.AsArray().ToDictionary(p => p!["name"]!.ToString(), p => p!.AsObject());
        Assert.Equal(extProcPort, servicePorts["grpc-ext-proc"]["port"]!.GetValue<long>());
        Assert.Equal("http2", servicePorts["grpc-ext-proc"]["appProtocol"]!.ToString());
        Assert.Equal(9090, servicePorts["http-metrics"]["port"]!.GetValue<long>());
        return args;
    }

    private static string ArgValue(List<string> args, string flag)
    {
        var index = args.IndexOf(flag);
        Assert.True(index >= 0 && index + 1 < args.Count, $"{flag} missing in: {string.Join(' ', args)}");
        return args[index + 1];
    }

    private static JsonObject Single(List<JsonObject> documents, string kind) =>
        Assert.Single(documents, d => d["kind"]?.ToString() == kind);

    private static List<JsonObject> Parse(string text)
    {
        var result = new List<JsonObject>();
        foreach (var root in LoadYaml(text))
        {
            if (ToJson(root) is JsonObject obj)
            {
                result.Add(obj);
            }
        }

        return result;
    }

    private static List<YamlNode> LoadYaml(string text)
    {
        var stream = new YamlStream();
        using var reader = new StringReader(text);
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode)];
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var obj = new JsonObject();
                foreach (var (key, value) in mapping.Children)
                {
                    obj.Add(((YamlScalarNode)key).Value!, ToJson(value));
                }

                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(ToJson)]);
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
                {
                    return JsonValue.Create(text);
                }

                if (text is "true" or "false")
                {
                    return JsonValue.Create(text == "true");
                }

                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                {
                    return JsonValue.Create(number);
                }

                return text is "" or "null" or "~" ? null : JsonValue.Create(text);
            default:
                throw new InvalidOperationException($"unsupported YAML node {node.NodeType}");
        }
    }
}
