using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InferenceGateway.Api.Tests;

/// <summary>
/// An independent re-statement of the API server's structural-schema rules for apiextensions.k8s.io/v1 CRDs
/// (written from the Kubernetes docs, not from the generator), so the generator's output is checked against
/// them rather than against itself.
/// </summary>
internal static class StructuralSchema
{
    private static readonly HashSet<string> Allowed =
    [
        "description", "type", "format", "title", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "enum",
        "maxProperties", "minProperties", "required", "items", "properties", "additionalProperties", "nullable",
        "default", "example", "externalDocs", "allOf", "anyOf", "oneOf", "not",
        "x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type", "x-kubernetes-validations",
    ];

    private static readonly HashSet<string> Types = ["object", "array", "string", "integer", "number", "boolean"];

    private static readonly HashSet<string> KnownFormats =
    [
        "bsonobjectid", "uri", "email", "hostname", "ipv4", "ipv6", "cidr", "mac", "uuid", "uuid3", "uuid4", "uuid5",
        "isbn", "isbn10", "isbn13", "creditcard", "ssn", "hexcolor", "rgbcolor", "byte", "password", "date", "duration",
        "date-time", "datetime", "int32", "int64", "float", "double",
    ];

    /// <summary>Every problem found in a CRD object (empty when the API server would accept it).</summary>
    public static List<string> Check(JsonObject crd)
    {
        var problems = new List<string>();
        Expect(problems, (string?)crd["apiVersion"] == "apiextensions.k8s.io/v1", "apiVersion must be apiextensions.k8s.io/v1");
        Expect(problems, (string?)crd["kind"] == "CustomResourceDefinition", "kind must be CustomResourceDefinition");
        var spec = crd["spec"] as JsonObject;
        if (spec is null)
        {
            problems.Add("spec missing");
            return problems;
        }

        var names = spec["names"] as JsonObject;
        var plural = (string?)names?["plural"];
        Expect(problems, plural is not null && (string?)names!["singular"] is not null && (string?)names["kind"] is not null && (string?)names["listKind"] is not null, "names need plural, singular, kind, listKind");
        Expect(problems, (string?)crd["metadata"]?["name"] == $"{plural}.{(string?)spec["group"]}", "metadata.name must be <plural>.<group>");
        Expect(problems, (string?)spec["scope"] is "Namespaced" or "Cluster", "scope must be Namespaced or Cluster");
        var versions = spec["versions"] as JsonArray ?? [];
        Expect(problems, versions.Count > 0, "at least one version");
        Expect(problems, versions.Count(v => (bool?)v?["storage"] == true) == 1, "exactly one storage version");
        foreach (var version in versions.OfType<JsonObject>())
        {
            var name = (string?)version["name"];
            Expect(problems, (bool?)version["served"] == true, $"{name}: served");
            Expect(problems, version["subresources"]?["status"] is JsonObject { Count: 0 }, $"{name}: subresources.status: {{}}");
            if (version["schema"]?["openAPIV3Schema"] is not JsonObject root)
            {
                problems.Add($"{name}: schema.openAPIV3Schema missing");
                continue;
            }

            Expect(problems, (string?)root["type"] == "object", $"{name}: root type must be object");
            if (root["properties"]?["metadata"] is JsonObject metadata)
            {
                Expect(problems, metadata.Count == 1 && (string?)metadata["type"] == "object", $"{name}: metadata may only be `type: object`");
            }

            CheckNode(root, "openAPIV3Schema", problems);
        }

        return problems;
    }

    private static void CheckNode(JsonObject node, string path, List<string> problems)
    {
        foreach (var (key, _) in node)
        {
            Expect(problems, Allowed.Contains(key), $"{path}: unsupported keyword {key}");
        }

        var type = (string?)node["type"];
        var untyped = (bool?)node["x-kubernetes-int-or-string"] == true || (bool?)node["x-kubernetes-preserve-unknown-fields"] == true;
        Expect(problems, type is not null || untyped, $"{path}: type missing");
        Expect(problems, type is null || Types.Contains(type), $"{path}: unknown type {type}");
        Expect(problems, !(node.ContainsKey("properties") && node.ContainsKey("additionalProperties")), $"{path}: properties and additionalProperties together");
        if ((string?)node["format"] is { } format)
        {
            Expect(problems, KnownFormats.Contains(format), $"{path}: unknown format {format}");
        }

        if (type == "array")
        {
            if (node["items"] is JsonObject items)
            {
                CheckNode(items, path + ".items", problems);
            }
            else
            {
                problems.Add($"{path}: array without a single items schema");
            }
        }

        if (node["properties"] is JsonObject properties)
        {
            Expect(problems, type == "object", $"{path}: properties on a non-object");
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject childNode)
                {
                    CheckNode(childNode, $"{path}.properties.{name}", problems);
                }
            }

            foreach (var required in node["required"] as JsonArray ?? [])
            {
                Expect(problems, properties.ContainsKey((string)required!), $"{path}: required {required} is not a property");
            }
        }

        if (node["additionalProperties"] is JsonObject additional)
        {
            CheckNode(additional, path + ".additionalProperties", problems);
        }

        if (node["default"] is { } value)
        {
            CheckDefault(value, node, path, problems);
        }
    }

    /// <summary>The API server validates each default against its own schema and prunes nothing from it.</summary>
    private static void CheckDefault(JsonNode value, JsonObject node, string path, List<string> problems)
    {
        var kind = value.GetValueKind();
        var type = (string?)node["type"];
        var matches = type switch
        {
            "string" => kind == JsonValueKind.String,
            "integer" => kind == JsonValueKind.Number && Math.Floor(Number(value)) == Number(value),
            "number" => kind == JsonValueKind.Number,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "object" => kind == JsonValueKind.Object,
            "array" => kind == JsonValueKind.Array,
            _ => false,
        };
        Expect(problems, matches, $"{path}: default has the wrong type");
        if (!matches)
        {
            return;
        }

        if (node["enum"] is JsonArray allowed)
        {
            Expect(problems, allowed.Any(a => JsonNode.DeepEquals(a, value)), $"{path}: default not in enum");
        }

        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            Expect(problems, node["maxLength"] is null || text.Length <= (long)node["maxLength"]!, $"{path}: default longer than maxLength");
            Expect(problems, node["minLength"] is null || text.Length >= (long)node["minLength"]!, $"{path}: default shorter than minLength");
            Expect(problems, node["pattern"] is null || Regex.IsMatch(text, (string)node["pattern"]!), $"{path}: default does not match pattern");
        }

        if (kind == JsonValueKind.Number)
        {
            var number = Number(value);
            Expect(problems, node["maximum"] is null || number <= Number(node["maximum"]!), $"{path}: default above maximum");
            Expect(problems, node["minimum"] is null || number >= Number(node["minimum"]!), $"{path}: default below minimum");
        }
    }

    private static double Number(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static void Expect(List<string> problems, bool condition, string problem)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }
}
