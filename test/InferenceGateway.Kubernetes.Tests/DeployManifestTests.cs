using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Core.Datastore;
using YamlDotNet.RepresentationModel;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>Every manifest under deploy/ (and the Helm chart, rendered) is Kubernetes YAML with the fields the picker needs.</summary>
public sealed partial class DeployManifestTests
{
    private static readonly string DeployFolder = Path.Combine(AppContext.BaseDirectory, "deploy");
    private static readonly string ChartFolder = Path.Combine(DeployFolder, "helm", "inference-gateway");

    public static TheoryData<string> ManifestFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(DeployFolder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(DeployFolder, file);
            // The chart's templates are rendered by their own test; Envoy bootstrap files are not Kubernetes objects.
            if (!relative.StartsWith("helm", StringComparison.Ordinal)
                && !relative.StartsWith(Path.Combine("examples", "envoy"), StringComparison.Ordinal))
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
    public void Rbac_Role_GrantsExactlyTheVerbsThePickerNeeds()
    {
        var role = Single(Parse(File.ReadAllText(Path.Combine(DeployFolder, "rbac.yaml"))), "Role");

        AssertRbac(role);
    }

    [Fact]
    public void Epp_DeploymentAndService_HavePortsProbesDownwardApiAndNonRootUser()
    {
        var documents = Parse(File.ReadAllText(Path.Combine(DeployFolder, "epp.yaml")));

        AssertEpp(documents, "epp");
    }

    [Fact]
    public void VllmExample_PoolAndModels_BuildASnapshotAndMatchTheDeploymentLabels()
    {
        var text = File.ReadAllText(Path.Combine(DeployFolder, "examples", "vllm-deployment.yaml"));
        var documents = Parse(text);
        var deployment = Single(documents, "Deployment");
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("/health", container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>());
        Assert.Contains("--enable-lora", container["args"]!.AsArray().Select(a => a!.ToString()));

        var inference = string.Join("\n---\n", text.Split("\n---\n").Where(d => d.Contains("inference.networking.x-k8s.io", StringComparison.Ordinal)));
        var read = ManifestReader.Read(inference, "vllm-deployment.yaml");
        Assert.True(read.IsValid, string.Join("\n", read.Errors));
        var inputs = new SnapshotInputs(
            [.. read.Documents.Select(d => d.Object).OfType<Api.V1Alpha1.InferencePool>()],
            [.. read.Documents.Select(d => d.Object).OfType<Api.V1Alpha1.InferenceModel>()], [], []);
        var snapshot = SnapshotBuilder.Build(inputs, PoolSelection.Auto).Snapshot!;
        Assert.Equal(2, snapshot.Models.Count);
        Assert.Empty(snapshot.Conflicts);
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var (key, value) in snapshot.Pool!.Selector)
        {
            Assert.Equal(value, podLabels[key]!.GetValue<string>());
        }
    }

