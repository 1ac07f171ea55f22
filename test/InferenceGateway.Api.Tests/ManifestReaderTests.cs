using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Tests;

public sealed class ManifestReaderTests
{
    [Fact]
    public void ReadFile_MultiDocumentCluster_AllKindsTypedAndIndexed()
    {
        var result = ManifestReader.ReadFile(Fixture.Path("files", "cluster.yaml"));

        Assert.Empty(result.Errors);
        Assert.Equal(6, result.DocumentCount);
        Assert.Equal([0, 1, 2, 3, 4, 5], result.Documents.Select(d => d.DocumentIndex));
        Assert.IsType<InferencePool>(result.Documents[0].Object);
        var summarizer = Assert.IsType<InferenceModel>(result.Documents[2].Object);
        Assert.Equal([90, 1], summarizer.Spec.TargetModels!.Select(t => t.Weight!.Value));
        var pod = Assert.IsType<Pod>(result.Documents[3].Object);
        Assert.Equal("127.0.0.2", pod.Status!.PodIP);
        Assert.Equal("True", Assert.Single(pod.Status.Conditions!).Status);
        Assert.IsType<StaticEndpoints>(result.Documents[5].Object);
    }

    [Fact]
    public void ReadFile_OneBadDocumentInTheMiddle_OthersReturnedAndAllItsErrorsReported()
    {
        var path = Fixture.Path("files", "one-bad-document.yaml");

        var result = ManifestReader.ReadFile(path);

        Assert.Equal(["vllm-pool", "fine"], result.Documents.Select(d => d.Object.Metadata.Name!));
        Assert.Equal([0, 2], result.Documents.Select(d => d.DocumentIndex));
        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.Equal(1, e.DocumentIndex);
            Assert.Equal("InferenceModel", e.Kind);
            Assert.Equal("broken", e.Name);
        });
        Assert.Equal(["spec.criticality", "spec.targetModels[0].weight", "spec.poolRef"], result.Errors.Select(e => e.FieldPath));
    }

    [Fact]
    public void ManifestError_ToString_NamesFileDocumentKindNamePathAndRule()
    {
        var error = new ManifestError("models.yaml", 1, "InferenceModel", "broken", "spec.targetModels[3].weight",
            "Invalid value: 1000001: spec.targetModels[3].weight in body should be less than or equal to 1000000");

        Assert.Equal(
            "models.yaml: document 2 (InferenceModel broken): spec.targetModels[3].weight: Invalid value: 1000001: spec.targetModels[3].weight in body should be less than or equal to 1000000",
            error.ToString());
    }

    [Fact]
    public void ReadFile_KubectlV1List_ItemsBecomeDocuments()
    {
        var result = ManifestReader.ReadFile(Fixture.Path("files", "kubectl-list.yaml"));

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Documents.Count);
        Assert.IsType<InferenceModel>(result.Documents[0].Object);
        Assert.IsType<InferencePool>(result.Documents[1].Object);
    }

    [Fact]
    public void ReadFile_TypedListWithBadItem_ItemsMayOmitTypeAndErrorPathNamesItem()
    {
        var result = ManifestReader.ReadFile(Fixture.Path("files", "model-list.yaml"));

        var model = Assert.IsType<InferenceModel>(Assert.Single(result.Documents).Object);
        Assert.Equal("a", model.Metadata.Name);
        var error = Assert.Single(result.Errors);
        Assert.Equal("items[1].spec.criticality", error.FieldPath);
        Assert.StartsWith("Unsupported value: \"Urgent\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_JsonWithTabs_ReadAndDefaulted()
    {
        var result = ManifestReader.ReadFile(Fixture.Path("files", "model.json"));

        Assert.Empty(result.Errors);
        var model = Assert.IsType<InferenceModel>(Assert.Single(result.Documents).Object);
        Assert.Equal(Criticality.Sheddable, model.Spec.Criticality);
        Assert.Equal("InferencePool", model.Spec.PoolRef.Kind);
    }

    [Fact]
    public void Read_EmptyAndCommentOnlyDocuments_Skipped()
    {
        var result = ManifestReader.Read("---\n# nothing here\n---\n---\n", "empty.yaml");

        Assert.True(result.IsValid);
        Assert.Empty(result.Documents);
        Assert.Equal(0, result.DocumentCount);
    }

    [Fact]
    public void Read_AnnotationsOverTotalLimit_TooLong()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: \"" + new string('x', 256 * 1024) + "\"\n";

        var error = Assert.Single(ManifestReader.Read(yaml, "p.yaml").Errors);

        Assert.Equal("metadata.annotations", error.FieldPath);
        Assert.Equal("Too long: must have at most 262144 bytes", error.Message);
    }

    [Fact]
    public void Read_AnnotationsAtTotalLimit_Valid()
    {
        var yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    a: \"" + new string('x', (256 * 1024) - 1) + "\"\n";

        Assert.True(ManifestReader.Read(yaml, "p.yaml").IsValid);
    }

    [Fact]
    public void Read_PatternAnchor_TrailingNewlineDoesNotMatch()
    {
        // .NET's `$` also matches before a final newline; the API server's does not.
        var yaml = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferenceModel\nmetadata:\n  name: m\nspec:\n  poolRef:\n    name: p\n    kind: \"Pool\\n\"\n";

        var error = Assert.Single(ManifestReader.Read(yaml, "m.yaml").Errors);

        Assert.Equal("spec.poolRef.kind", error.FieldPath);
        Assert.Contains("should match", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_MaxLengthCountsCharactersNotBytes()
    {
        var yaml = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: InferenceModel\nmetadata:\n  name: m\nspec:\n  modelName: " + new string('é', 253) + "\n  poolRef:\n    name: p\n";

        Assert.True(ManifestReader.Read(yaml, "m.yaml").IsValid);
    }

    [Fact]
    public void ReadFile_NotUtf8_ThrowsIOException()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ig-latin1-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, [0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xe9, 0x0a]);
        try
        {
            var exception = Assert.Throws<IOException>(() => ManifestReader.ReadFile(path));
            Assert.Contains("not UTF-8", exception.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
