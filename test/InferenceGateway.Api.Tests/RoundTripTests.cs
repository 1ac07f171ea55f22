using CsCheck;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Tests;

public sealed class RoundTripTests
{
    [Theory]
    [InlineData("kubectl-inferencemodel.yaml")]
    [InlineData("kubectl-inferencepool.yaml")]
    public void ToYaml_KubectlOutput_WrittenBackIdentically(string file)
    {
        var text = Fixture.Text("roundtrip", file);

        var result = ManifestReader.Read(text, file);

        Assert.Empty(result.Errors);
        Assert.Equal(text, ManifestWriter.ToYaml(Assert.Single(result.Documents).Object));
    }

    [Fact]
    public void ToJson_KubectlJsonOutput_WrittenBackIdentically()
    {
        var text = Fixture.Text("roundtrip", "kubectl-inferencepool.json");

        var result = ManifestReader.Read(text, "pool.json");

        Assert.Empty(result.Errors);
        Assert.Equal(text, ManifestWriter.ToJson(Assert.Single(result.Documents).Object));
    }

    [Fact]
    public void ToJson_ThenRead_ThenToYaml_SameAsDirectYaml()
    {
        var original = Assert.Single(ManifestReader.Read(Fixture.Text("roundtrip", "kubectl-inferencemodel.yaml"), "m.yaml").Documents).Object;

        var viaJson = Assert.Single(ManifestReader.Read(ManifestWriter.ToJson(original), "m.json").Documents).Object;

        Assert.Equal(ManifestWriter.ToYaml(original), ManifestWriter.ToYaml(viaJson));
    }

    [Fact]
    public void ToYaml_Timestamps_Rfc3339UtcSecondsQuoted()
    {
        var model = NewModel();
        model.Metadata.CreationTimestamp = new DateTimeOffset(2024, 1, 2, 5, 4, 5, 678, TimeSpan.FromHours(2));

        var yaml = ManifestWriter.ToYaml(model);

        Assert.Contains("  creationTimestamp: \"2024-01-02T03:04:05Z\"\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TimestampWithOffsetAndFraction_ParsedAsSameInstant()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  creationTimestamp: 2024-01-02T05:04:05.5+02:00\n";

        var pod = Assert.IsType<Pod>(Assert.Single(ManifestReader.Read(yaml, "p.yaml").Documents).Object);

        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, 500, TimeSpan.Zero), pod.Metadata.CreationTimestamp);
    }

    [Fact]
    public void ToYaml_NewObject_KeysInKubectlOrderAndNullsOmitted()
    {
        var yaml = ManifestWriter.ToYaml(NewModel());

        Assert.Equal(
            "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferenceModel\nmetadata:\n  name: m\n  namespace: default\n"
            + "spec:\n  criticality: Critical\n  modelName: llama\n  poolRef:\n    name: pool\n  targetModels:\n  - name: a\n    weight: 1\n",
            yaml);
    }

    [Fact]
    public void ToJson_NewObject_TopLevelOrderApiVersionKindMetadataSpecStatus()
    {
        var model = NewModel();
        model.Status = new InferenceModelStatus { Conditions = [new Condition { Type = "Ready", Status = "True", Reason = "Ok", LastTransitionTime = DateTimeOffset.UnixEpoch }] };

        var json = ManifestWriter.ToJson(model);

        var positions = new[] { "\"apiVersion\"", "\"kind\"", "\"metadata\"", "\"spec\"", "\"status\"" }.Select(k => json.IndexOf(k, StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("\"lastTransitionTime\": \"1970-01-01T00:00:00Z\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_SeveralObjects_MultiDocumentStreamReadsBack()
    {
        var pool = new InferencePool
        {
            ApiVersion = InferencePool.GroupVersion,
            Kind = InferencePool.KindName,
            Metadata = new ObjectMeta { Name = "pool" },
            Spec = new InferencePoolSpec { Selector = new() { ["app"] = "vllm" }, TargetPortNumber = 8000 },
        };

        var yaml = ManifestWriter.ToYaml([pool, NewModel()]);
        var result = ManifestReader.Read(yaml, "out.yaml");

        Assert.Contains("\n---\n", yaml, StringComparison.Ordinal);
        Assert.Empty(result.Errors);
        Assert.Equal([0, 1], result.Documents.Select(d => d.DocumentIndex));
        Assert.IsType<InferencePool>(result.Documents[0].Object);
        Assert.IsType<InferenceModel>(result.Documents[1].Object);
    }

    [Fact]
    public void ToJson_SeveralObjects_WrittenAsV1ListThatReadsBack()
    {
        var json = ManifestWriter.ToJson([NewModel(), NewModel()]);

        var result = ManifestReader.Read(json, "out.json");

        Assert.StartsWith("{\n    \"apiVersion\": \"v1\",\n    \"items\": [", json, StringComparison.Ordinal);
        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Documents.Count);
    }

    [Fact]
    public void ToYaml_AnyAnnotationText_ReadsBackUnchanged()
    {
        // Quoting is where YAML writers go wrong: strings that look like numbers, booleans, nulls, timestamps,
        // indicators, comments or that span lines must all come back as the same string.
        var tricky = Gen.OneOfConst("", "true", "False", "yes", "NO", "on", "~", "null", "8000", "0x1F", "0o17", "1e3", ".5", "-1", "+1",
            "1_000", "12:30", ".inf", ".NaN", "2024-01-02", "2024-01-02T03:04:05Z", "- item", "key: value", "a #comment", "#x", "&anchor",
            "*alias", "!tag", "|", ">", "'quoted'", "\"dq\"", "%x", "@x", "`x", "{a: 1}", "[1]", "trailing ", " leading", "tab\there",
            "line1\nline2", "line1\nline2\n", "\nleading newline", "ends\n\n", "back\\slash", "ünïcødé", "a:b", "x:", "=", "<<");
        var random = Gen.String[Gen.Char[" \n\t:#-'\"\\{}[],&*!|>%@`?aZ09.~"], 0, 12];

        Gen.OneOf(tricky, random).Sample(value =>
        {
            var pool = new InferencePool
            {
                ApiVersion = InferencePool.GroupVersion,
                Kind = InferencePool.KindName,
                Metadata = new ObjectMeta { Name = "p", Annotations = new() { ["example.com/note"] = value } },
                Spec = new InferencePoolSpec { Selector = new() { ["app"] = "vllm" }, TargetPortNumber = 8000 },
            };

            var result = ManifestReader.Read(ManifestWriter.ToYaml(pool), "p.yaml");

            Assert.Empty(result.Errors);
            Assert.Equal(value, ((InferencePool)result.Documents[0].Object).Metadata.Annotations!["example.com/note"]);
        }, iter: 2000);
    }

    private static InferenceModel NewModel() => new()
    {
        ApiVersion = InferenceModel.GroupVersion,
        Kind = InferenceModel.KindName,
        Metadata = new ObjectMeta { Name = "m", Namespace = "default" },
        Spec = new InferenceModelSpec
        {
            ModelName = "llama",
            Criticality = Criticality.Critical,
            TargetModels = [new TargetModel { Name = "a", Weight = 1 }],
            PoolRef = new PoolObjectReference { Name = "pool" },
        },
    };
}