    [Fact]
    public void Dockerfile_MultiStage_RunsAsNonRoot()
    {
        var text = File.ReadAllText(Path.Combine(DeployFolder, "Dockerfile"));

        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build", text);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0\S* AS runtime", text);
        Assert.Matches(@"(?m)^USER [1-9][0-9]*", text);
        Assert.Contains("ENTRYPOINT [\"/app/inference-gateway\"]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void HelmChart_Rendered_IsValidAndUsesValues()
    {
        var values = ToJson(LoadYaml(File.ReadAllText(Path.Combine(ChartFolder, "values.yaml")))[0])!.AsObject();
        var chart = ToJson(LoadYaml(File.ReadAllText(Path.Combine(ChartFolder, "Chart.yaml")))[0])!.AsObject();
        Assert.Equal("v2", chart["apiVersion"]!.GetValue<string>());
        Assert.Equal("inference-gateway", chart["name"]!.GetValue<string>());

        var documents = new List<JsonObject>();
        foreach (var template in Directory.EnumerateFiles(Path.Combine(ChartFolder, "templates"), "*.yaml").Order(StringComparer.Ordinal))
        {
            var rendered = Render(File.ReadAllText(template), values, "demo", "serving");
            var parsed = Parse(rendered);
            AssertKubernetesObjects(parsed, Path.GetFileName(template));
            documents.AddRange(parsed);
        }

        AssertRbac(Single(documents, "Role"));
        AssertEpp(documents, "demo-epp");
        var deployment = Single(documents, "Deployment");
        Assert.Equal(values["replicas"]!.GetValue<long>(), deployment["spec"]!["replicas"]!.GetValue<long>());
        var args = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["args"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Equal(values["poolName"]!.GetValue<string>(), args[args.IndexOf("--pool-name") + 1]);
        var pool = Single(documents, "InferencePool");
        Assert.Equal(values["poolName"]!.GetValue<string>(), pool["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("demo-epp", pool["spec"]!["extensionRef"]!["name"]!.GetValue<string>());
        var config = Single(documents, "ConfigMap");
        Assert.Equal(values["schedulerConfig"]!.GetValue<string>(), config["data"]!["scheduler.yaml"]!.GetValue<string>());
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

    private static void AssertRbac(JsonObject role)
    {
        var grants = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var rule in role["rules"]!.AsArray())
        {
            foreach (var resource in rule!["resources"]!.AsArray())
            {
                var set = grants.TryGetValue(resource!.ToString(), out var s) ? s : grants[resource.ToString()] = new SortedSet<string>(StringComparer.Ordinal);
                set.UnionWith(rule["verbs"]!.AsArray().Select(v => v!.ToString()));
            }
        }

        Assert.Equal(["get", "list", "watch"], grants["inferencepools"]);
        Assert.Equal(["get", "list", "watch"], grants["inferencemodels"]);
        Assert.Equal(["get", "list", "watch"], grants["pods"]);
        Assert.Equal(["patch", "update"], grants["inferencepools/status"]);
        Assert.Equal(["patch", "update"], grants["inferencemodels/status"]);
        Assert.Equal(["create", "get", "list", "patch", "update", "watch"], grants["leases"]);
        Assert.Equal(["create", "patch"], grants["events"]);
        Assert.Equal(7, grants.Count);
    }

    private static void AssertEpp(List<JsonObject> documents, string serviceName)
    {
        var deployment = Single(documents, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;
        var args = container["args"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Equal("epp", args[0]);
        Assert.Contains("--pool-name", args);
        Assert.Equal("$(NAMESPACE)", args[args.IndexOf("--pool-namespace") + 1]);
        var ports = container["ports"]!.AsArray().ToDictionary(p => p!["name"]!.ToString(), p => p!["containerPort"]!.GetValue<long>());
        Assert.Equal(new Dictionary<string, long> { ["grpc"] = 9002, ["grpc-health"] = 9003, ["metrics"] = 9090 }, ports);
        Assert.Equal(("liveness", 9003L), (container["livenessProbe"]!["grpc"]!["service"]!.ToString(), container["livenessProbe"]!["grpc"]!["port"]!.GetValue<long>()));
        Assert.Equal(("readiness", 9003L), (container["readinessProbe"]!["grpc"]!["service"]!.ToString(), container["readinessProbe"]!["grpc"]!["port"]!.GetValue<long>()));
        var env = container["env"]!.AsArray().ToDictionary(e => e!["name"]!.ToString(), e => e!["valueFrom"]!["fieldRef"]!["fieldPath"]!.ToString());
        Assert.Equal("metadata.namespace", env["NAMESPACE"]);
        Assert.Equal("metadata.name", env["POD_NAME"]);
        Assert.True(pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.False(container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.Equal("RollingUpdate", deployment["spec"]!["strategy"]!["type"]!.ToString());

        var service = Single(documents, "Service");
        Assert.Equal(serviceName, service["metadata"]!["name"]!.ToString());
        var servicePorts = service["spec"]!["ports"]!.AsArray().ToDictionary(p => p!["name"]!.ToString(), p => p!.AsObject());
        Assert.Equal(9002, servicePorts["grpc-ext-proc"]["port"]!.GetValue<long>());
        Assert.Equal("http2", servicePorts["grpc-ext-proc"]["appProtocol"]!.ToString());
        Assert.Equal(9090, servicePorts["http-metrics"]["port"]!.GetValue<long>());
    }

    private static JsonObject Single(List<JsonObject> documents, string kind) =>
        Assert.Single(documents, d => d["kind"]?.ToString() == kind);

    /// <summary>
    /// The chart's templates use only value substitutions, so this renders them like Helm would: {{ .Values.a.b }},
    /// {{ .Values.a.b | quote }}, {{ .Release.Name }}, {{ .Release.Namespace }}. Anything else fails the test, which
    /// keeps the templates simple enough for this check to mean something.
    /// </summary>
    private static string Render(string template, JsonObject values, string releaseName, string releaseNamespace)
    {
        var rendered = Placeholder().Replace(template, match =>
        {
            var path = match.Groups["path"].Value;
            string value;
            if (path == ".Release.Name")
            {
                value = releaseName;
            }
            else if (path == ".Release.Namespace")
            {
                value = releaseNamespace;
            }
            else
            {
                JsonNode? node = values;
                foreach (var part in path[".Values.".Length..].Split('.'))
                {
                    node = node?[part];
                }

                Assert.True(node is JsonValue, $"values.yaml has no scalar {path}");
                value = node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : node.ToJsonString();
            }

            return match.Groups["quote"].Success ? JsonSerializer.Serialize(value) : value;
        });
        Assert.DoesNotContain("{{", rendered, StringComparison.Ordinal);
        return rendered;
    }

    [GeneratedRegex(@"\{\{\s*(?<path>\.Values(\.[A-Za-z0-9_]+)+|\.Release\.Name|\.Release\.Namespace)\s*(?<quote>\|\s*quote\s*)?\}\}")]
    private static partial Regex Placeholder();

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
