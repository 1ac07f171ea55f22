using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Serialization;

/// <summary>
/// Writes resources back as YAML or JSON that reads like `kubectl get -o yaml|json`: apiVersion, kind, metadata,
/// spec, status; nulls left out; timestamps as RFC 3339 UTC seconds (2024-01-02T03:04:05Z). What it writes,
/// <see cref="ManifestReader"/> reads back to the same objects.
/// </summary>
public static class ManifestWriter
{
    private static readonly JsonSerializerOptions IndentedOptions = new(KubernetesJson.Options) { WriteIndented = true, IndentSize = 4 };

    /// <summary>The object as a JSON tree: fields in schema order, map keys sorted, nulls omitted.</summary>
    public static JsonObject ToJsonNode(KubernetesObject resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var node = JsonSerializer.SerializeToNode(resource, resource.GetType(), KubernetesJson.Options)!.AsObject();
        var kind = ResourceKinds.For(resource);
        return kind is null ? node : (JsonObject)Normalize(node, kind.Schema)!;
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

    /// <summary>Recreates objects with properties in schema order and map keys sorted, so output is stable.</summary>
    private static JsonNode? Normalize(JsonNode? node, SchemaNode schema)
    {
        switch (node)
        {
            case JsonObject obj when schema.AdditionalProperties is not null:
            {
                var keys = new List<string>();
                foreach (var (key, _) in obj)
                {
                    keys.Add(key);
                }

                keys.Sort(StringComparer.Ordinal);
                var result = new JsonObject();
                foreach (var key in keys)
                {
                    result[key] = Normalize(obj[key]?.DeepClone(), schema.AdditionalProperties);
                }

                return result;
            }

            case JsonObject obj when schema.Properties.Count > 0:
            {
                var result = new JsonObject();
                foreach (var (name, property) in schema.Properties)
                {
                    if (obj[name] is { } child)
                    {
                        result[name] = Normalize(child.DeepClone(), property);
                    }
                }

                foreach (var (key, child) in obj)
                {
                    if (!result.ContainsKey(key) && child is not null)
                    {
                        result[key] = child.DeepClone();
                    }
                }

                return result;
            }

            case JsonArray array when schema.Items is not null:
            {
                var result = new JsonArray();
                foreach (var item in array)
                {
                    result.Add(Normalize(item?.DeepClone(), schema.Items));
                }

                return result;
            }

            default:
                return node;
        }
    }
}
