using System.Text.Json.Nodes;
using InferenceGateway.Api.Cli;
using InferenceGateway.Api.Crds;
using InferenceGateway.Api.Serialization;

namespace InferenceGateway.Api.Tests;

public sealed class CrdTests
{
    private static readonly string[] ExpectedFiles =
    [
        "inference.networking.k8s.io_inferencepools.yaml",
        "inference.networking.x-k8s.io_inferencemodelrewrites.yaml",
        "inference.networking.x-k8s.io_inferencemodels.yaml",
        "inference.networking.x-k8s.io_inferenceobjectives.yaml",
        "inference.networking.x-k8s.io_inferencepools.yaml",
    ];

    public static TheoryData<string> Files => [.. ExpectedFiles];

    [Fact]
    public void Generate_OneCrdPerGroupAndKind_NamedLikeControllerGen()
    {
        Assert.Equal(ExpectedFiles, CrdGenerator.Generate().Select(c => c.FileName));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void CommittedCrd_EqualsGeneratorOutput(string file)
    {
        var committed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CommittedCrds", file));

        var generated = CrdGenerator.Generate().Single(c => c.FileName == file).Yaml;

        Assert.True(committed == generated, $"deploy/crds/{file} is stale: run `inference-gateway crds --output deploy/crds` and commit the result");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void GeneratedCrd_ParsedFromItsYaml_IsStructural(string file)
    {
        var yaml = CrdGenerator.Generate().Single(c => c.FileName == file).Yaml;

        var crd = Assert.IsType<JsonObject>(Assert.Single(YamlJson.ParseDocuments(yaml), d => d is not null));
        var problems = StructuralSchema.Check(crd);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void StructuralCheck_NonStructuralSchema_ReportsEveryProblem()
    {
        var crd = Crd("inferencemodels.inference.networking.x-k8s.io").DeepClone().AsObject();
        var root = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
        root["properties"]!["metadata"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "string" } } };
        root["properties"]!["spec"]!["properties"]!["modelName"]!.AsObject().Remove("type");
        root["properties"]!["spec"]!["properties"]!["poolRef"]!["$ref"] = "#/definitions/x";
        root["properties"]!["spec"]!["properties"]!["criticality"]!["default"] = "High";
        crd["spec"]!["versions"]![0]!.AsObject().Remove("subresources");

        var problems = StructuralSchema.Check(crd);

        Assert.Contains(problems, p => p.Contains("metadata may only be", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("modelName: type missing", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("unsupported keyword $ref", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("default not in enum", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.EndsWith("subresources.status: {}", StringComparison.Ordinal));
    }

    [Fact]
    public void InferenceModelCrd_CarriesEverySeedMarker()
    {
        var spec = Schema("inferencemodels.inference.networking.x-k8s.io")["properties"]!["spec"]!;

        Assert.Equal(["poolRef"], Strings(spec["required"]));
        Assert.Equal(253, (long)spec["properties"]!["modelName"]!["maxLength"]!);
        Assert.Equal(["Critical", "Default", "Sheddable"], Strings(spec["properties"]!["criticality"]!["enum"]));
        Assert.Equal("Default", (string?)spec["properties"]!["criticality"]!["default"]);
        var targets = spec["properties"]!["targetModels"]!;
        Assert.Equal(10, (long)targets["maxItems"]!);
        var weight = targets["items"]!["properties"]!["weight"]!;
        Assert.Equal((0L, 1000000L, 1L, "int32"), ((long)weight["minimum"]!, (long)weight["maximum"]!, (long)weight["default"]!, (string)weight["format"]!));
        Assert.Equal(253, (long)targets["items"]!["properties"]!["name"]!["maxLength"]!);
        var poolRef = spec["properties"]!["poolRef"]!;
        Assert.Equal(["name"], Strings(poolRef["required"]));
        Assert.Equal("inference.networking.x-k8s.io", (string?)poolRef["properties"]!["group"]!["default"]);
        Assert.Equal(@"^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", (string?)poolRef["properties"]!["group"]!["pattern"]);
        Assert.Equal((1L, 63L, "InferencePool"), ((long)poolRef["properties"]!["kind"]!["minLength"]!, (long)poolRef["properties"]!["kind"]!["maxLength"]!, (string)poolRef["properties"]!["kind"]!["default"]!));
        Assert.Equal((1L, 253L), ((long)poolRef["properties"]!["name"]!["minLength"]!, (long)poolRef["properties"]!["name"]!["maxLength"]!));
    }

    [Fact]
    public void InferencePoolCrd_SelectorPortAndExtensionRules()
    {
        var spec = Schema("inferencepools.inference.networking.x-k8s.io")["properties"]!["spec"]!;

        Assert.Equal(["selector", "targetPortNumber"], Strings(spec["required"]));
        var values = spec["properties"]!["selector"]!["additionalProperties"]!;
        Assert.Equal(("string", 63L, "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"), ((string)values["type"]!, (long)values["maxLength"]!, (string)values["pattern"]!));
        var port = spec["properties"]!["targetPortNumber"]!;
        Assert.Equal((1L, 65535L), ((long)port["minimum"]!, (long)port["maximum"]!));
        var extension = spec["properties"]!["extensionRef"]!["properties"]!;
        Assert.Equal(("", "Service", 9002L, "FailClose"), ((string)extension["group"]!["default"]!, (string)extension["kind"]!["default"]!, (long)extension["targetPortNumber"]!["default"]!, (string)extension["failureMode"]!["default"]!));
        Assert.Equal(["FailOpen", "FailClose"], Strings(extension["failureMode"]!["enum"]));
    }

    [Theory]
    [InlineData("inferencemodels.inference.networking.x-k8s.io", "InferenceModel", "v1alpha1,v1alpha2", "v1alpha1")]
    [InlineData("inferencepools.inference.networking.x-k8s.io", "InferencePool", "v1alpha1,v1alpha2", "v1alpha1")]
    [InlineData("inferenceobjectives.inference.networking.x-k8s.io", "InferenceObjective", "v1alpha2", "v1alpha2")]
    [InlineData("inferencemodelrewrites.inference.networking.x-k8s.io", "InferenceModelRewrite", "v1alpha2", "v1alpha2")]
    [InlineData("inferencepools.inference.networking.k8s.io", "InferencePool", "v1", "v1")]
    public void Crd_NamesScopeVersionsAndStatusSubresource(string name, string kind, string versions, string storage)
    {
        var crd = Crd(name);

        Assert.Equal("Namespaced", (string?)crd["spec"]!["scope"]);
        Assert.Equal(name[(name.IndexOf('.') + 1)..], (string?)crd["spec"]!["group"]);
        Assert.Equal("None", (string?)crd["spec"]!["conversion"]!["strategy"]);
        var names = crd["spec"]!["names"]!;
        Assert.Equal((kind, kind + "List", kind.ToLowerInvariant() + "s", kind.ToLowerInvariant()),
            ((string)names["kind"]!, (string)names["listKind"]!, (string)names["plural"]!, (string)names["singular"]!));
        var all = crd["spec"]!["versions"]!.AsArray();
        Assert.Equal(versions.Split(','), all.Select(v => (string)v!["name"]!));
        Assert.Equal([storage], all.Where(v => (bool)v!["storage"]!).Select(v => (string)v!["name"]!));
        foreach (var version in all)
        {
            Assert.True((bool)version!["served"]!);
            Assert.Empty(version["subresources"]!["status"]!.AsObject());
            Assert.Equal(["type"], version["schema"]!["openAPIV3Schema"]!["properties"]!["metadata"]!.AsObject().Select(p => p.Key));
            Assert.Contains(version["additionalPrinterColumns"]!.AsArray(), c => (string?)c!["name"] == "Age");
        }
    }

    [Fact]
    public void V1InferencePoolCrd_ApiApprovedAndEveryRule()
    {
        var crd = Crd("inferencepools.inference.networking.k8s.io");
        var spec = Schema("inferencepools.inference.networking.k8s.io")["properties"]!["spec"]!;

        Assert.Equal(CrdGenerator.ApiApprovedAnnotation, (string?)crd["metadata"]!["annotations"]!["api-approved.kubernetes.io"]);
        Assert.Equal(["selector", "targetPorts"], Strings(spec["required"]));
        var matchLabels = spec["properties"]!["selector"]!["properties"]!["matchLabels"]!;
        Assert.Equal((1L, 64L), ((long)matchLabels["minProperties"]!, (long)matchLabels["maxProperties"]!));
        var ports = spec["properties"]!["targetPorts"]!;
        Assert.Equal((1L, 8L), ((long)ports["minItems"]!, (long)ports["maxItems"]!));
        Assert.Equal("port number must be unique", (string?)ports["x-kubernetes-validations"]![0]!["message"]);
        Assert.Equal((1L, 65535L), ((long)ports["items"]!["properties"]!["number"]!["minimum"]!, (long)ports["items"]!["properties"]!["number"]!["maximum"]!));
        Assert.Equal(["http", "kubernetes.io/h2c"], Strings(spec["properties"]!["appProtocol"]!["enum"]));
        Assert.Equal("http", (string?)spec["properties"]!["appProtocol"]!["default"]);
        var picker = spec["properties"]!["endpointPickerRef"]!;
        Assert.Equal("self.kind != 'Service' || has(self.port)", (string?)picker["x-kubernetes-validations"]![0]!["rule"]);
        Assert.Equal(("", "Service", "FailClose"), ((string)picker["properties"]!["group"]!["default"]!, (string)picker["properties"]!["kind"]!["default"]!, (string)picker["properties"]!["failureMode"]!["default"]!));
        var parents = Schema("inferencepools.inference.networking.k8s.io")["properties"]!["status"]!["properties"]!["parents"]!;
        Assert.Equal(32, (long)parents["maxItems"]!);
        Assert.Equal(["parentRef"], Strings(parents["items"]!["required"]));
    }

    [Fact]
    public void XK8sCrds_NoApiApprovedAnnotation()
    {
        foreach (var crd in CrdGenerator.Generate().Where(c => c.FileName.StartsWith("inference.networking.x-k8s.io", StringComparison.Ordinal)))
        {
            Assert.False(crd.Object["metadata"]!["annotations"]!.AsObject().ContainsKey("api-approved.kubernetes.io"), crd.FileName);
        }
    }

    [Fact]
    public void V1Alpha2Crds_ModelPoolObjectiveAndRewriteRules()
    {
        var model = Schema("inferencemodels.inference.networking.x-k8s.io", "v1alpha2")["properties"]!["spec"]!;
        Assert.Equal(["modelName", "poolRef"], Strings(model["required"]));
        Assert.Equal(256, (long)model["properties"]!["modelName"]!["maxLength"]!);
        Assert.Equal(["Critical", "Standard", "Sheddable"], Strings(model["properties"]!["criticality"]!["enum"]));
        Assert.Null(model["properties"]!["criticality"]!["default"]);
        Assert.Equal("Weights should be set for all models, or none of the models.", (string?)model["properties"]!["targetModels"]!["x-kubernetes-validations"]![0]!["message"]);
        Assert.Null(model["properties"]!["targetModels"]!["items"]!["properties"]!["weight"]!["default"]);

        var pool = Schema("inferencepools.inference.networking.x-k8s.io", "v1alpha2");
        Assert.Equal(["selector", "targetPortNumber", "extensionRef"], Strings(pool["properties"]!["spec"]!["required"]));
        var extension = pool["properties"]!["spec"]!["properties"]!["extensionRef"]!["properties"]!;
        Assert.Equal((1L, 65535L), ((long)extension["portNumber"]!["minimum"]!, (long)extension["portNumber"]!["maximum"]!));
        Assert.Equal(32, (long)pool["properties"]!["status"]!["properties"]!["parent"]!["maxItems"]!);

        var objective = Schema("inferenceobjectives.inference.networking.x-k8s.io")["properties"]!["spec"]!;
        Assert.Equal(["poolRef"], Strings(objective["required"]));
        Assert.Equal(("integer", "int32"), ((string)objective["properties"]!["priority"]!["type"]!, (string)objective["properties"]!["priority"]!["format"]!));
        Assert.Equal("inference.networking.k8s.io", (string?)objective["properties"]!["poolRef"]!["properties"]!["group"]!["default"]);

        var rewrite = Schema("inferencemodelrewrites.inference.networking.x-k8s.io")["properties"]!["spec"]!;
        Assert.Equal(["poolRef", "rules"], Strings(rewrite["required"]));
        var rule = rewrite["properties"]!["rules"]!["items"]!["properties"]!;
        var match = rule["matches"]!["items"]!["properties"]!["model"]!;
        Assert.Equal(["Exact"], Strings(match["properties"]!["type"]!["enum"]));
        Assert.Equal("Exact", (string?)match["properties"]!["type"]!["default"]);
        Assert.Equal(1, (long)match["properties"]!["value"]!["minLength"]!);
        var targets = rule["targets"]!;
        Assert.Equal(1, (long)targets["minItems"]!);
        Assert.Equal(["modelRewrite"], Strings(targets["items"]!["required"]));
        Assert.Equal((1L, 1000000L), ((long)targets["items"]!["properties"]!["weight"]!["minimum"]!, (long)targets["items"]!["properties"]!["weight"]!["maximum"]!));
    }

    [Fact]
    public void CrdsHandler_OutputFolder_OneFilePerCrdMatchingGenerator()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"ig-crds-{Guid.NewGuid():N}");
        try
        {
            var exit = CrdsHandler.Run(folder, TextWriter.Null, TextWriter.Null);

            Assert.Equal(0, exit);
            Assert.Equal(ExpectedFiles, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            foreach (var crd in CrdGenerator.Generate())
            {
                Assert.Equal(crd.Yaml, File.ReadAllText(Path.Combine(folder, crd.FileName)));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CrdsHandler_NoFolder_PrintsAllAsOneStream()
    {
        var output = new StringWriter();

        var exit = CrdsHandler.Run(null, output, TextWriter.Null);

        Assert.Equal(0, exit);
        var documents = YamlJson.ParseDocuments(output.ToString()).Where(d => d is not null).ToList();
        Assert.Equal(
            [
                "inferencepools.inference.networking.k8s.io", "inferencemodelrewrites.inference.networking.x-k8s.io",
                "inferencemodels.inference.networking.x-k8s.io", "inferenceobjectives.inference.networking.x-k8s.io",
                "inferencepools.inference.networking.x-k8s.io",
            ],
            documents.Select(d => (string)d!["metadata"]!["name"]!));
    }

    private static JsonObject Crd(string name) => CrdGenerator.Generate().Select(c => c.Object).Single(c => (string?)c["metadata"]!["name"] == name);

    private static JsonNode Schema(string name, string? version = null) =>
        Crd(name)["spec"]!["versions"]!.AsArray().First(v => version is null || (string?)v!["name"] == version)!["schema"]!["openAPIV3Schema"]!;

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];
}
