using System.Text.Json.Nodes;
using InferenceGateway.Api.Cli;
using InferenceGateway.Api.Crds;
using InferenceGateway.Api.Serialization;

namespace InferenceGateway.Api.Tests;

public sealed class CrdTests
{
    private static readonly string[] ExpectedFiles = ["inference.networking.x-k8s.io_inferencemodels.yaml", "inference.networking.x-k8s.io_inferencepools.yaml"];

    [Fact]
    public void Generate_TwoCrds_NamedLikeControllerGen()
    {
        Assert.Equal(ExpectedFiles, CrdGenerator.Generate().Select(c => c.FileName));
    }

    [Theory]
    [InlineData("inference.networking.x-k8s.io_inferencemodels.yaml")]
    [InlineData("inference.networking.x-k8s.io_inferencepools.yaml")]
    public void CommittedCrd_EqualsGeneratorOutput(string file)
    {
        var committed = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CommittedCrds", file));

        var generated = CrdGenerator.Generate().Single(c => c.FileName == file).Yaml;

        Assert.True(committed == generated, $"deploy/crds/{file} is stale: run `inference-gateway crds --output deploy/crds` and commit the result");
    }

    [Theory]
    [InlineData("inference.networking.x-k8s.io_inferencemodels.yaml")]
    [InlineData("inference.networking.x-k8s.io_inferencepools.yaml")]
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
    [InlineData("inferencemodels.inference.networking.x-k8s.io", "InferenceModel")]
    [InlineData("inferencepools.inference.networking.x-k8s.io", "InferencePool")]
    public void Crd_NamesScopeVersionAndStatusSubresource(string name, string kind)
    {
        var crd = Crd(name);

        Assert.Equal("Namespaced", (string?)crd["spec"]!["scope"]);
        Assert.Equal("inference.networking.x-k8s.io", (string?)crd["spec"]!["group"]);
        var names = crd["spec"]!["names"]!;
        Assert.Equal((kind, kind + "List", kind.ToLowerInvariant() + "s", kind.ToLowerInvariant()),
            ((string)names["kind"]!, (string)names["listKind"]!, (string)names["plural"]!, (string)names["singular"]!));
        var version = Assert.Single(crd["spec"]!["versions"]!.AsArray())!;
        Assert.Equal(("v1alpha1", true, true), ((string)version["name"]!, (bool)version["served"]!, (bool)version["storage"]!));
        Assert.Empty(version["subresources"]!["status"]!.AsObject());
        Assert.Equal(["type"], version["schema"]!["openAPIV3Schema"]!["properties"]!["metadata"]!.AsObject().Select(p => p.Key));
        Assert.Contains(version["additionalPrinterColumns"]!.AsArray(), c => (string?)c!["name"] == "Age");
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
    public void CrdsHandler_NoFolder_PrintsBothAsOneStream()
    {
        var output = new StringWriter();

        var exit = CrdsHandler.Run(null, output, TextWriter.Null);

        Assert.Equal(0, exit);
        var documents = YamlJson.ParseDocuments(output.ToString()).Where(d => d is not null).ToList();
        Assert.Equal(["inferencemodels.inference.networking.x-k8s.io", "inferencepools.inference.networking.x-k8s.io"], documents.Select(d => (string)d!["metadata"]!["name"]!));
    }

    private static JsonObject Crd(string name) => CrdGenerator.Generate().Select(c => c.Object).Single(c => (string?)c["metadata"]!["name"] == name);

    private static JsonNode Schema(string name) => Crd(name)["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];
}
