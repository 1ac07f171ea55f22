using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Meta;

namespace InferenceGateway.Api.Serialization;

/// <summary>
/// Writes resources back as YAML or JSON that reads like `kubectl get -o yaml|json`: apiVersion, kind, metadata,
/// spec, status; nulls left out; timestamps as RFC 3339 UTC seconds (2024-01-02T03:04:05Z). What it writes,
/// <see cref="ManifestReader"/> reads back to the same objects.
/// </summary>
public static class ManifestWriter
{
    private static readonly JsonSerializerOptions IndentedOptions = new(KubernetesJson.Options) { WriteIndented = true, IndentSize = 4 };

    /// <summary>The object as a JSON tree: keys sorted, nulls omitted.</summary>
    public static JsonObject ToJsonNode(KubernetesObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var node = JsonSerializer.SerializeToNode(resource, resource.GetType(), KubernetesJson.Options);
        return (JsonObject)Sorted(node)!;
    }

    /// <summary>One YAML document per resource, separated by `---`.</summary>
    public static string ToYaml(IEnumerable<KubernetesObject> resources)
    {
        var documents = new List<string>();
        foreach (var resource in resources)
        {
            documents.Add(YamlWriter.Write(ToJsonNode(resource)));
        }

        return string.Join("---\n", documents);
    }

    public static string ToYaml(KubernetesObject resource) => ToYaml([resource]);

    /// <summary>One object as JSON; several as a `v1 List` (as `kubectl get -o json` prints them).</summary>
    public static string ToJson(IEnumerable<KubernetesObject> resources)
    {
        var items = new JsonArray();
        foreach (var resource in resources)
        {
            items.Add(ToJsonNode(resource));
        }

        JsonNode result = items.Count == 1
            ? items[0]!.DeepClone()
            : new JsonObject { ["apiVersion"] = "v1", ["items"] = items, ["kind"] = "List", ["metadata"] = new JsonObject { ["resourceVersion"] = "" } };
        return result.ToJsonString(IndentedOptions) + "\n";
    }

    public static string ToJson(KubernetesObject resource) => ToJson([resource]);

    /// <summary>
    /// Recreates the tree with keys sorted at every level: kubectl prints custom resources from unstructured maps,
    /// so its YAML and JSON both list keys alphabetically (which puts apiVersion, kind, metadata, spec, status
    /// in that order).
    /// </summary>
    private static JsonNode? Sorted(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
            {
                var keys = new List<string>(obj.Count);
                foreach (var (key, _) in obj)
                {
                    keys.Add(key);
                }

                keys.Sort(StringComparer.Ordinal);
                var result = new JsonObject();
                foreach (var key in keys)
                {
                    if (obj[key] is { } child)
                    {
                        result[key] = Sorted(child);
                    }
                }

                return result;
            }

            case JsonArray array:
            {
                var result = new JsonArray();
                foreach (var item in array)
                {
                    result.Add(Sorted(item));
                }

                return result;
            }

            default:
                return node?.DeepClone();
        }
    }
}
