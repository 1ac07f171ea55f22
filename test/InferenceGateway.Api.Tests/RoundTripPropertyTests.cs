using CsCheck;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Serialization;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Api.Tests;

public sealed class RoundTripPropertyTests
{
    private static readonly Gen<string> DnsLabel = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789"], 1, 20];
    private static readonly Gen<string> FreeText = Gen.String[Gen.Char["abcXYZ019 :-_./#'\"\n"], 0, 30];

    private static readonly Gen<InferenceModel> Models =
        from name in DnsLabel
        from ns in DnsLabel
        from modelName in FreeText
        from criticality in Gen.Enum<Criticality>()
        from targets in Gen.Select(Gen.String[Gen.Char["abc-1"], 0, 12], Gen.Int[0, 1000000]).List[0, 10]
        from pool in DnsLabel
        from created in Gen.Long[0, 4102444800L]
        select new InferenceModel
        {
            ApiVersion = InferenceModel.GroupVersion,
            Kind = InferenceModel.KindName,
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = ns,
                CreationTimestamp = DateTimeOffset.FromUnixTimeSeconds(created),
                Labels = new() { ["app"] = name },
            },
            Spec = new InferenceModelSpec
            {
                ModelName = modelName,
                Criticality = criticality,
                TargetModels = targets.Count == 0 ? null : [.. targets.Select(t => new TargetModel { Name = t.Item1, Weight = t.Item2 })],
                PoolRef = new PoolObjectReference { Group = InferencePool.Group, Kind = InferencePool.KindName, Name = pool },
            },
        };

    [Fact]
    public void ToYamlThenRead_AnyValidModel_ValidAndWritesIdentically()
    {
        Models.Sample(model =>
        {
            var yaml = ManifestWriter.ToYaml(model);

            var result = ManifestReader.Read(yaml, "model.yaml");

            Assert.True(result.IsValid, yaml + "\n" + string.Join("\n", result.Errors));
            Assert.Equal(yaml, ManifestWriter.ToYaml(Assert.Single(result.Documents).Object));
        }, iter: 500);
    }

    [Fact]
    public void ToJsonThenRead_AnyValidModel_ValidAndWritesIdentically()
    {
        Models.Sample(model =>
        {
            var json = ManifestWriter.ToJson(model);

            var result = ManifestReader.Read(json, "model.json");

            Assert.True(result.IsValid, json + "\n" + string.Join("\n", result.Errors));
            Assert.Equal(json, ManifestWriter.ToJson(Assert.Single(result.Documents).Object));
        }, iter: 500);
    }

    [Fact]
    public void Read_AnyWeightOutsideRange_ExactlyOneRangeError()
    {
        Gen.OneOf(Gen.Long[long.MinValue / 2, -1], Gen.Long[1000001, long.MaxValue / 2]).Sample(weight =>
        {
            var yaml = $"apiVersion: {InferenceModel.GroupVersion}\nkind: InferenceModel\nmetadata:\n  name: m\nspec:\n  targetModels:\n  - name: a\n    weight: {weight}\n  poolRef:\n    name: p\n";

            var error = Assert.Single(ManifestReader.Read(yaml, "m.yaml").Errors);

            Assert.Equal("spec.targetModels[0].weight", error.FieldPath);
            Assert.StartsWith($"Invalid value: {weight}: spec.targetModels[0].weight in body should be ", error.Message, StringComparison.Ordinal);
        }, iter: 300);
    }
}
