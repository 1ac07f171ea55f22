using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace InferenceGateway.Bench.Workloads;

/// <summary>
/// Reads a workload from YAML with snake_case keys (the fields of <see cref="WorkloadSpec"/>), e.g.
/// <c>type: shared_prefix</c>, <c>num_groups: 150</c>, <c>stages: [{rate: 15, duration: 50}]</c>. Missing keys keep
/// their defaults; unknown keys are an error.
/// </summary>
internal static class WorkloadFile
{
    public static WorkloadSpec Parse(string yaml)
    {
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        var spec = deserializer.Deserialize<WorkloadSpec?>(yaml) ?? new WorkloadSpec();
        spec.Validate();
        return spec;
    }

    public static WorkloadSpec Load(string path) => Parse(File.ReadAllText(path));
}
