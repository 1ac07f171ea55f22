using System.Globalization;
using System.Text;

namespace InferenceGateway.TestSupport;

/// <summary>
/// Writes the manifests the file source reads (InferencePool, InferenceModel, v1 Pod, StaticEndpoints) as YAML
/// text, so tests state only the fields they care about. Join documents with <see cref="Join"/>.
/// Every string is double-quoted and every integer carries an explicit !!int tag: both are plain YAML 1.2, and
/// neither depends on how the reader resolves untagged plain scalars.
/// </summary>
public static class ManifestYaml
{
    public static string Join(params string[] documents) => string.Join("---\n", documents);

    public static string Pool(string name, int targetPort = 8000, string ns = "default", IReadOnlyDictionary<string, string>? selector = null)
    {
        var text = new StringBuilder();
        text.Append("apiVersion: \"inference.networking.x-k8s.io/v1alpha1\"\nkind: \"InferencePool\"\n");
        AppendMetadata(text, name, ns, null, null);
        text.Append("spec:\n  targetPortNumber: !!int ").Append(targetPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("  selector:\n");
        foreach (var (key, value) in selector ?? new Dictionary<string, string> { ["app"] = name })
        {
            text.Append("    ").Append(Quote(key)).Append(": ").Append(Quote(value)).Append('\n');
        }

        return text.ToString();
    }

    /// <param name="targets">name=weight pairs; a null weight leaves the field out.</param>
    public static string Model(
        string name,
        string modelName,
        string poolName,
        string ns = "default",
        string? criticality = null,
        DateTimeOffset? created = null,
        params (string Name, int? Weight)[] targets)
    {
        var text = new StringBuilder();
        text.Append("apiVersion: \"inference.networking.x-k8s.io/v1alpha1\"\nkind: \"InferenceModel\"\n");
        AppendMetadata(text, name, ns, created, null);
        text.Append("spec:\n  modelName: ").Append(Quote(modelName)).Append('\n');
        if (criticality is not null)
        {
            text.Append("  criticality: ").Append(Quote(criticality)).Append('\n');
        }

        text.Append("  poolRef:\n    name: ").Append(Quote(poolName)).Append('\n');
        if (targets.Length > 0)
        {
            text.Append("  targetModels:\n");
            foreach (var (targetName, weight) in targets)
            {
                text.Append("  - name: ").Append(Quote(targetName)).Append('\n');
                if (weight is not null)
                {
                    text.Append("    weight: !!int ").Append(weight.Value.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return text.ToString();
    }

    /// <param name="ready">"True", "False", or null for no Ready condition.</param>
    public static string Pod(
        string name,
        string? ip,
        IReadOnlyDictionary<string, string> labels,
        string ns = "default",
        string? ready = "True",
        DateTimeOffset? deleted = null)
    {
        var text = new StringBuilder();
        text.Append("apiVersion: \"v1\"\nkind: \"Pod\"\n");
        AppendMetadata(text, name, ns, null, deleted);
        text.Append("  labels:\n");
        foreach (var (key, value) in labels)
        {
            text.Append("    ").Append(Quote(key)).Append(": ").Append(Quote(value)).Append('\n');
        }

        text.Append("status:\n  phase: \"Running\"\n");
        if (ip is not null)
        {
            text.Append("  podIP: ").Append(Quote(ip)).Append('\n');
        }

        if (ready is not null)
        {
            text.Append("  conditions:\n  - type: \"Ready\"\n    status: ").Append(Quote(ready)).Append('\n');
        }

        return text.ToString();
    }

    public static string StaticEndpoints(string name, string poolName, IEnumerable<string> endpoints, string ns = "default", string? engineType = null)
    {
        var text = new StringBuilder();
        text.Append("apiVersion: \"inference-gateway.io/v1alpha1\"\nkind: \"StaticEndpoints\"\n");
        AppendMetadata(text, name, ns, null, null);
        text.Append("spec:\n  poolName: ").Append(Quote(poolName)).Append('\n');
        if (engineType is not null)
        {
            text.Append("  engineType: ").Append(Quote(engineType)).Append('\n');
        }

        text.Append("  endpoints:\n");
        foreach (var endpoint in endpoints)
        {
            text.Append("  - ").Append(Quote(endpoint)).Append('\n');
        }

        return text.ToString();
    }

    private static void AppendMetadata(StringBuilder text, string name, string ns, DateTimeOffset? created, DateTimeOffset? deleted)
    {
        text.Append("metadata:\n  name: ").Append(Quote(name)).Append("\n  namespace: ").Append(Quote(ns)).Append('\n');
        if (created is not null)
        {
            text.Append("  creationTimestamp: ").Append(Quote(Timestamp(created.Value))).Append('\n');
        }

        if (deleted is not null)
        {
            text.Append("  deletionTimestamp: ").Append(Quote(Timestamp(deleted.Value))).Append('\n');
        }
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
