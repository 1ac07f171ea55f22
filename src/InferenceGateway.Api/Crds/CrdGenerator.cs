using System.Text.Json.Nodes;
using InferenceGateway.Api.Schema;
using InferenceGateway.Api.Serialization;

namespace InferenceGateway.Api.Crds;

/// <summary>One generated CustomResourceDefinition: its file name (as controller-gen names them) and YAML.</summary>
internal sealed record CrdManifest(string FileName, string Yaml, JsonObject Object);

/// <summary>
/// Generates the apiextensions.k8s.io/v1 CustomResourceDefinitions of the custom kinds from the same
/// <see cref="SchemaNode"/> the validator uses: structural schemas with types, lengths, patterns, enums,
/// bounds, item counts, required fields and defaults; status subresource; namespaced.
/// </summary>
internal static class CrdGenerator
{
    /// <summary>
    /// The `api-approved.kubernetes.io` annotation the API server requires on CRDs in a *.k8s.io group (x-k8s.io
    /// groups are exempt): the upstream API review of the v1 InferencePool.
    /// </summary>
    public const string ApiApprovedAnnotation = "https://github.com/kubernetes-sigs/gateway-api-inference-extension/pull/1173";

    /// <summary>The CRDs, one per (group, kind) with every version of it, ordered by file name.</summary>
    public static IReadOnlyList<CrdManifest> Generate()
    {
        var byName = new Dictionary<string, List<ResourceKind>>(StringComparer.Ordinal);
        foreach (var kind in ResourceKinds.All)
        {
            if (!kind.IsCustomResource)
            {
                continue;
            }

            var fileName = $"{kind.Group}_{kind.Plural}.yaml";
            if (!byName.TryGetValue(fileName, out var versions))
            {
                byName[fileName] = versions = [];
            }

            versions.Add(kind);
        }

        var result = new List<CrdManifest>();
        foreach (var (fileName, versions) in byName)
        {
            var crd = Build(versions);
            result.Add(new(fileName, "---\n" + YamlWriter.Write(crd), crd));
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.FileName, b.FileName));
        return result;
    }

    /// <summary>All CRDs as one multi-document YAML stream (what `inference-gateway crds` prints).</summary>
    public static string GenerateYaml()
    {
        var builder = new System.Text.StringBuilder();
        foreach (var crd in Generate())
        {
            builder.Append(crd.Yaml);
        }

        return builder.ToString();
    }

    private static JsonObject Build(IReadOnlyList<ResourceKind> kinds)
    {
        var kind = kinds[0];
        var versions = new JsonArray();
        foreach (var version in kinds)
        {
            versions.Add(BuildVersion(version));
        }

        var annotations = new JsonObject { ["inference-gateway.io/generated-by"] = "inference-gateway crds" };
        if (kind.Group.EndsWith(".k8s.io", StringComparison.Ordinal) && !kind.Group.EndsWith(".x-k8s.io", StringComparison.Ordinal))
        {
            annotations["api-approved.kubernetes.io"] = ApiApprovedAnnotation;
        }

        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject
            {
                ["name"] = $"{kind.Plural}.{kind.Group}",
                ["annotations"] = annotations,
            },
            ["spec"] = new JsonObject
            {
                ["group"] = kind.Group,
                ["names"] = new JsonObject
                {
                    ["kind"] = kind.Kind,
                    ["listKind"] = kind.ListKind,
                    ["plural"] = kind.Plural,
                    ["singular"] = kind.Singular,
                },
                ["scope"] = "Namespaced",

                // Versions share one storage version and are not converted: the API server only rewrites apiVersion.
                ["conversion"] = new JsonObject { ["strategy"] = "None" },
                ["versions"] = versions,
            },
        };
    }

    private static JsonObject BuildVersion(ResourceKind kind)
    {
        var version = new JsonObject
        {
            ["name"] = kind.Version,
            ["served"] = true,
            ["storage"] = kind.IsStorageVersion,
            ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
            ["schema"] = new JsonObject { ["openAPIV3Schema"] = ToOpenApi(kind.Schema, isRoot: true) },
        };

        var columns = new JsonArray();
        foreach (var column in kind.PrinterColumns)
        {
            columns.Add(new JsonObject { ["name"] = column.Name, ["type"] = column.Type, ["jsonPath"] = column.JsonPath });
        }

        if (columns.Count > 0)
        {
            version["additionalPrinterColumns"] = columns;
        }

        return version;
    }

    /// <summary>A structural schema node: every level typed, only keywords the API server allows.</summary>
    internal static JsonObject ToOpenApi(SchemaNode node, bool isRoot = false)
    {
        var result = new JsonObject();
        if (node.Description is { } description)
        {
            result["description"] = description;
        }

        result["type"] = node.Type.ToString().ToLowerInvariant();
        if (node.IsObjectMeta)
        {
            // The API server validates metadata itself; a CRD may not constrain it beyond `type: object`.
            return new JsonObject { ["type"] = "object" };
        }

        switch (node.Format)
        {
            case SchemaFormat.Int32:
                result["format"] = "int32";
                break;
            case SchemaFormat.Int64:
                result["format"] = "int64";
                break;
            case SchemaFormat.DateTime:
                result["format"] = "date-time";
                break;
        }

        if (node.Enum is { } values)
        {
            var array = new JsonArray();
            foreach (var value in values)
            {
                array.Add(value);
            }

            result["enum"] = array;
        }

        SetIfPresent(result, "minLength", node.MinLength);
        SetIfPresent(result, "maxLength", node.MaxLength);
        if (node.Pattern is { } pattern)
        {
            result["pattern"] = pattern;
        }

        SetIfPresent(result, "minimum", node.Minimum);
        SetIfPresent(result, "maximum", node.Maximum);
        SetIfPresent(result, "minItems", node.MinItems);
        SetIfPresent(result, "maxItems", node.MaxItems);
        SetIfPresent(result, "minProperties", node.MinProperties);
        SetIfPresent(result, "maxProperties", node.MaxProperties);
        if (node.Default is { } defaultValue)
        {
            result["default"] = defaultValue.DeepClone();
        }

        if (node.Items is { } items)
        {
            result["items"] = ToOpenApi(items);
        }

        if (node.AdditionalProperties is { } additional)
        {
            result["additionalProperties"] = ToOpenApi(additional);
        }

        if (node.Properties.Count > 0)
        {
            var properties = new JsonObject();
            foreach (var (name, property) in node.Properties)
            {
                properties[name] = ToOpenApi(property);
            }

            result["properties"] = properties;
            var required = new JsonArray();
            foreach (var name in node.Required)
            {
                // apiVersion, kind and metadata are the API server's business, not the schema's.
                if (!(isRoot && name is "apiVersion" or "kind" or "metadata"))
                {
                    required.Add(name);
                }
            }

            if (required.Count > 0)
            {
                result["required"] = required;
            }
        }

        if (node.PreserveUnknownFields)
        {
            result["x-kubernetes-preserve-unknown-fields"] = true;
        }

        if (node.Rules.Count > 0)
        {
            var rules = new JsonArray();
            foreach (var rule in node.Rules)
            {
                rules.Add(new JsonObject { ["message"] = rule.Message, ["rule"] = rule.Rule });
            }

            result["x-kubernetes-validations"] = rules;
        }

        return result;
    }

    private static void SetIfPresent(JsonObject target, string name, long? value)
    {
        if (value is { } v)
        {
            target[name] = v;
        }
    }
}
